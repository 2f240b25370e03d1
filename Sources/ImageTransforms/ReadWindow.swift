/// The pixels `FloatOps.toFloat` reads: the `height` x `width` window at (`top`, `left`) of the
/// image, in image coordinates (negative, or past the edge, where a crop pads: those places read
/// `fill`), mirrored left-right and top-bottom by the flags. The feeder folds a crop and the
/// flips after it into one, so to_float reads their output without making it.
public struct ReadWindow: Equatable, Sendable {
    public var top = 0, left = 0
    public var height: Int, width: Int
    public var flipX = false, flipY = false
    /// One value for every channel, or one per channel.
    public var fill: [UInt8] = [0]

    public init(top: Int = 0, left: Int = 0, height: Int, width: Int, fill: [UInt8] = [0]) {
        (self.top, self.left, self.height, self.width, self.fill) = (top, left, height, width, fill)
    }
}
