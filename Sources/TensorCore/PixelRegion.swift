/// Part of an image: rows `top..<top + height`, columns `left..<left + width`. What a
/// transform chain reads of a decoded image, so that the decoder can make only that part.
public struct PixelRegion: Sendable, Equatable {
    public var top: Int, left: Int, height: Int, width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
    }

    /// Whether the region lies in an image of `height` x `width` and leaves some of it out.
    public func isStrictPart(ofHeight imageHeight: Int, width imageWidth: Int) -> Bool {
        top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= imageHeight && left + width <= imageWidth
            && (height < imageHeight || width < imageWidth)
    }
}
