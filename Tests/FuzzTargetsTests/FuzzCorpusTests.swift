import FuzzTargets
import Foundation
import TensorCore
import TestSupport
import XCTest

/// The fuzz targets' seed corpora (`Tests/Fixtures/fuzz/TARGET/`) and every input that once
/// made a parser crash or mislead (`Tests/Fixtures/fuzz/crashers/TARGET-*`) replay without a
/// finding; `make fuzz` searches for new ones with libFuzzer.
final class FuzzCorpusTests: XCTestCase {
    private func inputs(_ folder: String) -> [(name: String, bytes: [UInt8])] {
        let path = Fixtures.fixture("fuzz/" + folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: path + "/" + name).map { (name, Array($0)) }
        }
    }

    func testEverySeedCorpusReplaysWithoutFindings() {
        for target in FuzzTarget.allCases {
            let corpus = inputs(target.rawValue)
            XCTAssertFalse(corpus.isEmpty, "\(target.rawValue) has no seed corpus")
            for (name, bytes) in corpus {
                for input in target.everyWay(bytes) { XCTAssertNil(target.run(input), "\(target.rawValue)/\(name)") }
            }
        }
    }

    func testCrashersStayFixed() {
        for (name, bytes) in inputs("crashers") {
            // The longest name that prefixes it: png-differential-... is not png's.
            guard let target = FuzzTarget.allCases.filter({ name.hasPrefix($0.rawValue + "-") }).max(by: { $0.rawValue.count < $1.rawValue.count }) else {
                return XCTFail("crashers/\(name): name it TARGET-..., TARGET one of \(FuzzTarget.allCases.map(\.rawValue))")
            }
            XCTAssertNil(target.run(bytes), "crashers/\(name)")
        }
    }

    /// A few hundred deterministic mutations of each seed (bytes flipped, cut, repeated) through
    /// every target: a quick check in every test run; the search itself is `make fuzz`.
    func testMutatedSeedsEndInAValueOrATypedError() {
        var generator = SampleRNG(seed: 19, epoch: 0, index: 0)
        for target in FuzzTarget.allCases {
            let corpus = inputs(target.rawValue)
            for round in 0..<400 {
                var bytes = corpus[round % corpus.count].bytes
                guard !bytes.isEmpty else { continue }
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 4 {
                    case 0: bytes[position] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                    case 1: bytes.removeSubrange(position...)
                    case 2: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 16)], at: position)
                    default: bytes[position] = [0x00, 0xFF, 0x7F, 0x80][Int(generator.next() % 4)]
                    }
                    if bytes.isEmpty { break }
                }
                XCTAssertNil(target.run(bytes), "\(target.rawValue), mutation \(round)")
            }
        }
    }
}
