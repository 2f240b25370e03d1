import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// `auto_augment`, `rand_augment` and `trivial_augment_wide` against torchvision 0.29 on PIL images
/// (Tests/Fixtures/golden-augment, made by its make_golden_augment.py): every op at fixed signed
/// magnitudes byte for byte, the magnitude tables value for value, and the ops and magnitudes the
/// policies choose over 20,000 calls (chi-square homogeneity against torchvision's counts).
final class AutoAugmentTests: XCTestCase {
    private let folder = Fixtures.fixture("golden-augment")

    private func manifest() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
    }

    func testEveryOpGivesTorchvisionsBytes() throws {
        let cases = try XCTUnwrap(try manifest()["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 81)
        for item in cases {
            let file = try XCTUnwrap(item["expected"] as? String)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("golden/inputs/" + (try XCTUnwrap(item["input"] as? String))))))
            var sample = SampleBuffer(image: try ImageDecoder().decode(bytes))
            let op = try XCTUnwrap(AugmentOp(rawValue: try XCTUnwrap(item["op"] as? String)))
            try op.apply(&sample, magnitude: try XCTUnwrap(item["magnitude"] as? Double),
                         filter: try XCTUnwrap(AffineWarp.Filter(rawValue: try XCTUnwrap(item["interpolation"] as? String))),
                         fill: [UInt8(try XCTUnwrap(item["fill"] as? Int))])
            let expected = try NumPyFile(path: folder + "/" + file)
            guard case .uint8(let reference) = expected.values else { return XCTFail("\(file): not uint8") }
            XCTAssertEqual(sample.image.shape, expected.shape, file)
            let differing = zip(sample.image.pixels, reference).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(file): \(differing) of \(reference.count) values differ")
        }
    }

    func testMagnitudeTablesAreTorchvisions() throws {
        let tables = try XCTUnwrap(try manifest()["tables"] as? [String: Any])
        XCTAssertEqual(tables.count, 2 * 2 * 15 - 2)
        for (key, value) in tables {
            let parts = key.split(separator: "-")
            let space: AugmentOp.Space = parts[0] == "wide" ? .wide : .standard
            let op = try XCTUnwrap(AugmentOp(rawValue: String(parts[2])))
            let ours = space.magnitudes(op, bins: Int(parts[1])!, width: 101, height: 77)
            XCTAssertEqual(ours, (value as? [Double])?.map(Float.init), key)
        }
    }

    /// Chi-square homogeneity of two count tables over the same categories (equal totals): the
    /// statistic and its 0.001 critical value (Wilson-Hilferty).
    private func homogeneous(_ ours: [String: Int], _ theirs: [String: Int], _ label: String) {
        let keys = Set(ours.keys).union(theirs.keys)
        var statistic = 0.0
        for key in keys {
            let a = Double(ours[key] ?? 0), b = Double(theirs[key] ?? 0)
            statistic += (a - b) * (a - b) / (a + b)
        }
        let df = Double(keys.count - 1), z = 3.09
        let critical = df * pow(1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot(), 3)
        XCTAssertLessThan(statistic, critical, "\(label): chi-square \(statistic) over \(keys.count) categories")
    }

    func testPoliciesChooseOpsAndMagnitudesAsTorchvision() throws {
        let manifest = try manifest()
        let draws = try XCTUnwrap(manifest["draws"] as? [String: [String: Int]])
        let calls = try XCTUnwrap(manifest["calls"] as? Int)
        let policies: [(String, any AugmentPolicy)] = [
            ("auto_augment-cifar10", try AutoAugmentTransform(policy: .cifar10)),
            ("auto_augment-imagenet", try AutoAugmentTransform(policy: .imagenet)),
            ("auto_augment-svhn", try AutoAugmentTransform(policy: .svhn)),
            ("rand_augment-2-9-31", try RandAugmentTransform(numOps: 2, magnitude: 9, bins: 31)),
            ("trivial_augment_wide-31", try TrivialAugmentWideTransform(bins: 31)),
        ]
        for (name, policy) in policies {
            let theirs = try XCTUnwrap(draws[name], name)
            var ours: [String: Int] = [:], oursByOp: [String: Int] = [:], theirsByOp: [String: Int] = [:]
            for index in 0..<calls {
                var generator = SampleRNG(seed: 4, epoch: 1, index: UInt64(index))
                for (op, magnitude) in policy.draws(width: 101, height: 77, using: &generator) {
                    ours["\(op.rawValue) \(magnitude)", default: 0] += 1
                    oursByOp[op.rawValue, default: 0] += 1
                }
            }
            for (key, count) in theirs { theirsByOp[String(key.split(separator: " ")[0]), default: 0] += count }
            // Every op and magnitude one side chose, the other chose too (the rarest expected ~30 times).
            XCTAssertEqual(Set(ours.keys), Set(theirs.keys), name)
            homogeneous(oursByOp, theirsByOp, name + " ops")
            homogeneous(ours, theirs, name + " ops and magnitudes")
        }
    }

    func testPolicyParametersAreChecked() throws {
        XCTAssertThrowsError(try RandAugmentTransform(magnitude: 31, bins: 31))
        XCTAssertThrowsError(try RandAugmentTransform(numOps: -1))
        XCTAssertThrowsError(try TrivialAugmentWideTransform(bins: 1))
        XCTAssertThrowsError(try AutoAugmentTransform(fill: [1, 2]).outputShape(.image(height: 8, width: 8, channels: 3)))
        XCTAssertEqual(try AutoAugmentTransform().outputShape(.image(height: 8, width: 9, channels: 3)), .image(height: 8, width: 9, channels: 3))
        var generator = SampleRNG(seed: 0, epoch: 0, index: 0)
        XCTAssertEqual(try RandAugmentTransform(numOps: 0).draws(width: 8, height: 8, using: &generator).count, 0)
    }
}
