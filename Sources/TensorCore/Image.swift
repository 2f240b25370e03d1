/// An image in HWC layout: `height` rows of `width` pixels of `channels` interleaved samples.
///
/// Decoders write into an existing image with `reshape(width:height:channels:)`, which keeps the
/// storage's capacity: a worker that reuses one image per thread never allocates per sample
/// (REFERENCE §5: a fresh buffer per image halves decode speed).
public struct Image<Pixel: BinaryInteger & Sendable>: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var channels: Int
    /// Samples, row-major, interleaved: `pixels[(y * width + x) * channels + c]`. // [H, W, C]
    public var pixels: [Pixel]

    public init(width: Int, height: Int, channels: Int, pixels: [Pixel]) {
        precondition(width >= 0 && height >= 0 && channels > 0, "invalid image shape")
        precondition(pixels.count == width * height * channels, "pixel count does not match shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, repeating value: Pixel = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: Array(repeating: value, count: width * height * channels))
    }

    /// An empty image, to be filled by a decoder.
    public init() {
        self.init(width: 0, height: 0, channels: 1, pixels: [])
    }

    /// Changes the shape, keeping the storage capacity; sample values are unspecified after.
    public mutating func reshape(width: Int, height: Int, channels: Int) {
        precondition(width >= 0 && height >= 0 && channels > 0, "invalid image shape")
        let count = width * height * channels
        if pixels.count > count {
            pixels.removeLast(pixels.count - count)
        } else if pixels.count < count {
            pixels.append(contentsOf: repeatElement(0, count: count - pixels.count))
        }
        self.width = width
        self.height = height
        self.channels = channels
    }

    /// Number of pixels (not samples).
    public var pixelCount: Int { width * height }

    /// `[height, width, channels]`.
    public var shape: [Int] { [height, width, channels] }

    /// Bytes (samples) per row.
    public var rowStride: Int { width * channels }

    public subscript(y: Int, x: Int, channel: Int) -> Pixel {
        get { pixels[(y * width + x) * channels + channel] }
        set { pixels[(y * width + x) * channels + channel] = newValue }
    }
}
