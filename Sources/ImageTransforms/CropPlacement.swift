import TensorCore

/// Where a crop takes its output: the `height` x `width` window at (`top`, `left`) of the input
/// padded by `padding` (`PadCrop.apply`'s arguments). The parameters of `random_crop` (drawn)
/// and `center_crop` (set by the input's size).
public struct CropPlacement: Equatable, Sendable {
    public var padding: Padding
    public var top: Int, left: Int, height: Int, width: Int

    public init(padding: Padding = .zero, top: Int, left: Int, height: Int, width: Int) {
        (self.padding, self.top, self.left, self.height, self.width) = (padding, top, left, height, width)
    }

    /// The window in the unpadded input, when no padding is added.
    var unpaddedWindow: PixelRegion? {
        padding == .zero ? PixelRegion(top: top, left: left, height: height, width: width) : nil
    }
}

/// A crop in two steps, as torchvision v2's `make_params` then kernel: `placement` takes every
/// draw the crop makes, and every path runs from that placement: the crop itself, the feeder's
/// window of the resize before it, and the window `to_float` reads in place of the crop.
protocol PlacedCrop: Transform {
    /// The placement for an input of `height` x `width`: the crop's only draws.
    func placement(height: Int, width: Int, using generator: inout SampleRNG) throws(TransformError) -> CropPlacement
    var mode: PaddingMode { get }
    var fill: [UInt8] { get }
}

extension PlacedCrop {
    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try apply(&sample, placement: placement(height: sample.image.height, width: sample.image.width, using: &generator))
    }

    /// The crop with its placement drawn.
    func apply(_ sample: inout SampleBuffer, placement: CropPlacement) throws(TransformError) {
        try sample.replaceImage { source, destination, _ throws(TransformError) in
            try PadCrop.apply(source, padding: placement.padding, mode: mode, fill: fill, top: placement.top, left: placement.left,
                              height: placement.height, width: placement.width, into: &destination)
        }
    }

    /// What `to_float` can read in place of this crop's output (`ReadWindow`), padding included
    /// when it is a constant; nil when it pads otherwise. Throws where the crop would.
    func readWindow(_ placement: CropPlacement, channels: Int) throws(TransformError) -> ReadWindow? {
        guard mode == .constant || placement.padding == .zero else { return nil }
        guard fill.count == 1 || fill.count == channels else { throw TransformError("fill has \(fill.count) values for \(channels) channels") }
        return ReadWindow(top: placement.top - placement.padding.top, left: placement.left - placement.padding.left,
                          height: placement.height, width: placement.width, fill: fill)
    }
}
