import CSluiceKernels
import Glibc
import TensorCore

/// Rotations and affine maps of uint8 HWC images as torchvision runs them on PIL images: the
/// matrices torchvision and Pillow compute (in their order of operations), and Pillow's
/// `Image.transform(AFFINE)` engines (`sl_affine_warp`), so outputs equal torchvision's.
public enum AffineWarp {
    /// The filters of Pillow's transform.
    public enum Filter: String, Sendable, CaseIterable {
        case nearest, bilinear, bicubic

        var code: Int32 {
            switch self {
            case .nearest: Int32(SL_WARP_NEAREST)
            case .bilinear: Int32(SL_WARP_BILINEAR)
            case .bicubic: Int32(SL_WARP_BICUBIC)
            }
        }
    }

    /// An inverse map: output pixel (x, y) samples the input at
    /// (a0 (x + 0.5) + a1 (y + 0.5) + a2, a3 (x + 0.5) + a4 (y + 0.5) + a5).
    public typealias Matrix = [Double]

    /// `source` through `matrix` into an image of `width` x `height`, `fill` outside.
    public static func warp(_ source: Image<UInt8>, matrix: Matrix, filter: Filter, fill: [UInt8], width: Int, height: Int,
                            into destination: inout Image<UInt8>) {
        let channels = source.channels
        let fillValues = (0..<channels).map { fill[fill.count == 1 ? 0 : $0] }
        destination.reshape(width: width, height: height, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                sl_affine_warp(input.baseAddress, Int32(source.height), Int32(source.width), Int32(channels), matrix, filter.code,
                               fillValues, output.baseAddress, Int32(height), Int32(width))
            }
        }
    }

    /// Pillow's `Image.rotate(angle, filter, expand, center, fillcolor=fill)` (counter-clockwise
    /// degrees; `center` (x, y) defaults to the image's centre), its transpose fast paths included.
    public static func rotate(_ source: Image<UInt8>, degrees angle: Double, filter: Filter, expand: Bool,
                              center: (x: Double, y: Double)?, fill: [UInt8], into destination: inout Image<UInt8>) {
        switch rotation(width: source.width, height: source.height, degrees: angle, expand: expand, center: center) {
        case .quarterTurns(let turns, _, _):
            quarterTurns(source, turns, into: &destination)
        case .warp(let matrix, let width, let height):
            warp(source, matrix: matrix, filter: filter, fill: fill, width: width, height: height, into: &destination)
        }
    }

    /// How Pillow's `rotate` turns an image: a transpose, or a warp with its matrix; either way
    /// with the output size.
    public enum Rotation {
        case quarterTurns(Int, width: Int, height: Int)
        case warp(Matrix, width: Int, height: Int)

        public var size: (width: Int, height: Int) {
            switch self {
            case .quarterTurns(_, let width, let height), .warp(_, let width, let height): (width, height)
            }
        }
    }

    /// `Image.rotate`'s plan, operation for operation (`angle % 360`, the matrix entries rounded
    /// to 15 decimals, the expanded size from the corners' ceil and floor).
    public static func rotation(width: Int, height: Int, degrees angle: Double, expand: Bool, center: (x: Double, y: Double)?) -> Rotation {
        let degrees = pythonModulo(angle, 360)
        if center == nil, let turns = [0.0: 0, 90: 1, 180: 2, 270: 3][degrees], turns % 2 == 0 || expand || width == height {
            return turns % 2 == 0 ? .quarterTurns(turns, width: width, height: height) : .quarterTurns(turns, width: height, height: width)
        }
        var w = Double(width), h = Double(height)
        let centre = center ?? (w / 2, h / 2)
        let radians = -(degrees * (Double.pi / 180))
        var matrix = [round15(cos(radians)), round15(sin(radians)), 0, round15(-sin(radians)), round15(cos(radians)), 0]
        func map(_ x: Double, _ y: Double) -> (Double, Double) {
            (matrix[0] * x + matrix[1] * y + matrix[2], matrix[3] * x + matrix[4] * y + matrix[5])
        }
        (matrix[2], matrix[5]) = map(-centre.x, -centre.y)
        matrix[2] += centre.x
        matrix[5] += centre.y
        if expand {
            let corners = [(0.0, 0.0), (w, 0), (w, h), (0, h)].map { map($0.0, $0.1) }
            let xs = corners.map(\.0), ys = corners.map(\.1)
            let newWidth = xs.max()!.rounded(.up) - xs.min()!.rounded(.down)
            let newHeight = ys.max()!.rounded(.up) - ys.min()!.rounded(.down)
            (matrix[2], matrix[5]) = map(-(newWidth - w) / 2, -(newHeight - h) / 2)
            (w, h) = (newWidth, newHeight)
        }
        return .warp(matrix, width: Int(w), height: Int(h))
    }

    /// torchvision's `affine` on PIL images: rotation `angle` (degrees, counter-clockwise),
    /// translation (tx, ty) pixels, `scale`, shear (x, y) degrees, about `center` (default the
    /// image's centre), through the inverse matrix `_get_inverse_affine_matrix` computes.
    public static func affine(_ source: Image<UInt8>, angle: Double, translate: (x: Double, y: Double), scale: Double,
                              shear: (x: Double, y: Double), center: (x: Double, y: Double)?, filter: Filter, fill: [UInt8],
                              into destination: inout Image<UInt8>) {
        let centre = center ?? (Double(source.width) * 0.5, Double(source.height) * 0.5)
        let matrix = inverseAffineMatrix(center: centre, angle: angle, translate: translate, scale: scale, shear: shear)
        warp(source, matrix: matrix, filter: filter, fill: fill, width: source.width, height: source.height, into: &destination)
    }

    /// torchvision's `_get_inverse_affine_matrix` (inverted = True), operation for operation.
    public static func inverseAffineMatrix(center: (x: Double, y: Double), angle: Double, translate: (x: Double, y: Double),
                                           scale: Double, shear: (x: Double, y: Double)) -> Matrix {
        let degree = Double.pi / 180
        let rotation = angle * degree, sx = shear.x * degree, sy = shear.y * degree
        let cosSY = cos(sy), tanSX = tan(sx), rotationMinusSY = rotation - sy
        let cxPlusTX = center.x + translate.x, cyPlusTY = center.y + translate.y
        let a = cos(rotationMinusSY) / cosSY
        let b = -(a * tanSX + sin(rotation))
        let c = sin(rotationMinusSY) / cosSY
        let d = cos(rotation) - c * tanSX
        var matrix = [d / scale, -b / scale, 0, -c / scale, a / scale, 0]
        matrix[2] += center.x - matrix[0] * cxPlusTX - matrix[1] * cyPlusTY
        matrix[5] += center.y - matrix[3] * cxPlusTX - matrix[4] * cyPlusTY
        return matrix
    }

    /// Pillow's `transpose(ROTATE_90 / ROTATE_180 / ROTATE_270)`: `turns` quarter turns
    /// counter-clockwise (0 copies).
    static func quarterTurns(_ source: Image<UInt8>, _ turns: Int, into destination: inout Image<UInt8>) {
        let width = source.width, height = source.height, channels = source.channels
        let (outWidth, outHeight) = turns % 2 == 0 ? (width, height) : (height, width)
        destination.reshape(width: outWidth, height: outHeight, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch turns {
                        case 1: (sx, sy) = (width - 1 - y, x)
                        case 2: (sx, sy) = (width - 1 - x, height - 1 - y)
                        case 3: (sx, sy) = (y, height - 1 - x)
                        default: (sx, sy) = (x, y)
                        }
                        let from = (sy &* width &+ sx) &* channels, to = (y &* outWidth &+ x) &* channels
                        for c in 0..<channels { output[to &+ c] = input[from &+ c] }
                    }
                }
            }
        }
    }

    /// Python's float `%`: the result has the divisor's sign.
    static func pythonModulo(_ value: Double, _ divisor: Double) -> Double {
        var remainder = fmod(value, divisor)
        if remainder != 0 {
            if (divisor < 0) != (remainder < 0) { remainder += divisor }
        } else {
            remainder = copysign(0, divisor)
        }
        return remainder
    }

    /// Python's `round(value, 15)`: the exact binary value rounded to 15 decimals, as printf's
    /// `%.15f` rounds it.
    static func round15(_ value: Double) -> Double {
        var text = [CChar](repeating: 0, count: 48)
        _ = withVaList([value]) { vsnprintf(&text, text.count, "%.15f", $0) }
        return strtod(text, nil)
    }
}
