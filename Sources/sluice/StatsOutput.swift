import DatasetStatistics
import Foundation
import HealthReport

/// How `sluice stats` shows and saves its results.
enum StatsOutput {
    /// The part of a saved JSON that `stats merge` reads back.
    struct Partial: Decodable {
        var exact: StatisticsAccumulator
        var seconds: Double?
        var class_names: [String]?
        var inputs: [String]?
    }

    /// Writes `report.json(seconds:)` to `path` ('-': stdout).
    static func writeJSON(_ report: StatisticsReport, seconds: Double, inputs: [String]?, to path: String) throws {
        let data = try report.json(seconds: seconds, inputs: inputs)
        if path == "-" {
            FileHandle.standardOutput.write(data)
        } else {
            try OutputFile.write(data, to: path)
        }
    }

    /// Writes the health report of `report` into `folder` and says where it is.
    static func writeReport(_ report: StatisticsReport, title: String, to folder: String, workers: Int, quiet: Bool) throws {
        do {
            let health = try HealthReport(report, title: title)
            try health.write(to: folder, workers: workers)
            if !quiet {
                let flagged = HealthCheck.allCases.compactMap { check -> String? in
                    let count = health.findings.flagged[check]?.count ?? 0
                    return count > 0 ? "\(check.rawValue) \(count)" : nil
                }
                print("checks              " + (flagged.isEmpty ? "nothing flagged" : flagged.joined(separator: ", ")))
                print("report              \(folder)/index.html (and report.json)")
            }
        } catch {
            throw CommandFailure.usage(error.description)
        }
    }

    static func table(_ report: StatisticsReport) -> String {
        func values(_ list: [Double]) -> String {
            list.count == 1 ? Terminal.fixed(list[0]) : "(" + list.map { Terminal.fixed($0) }.joined(separator: ", ") + ")"
        }
        var lines = [
            "images              \(Terminal.count(report.images)) (\(report.failed.count) failed)",
            "channels            \(report.channels)",
            "pixels              \(Terminal.count(Int(clamping: report.pixels))) per channel",
            "mean                \(values(report.mean))",
            "std                 \(values(report.std))",
            "min / max           \(values(report.min)) / \(values(report.max))",
            "per-image std mean  \(values(report.perImageStdMean))  (not the dataset std)",
        ]
        if let width = report.width, let height = report.height {
            lines.append("width               \(width.min)-\(width.max), mean \(Terminal.fixed(width.mean, 1))")
            lines.append("height              \(height.min)-\(height.max), mean \(Terminal.fixed(height.mean, 1))")
        }
        lines.append("formats             " + report.formats.sorted { $0.key < $1.key }.map { "\($0.key) \(Terminal.count($0.value))" }.joined(separator: ", "))
        if !report.classes.isEmpty {
            let classes = report.classes.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            lines.append("classes             \(classes.count): " + classes.map { "\($0.key) \(Terminal.count($0.value))" }.joined(separator: ", "))
        }
        if report.otherFiles > 0 { lines.append("other files         \(Terminal.count(report.otherFiles)) (not images by name, not read)") }
        return lines.joined(separator: "\n")
    }
}
