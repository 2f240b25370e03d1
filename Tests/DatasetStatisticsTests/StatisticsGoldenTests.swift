import DatasetSources
import ImageCodecs
import DatasetStatistics
import Foundation
import TestSupport
import XCTest

/// Mean, std and per-image std mean agree with NumPy float64 (the reference values in
/// Tests/Fixtures/golden-stats/dataset_stats.json) to 1e-6.
final class StatisticsGoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Group: Decodable {
            var images: [String]
            var pixel_count: Int
            var channels: Int
            var mean: [Double]
            var std_population: [Double]
            var mean_of_per_image_std: [Double]
        }
        var groups: [String: Group]
    }

    func testGroupsMatchNumPy() throws {
        let folder = Fixtures.fixture("golden-stats")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/dataset_stats.json"))
        let golden = try JSONDecoder().decode(Golden.self, from: data)
        XCTAssertEqual(golden.groups.count, 3)
        for (name, group) in golden.groups {
            let paths = group.images.map { folder + "/" + ($0 as NSString).lastPathComponent }
            let dataset = try Dataset.listing(paths)
            // --color auto: the gray group stays 1 channel; any colour image makes all 3
            // (gray replicated, as convert("RGB")), which is the all_inputs_as_rgb group.
            let report = StatisticsReport(StatisticsRunner(color: .auto, workers: 2).run(dataset).accumulator)
            XCTAssertEqual(report.images, paths.count, name)
            XCTAssertEqual(report.channels, group.channels, name)
            XCTAssertEqual(report.pixels, UInt128(group.pixel_count), name)
            assertClose(report.mean, group.mean, atol: 1e-6, name)
            assertClose(report.std, group.std_population, atol: 1e-6, name)
            assertClose(report.perImageStdMean, group.mean_of_per_image_std, atol: 1e-6, name)
        }
    }
}
