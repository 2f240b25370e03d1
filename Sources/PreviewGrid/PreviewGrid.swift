import Drawing
import TensorCore

/// A grid of image tiles in the manner of torchvision's `make_grid` (padding 2, pad value 0):
/// one row per sample, a column title band on top, and each row's caption (its class name)
/// under every tile. Tiles of different sizes are centred in equal cells.
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
        let tiles = rows.flatMap(\.tiles)
        let cellWidth = max(BitmapFont.advance * 2, (tiles.map(\.width).max() ?? 1) * scale)
        let cellHeight = (tiles.map(\.height).max() ?? 1) * scale
        let captionHeight = rows.contains { $0.caption != nil } ? BitmapFont.glyphHeight + 3 : 0
        let titleHeight = columnTitles.isEmpty ? 0 : BitmapFont.glyphHeight + 3
        let columns = rows.map(\.tiles.count).max() ?? 0
        let rowHeight = cellHeight + captionHeight + padding
        var canvas = Canvas(width: padding + columns * (cellWidth + padding), height: titleHeight + padding + rows.count * rowHeight,
                            background: (0, 0, 0))
        let white: Canvas.Color = (255, 255, 255)
        for (column, title) in columnTitles.prefix(columns).enumerated() {
            let text = Self.fit(title, width: cellWidth)
            canvas.text(text, x: padding + column * (cellWidth + padding) + (cellWidth - BitmapFont.width(of: text)) / 2, y: 2, color: white)
        }
        for (position, row) in rows.enumerated() {
            let top = titleHeight + padding + position * rowHeight
            for (column, tile) in row.tiles.enumerated() {
                let left = padding + column * (cellWidth + padding)
                canvas.paste(tile, x: left + (cellWidth - tile.width * scale) / 2, y: top + (cellHeight - tile.height * scale) / 2, scale: scale)
                if let caption = row.caption {
                    let text = Self.fit(caption, width: cellWidth)
                    canvas.text(text, x: left + (cellWidth - BitmapFont.width(of: text)) / 2, y: top + cellHeight + 2, color: white)
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
