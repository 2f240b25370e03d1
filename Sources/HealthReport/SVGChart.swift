import Foundation

/// Small inline SVG charts for the report page: no script, no external resource, each mark with
/// a `<title>` that shows its exact value on hover.
enum SVGChart {
    static let width = 720.0

    /// Bars over 256 intensity values, one series per channel, overlaid with transparency.
    static func intensityHistogram(_ series: [(name: String, color: String, counts: [UInt64])]) -> String {
        let height = 180.0, left = 48.0, bottom = 24.0
        let plotWidth = width - left - 8, plotHeight = height - bottom - 8
        let peak = Double(series.flatMap(\.counts).max() ?? 1)
        var body = axes(left: left, top: 8, plotWidth: plotWidth, plotHeight: plotHeight,
                        xLabels: [(0, "0"), (0.5, "128"), (1, "255")], yTop: number(peak))
        let step = plotWidth / 256
        for channel in series {
            var path = "M\(fixed(left)),\(fixed(8 + plotHeight))"
            for (value, count) in channel.counts.enumerated() {
                let y = 8 + plotHeight - plotHeight * Double(count) / max(peak, 1)
                path += " L\(fixed(left + Double(value) * step)),\(fixed(y)) L\(fixed(left + Double(value + 1) * step)),\(fixed(y))"
            }
            path += " L\(fixed(left + plotWidth)),\(fixed(8 + plotHeight)) Z"
            body += "<path d=\"\(path)\" fill=\"\(channel.color)\" fill-opacity=\"0.35\" stroke=\"\(channel.color)\" stroke-width=\"1\"><title>\(escape(channel.name))</title></path>"
        }
        let legend = series.enumerated().map { index, channel in
            "<text x=\"\(fixed(width - 16 - Double(series.count - 1 - index) * 60))\" y=\"22\" text-anchor=\"end\" fill=\"\(channel.color)\" font-size=\"12\">\(escape(channel.name))</text>"
        }.joined()
        return svg(height: height, label: "Intensity histogram", body + legend)
    }

