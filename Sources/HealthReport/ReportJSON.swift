import DatasetStatistics
import Foundation

/// `report.json`: the page's content for scripts. Keys sorted, no timings, so that a report
/// merged from ranks is byte for byte the one of a single run.
struct ReportJSON: Encodable {
    struct Summary: Encodable {
        var images: Int
        var failed: Int
        var channels: Int
        var mean: [Double]
        var std: [Double]
        var min: [Double]
        var max: [Double]
        var per_image_std_mean: [Double]
        var width: StatisticsReport.SizeSummary?
        var height: StatisticsReport.SizeSummary?
        var formats: [String: Int]
        var classes: [String: Int]
        var color: String
        var other_files: Int
    }

    struct Check: Encodable {
        var definition: String
        var count: Int
    }

    struct Histograms: Encodable {
        var channels: [String]
        var counts: [[UInt64]]
    }

    struct Entry: Encodable {
        var path: String
        var `class`: String?
        var width: Int
        var height: Int
        var grayscale: Bool
        var scores: [String: Double]
        var measurements: ImageHealth
        var thumbnail: String?
    }

    var title: String
    var summary: Summary
    var checks: [String: Check]
    var issues: [String: [String]]
    var exact_duplicates: [[String]]
    var near_duplicates: [[String]]
    var histograms: Histograms
    var aspect_ratios: [String: Int]
    var images: [Entry]
    var failed: [StatisticsAccumulator.Failure]

    init(report: HealthReport, thumbnails: [Int: String]) {
        let statistics = report.statistics, findings = report.findings, images = report.records.images
        title = report.title
        summary = Summary(
            images: statistics.images, failed: statistics.failed.count, channels: statistics.channels, mean: statistics.mean,
            std: statistics.std, min: statistics.min, max: statistics.max, per_image_std_mean: statistics.perImageStdMean,
            width: statistics.width, height: statistics.height, formats: statistics.formats, classes: statistics.classes,
            color: statistics.color.rawValue, other_files: statistics.otherFiles)
        var checks: [String: Check] = [:], issues: [String: [String]] = [:]
        for check in HealthCheck.allCases {
            let flagged = findings.flagged[check] ?? []
            checks[check.rawValue] = Check(definition: check.definition, count: flagged.count)
            issues[check.rawValue] = flagged.map { images[$0].path }
        }
        self.checks = checks
        self.issues = issues
        exact_duplicates = findings.exactDuplicates.map { $0.map { images[$0].path } }
        near_duplicates = findings.nearDuplicates.map { $0.map { images[$0].path } }
        let channels = report.histograms
        histograms = Histograms(channels: channels.map(\.name), counts: channels.map(\.counts))
        aspect_ratios = Dictionary(uniqueKeysWithValues: report.aspectRatioBins.map { ($0.label, $0.count) })
        self.images = images.indices.map { index in
            let image = images[index]
            return Entry(path: image.path, class: image.className, width: image.width, height: image.height, grayscale: image.grayscale,
                         scores: Dictionary(uniqueKeysWithValues: HealthCheck.allCases.map { ($0.rawValue, findings.scores[$0]![index]) }),
                         measurements: image, thumbnail: thumbnails[index])
        }
        failed = statistics.failed
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
