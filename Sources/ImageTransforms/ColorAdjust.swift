import Foundation
import TensorCore

/// Pillow's colour enhancements on uint8 HWC images (gray or RGB), as torchvision runs them on
/// PIL images: each is `Image.blend(degenerate, image, factor)` with Pillow's arithmetic (float
/// alpha, truncation in [0, 1], clipping outside it), and hue goes through Pillow's HSV.
public enum ColorAdjust {
    /// ImageEnhance.Brightness: blended with black.
    public static func brightness(_ image: inout Image<UInt8>, factor: Double) {
        let alpha = Float(factor)
        image.pixels.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = blend(0, values[index], alpha) }
        }
    }

    /// ImageEnhance.Contrast: blended with the gray of the image's mean luma, int(mean + 0.5).
    public static func contrast(_ image: inout Image<UInt8>, factor: Double) {
        var total = 0
        let channels = image.channels, count = image.pixelCount
        image.pixels.withUnsafeBufferPointer { values in
            for index in 0..<count {
                if channels == 1 {
                    total += Int(values[index])
                } else {
                    total += Int(luma(values[3 &* index], values[3 &* index &+ 1], values[3 &* index &+ 2]))
                }
            }
        }
        let mean = UInt8(Int(Double(total) / Double(max(count, 1)) + 0.5))
        let alpha = Float(factor)
        image.pixels.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] = blend(mean, values[index], alpha) }
        }
    }

    /// ImageEnhance.Color: blended with the image's own luma (a gray image is left as it is).
    public static func saturation(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let alpha = Float(factor)
        image.pixels.withUnsafeMutableBufferPointer { values in
            for index in 0..<(values.count / 3) {
                let gray = luma(values[3 &* index], values[3 &* index &+ 1], values[3 &* index &+ 2])
                for c in 0..<3 { values[3 &* index &+ c] = blend(gray, values[3 &* index &+ c], alpha) }
            }
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
    /// 256, back to RGB (a gray image is left as it is). `factor` is in [-0.5, 0.5].
    public static func hue(_ image: inout Image<UInt8>, factor: Double) {
        guard image.channels == 3 else { return }
        let shift = UInt8(truncatingIfNeeded: Int32(factor * 255))
        image.pixels.withUnsafeMutableBufferPointer { values in
            for index in 0..<(values.count / 3) {
                let base = 3 &* index
                var (h, s, v) = toHSV(values[base], values[base &+ 1], values[base &+ 2])
                h &+= shift
                (values[base], values[base &+ 1], values[base &+ 2]) = toRGB(h, s, v)
            }
        }
    }

    /// Pillow's `convert("L")` of one pixel.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(r) &* 19595 &+ UInt32(g) &* 38470 &+ UInt32(b) &* 7471 &+ 0x8000) >> 16)
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

    /// Pillow's hsv2rgb.
    static func toRGB(_ h: UInt8, _ s: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
        guard s != 0 else { return (v, v, v) }
        let sector = Int((Double(h) * 6 / 255).rounded(.down))
        let f = Float(Double(h) * 6 / 255 - Double(sector))
        let fs = Float(s) / 255
        let p = clip(Int((Double(v) * (1 - Double(fs))).rounded()))
        let q = clip(Int((Double(v) * (1 - Double(fs * f))).rounded()))
        let t = clip(Int((Double(v) * (1 - Double(fs * (1 - f)))).rounded()))
        switch sector % 6 {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }

    @inline(__always)
    private static func clip(_ value: Int) -> UInt8 { UInt8(min(max(value, 0), 255)) }
}
