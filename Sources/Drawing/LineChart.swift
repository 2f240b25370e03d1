/// Line plots of per-epoch series (training curves): axes with round tick values, one coloured
/// line per series with a dot per point, a legend above the plot, a title.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public let name: String
        public let values: [Double?]
        public let color: Canvas.Color
        public init(name: String, values: [Double?], color: Canvas.Color) {
            self.name = name
            self.values = values
            self.color = color
        }
    }

    public let title: String
    public let series: [Series]
    /// The y range; nil takes the data's.
    public let range: ClosedRange<Double>?

    public init(title: String, series: [Series], range: ClosedRange<Double>? = nil) {
        self.title = title
        self.series = series
        self.range = range
    }

    /// Draws the chart into `canvas` inside the given box.
    public func draw(into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
        let axis: Canvas.Color = (90, 90, 90), grid: Canvas.Color = (225, 225, 225)
        let left = x + 46, top = y + 34, right = x + width - 10, bottom = y + height - 30
        canvas.text(title, x: x + (width - BitmapFont.width(of: title, scale: 2)) / 2, y: y + 2, scale: 2)
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let points = series.map(\.values.count).max() ?? 0
        var low = range?.lowerBound ?? values.min() ?? 0, high = range?.upperBound ?? values.max() ?? 1
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let step = Self.tickStep(high - low)
        (low, high) = ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step)
        let ticks = Int(((high - low) / step).rounded())
        let plotWidth = right - left, plotHeight = bottom - top
        func position(_ index: Int, _ value: Double) -> (x: Int, y: Int) {
            let fx = points > 1 ? Double(index) / Double(points - 1) : 0.5
            let fy = (value - low) / (high - low)
            return (left + Int((fx * Double(plotWidth)).rounded()), bottom - Int((fy * Double(plotHeight)).rounded()))
        }
        for tick in 0...ticks {
            let value = low + step * Double(tick)
            let row = bottom - plotHeight * tick / ticks
            canvas.line(from: (left, row), to: (right, row), color: grid)
            let label = Self.format(value, step: step)
            canvas.text(label, x: left - 4 - BitmapFont.width(of: label), y: row - 3, color: axis)
        }
        canvas.line(from: (left, top), to: (left, bottom), color: axis)
        canvas.line(from: (left, bottom), to: (right, bottom), color: axis)
        let labelEvery = max(1, (points + 9) / 10)
        for index in stride(from: 0, to: points, by: labelEvery) {
            let point = position(index, low)
            canvas.line(from: (point.x, bottom), to: (point.x, bottom + 3), color: axis)
            canvas.text("\(index + 1)", x: point.x - BitmapFont.width(of: "\(index + 1)") / 2, y: bottom + 6, color: axis)
        }
        canvas.text("epoch", x: left + (plotWidth - BitmapFont.width(of: "epoch")) / 2, y: bottom + 17, color: axis)
        for line in series {
            var previous: (x: Int, y: Int)?
            for (index, value) in line.values.enumerated() {
                guard let value, value.isFinite else { previous = nil; continue }
                let point = position(index, min(max(value, low), high))
                if let previous { canvas.line(from: previous, to: point, color: line.color, thickness: 2) }
                canvas.fill(x: point.x - 2, y: point.y - 2, width: 5, height: 5, color: line.color)
                previous = point
            }
        }
        var legendX = left + 8
        for line in series {
            canvas.fill(x: legendX, y: y + 23, width: 12, height: 3, color: line.color)
            canvas.text(line.name, x: legendX + 16, y: y + 21)
            legendX += 16 + BitmapFont.width(of: line.name) + 14
        }
    }

    /// A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into 3 to 6 parts.
    static func tickStep(_ span: Double) -> Double {
        let rough = span / 4
        var power = 1.0   // the power of ten at or below rough
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        return [1, 2, 2.5, 5, 10].map { $0 * power }.first { span / $0 <= 6 } ?? 10 * power
    }

    /// `value` with as many decimals as `step` needs.
    static func format(_ value: Double, step: Double) -> String {
        let places = (0...4).first { place in
            let scaled = step * pow10(place)
            return abs(scaled - scaled.rounded()) < 1e-6
        } ?? 4
        var text = String(Int((value * pow10(places)).rounded()))
        guard places > 0 else { return text }
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        while text.count <= places { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -places))
        return (negative ? "-" : "") + text
    }

    private static func pow10(_ places: Int) -> Double {
        places >= 0 ? (0..<places).reduce(1.0) { value, _ in value * 10 } : 1 / pow10(-places)
    }
}
