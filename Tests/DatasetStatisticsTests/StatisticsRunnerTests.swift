import DatasetSources
import DatasetStatistics
import Foundation
import ImageCodecs
import TestSupport
import XCTest

final class StatisticsRunnerTests: XCTestCase {
    private let samples = [Fixtures.sample("fashion-mnist"), Fixtures.sample("good"), Fixtures.sample("photos/snake.png"),
                           Fixtures.sample("photos/snake-grayscale.jpg"), Fixtures.sample("bad")]

    func testResultIsIdenticalForAnyNumberOfWorkers() throws {
        let dataset = try Dataset.listing(samples)
        let one = StatisticsRunner(workers: 1).run(dataset).accumulator
        XCTAssertGreaterThan(one.images, 170)
        XCTAssertFalse(one.failed.isEmpty)
        for workers in [2, 3, 8] {
            XCTAssertEqual(StatisticsRunner(workers: workers).run(dataset).accumulator, one, "\(workers) workers")
        }
    }

    /// Property: measuring parts and merging them equals measuring the whole, for any split.
    func testMergedPartsEqualTheWhole() throws {
        let files = Fixtures.files(under: Fixtures.sample("fashion-mnist")) + Fixtures.files(under: Fixtures.sample("good"))
            + Fixtures.files(under: Fixtures.sample("bad/go"))
        for color in ColorMode.allCases {
            let whole = StatisticsRunner(color: color).run(try Dataset.listing(files)).accumulator
            for parts in [2, 3, 7] {
                var merged: StatisticsAccumulator?
                for part in 0..<parts {
                    let slice = stride(from: part, to: files.count, by: parts).map { files[$0] }
                    let partial = StatisticsRunner(color: color).run(try Dataset.listing(slice)).accumulator
                    if merged == nil { merged = partial } else { try merged!.merge(partial) }
                }
                XCTAssertEqual(merged, whole, "\(color) in \(parts) parts")
                XCTAssertEqual(StatisticsReport(merged!), StatisticsReport(whole))
            }
        }
    }

    func testColorModes() throws {
        let gray = try Dataset.listing([Fixtures.sample("fashion-mnist/test")])
        let auto = StatisticsReport(StatisticsRunner(color: .auto).run(gray).accumulator)
        XCTAssertEqual(auto.channels, 1)
        let rgb = StatisticsReport(StatisticsRunner(color: .rgb).run(gray).accumulator)
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.mean, Array(repeating: auto.mean[0], count: 3))
        XCTAssertEqual(rgb.std, Array(repeating: auto.std[0], count: 3))
        XCTAssertEqual(auto.classes.count, 10)
        XCTAssertEqual(auto.classes["3_dress"], 5)
        let colour = try Dataset.listing([Fixtures.sample("photos/snake.png")])
        XCTAssertEqual(StatisticsReport(StatisticsRunner(color: .gray).run(colour).accumulator).channels, 1)
        XCTAssertEqual(StatisticsReport(StatisticsRunner(color: .auto).run(colour).accumulator).channels, 3)
    }

    func testStopOnErrorNamesTheFirstBadFileInSampleOrder() throws {
        let dataset = try Dataset.listing([Fixtures.sample("bad")])
        for workers in [1, 2] {
            let outcome = StatisticsRunner(workers: workers, stopOnError: true).run(dataset)
            XCTAssertEqual(outcome.stoppedAt?.path, Fixtures.sample("bad/empty.png"))
        }
    }

    func testAccumulatorSurvivesJSONExactly() throws {
        let accumulator = StatisticsRunner().run(try Dataset.listing(samples)).accumulator
        let decoded = try JSONDecoder().decode(StatisticsAccumulator.self, from: JSONEncoder().encode(accumulator))
        XCTAssertEqual(decoded, accumulator)
    }

    func testFashionMNISTTrainMatchesPublishedFigures() throws {
        let path = try Fixtures.fashionMNIST("train-images-idx3-ubyte.gz")
        let report = StatisticsReport(StatisticsRunner().run(try Dataset.listing([path])).accumulator)
        XCTAssertEqual(report.images, 60_000)
        XCTAssertEqual(report.classes.values.reduce(0, +), 60_000)
        XCTAssertEqual(String(format: "%.4f", report.mean[0]), "0.2860")
        XCTAssertEqual(String(format: "%.4f", report.std[0]), "0.3530")
    }
}
