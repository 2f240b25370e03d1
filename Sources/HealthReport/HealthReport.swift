import DatasetStatistics
import Foundation

/// Why a report could not be written.
public struct HealthReportError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The dataset health report of `sluice stats --report DIR`: `DIR/index.html`, one page that
/// opens from disk with no network (inline CSS and SVG, thumbnails as files beside it, no
/// script), and `DIR/report.json`, everything the page shows, for scripts.
public struct HealthReport {
    public let statistics: StatisticsReport
    public let records: StatisticsAccumulator.HealthRecords
    public let findings: HealthFindings
    /// What was measured, for the page's title: the inputs as the user gave them.
    public let title: String

    /// Most flagged images shown per check, duplicate sets shown, and images per class.
    static let shownPerCheck = 24, shownSets = 12, shownPerSet = 8, shownPerClass = 8, shownClasses = 60

    /// A report of `statistics`, which must have been measured with the health checks.
    public init(_ statistics: StatisticsReport, title: String) throws(HealthReportError) {
        guard let records = statistics.exact.health else {
            throw HealthReportError(message: "these results were measured without the health checks: measure with --checks (or --report) to report on them")
        }
        self.statistics = statistics
        self.records = records
        self.findings = HealthFindings(records.images)
        self.title = title
    }

    /// Writes the page, its thumbnails (made on `workers` threads) and report.json into `folder`
    /// (made if needed; files of an earlier report there are replaced).
    public func write(to folder: String, workers: Int = 2) throws(HealthReportError) {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: folder + "/thumbs", withIntermediateDirectories: true)
        } catch {
            throw HealthReportError(message: "cannot create the report folder \(folder): \(error.localizedDescription)")
        }
        let page = ReportPage(report: self)
        var shown: [Int: String] = [:]
        for position in page.shownImages() { shown[position] = records.images[position].path }
        let thumbnails = Thumbnails.make(shown, in: folder, workers: workers)
        let html = page.html(thumbnails: thumbnails)
        let json: Data
        do {
            json = try ReportJSON(report: self, thumbnails: thumbnails).encoded()
        } catch {
            throw HealthReportError(message: "cannot encode report.json: \(error)")
        }
        for (name, data) in [("report.json", json), ("index.html", Data(html.utf8))] {
            do {
                try data.write(to: URL(fileURLWithPath: folder + "/" + name), options: .atomic)
            } catch {
                throw HealthReportError(message: "cannot write \(folder)/\(name): \(error.localizedDescription)")
            }
        }
    }

    // MARK: - What the page and the JSON share

    /// Channel names and counts per value of the dataset's intensity histograms, combined as the
    /// figures are (gray images count in all three channels of a colour dataset).
    var histograms: [(name: String, counts: [UInt64])] {
        if statistics.channels == 1 { return [("gray", records.grayHistogram)] }
        return ["red", "green", "blue"].enumerated().map { channel, name in
            (name, (0..<256).map { records.rgbHistogram[channel * 256 + $0] + records.grayHistogram[$0] })
        }
    }

    /// Images per aspect ratio (width / height), in bins a quarter-octave wide from 1/4 to 4.
    var aspectRatioBins: [(label: String, count: Int)] {
        var counts = [Int](repeating: 0, count: 18)
        for image in records.images {
            let octaves = log2(Double(image.width) / Double(image.height))
            counts[min(max(Int((octaves * 4 + 8).rounded(.down)) + 1, 0), 17)] += 1
        }
        return counts.enumerated().map { index, count in
            let label = index == 0 ? "<0.25" : index == 17 ? "≥4" : String(format: "%.2f", pow(2, Double(index - 9) / 4))
            return (label, count)
        }
    }

    /// Distinct sizes with their counts, most frequent first.
    var sizes: [(width: Int, height: Int, count: Int)] {
        var counts: [Int: Int] = [:]
        for image in records.images { counts[image.width << 32 | image.height, default: 0] += 1 }
        return counts.map { (width: $0.key >> 32, height: $0.key & 0xFFFF_FFFF, count: $0.value) }
            .sorted { (-$0.count, $0.width, $0.height) < (-$1.count, $1.width, $1.height) }
    }
}
