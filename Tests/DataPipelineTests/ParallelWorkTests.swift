@testable import DataPipeline
import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import Synchronization
import TensorCore
import TestSupport
import XCTest

/// The one way samples are made in parallel (`ParallelWork`) and what becomes of them
/// (`SampleReader.attempt`, `keepSuccesses`).
final class ParallelWorkTests: XCTestCase {
    func testEveryItemRunsOnceAndComesBackInItemOrder() {
        for threads in [1, 2, 3, 8] {
            for count in [0, 1, 7, 500] {
                let runs = Atomic<Int>(0)
                let values = ParallelWork.map(count, threads: threads, state: { thread in (thread, [Int]()) }) { state, item in
                    runs.add(1, ordering: .relaxed)
                    state.1.append(item)
                    return item * item
                }
                XCTAssertEqual(values, (0..<count).map { $0 * $0 }, "\(threads) threads, \(count) items")
                XCTAssertEqual(runs.load(ordering: .relaxed), count)
            }
        }
    }

    func testEachThreadKeepsItsStateAndReturnsIt() {
        let states = ParallelWork.forEach(1000, threads: 3, state: { thread in (thread: thread, items: [Int]()) }) { state, item in
            state.items.append(item)
            return true
        }
        XCTAssertEqual(states.map(\.thread), Array(0..<states.count), "in thread order")
        XCTAssertLessThanOrEqual(states.count, 3)
        XCTAssertEqual(states.flatMap(\.items).sorted(), Array(0..<1000), "each item in one state, once")
        for state in states { XCTAssertEqual(state.items, state.items.sorted(), "a thread takes items in increasing order") }
    }

    func testAThreadThatStopsLeavesTheRestToTheOthers() {
        // A thread stops after item 10; on one thread nothing past it runs.
        let one = ParallelWork.forEach(100, threads: 1, state: { _ in [Int]() }) { seen, item in
            seen.append(item)
            return item < 10
        }
        XCTAssertEqual(one.flatMap { $0 }, Array(0...10))
    }

    func testSuccessesMoveDownInOrderAndFailuresAreReportedInOrder() {
        let failure = { (name: String) in ImageFileError(path: name, reason: .malformed("bad")) }
        let outcomes: [SampleOutcome<String>] = [.failure(failure("a")), .success("b"), .success("c"), .failure(failure("d")), .success("e")]
        var places = ["a", "b", "c", "d", "e"], moves: [String] = [], failed: [String] = []
        let kept = keepSuccesses(outcomes, move: { from, to in
            places[to] = places[from]
            moves.append("\(from)->\(to)")
        }, onFailure: { failed.append($0.path) })
        XCTAssertEqual(kept.map(\.place), [1, 2, 4])
        XCTAssertEqual(kept.map(\.value), ["b", "c", "e"])
        XCTAssertEqual(Array(places.prefix(3)), ["b", "c", "e"])
        XCTAssertEqual(moves, ["1->0", "2->1", "4->2"])
        XCTAssertEqual(failed, ["a", "d"])
    }

    func testAttemptNamesTheSampleOfAFailedTransform() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let path = folder + "/small.png"
        try Data(ImageEncoder.png(SyntheticImages.gradient(width: 8, height: 6, channels: 3))).write(to: URL(fileURLWithPath: path))
        let reader = SampleReader(dataset: try Dataset.listing([path]), decode: DecodeOptions())
        let crop = try CropTransform(top: 0, left: 0, height: 20, width: 20)
        var sample = SampleBuffer(), generator = SampleRNG(seed: 0, epoch: 0, index: 0)
        let outcome = reader.attempt(0) {
            _ = try reader.read(0, into: &sample)
            try crop.apply(&sample, using: &generator)
        }
        guard case .failure(let error) = outcome else { return XCTFail("a crop outside the image must fail") }
        XCTAssertEqual(error.path, path)
        guard case .malformed(let message) = error.reason else { return XCTFail("\(error.reason)") }
        XCTAssertTrue(message.contains("outside"), message)
        XCTAssertNoThrow(try reader.attempt(0) { try reader.read(0, into: &sample) }.get())
    }
}
