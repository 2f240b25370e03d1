import Drawing
import TensorCore

/// A grid of image tiles in the manner of torchvision's `make_grid` (padding 2, pad value 0):
/// one row per sample, a column title band on top, and each row's caption (its class name)
/// right under every tile, with a clear gap before the next row. Each column is as wide as its
/// widest tile and each row as tall as its tallest; smaller tiles are centred in their cells.
public struct PreviewGrid: Sendable {
    public struct Row: Sendable {
        public var tiles: [Image<UInt8>]
        public var caption: String?

        public init(tiles: [Image<UInt8>], caption: String?) {
            self.tiles = tiles
            self.caption = caption
        }
    }

    public var rows: [Row]
    /// Titles of the columns, shortened to fit the cells.
    public var columnTitles: [String]
    /// Each tile pixel drawn as `scale` x `scale`.
    public var scale: Int
    public var padding = 2

    public init(rows: [Row], columnTitles: [String], scale: Int) {
        self.rows = rows
        self.columnTitles = columnTitles
        self.scale = max(1, scale)
    }

    /// A scale that makes the largest tile side at least 64 pixels (at most 8x).
    public static func automaticScale(for tiles: [Image<UInt8>]) -> Int {
        let side = tiles.map { max($0.width, $0.height) }.max() ?? 64
        return min(8, max(1, (64 + side - 1) / max(side, 1)))
    }

    public func render() -> Canvas {
        let columns = rows.map(\.tiles.count).max() ?? 0
        let widths = (0..<columns).map { column in
            max(BitmapFont.advance * 2, (rows.compactMap { column < $0.tiles.count ? $0.tiles[column].width : nil }.max() ?? 1) * scale)
        }
        let heights = rows.map { ($0.tiles.map(\.height).max() ?? 1) * scale }
        let lefts = widths.indices.map { column in padding + widths[..<column].reduce(0) { $0 + $1 + padding } }
        // A caption: 1 pixel under its tile, a line of text, then 4 pixels before the padding.
        let captionHeight = rows.contains { $0.caption != nil } ? 1 + BitmapFont.lineHeight + 4 : 0
        let titleHeight = columnTitles.isEmpty ? 0 : BitmapFont.lineHeight + 3
        let tops = heights.indices.map { row in titleHeight + padding + heights[..<row].reduce(0) { $0 + $1 + captionHeight + padding } }
        var canvas = Canvas(width: padding + widths.reduce(0) { $0 + $1 + padding },
                            height: titleHeight + padding + heights.reduce(0) { $0 + $1 + captionHeight + padding }, background: (0, 0, 0))
        let white: Canvas.Color = (255, 255, 255)
        for (column, title) in columnTitles.prefix(columns).enumerated() {
            let text = Self.fit(title, width: widths[column])
            canvas.text(text, x: lefts[column] + (widths[column] - BitmapFont.width(of: text)) / 2, y: 2, color: white)
        }
        for (position, row) in rows.enumerated() {
            let (top, height) = (tops[position], heights[position])
            for (column, tile) in row.tiles.enumerated() {
                let (left, width) = (lefts[column], widths[column])
                canvas.paste(tile, x: left + (width - tile.width * scale) / 2, y: top + (height - tile.height * scale) / 2, scale: scale)
                if let caption = row.caption {
                    let text = Self.fit(caption, width: width)
                    canvas.text(text, x: left + (width - BitmapFont.width(of: text)) / 2, y: top + height + 1, color: white)
                }
            }
        }
        return canvas
    }

    /// `text`, cut to the characters that fit `width` pixels.
    static func fit(_ text: String, width: Int) -> String {
        String(text.prefix(max(1, (width + 1) / BitmapFont.advance)))
    }
}