    /// Horizontal bars with their counts, in the given order.
    static func bars(_ items: [(label: String, count: Int)], color: String = "#4269d0") -> String {
        let row = 18.0, left = min(220.0, 12 + 7 * Double(items.map(\.label.count).max() ?? 4))
        let height = Double(items.count) * row + 8
        let peak = Double(items.map(\.count).max() ?? 1)
        var body = ""
        for (index, item) in items.enumerated() {
            let y = 4 + Double(index) * row
            let length = (width - left - 90) * Double(item.count) / max(peak, 1)
            body += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(y + 13))\" text-anchor=\"end\" font-size=\"12\">\(escape(truncated(item.label, 30)))</text>"
            body += "<rect x=\"\(fixed(left))\" y=\"\(fixed(y + 2))\" width=\"\(fixed(max(length, 1)))\" height=\"\(fixed(row - 5))\" fill=\"\(color)\"><title>\(escape(item.label)): \(item.count)</title></rect>"
            body += "<text x=\"\(fixed(left + length + 6))\" y=\"\(fixed(y + 13))\" font-size=\"12\">\(item.count)</text>"
        }
        return svg(height: height, label: "Bar chart", body)
    }

    /// Width x height, one circle per distinct size (area growing with its count); log axes when
    /// sizes spread over more than a factor of 8.
    static func sizeScatter(_ sizes: [(width: Int, height: Int, count: Int)]) -> String {
        let height = 300.0, left = 56.0, bottom = 36.0, top = 8.0
        let plotWidth = width - left - 12, plotHeight = height - bottom - top
        let widths = sizes.map { Double($0.width) }, heights = sizes.map { Double($0.height) }
        let low = max(1, min(widths.min() ?? 1, heights.min() ?? 1)), high = max(widths.max() ?? 1, heights.max() ?? 1, low + 1)
        let logarithmic = high / low > 8
        func scale(_ value: Double) -> Double {
            logarithmic ? (log(value) - log(low)) / (log(high) - log(low)) : (value - (low - 1)) / (high - (low - 1))
        }
        var ticks: [Double] = []   // three, or fewer when they would print the same
        for tick in logarithmic ? [low, (low * high).squareRoot(), high] : [low, (low + high) / 2, high]
        where !ticks.contains(where: { number($0) == number(tick) }) { ticks.append(tick) }
        var body = axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight,
                        xLabels: ticks.map { (scale($0), number($0)) }, yTop: nil)
        for tick in ticks {
            body += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(top + plotHeight - plotHeight * scale(tick) + 4))\" text-anchor=\"end\" font-size=\"11\">\(number(tick))</text>"
        }
        body += "<text x=\"\(fixed(left + plotWidth / 2))\" y=\"\(fixed(height - 4))\" text-anchor=\"middle\" font-size=\"12\">width\(logarithmic ? " (log)" : "")</text>"
        body += "<text x=\"12\" y=\"\(fixed(top + plotHeight / 2))\" font-size=\"12\" transform=\"rotate(-90 12 \(fixed(top + plotHeight / 2)))\" text-anchor=\"middle\">height</text>"
        let biggest = Double(sizes.map(\.count).max() ?? 1)
        for size in sizes {
            let x = left + plotWidth * scale(Double(size.width)), y = top + plotHeight - plotHeight * scale(Double(size.height))
            let radius = 2.5 + 6 * (Double(size.count) / biggest).squareRoot()
            body += "<circle cx=\"\(fixed(x))\" cy=\"\(fixed(y))\" r=\"\(fixed(radius))\" fill=\"#4269d0\" fill-opacity=\"0.45\"><title>\(size.width) x \(size.height): \(size.count)</title></circle>"
        }
        return svg(height: height, label: "Image sizes", body)
    }

    /// Vertical bars of counts over labelled bins.
    static func columns(_ bins: [(label: String, count: Int)], caption: String) -> String {
        let height = 170.0, left = 48.0, bottom = 30.0, top = 8.0
        let plotWidth = width - left - 8, plotHeight = height - bottom - top
        let peak = Double(bins.map(\.count).max() ?? 1)
        var body = axes(left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight, xLabels: [], yTop: number(peak))
        let step = plotWidth / Double(max(bins.count, 1))
        for (index, bin) in bins.enumerated() {
            let barHeight = plotHeight * Double(bin.count) / max(peak, 1)
            body += "<rect x=\"\(fixed(left + Double(index) * step + 1))\" y=\"\(fixed(top + plotHeight - barHeight))\" width=\"\(fixed(step - 2))\" height=\"\(fixed(barHeight))\" fill=\"#4269d0\"><title>\(escape(bin.label)): \(bin.count)</title></rect>"
            if index % max(1, bins.count / 8) == 0 {
                body += "<text x=\"\(fixed(left + (Double(index) + 0.5) * step))\" y=\"\(fixed(top + plotHeight + 14))\" text-anchor=\"middle\" font-size=\"11\">\(escape(bin.label))</text>"
            }
        }
        body += "<text x=\"\(fixed(left + plotWidth / 2))\" y=\"\(fixed(height - 2))\" text-anchor=\"middle\" font-size=\"12\">\(escape(caption))</text>"
        return svg(height: height, label: caption, body)
    }

    // MARK: - Pieces

    private static func svg(height: Double, label: String, _ body: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fixed(width)) \(fixed(height))\" role=\"img\" aria-label=\"\(escape(label))\">\(body)</svg>"
    }

    private static func axes(left: Double, top: Double, plotWidth: Double, plotHeight: Double,
                             xLabels: [(Double, String)], yTop: String?) -> String {
        var body = "<path d=\"M\(fixed(left)),\(fixed(top)) V\(fixed(top + plotHeight)) H\(fixed(left + plotWidth))\" fill=\"none\" stroke=\"#888\"/>"
        for (place, label) in xLabels {   // the last label ends at the axis' end, inside the chart
            body += "<text x=\"\(fixed(left + plotWidth * place))\" y=\"\(fixed(top + plotHeight + 14))\" text-anchor=\"\(place >= 1 ? "end" : "middle")\" font-size=\"11\">\(escape(label))</text>"
        }
        if let yTop { body += "<text x=\"\(fixed(left - 6))\" y=\"\(fixed(top + 10))\" text-anchor=\"end\" font-size=\"11\">\(escape(yTop))</text>" }
        return body
    }

    static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A count or size for an axis: 1234567 -> "1.2M".
    static func number(_ value: Double) -> String {
        switch value {
        case 1e9...: String(format: "%.1fG", value / 1e9)
        case 1e6...: String(format: "%.1fM", value / 1e6)
        case 1e4...: String(format: "%.0fk", value / 1e3)
        default: String(format: "%.0f", value)
        }
    }

    static func truncated(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}

/// Text for HTML and SVG: the five characters that markup gives meaning to, escaped.
func escape(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
