import CSluiceKernels
import Foundation
import TensorCore

/// Pillow's colour enhancements on uint8 HWC images (gray or RGB), as torchvision runs them on
/// PIL images: each is `Image.blend(degenerate, image, factor)` with Pillow's arithmetic (float
/// alpha, truncation in [0, 1], clipping outside it), and hue goes through Pillow's HSV.
public enum ColorAdjust {
    /// ImageEnhance.Brightness: blended with black.
    public static func brightness(_ image: inout Image<UInt8>, factor: Double) {
        image.pixels.withUnsafeMutableBufferPointer { sl_blend_constant($0.baseAddress, $0.count, 0, Float(factor)) }
    }

    /// ImageEnhance.Contrast: blended with the gray of the image's mean luma, int(mean + 0.5).
    public static func contrast(_ image: inout Image<UInt8>, factor: Double) {
        let channels = image.channels, count = image.pixelCount
        let total = image.pixels.withUnsafeBufferPointer { values -> UInt64 in
            if channels == 3 { return sl_luma_sum(values.baseAddress, count) }
            return values.reduce(0) { $0 + UInt64($1) }
        }
        let mean = UInt8(Int(Double(total) / Double(max(count, 1)) + 0.5))
        image.pixels.withUnsafeMutableBufferPointer { sl_blend_constant($0.baseAddress, $0.count, mean, Float(factor)) }
    }

    /// ImageEnhance.Color: blended with the image's own luma (a gray image is left as it is).
    public static func saturation(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let count = image.pixelCount
        image.pixels.withUnsafeMutableBufferPointer { sl_blend_luma($0.baseAddress, count, Float(factor)) }
    }

    /// ImageEnhance.Sharpness: blended with Pillow's SMOOTH filter of the image (3x3 weights 1 and
    /// a centre 5, over 13, summed in float32 with 0.5, truncated; the border rows and columns,
    /// and images under 3x3, as they are).
    public static func sharpness(_ image: inout Image<UInt8>, factor: Double) {
        let width = image.width, height = image.height, channels = image.channels
        guard width >= 3, height >= 3 else { return }
        let edge = Float(1) / Float(13), centre = Float(5) / Float(13), alpha = Float(factor)
        let source = image.pixels, row = width * channels
        source.withUnsafeBufferPointer { input in
            image.pixels.withUnsafeMutableBufferPointer { output in
                for y in 1..<(height - 1) {
                    for i in (channels)..<(row - channels) {
                        let at = y &* row &+ i
                        func three(_ base: Int, _ middle: Float) -> Float {
                            Float(input[base &- channels]) * edge + Float(input[base]) * middle + Float(input[base &+ channels]) * edge
                        }
                        var sum: Float = 0.5
                        sum += three(at &+ row, edge)
                        sum += three(at, centre)
                        sum += three(at &- row, edge)
                        let smooth: UInt8 = sum <= 0 ? 0 : sum >= 255 ? 255 : UInt8(sum)
                        output[at] = blend(smooth, input[at], alpha)
                    }
                }
            }
        }
    }

    /// ImageOps.invert: 255 - value.
    public static func invert(_ image: inout Image<UInt8>) {
        image.pixels.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = 255 &- values[index] }
        }
    }

    /// torchvision's PIL `adjust_hue`: to Pillow's HSV, H + uint8(int32(factor * 255)) modulo
    /// 256, back to RGB (a gray image is left as it is). `factor` is in [-0.5, 0.5].
    public static func hue(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let shift = UInt8(truncatingIfNeeded: Int32(factor * 255)), count = image.pixelCount
        image.pixels.withUnsafeMutableBufferPointer { sl_hue_shift($0.baseAddress, count, shift) }
    }

    /// Pillow's ImagingBlend of one value: in1 + alpha (in2 - in1) in float, truncated when
    /// alpha is in [0, 1], clipped to 0...255 otherwise.
    @inline(__always)
    static func blend(_ first: UInt8, _ second: UInt8, _ alpha: Float) -> UInt8 {
        let value = Float(Int(first)) + alpha * Float(Int(second) - Int(first))
        if alpha >= 0 && alpha <= 1 { return UInt8(Int(value)) }
        return value <= 0 ? 0 : value >= 255 ? 255 : UInt8(value)
    }
}
