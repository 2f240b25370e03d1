/// Limits and policy for decoding untrusted files (docs/DECODING.md).
public struct DecodeOptions: Sendable, Equatable {
    /// Pillow's `MAX_IMAGE_PIXELS`: larger images are rejected from the header, before allocating.
    public static let defaultMaxPixels = 89_478_485
    /// Progressive JPEGs with more scans are rejected (each scan is a pass over the image).
    public static let defaultMaxScans = 100
    /// Files larger than this are rejected before reading (1 GiB).
    public static let defaultMaxFileBytes = 1 << 30

    public var color: ColorMode
    public var maxPixels: Int
    public var maxScans: Int
    public var maxFileBytes: Int
    /// Accept recoverable problems: libjpeg warnings (a truncated JPEG is grey-filled), libpng
    /// benign errors, bad CRCs and damaged chunks after the image data.
    public var lenient: Bool
    /// JPEG DCT scaling: decode at 1/1, 1/2, 1/4 or 1/8 of the size, much faster when the
    /// pipeline downsizes anyway. PNG ignores it.
    public var jpegScaleDenominator: Int
    /// Draft mode (as Pillow's `Image.draft`): decode JPEGs at the smallest DCT scale (1/2,
    /// 1/4, 1/8) whose shorter side is still at least this many pixels. Much faster when the
    /// pipeline downsizes anyway; pixels differ slightly from a full decode then resize.
    public var draftShorterSide: Int?
    /// Valid 8-bit, non-interlaced PNGs are inflated in one piece and unfiltered by Sluice (about
    /// 1.6x faster on 28x28 images) instead of row by row by libpng; the pixels are the
    /// same, and any file with a flaw still goes to libpng. `false` sends every PNG to libpng.
    public var pngFastPath: Bool

    public init(color: ColorMode = .auto, maxPixels: Int = DecodeOptions.defaultMaxPixels,
                maxScans: Int = DecodeOptions.defaultMaxScans,
                maxFileBytes: Int = DecodeOptions.defaultMaxFileBytes, lenient: Bool = false,
                jpegScaleDenominator: Int = 1, draftShorterSide: Int? = nil, pngFastPath: Bool = true) {
        self.color = color
        self.maxPixels = maxPixels
        self.maxScans = maxScans
        self.maxFileBytes = maxFileBytes
        self.lenient = lenient
        self.jpegScaleDenominator = jpegScaleDenominator
        self.draftShorterSide = draftShorterSide
        self.pngFastPath = pngFastPath
    }
}
