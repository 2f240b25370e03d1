/// An image in HWC layout: `height` rows of `width` pixels of `channels` interleaved samples.
///
/// Decoders write into an existing image with `reshape(width:height:channels:)`, which keeps the
/// storage's capacity: a worker that reuses one image per thread never allocates per sample
/// (a fresh buffer per image costs the kernel's zeroing and page faults, as much as decoding a
/// small image).
///
/// Members are `@inlinable` so that clients get code specialised for their pixel type: the
/// generic versions cost a metadata lookup per sample.
@frozen
public struct Image<Pixel: BinaryInteger & BitwiseCopyable & Sendable>: Sendable, Equatable {
    @usableFromInline var storedWidth: Int
    @usableFromInline var storedHeight: Int
    @usableFromInline var storedChannels: Int

    @inlinable public var width: Int { storedWidth }
    @inlinable public var height: Int { storedHeight }
    @inlinable public var channels: Int { storedChannels }
    /// Samples, row-major, interleaved: `pixels[(y * width + x) * channels + c]`. // [H, W, C]
    public var pixels: [Pixel]

    @inlinable
    public init(width: Int, height: Int, channels: Int, pixels: [Pixel]) {
        precondition(width >= 0 && height >= 0 && channels > 0, "invalid image shape")
        precondition(pixels.count == width * height * channels, "pixel count does not match shape")
        storedWidth = width
        storedHeight = height
        storedChannels = channels
        self.pixels = pixels
    }

    @inlinable
    public init(width: Int, height: Int, channels: Int, repeating value: Pixel = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: Array(repeating: value, count: width * height * channels))
    }

    /// An empty image, to be filled by a decoder.
    @inlinable
    public init() {
        self.init(width: 0, height: 0, channels: 1, pixels: [])
    }

    /// Changes the shape, keeping the storage capacity; sample values are unspecified after.
    @inlinable
    public mutating func reshape(width: Int, height: Int, channels: Int) {
        precondition(width >= 0 && height >= 0 && channels > 0, "invalid image shape")
        pixels.resize(to: width * height * channels)
        storedWidth = width
        storedHeight = height
        storedChannels = channels
    }

    /// Number of pixels (not samples).
    @inlinable
    public var pixelCount: Int { width * height }

    /// `[height, width, channels]`.
    @inlinable
    public var shape: [Int] { [height, width, channels] }

    /// Bytes (samples) per row.
    @inlinable
    public var rowStride: Int { width * channels }

    @inlinable
    public subscript(y: Int, x: Int, channel: Int) -> Pixel {
        get { pixels[(y * width + x) * channels + channel] }
        set { pixels[(y * width + x) * channels + channel] = newValue }
    }
}
