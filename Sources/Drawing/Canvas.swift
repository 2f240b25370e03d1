import TensorCore

/// An RGB drawing surface over an `Image<UInt8>` (HWC): filled rectangles, lines, text in the
/// built-in bitmap font, and pasted images. Drawing outside the canvas is clipped.
public struct Canvas: Sendable {
    public typealias Color = (red: UInt8, green: UInt8, blue: UInt8)

    public private(set) var image: Image<UInt8>

    public init(width: Int, height: Int, background: Color = (255, 255, 255)) {
        image = Image(width: width, height: height, channels: 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public var width: Int { image.width }
    public var height: Int { image.height }

    @inline(__always)
    public mutating func set(x: Int, y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let offset = (y * image.width + x) * 3
        image.pixels[offset] = color.red
        image.pixels[offset + 1] = color.green
        image.pixels[offset + 2] = color.blue
    }

    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: Color) {
        for row in max(0, y)..<min(image.height, y + height) where width > 0 {
            for column in max(0, x)..<max(max(0, x), min(image.width, x + width)) { set(x: column, y: row, color) }
        }
    }

    /// A line `thickness` pixels wide (Bresenham, with a square pen).
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), color: Color, thickness: Int = 1) {
        var (x, y) = start
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let stepX = x < end.x ? 1 : -1, stepY = y < end.y ? 1 : -1
        var error = dx + dy
        let offset = (thickness - 1) / 2
        while true {
            fill(x: x - offset, y: y - offset, width: thickness, height: thickness, color: color)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// Text with its top-left corner at (x, y), each font pixel drawn as `scale` x `scale`.
    public mutating func text(_ text: String, x: Int, y: Int, color: Color = (0, 0, 0), scale: Int = 1) {
        for (position, character) in text.enumerated() {
            let left = x + position * BitmapFont.advance * scale
            for row in 0..<BitmapFont.lineHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(character, x: column, y: row) {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    /// Copies `source` (1 or 3 channels) with its top-left corner at (x, y), each pixel drawn
    /// as `scale` x `scale`.
    public mutating func paste(_ source: Image<UInt8>, x: Int, y: Int, scale: Int = 1) {
        for row in 0..<source.height {
            for column in 0..<source.width {
                let offset = (row * source.width + column) * source.channels
                let color: Color = source.channels >= 3
                    ? (source.pixels[offset], source.pixels[offset + 1], source.pixels[offset + 2])
                    : (source.pixels[offset], source.pixels[offset], source.pixels[offset])
                fill(x: x + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
            }
        }
    }
}
