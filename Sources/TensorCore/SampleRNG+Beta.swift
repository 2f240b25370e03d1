import Glibc

extension SampleRNG {
    /// Gamma(shape, 1) by Marsaglia and Tsang's method ("A Simple Method for Generating Gamma
    /// Variables", 2000); shapes below 1 through Gamma(shape + 1) * U^(1 / shape).
    public mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            let boost = gamma(shape: shape + 1)
            var u = uniform()
            while u == 0 { u = uniform() }
            return boost * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if u > 0, log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), as torch's Beta samples it.
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        guard x + y > 0 else { return uniform() < a / (a + b) ? 1 : 0 }   // both underflowed (tiny shapes)
        return x / (x + y)
    }
}
