import DatasetStatistics
import Foundation

/// The report's `index.html`: headline figures, charts, classes, one section per check, failed
/// files. Plain HTML with inline CSS and SVG: nothing to load but the thumbnails beside it.
struct ReportPage {
    let report: HealthReport

    /// Most distinct sizes drawn in the scatter plot (the most frequent ones).
    static let shownSizes = 2000

    /// The images the page shows a thumbnail of, by position.
    func shownImages() -> Set<Int> {
        var shown = Set(classMembers().values.joined())
        for check in HealthCheck.allCases {
            shown.formUnion(shownFlagged(check))
            for set in shownSets(check) { shown.formUnion(set) }
        }
        return shown
    }

    func html(thumbnails: [Int: String]) -> String {
        let statistics = report.statistics
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Dataset health: \(escape(report.title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header><h1>Dataset health</h1><p class="subtitle">\(escape(report.title)) · \(statistics.images) images, \(statistics.failed.count) failed · written by <code>sluice stats --report</code></p></header>

            """
        page += summary()
        page += section("intensities", "Pixel intensities", """
            <p>Counts of each value 0-255 per channel over all pixels (exact).</p>
            \(SVGChart.intensityHistogram(zip(report.histograms, Self.channelColors(report.histograms.count)).map { ($0.name, $1, $0.counts) }))
            """)
        page += shapes()
        page += classes(thumbnails)
        for check in HealthCheck.allCases { page += checkSection(check, thumbnails) }
        page += failures()
        page += "</body>\n</html>\n"
        return page
    }

    // MARK: - Sections

    private func summary() -> String {
        let s = report.statistics
        func values(_ list: [Double]) -> String { list.map { String(format: "%.4f", $0) }.joined(separator: ", ") }
        var rows = [
            ("Images", "\(s.images)"),
            ("Failed files", "\(s.failed.count)"),
            ("Channels", "\(s.channels) (\(s.channels == 1 ? "gray" : "red, green, blue"))"),
            ("Mean", values(s.mean)),
            ("Std (all pixels)", values(s.std)),
            ("Min / max", values(s.min) + " / " + values(s.max)),
            ("Per-image std, mean", values(s.perImageStdMean) + " (not the dataset std)"),
        ]
        if let width = s.width, let height = s.height {
            rows.append(("Width", "\(width.min)-\(width.max), mean \(String(format: "%.1f", width.mean))"))
            rows.append(("Height", "\(height.min)-\(height.max), mean \(String(format: "%.1f", height.mean))"))
        }
        if s.otherFiles > 0 { rows.append(("Other files", "\(s.otherFiles) (not images by name, not read)")) }
        let figures = rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n")
        let checks = HealthCheck.allCases.map { check in
            let count = report.findings.flagged[check]?.count ?? 0
            let shown = check == .exactDuplicates || check == .nearDuplicates
                ? "\(count) in \((check == .exactDuplicates ? report.findings.exactDuplicates : report.findings.nearDuplicates).count) sets" : "\(count)"
            return "<tr><td><a href=\"#\(check.rawValue)\">\(check.rawValue)</a></td><td class=\"\(count > 0 ? "flag" : "ok") count\">\(shown)</td><td>\(escape(check.definition))</td></tr>"
        }.joined(separator: "\n")
        return section("summary", "Summary", """
            <div class="columns"><table>\(figures)</table></div>
            <h3>Checks</h3>
            <table><tr><th>check</th><th>images</th><th>definition</th></tr>
            \(checks)</table>
            <p class="note">Scores and thresholds are cleanvision 0.3.7's: a score is in [0, 1], lower is worse, and an image is flagged below the threshold. <code>report.json</code> beside this page has every image's scores.</p>
            """)
    }

    private func shapes() -> String {
        let sizes = report.sizes
        let drawn = Array(sizes.prefix(Self.shownSizes))
        let formats = report.statistics.formats.sorted { $0.key < $1.key }.map { "<tr><td>\(escape($0.key))</td><td>\($0.value)</td></tr>" }.joined()
        let gray = report.records.images.filter(\.grayscale).count
        let modes = "<tr><td>stored gray</td><td>\(gray)</td></tr><tr><td>colour</td><td>\(report.records.images.count - gray)</td></tr>"
        return section("sizes", "Sizes, shapes and formats", """
            <p>\(sizes.count) distinct sizes\(sizes.count > drawn.count ? ", the \(drawn.count) most frequent drawn" : ""); a circle's area grows with its count.</p>
            \(SVGChart.sizeScatter(drawn))
            \(SVGChart.columns(report.aspectRatioBins, caption: "aspect ratio (width / height), bins from 1/4 to 4"))
            <div class="columns"><table><tr><th>format</th><th>images</th></tr>\(formats)</table>
            <table><tr><th>colour mode</th><th>images</th></tr>\(modes)</table></div>
            """)
    }

    /// The class names in byte order.
    private var classNames: [String] {
        report.statistics.classes.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The first images (in path order) of each class the page shows.
    private func classMembers() -> [String: [Int]] {
        let shownNames = Set(classNames.prefix(HealthReport.shownClasses))
        var members: [String: [Int]] = [:]
        for (index, image) in report.records.images.enumerated() {
            guard let name = image.className, shownNames.contains(name), members[name, default: []].count < HealthReport.shownPerClass else { continue }
            members[name, default: []].append(index)
        }
        return members
    }

    private func shownFlagged(_ check: HealthCheck) -> ArraySlice<Int> {
        check == .exactDuplicates || check == .nearDuplicates ? [] : (report.findings.flagged[check] ?? []).prefix(HealthReport.shownPerCheck)
    }

    private func shownSets(_ check: HealthCheck) -> [ArraySlice<Int>] {
        let sets = check == .exactDuplicates ? report.findings.exactDuplicates : check == .nearDuplicates ? report.findings.nearDuplicates : []
        return sets.prefix(HealthReport.shownSets).map { $0.prefix(HealthReport.shownPerSet) }
    }

    private func classes(_ thumbnails: [Int: String]) -> String {
        let counts = report.statistics.classes
        guard !counts.isEmpty else { return "" }
        let names = classNames
        let chart = SVGChart.bars(names.map { ($0, counts[$0]!) })
        let members = classMembers()
        var grids = ""
        for name in names.prefix(HealthReport.shownClasses) {
            let shown = members[name] ?? []
            guard !shown.isEmpty else { continue }
            grids += "<h3>\(escape(name)) <span class=\"muted\">(\(counts[name]!))</span></h3>\n<div class=\"grid\">"
            grids += shown.map { figure($0, caption: nil, thumbnails) }.joined() + "</div>\n"
        }
        let more = names.count > HealthReport.shownClasses ? "<p class=\"note\">The first \(HealthReport.shownClasses) of \(names.count) classes are shown.</p>" : ""
        return section("classes", "Classes", """
            <p>\(names.count) classes; images per class:</p>
            \(chart)
            \(grids)\(more)
            """)
    }

    private func checkSection(_ check: HealthCheck, _ thumbnails: [Int: String]) -> String {
        let flagged = report.findings.flagged[check] ?? []
        let scores = report.findings.scores[check]!
        var body = "<p class=\"definition\">\(escape(check.definition))</p>\n"
        if check == .exactDuplicates || check == .nearDuplicates {
            let sets = check == .exactDuplicates ? report.findings.exactDuplicates : report.findings.nearDuplicates
            body += "<p><span class=\"count\">\(flagged.count)</span> images in \(sets.count) sets.</p>\n"
            for (set, shown) in zip(sets, shownSets(check)) {
                body += "<div class=\"grid set\">" + shown.map { figure($0, caption: nil, thumbnails) }.joined()
                if set.count > shown.count { body += "<p class=\"muted\">and \(set.count - shown.count) more</p>" }
                body += "</div>\n"
            }
            if sets.count > HealthReport.shownSets { body += "<p class=\"note\">\(sets.count - HealthReport.shownSets) more sets in report.json.</p>" }
        } else {
            body += "<p><span class=\"count\">\(flagged.count)</span> of \(scores.count) images\(flagged.isEmpty ? "." : ", worst first:")</p>\n"
            if !flagged.isEmpty {
                body += "<div class=\"grid\">" + shownFlagged(check).map {
                    figure($0, caption: check == .grayscale ? nil : String(format: "score %.3f", scores[$0]), thumbnails)
                }.joined() + "</div>\n"
                if flagged.count > HealthReport.shownPerCheck { body += "<p class=\"note\">\(flagged.count - HealthReport.shownPerCheck) more in report.json.</p>" }
            }
            if check == .grayscale && !flagged.isEmpty && flagged.count == scores.count {
                body += "<p class=\"note\">Every image is stored gray: a grayscale dataset, not a problem in itself.</p>"
            }
        }
        return section(check.rawValue, check.rawValue, body)
    }

    private func failures() -> String {
        let failed = report.statistics.failed
        let rows = failed.map { "<tr><td><code>\(escape($0.path))</code></td><td>\(escape($0.kind))</td><td>\(escape($0.error))</td></tr>" }.joined(separator: "\n")
        return section("failed", "Failed files", failed.isEmpty ? "<p>None: every file was read.</p>" : """
            <p>\(failed.count) files could not be read and are in no figure above.</p>
            <table><tr><th>file</th><th>kind</th><th>reason</th></tr>
            \(rows)</table>
            """)
    }

    // MARK: - Pieces

    private func section(_ id: String, _ heading: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(escape(heading))</h2>\n\(body)\n</section>\n"
    }

    /// A thumbnail with the image's file name (its path on hover) and an optional caption.
    private func figure(_ position: Int, caption: String?, _ thumbnails: [Int: String]) -> String {
        let image = report.records.images[position]
        let name = (image.path as NSString).lastPathComponent
        let picture = thumbnails[position].map {
            "<img src=\"\(escape($0))\" alt=\"\(escape(name))\" width=\"\(Thumbnails.side)\" height=\"\(Thumbnails.side)\" loading=\"lazy\">"
        } ?? "<div class=\"missing\">not readable now</div>"
        let note = caption.map { "<br><span class=\"muted\">\(escape($0))</span>" } ?? ""
        return "<figure title=\"\(escape(image.path))\">\(picture)<figcaption>\(escape(name))\(note)</figcaption></figure>"
    }

    private static func channelColors(_ count: Int) -> [String] {
        count == 1 ? ["#555555"] : ["#d62728", "#2ca02c", "#1f77b4"]
    }

    private static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1080px;margin:0 auto;padding:12px 24px 48px;color:#1d1d20;background:#fff;line-height:1.4}
        h1{margin:8px 0 0;font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:1em 0 .4em;font-size:1.05em}
        .subtitle,.muted,.note{color:#5f6368}.note{font-size:.9em}
        table{border-collapse:collapse;margin:4px 24px 8px 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
        .columns{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
        .count{font-weight:600}.flag{color:#b3261e}.ok{color:#2e7d32}
        .grid{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 14px}.set{padding:6px;border:1px solid #e3e3e3;border-radius:4px}
        figure{margin:0;width:116px;font-size:11px;overflow-wrap:anywhere}
        figure img,.missing{width:112px;height:112px;object-fit:contain;background:#f2f2f2;border:1px solid #ddd;display:block}
        .missing{display:flex;align-items:center;justify-content:center;text-align:center;color:#888}
        svg{display:block;max-width:100%;height:auto;margin:8px 0}code{font-size:.95em}
        @media print{body{max-width:none;padding:0}section{break-inside:avoid-page}figure{break-inside:avoid}a{color:inherit;text-decoration:none}}
        """
}
