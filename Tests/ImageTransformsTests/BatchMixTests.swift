import Foundation
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// `mixup` and `cutmix` against torchvision 0.29's MixUp and CutMix (Tests/Fixtures/golden-mix,
/// made by its make_golden_mix.py): the mixed batch and soft targets bit for bit at fixed draws,
/// and the draws (lam; CutMix's box and adjusted lam) against 20,000 of torchvision's.
final class BatchMixTests: XCTestCase {
    private let folder = Fixtures.fixture("golden-mix")

    private func manifest() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
    }

    private func floats(_ file: String) throws -> [Float] {
        guard case .float32(let values) = try NumPyFile(path: folder + "/" + file).values else { throw XCTSkip("\(file) is not float32") }
        return values
    }

    func testMixedBatchesAndTargetsAreTorchvisions() throws {
        let manifest = try manifest()
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        guard case .int64(let labels) = try NumPyFile(path: folder + "/labels.npy").values else { return XCTFail("labels are not int64") }
        for item in cases {
            var batch = try floats("batch.npy")
            let lam = try XCTUnwrap(item["lam"] as? Double)
            var draw = BatchMix.Draw(lam: lam, box: nil)
            if let box = item["box"] as? [Int] { draw.box = (box[0], box[1], box[2], box[3]) }
            let targets = batch.withUnsafeMutableBufferPointer { values in
                BatchMix.apply(draw, images: values, count: 5, channels: 3, height: 8, width: 10, labels: labels, classes: 7)
            }
            let name = try XCTUnwrap(item["expected"] as? String)
            XCTAssertEqual(batch.map(\.bitPattern), try floats(name).map(\.bitPattern), name)
            XCTAssertEqual(targets.shape, [5, 7])
            XCTAssertEqual(targets.values.map(\.bitPattern), try floats(try XCTUnwrap(item["targets"] as? String)).map(\.bitPattern), name)
        }
    }

    func testDrawsFollowTorchvision() throws {
        let draws = try XCTUnwrap(try manifest()["draws"] as? [String: String])
        for alpha in [0.2, 1.0] {
            let theirs = try floats(try XCTUnwrap(draws["mixup-\(alpha)"])).map(Double.init)
            let ours: [Double] = (0..<theirs.count).map { index in
                var generator = SampleRNG(seed: 2, epoch: 5, index: UInt64(index))
                return BatchMix.mixup(alpha: alpha).draw(width: 32, height: 32, using: &generator).lam
            }
            let statistic = ParameterDistributionTests.ksStatistic(ours, theirs)
            XCTAssertLessThan(statistic, ParameterDistributionTests.ksCritical(ours.count, theirs.count), "mixup alpha \(alpha)")
        }
        let values = try floats(try XCTUnwrap(draws["cutmix-1.0"])).map(Double.init)
        let theirs = stride(from: 0, to: values.count, by: 5).map { Array(values[$0..<($0 + 5)]) }
        let ours: [[Double]] = (0..<theirs.count).map { index in
            var generator = SampleRNG(seed: 2, epoch: 5, index: UInt64(index))
            let draw = BatchMix.cutmix(alpha: 1).draw(width: 32, height: 32, using: &generator)
            let box = try! XCTUnwrap(draw.box)
            return [draw.lam, Double(box.x1), Double(box.y1), Double(box.x2), Double(box.y2)]
        }
        for (k, name) in ["lam", "x1", "y1", "x2", "y2"].enumerated() {
            let statistic = ParameterDistributionTests.ksStatistic(ours.map { $0[k] }, theirs.map { $0[k] })
            XCTAssertLessThan(statistic, ParameterDistributionTests.ksCritical(ours.count, theirs.count), "cutmix \(name)")
        }
    }

    func testBadAlphaIsRefused() {
        XCTAssertThrowsError(try BatchMix.validated(.mixup(alpha: 0)))
        XCTAssertThrowsError(try BatchMix.validated(.cutmix(alpha: -1)))
        XCTAssertNoThrow(try BatchMix.validated(.cutmix(alpha: 0.4)))
    }
}
