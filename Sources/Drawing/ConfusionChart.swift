/// A confusion matrix as a heat map: rows are true classes, columns predicted classes, each
/// cell shaded by its share of the row and labelled with its count.
public struct ConfusionChart: Sendable {
    public let classNames: [String]
    /// Row-major counts, `classes x classes`.
    public let counts: [Int]

    public init(classNames: [String], counts: [Int]) {
        precondition(counts.count == classNames.count * classNames.count, "one count per pair of classes")
        self.classNames = classNames
        self.counts = counts
    }

    public func render(title: String) -> Canvas {
        let classes = classNames.count
        let cell = max(30, (0..<classes).map { BitmapFont.width(of: "\(counts[$0 * classes..<($0 + 1) * classes].max() ?? 0)") + 8 }.max() ?? 30)
        let nameWidth = min(120, (classNames.map { BitmapFont.width(of: $0) }.max() ?? 0) + 10)
        let left = nameWidth + 20, top = 40
        var canvas = Canvas(width: left + classes * cell + 20, height: top + classes * cell + 50)
        canvas.text(title, x: 10, y: 8, scale: 2)
        for truth in 0..<classes {
            let rowTotal = max(1, (0..<classes).reduce(0) { $0 + counts[truth * classes + $1] })
            canvas.text(String(classNames[truth].prefix(19)), x: 10, y: top + truth * cell + cell / 2 - 3)
            for prediction in 0..<classes {
                let count = counts[truth * classes + prediction]
                let share = Double(count) / Double(rowTotal)
                let shade = UInt8(255 - Int(share * 200))
                let color: Canvas.Color = truth == prediction ? (shade, shade, 255) : (255, shade, shade)
                let x = left + prediction * cell, y = top + truth * cell
                canvas.fill(x: x, y: y, width: cell - 1, height: cell - 1, color: color)
                let label = "\(count)"
                canvas.text(label, x: x + (cell - 1 - BitmapFont.width(of: label)) / 2, y: y + cell / 2 - 3,
                            color: share > 0.6 ? (255, 255, 255) : (0, 0, 0))
            }
        }
        for prediction in 0..<classes {
            let label = String(classNames[prediction].prefix(max(1, (cell - 2) / BitmapFont.advance)))
            canvas.text(label, x: left + prediction * cell + (cell - BitmapFont.width(of: label)) / 2, y: top + classes * cell + 6)
        }
        let axis = "rows: true class, columns: predicted"
        canvas.text(axis, x: left, y: top + classes * cell + 24, color: (90, 90, 90))
        return canvas
    }
}
