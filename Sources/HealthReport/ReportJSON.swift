import DatasetStatistics
import Foundation

/// `report.json`: the page's content for scripts. Keys sorted, no timings, so that a report
/// merged from ranks is byte for byte the one of a single run.
struct ReportJSON {
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

    /// An image: its measurements with its scores (by check name) and thumbnail.
    struct Entry {
        var measurements: ImageHealth
        var scores: [(String, Double)]
        var thumbnail: String?

        /// The entry as a JSON object, keys sorted (written in their order).
        var json: String {
            let image = measurements
            var out = "{\"brightness_p5\":\(number(image.brightness5)),\"brightness_p99\":\(number(image.brightness99))"
            if let name = image.className { out += ",\"class\":" + text(name) }
            out += ",\"digest\":\"\(image.digest)\",\"edge_std\":\(number(image.edgeStd)),\"entropy\":\(number(image.entropy))"
            out += ",\"grayscale\":\(image.grayscale),\"height\":\(image.height),\"histogram_std\":\(number(image.histogramStd))"
            out += ",\"index\":\(image.index),\"path\":" + text(image.path) + ",\"phash\":\"\(ImageHealth.hex(image.phash))\",\"scores\":{"
            out += scores.sorted { $0.0 < $1.0 }.map { "\"\($0.0)\":\(number($0.1))" }.joined(separator: ",") + "}"
            if let thumbnail { out += ",\"thumbnail\":" + text(thumbnail) }
            return out + ",\"width\":\(image.width)}"
        }

        /// Shortest digits that read back as the same Double, as JSONEncoder writes them.
        private func number(_ value: Double) -> String {
            value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)") : "null"
        }

        /// A JSON string: quotes, backslashes and control characters escaped.
        private func text(_ value: String) -> String {
            if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                return "\"" + value + "\""
            }
            var result = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\t": result += "\\t"
                case "\r": result += "\\r"
                case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
                default: result.unicodeScalars.append(scalar)
                }
            }
            return result + "\""
        }
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
            return Entry(measurements: image, scores: HealthCheck.allCases.map { ($0.rawValue, findings.scores[$0]![index]) },
                         thumbnail: thumbnails[index])
        }
        failed = statistics.failed
    }

    /// Compact, keys sorted, one line per image. The image list is written directly: JSONEncoder
    /// takes seconds over the tens of megabytes of a 60,000-image dataset.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func value(_ item: some Encodable) throws -> String { String(decoding: try encoder.encode(item), as: UTF8.self) }
        let fields: [(String, String)] = [
            ("aspect_ratios", try value(aspect_ratios)), ("checks", try value(checks)),
            ("exact_duplicates", try value(exact_duplicates)), ("failed", try value(failed)),
            ("histograms", try value(histograms)), ("images", "[\n" + images.map(\.json).joined(separator: ",\n") + "\n]"),
            ("issues", try value(issues)), ("near_duplicates", try value(near_duplicates)),
            ("summary", try value(summary)), ("title", try value(title)),
        ]
        return Data(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",\n") + "}\n").utf8)
    }
}
