import CSluiceKernels
import Foundation
import TensorCore

/// Pillow's colour enhancements on uint8 HWC images (gray or RGB), as torchvision runs them on
/// PIL images: each is `Image.blend(degenerate, image, factor)` with Pillow's arithmetic (float
/// alpha, truncation in [0, 1], clipping outside it), and hue goes through Pillow's HSV.
public enum ColorAdjust {
    /// ImageEnhance.Brightness: blended with black (one table of 256 values).
    public static func brightness(_ image: inout Image<UInt8>, factor: Double) {
        let alpha = Float(factor)
        applyTable((0..<256).map { blend(0, UInt8($0), alpha) }, to: &image)
    }

    /// ImageEnhance.Contrast: blended with the gray of the image's mean luma, int(mean + 0.5).
    public static func contrast(_ image: inout Image<UInt8>, factor: Double) {
        let channels = image.channels, count = image.pixelCount
        let total = image.pixels.withUnsafeBufferPointer { values -> UInt64 in
            if channels == 3 { return sl_luma_sum(values.baseAddress, count) }
            return values.reduce(0) { $0 + UInt64($1) }
        }
        let mean = UInt8(Int(Double(total) / Double(max(count, 1)) + 0.5))
        let alpha = Float(factor)
        applyTable((0..<256).map { blend(mean, UInt8($0), alpha) }, to: &image)
    }

    /// ImageEnhance.Color: blended with the image's own luma (a gray image is left as it is).
    public static func saturation(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let count = image.pixelCount
        image.pixels.withUnsafeMutableBufferPointer { sl_blend_luma($0.baseAddress, count, Float(factor)) }
    }

    /// One table for every value of the image.
    private static func applyTable(_ table: [UInt8], to image: inout Image<UInt8>) {
        image.pixels.withUnsafeMutableBufferPointer { values in
            table.withUnsafeBufferPointer { sl_apply_tables(values.baseAddress, values.count, 1, $0.baseAddress) }
        }
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
    /// 256, back to RGB (a gray image is left as it is). `factor` is in [-0.5, 0.5]. rgb2hsv's H
    /// and S come from tables of `toHSV` (`HSVTables`), hsv2rgb is computed (`sl_hue_shift`).
    public static func hue(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let shift = UInt8(truncatingIfNeeded: Int32(factor * 255)), count = image.pixelCount
        image.pixels.withUnsafeMutableBufferPointer { values in
            sl_hue_shift(values.baseAddress, count, shift, HSVTables.hue, HSVTables.saturation, HSVTables.terms)
        }
    }

    /// rgb2hsv's H and S as functions of a pixel's channel differences (see `sl_hue_shift`),
    /// made once from `toHSV` itself, and hsv2rgb's factors by (S, H). Kept behind pointers that live as long as the process.
    enum HSVTables {
        nonisolated(unsafe) static let hue: UnsafePointer<UInt8> = {
            let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * 65536)
            table.initialize(repeating: 0, count: 3 * 65536)
            for first in 0..<256 {
                for second in 0..<256 where max(first, second) > 0 {
                    let a = UInt8(255 - first), b = UInt8(255 - second)
                    table[first * 256 + second] = toHSV(255, a, b).0
                    if first > 0 { table[65536 + first * 256 + second] = toHSV(a, 255, b).0 }
                    if first > 0 && second > 0 { table[2 * 65536 + first * 256 + second] = toHSV(a, b, 255).0 }
                }
            }
            return UnsafePointer(table)
        }()

        nonisolated(unsafe) static let terms: UnsafePointer<Double> = {
            let table = UnsafeMutablePointer<Double>.allocate(capacity: 2 * 65536)
            sl_hsv_terms(table)
            return UnsafePointer(table)
        }()

        nonisolated(unsafe) static let saturation: UnsafePointer<UInt8> = {
            let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 65536)
            table.initialize(repeating: 0, count: 65536)
            for range in 1..<256 {
                for maxc in range..<256 { table[range * 256 + maxc] = toHSV(UInt8(maxc), UInt8(maxc - range), UInt8(maxc - range)).1 }
            }
            return UnsafePointer(table)
        }()
    }

    /// Pillow's ImagingBlend of one value: in1 + alpha (in2 - in1) in float, truncated when
    /// alpha is in [0, 1], clipped to 0...255 otherwise.
    @inline(__always)
    static func blend(_ first: UInt8, _ second: UInt8, _ alpha: Float) -> UInt8 {
        let value = Float(Int(first)) + alpha * Float(Int(second) - Int(first))
        if alpha >= 0 && alpha <= 1 { return UInt8(Int(value)) }
        return value <= 0 ? 0 : value >= 255 ? 255 : UInt8(value)
    }

    /// Pillow's rgb2hsv (colorsys in float, hue and saturation truncated to 0...255).
    static func toHSV(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
        let maxc = max(r, g, b), minc = min(r, g, b)
        guard maxc != minc else { return (0, 0, maxc) }
        let range = Float(maxc - minc)
        let s = range / Float(maxc)
        let rc = Float(maxc - r) / range, gc = Float(maxc - g) / range, bc = Float(maxc - b) / range
        // C's float/double mix: the constants are doubles, the variables floats.
        let h: Float = r == maxc ? bc - gc : g == maxc ? Float(2 + Double(rc) - Double(bc)) : Float(4 + Double(gc) - Double(rc))
        let turn = Float(fmod(Double(h) / 6 + 1, 1))
        return (clip(Int(Double(turn) * 255)), clip(Int(Double(s) * 255)), maxc)
    }

    @inline(__always)
    private static func clip(_ value: Int) -> UInt8 { UInt8(min(max(value, 0), 255)) }
}
