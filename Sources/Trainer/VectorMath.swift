/// Float loops the compiler does not vectorise by itself: IEEE addition is not associative,
/// so a plain `sum += x[i]` loop stays serial. Eight lanes in SIMD registers keep it wide.
enum VectorMath {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// x[0] + ... + x[count - 1].
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i &+ 8 <= count { lanes += load(x + i); i &+= 8 }
        var total = lanes.sum()
        while i < count { total += x[i]; i &+= 1 }
        return total
    }

    /// (sum of x, sum of x * y).
    static func sumAndDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> (Float, Float) {
        var sums = SIMD8<Float>(repeating: 0), dots = SIMD8<Float>(repeating: 0)
        var i = 0
        while i &+ 8 <= count {
            let a = load(x + i)
            sums += a
            dots += a * load(y + i)
            i &+= 8
        }
        var sum = sums.sum(), dot = dots.sum()
        while i < count { sum += x[i]; dot += x[i] * y[i]; i &+= 1 }
        return (sum, dot)
    }

    /// Sum of (x - mean)^2.
    static func squaredDeviations(_ x: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        let center = SIMD8<Float>(repeating: mean)
        var i = 0
        while i &+ 8 <= count { let d = load(x + i) - center; lanes += d * d; i &+= 8 }
        var total = lanes.sum()
        while i < count { let d = x[i] - mean; total += d * d; i &+= 1 }
        return total
    }
}
