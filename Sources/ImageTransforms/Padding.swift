/// How `pad` fills the border (torchvision's `padding_mode`).
public enum PaddingMode: String, Sendable, Codable, CaseIterable {
    /// The `fill` value.
    case constant
    /// The border pixel repeated.
    case edge
    /// Mirrored without repeating the border: [1,2,3,4] pad 2 -> [3,2,1,2,3,4,3,2].
    case reflect
    /// Mirrored repeating the border: [1,2,3,4] pad 2 -> [2,1,1,2,3,4,4,3].
    case symmetric

    /// The source index for padded coordinate `index` (may be outside 0..<size), or nil for
    /// the fill value. Valid only within the limits `Padding.validate` checks.
    @inline(__always)
    func source(_ index: Int, size: Int) -> Int? {
        if index >= 0 && index < size { return index }
        switch self {
        case .constant:
            return nil
        case .edge:
            return index < 0 ? 0 : size - 1
        case .reflect:
            return index < 0 ? -index : 2 * (size - 1) - index
        case .symmetric:
            return index < 0 ? -index - 1 : 2 * size - 1 - index
        }
    }
}

/// Padding widths in pixels per side.
public struct Padding: Sendable, Equatable, Codable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public static let zero = Padding(left: 0, top: 0, right: 0, bottom: 0)

    /// torchvision's forms: `[p]` all sides, `[lr, tb]`, or `[l, t, r, b]`.
    public init(_ values: [Int]) throws(TransformError) {
        guard values.allSatisfy({ $0 >= 0 }) else { throw TransformError("padding must not be negative, got \(values)") }
        switch values.count {
        case 1: self.init(left: values[0], top: values[0], right: values[0], bottom: values[0])
        case 2: self.init(left: values[0], top: values[1], right: values[0], bottom: values[1])
        case 4: self.init(left: values[0], top: values[1], right: values[2], bottom: values[3])
        default: throw TransformError("padding takes 1, 2 or 4 values ([all], [left/right, top/bottom] or [left, top, right, bottom]), got \(values.count)")
        }
    }

    /// torchvision's limits: reflect needs every pad < that axis' size, symmetric <= size.
    public func validate(mode: PaddingMode, height: Int, width: Int) throws(TransformError) {
        let horizontal = max(left, right), vertical = max(top, bottom)
        switch mode {
        case .reflect where horizontal >= width || vertical >= height:
            throw TransformError("reflect padding must be smaller than the image (\(width)x\(height)); got \(self.description)")
        case .symmetric where horizontal > width || vertical > height:
            throw TransformError("symmetric padding must not exceed the image (\(width)x\(height)); got \(self.description)")
        case (.edge) where (horizontal > 0 && width == 0) || (vertical > 0 && height == 0):
            throw TransformError("edge padding needs a non-empty image")
        default:
            return
        }
    }

    var description: String { "[\(left), \(top), \(right), \(bottom)]" }
}
