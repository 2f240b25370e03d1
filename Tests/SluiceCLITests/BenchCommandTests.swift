import Foundation
import TestSupport
import XCTest

/// `sluice bench --suite pipeline`: one row per worker count, with figures that are measured
/// (positive, finite) and ratios that are those figures' (a broken pass would give zeros).
final class BenchCommandTests: XCTestCase {
    func testPipelineSuiteReportsFeederDecodeAndShardFigures() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let pipeline = folder + "/fashion.yaml"
        try """
        version: 1
        data:
          train: {folder: \(Fixtures.sample("fashion-mnist/test"))}
        decode: {color: gray}
        transforms:
          train:
            - random_crop: {size: 28, padding: 2}
            - to_float: {}
            - normalize: {mean: [0.2860], std: [0.3530]}
        loader: {batch_size: 8, shuffle: true}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let json = folder + "/bench.json"
        let result = try SluiceRunner.run(["bench", "--suite", "pipeline", "--pipeline", pipeline, "--workers", "1", "2",
                                           "--repeats", "2", "--json", json])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("feeder/decode"), result.stdout)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["workers"] as? Int }, [1, 2])
        for row in rows {
            XCTAssertEqual(row["images"] as? Int, 50)
            for key in ["images_per_second", "decode_images_per_second", "images_per_cpu_second", "decode_images_per_cpu_second",
                        "from_shards_images_per_second"] {
                let value = try XCTUnwrap(row[key] as? Double, key)
                XCTAssertTrue(value.isFinite && value > 0, "\(key): \(value)")
            }
            let ratio = try XCTUnwrap(row["ratio_vs_decode"] as? Double)
            let low = try XCTUnwrap(row["ratio_vs_decode_min"] as? Double), high = try XCTUnwrap(row["ratio_vs_decode_max"] as? Double)
            XCTAssertTrue(low <= ratio && ratio <= high && low > 0, "\(low) \(ratio) \(high)")
        }
    }
}
