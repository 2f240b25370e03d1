import Glibc

/// Tables of Doornik's ZIGNOR ziggurat for the standard normal (128 layers; "An Improved
/// Ziggurat Method to Generate Normal Random Samples", 2005): most draws cost one random
/// number, a table lookup and a compare, instead of a logarithm and a square root.
@usableFromInline
enum Ziggurat {
    @usableFromInline static let layers = 128
    /// Start of the right tail.
    @usableFromInline static let tailStart = 3.442619855899
    static let area = 9.91256303526217e-3

    /// Layer edges x[0...128] (x[0] is the base layer's pseudo-width, x[128] = 0), and the
    /// ratios x[i + 1] / x[i]: a draw |u| below ratio[i] lies inside layer i's rectangle.
    /// Kept behind raw pointers that live as long as the process (never written after they are
    /// built, hence nonisolated): a global array read in a
    /// per-element loop would be retained and released on every draw.
    @usableFromInline nonisolated(unsafe) static let edges: UnsafePointer<Double> = {
        var x = [Double](repeating: 0, count: layers + 1)
        var f = exp(-0.5 * tailStart * tailStart)
        x[0] = area / f
        x[1] = tailStart
        for i in 2..<layers {
            x[i] = (-2 * log(area / x[i - 1] + f)).squareRoot()
            f = exp(-0.5 * x[i] * x[i])
        }
        x[layers] = 0
        return immortal(x)
    }()

    @usableFromInline nonisolated(unsafe) static let ratios: UnsafePointer<Double> = immortal((0..<layers).map { edges[$0 + 1] / edges[$0] })

    static func immortal(_ values: [Double]) -> UnsafePointer<Double> {
        let pointer = UnsafeMutablePointer<Double>.allocate(capacity: values.count)
        pointer.initialize(from: values, count: values.count)
        return UnsafePointer(pointer)
    }
}

extension SampleRNG {
    /// Standard normal by the ziggurat method.
    @inlinable
    public mutating func normal() -> Double {
        let bits = next()
        let layer = Int(bits & 0x7F)
        let u = 2 * (Double(bits >> 11) * 0x1p-53) - 1
        if abs(u) < Ziggurat.ratios[layer] { return u * Ziggurat.edges[layer] }
        return normal(rejected: bits)
    }

    /// The rest of a draw whose first bits fell outside their layer's rectangle: the tail, the
    /// wedge test, or fresh bits for another try.
    @usableFromInline @inline(never)
    mutating func normal(rejected first: UInt64) -> Double {
        let edges = Ziggurat.edges, ratios = Ziggurat.ratios
        var bits = first
        while true {
            let layer = Int(bits & 0x7F)
            let u = 2 * (Double(bits >> 11) * 0x1p-53) - 1
            if abs(u) < ratios[layer] { return u * edges[layer] }   // never for the first bits
            if layer == 0 { return tail(negative: u < 0) }
            let x = u * edges[layer]
            let upper = exp(-0.5 * (edges[layer] * edges[layer] - x * x))
            let lower = exp(-0.5 * (edges[layer + 1] * edges[layer + 1] - x * x))
            if lower + uniform() * (upper - lower) < 1 { return x }
            bits = next()
        }
    }

    /// A draw from the normal tail beyond `Ziggurat.tailStart` (Marsaglia's method).
    @inlinable
    mutating func tail(negative: Bool) -> Double {
        while true {
            let x = log(1 - uniform()) / Ziggurat.tailStart
            let y = log(1 - uniform())
            if -2 * y >= x * x { return negative ? x - Ziggurat.tailStart : Ziggurat.tailStart - x }
        }
    }
}
