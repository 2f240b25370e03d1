import TensorCore

/// Pad, crop, center crop and random crop as one kernel: the window (`top`, `left`, `height`,
/// `width`) of the image padded by `padding`, read straight from the source, so the padded
/// canvas is never built.
public enum PadCrop {
    /// Writes the window of the padded `source` into `destination`.
    /// - Parameter fill: one value for every channel, or one per channel (constant mode).
    public static func apply(_ source: Image<UInt8>, padding: Padding = .zero, mode: PaddingMode = .constant,
                             fill: [UInt8] = [0], top: Int, left: Int, height: Int, width: Int,
                             into destination: inout Image<UInt8>) throws(TransformError) {
        try padding.validate(mode: mode, height: source.height, width: source.width)
        let paddedHeight = source.height + padding.top + padding.bottom
        let paddedWidth = source.width + padding.left + padding.right
        guard top >= 0, left >= 0, height >= 0, width >= 0, top + height <= paddedHeight, left + width <= paddedWidth else {
            throw TransformError("crop \(width)x\(height) at (top \(top), left \(left)) is outside the \(paddedWidth)x\(paddedHeight) image")
        }
        let channels = source.channels
        guard fill.count == 1 || fill.count == channels else {
            throw TransformError("fill has \(fill.count) values for \(channels) channels")
        }
        destination.reshape(width: width, height: height, channels: channels)
        let rowBytes = width * channels, sourceRowBytes = source.width * channels
        // Output columns [firstInside, lastInside) come from the source row in one copy; only
        // the border columns (few) are mapped one by one.
        let firstInside = min(width, max(0, padding.left - left))
        let lastInside = max(firstInside, min(width, padding.left + source.width - left))
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                @inline(__always)
                func border(_ x: Int, row rowBase: Int?, target: Int) {
                    let out = target &+ x &* channels
                    if let rowBase, let column = mode.source(left &+ x &- padding.left, size: source.width) {
                        for c in 0..<channels { output[out &+ c] = input[rowBase &+ column &* channels &+ c] }
                    } else {
                        for c in 0..<channels { output[out &+ c] = fill[fill.count == 1 ? 0 : c] }
                    }
                }
                for y in 0..<height {
                    let target = y &* rowBytes
                    guard let row = mode.source(top &+ y &- padding.top, size: source.height) else {
                        for x in 0..<width { border(x, row: nil, target: target) }
                        continue
                    }
                    let rowBase = row &* sourceRowBytes
                    if firstInside < lastInside {
                        let from = rowBase &+ (left &+ firstInside &- padding.left) &* channels
                        (output.baseAddress! + target + firstInside * channels)
                            .update(from: input.baseAddress! + from, count: (lastInside - firstInside) * channels)
                    }
                    for x in 0..<firstInside { border(x, row: rowBase, target: target) }
                    for x in lastInside..<width { border(x, row: rowBase, target: target) }
                }
            }
        }
    }

    /// The whole padded image.
    public static func pad(_ source: Image<UInt8>, padding: Padding, mode: PaddingMode = .constant, fill: [UInt8] = [0],
                           into destination: inout Image<UInt8>) throws(TransformError) {
        try apply(source, padding: padding, mode: mode, fill: fill, top: 0, left: 0,
                  height: source.height + padding.top + padding.bottom,
                  width: source.width + padding.left + padding.right, into: &destination)
    }

    /// torchvision's center crop: a crop larger than the image is zero-padded around it first,
    /// then the window at `centerOffset`.
    public static func centerCrop(_ source: Image<UInt8>, height: Int, width: Int, into destination: inout Image<UInt8>) throws(TransformError) {
        let padding = centerPadding(height: source.height, width: source.width, cropHeight: height, cropWidth: width)
        let offset = centerOffset(height: source.height + padding.top + padding.bottom,
                                  width: source.width + padding.left + padding.right, cropHeight: height, cropWidth: width)
        try apply(source, padding: padding, top: offset.top, left: offset.left, height: height, width: width, into: &destination)
    }

    /// The zero padding torchvision's center crop adds around an image smaller than the crop.
    static func centerPadding(height: Int, width: Int, cropHeight: Int, cropWidth: Int) -> Padding {
        var padding = Padding.zero
        if cropHeight > height {
            padding.top = (cropHeight - height) / 2
            padding.bottom = (cropHeight - height + 1) / 2
        }
        if cropWidth > width {
            padding.left = (cropWidth - width) / 2
            padding.right = (cropWidth - width + 1) / 2
        }
        return padding
    }

    /// torchvision's `int(round((size - crop) / 2))` on each axis.
    static func centerOffset(height: Int, width: Int, cropHeight: Int, cropWidth: Int) -> (top: Int, left: Int) {
        (Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven)), Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven)))
    }
}
