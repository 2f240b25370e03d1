import CSluiceKernels

extension SampleRNG {
    /// Fills `values` with standard normals for noise: one draw of this generator keys the
    /// vectorised Box-Muller kernel (`sl_fill_normal`): `gaussian_noise` costs about 0.8 ns a
    /// value this way, 3.1-3.6 with the scalar ziggurat of `normal()`. A call always takes
    /// exactly one draw, whatever the count.
    @inlinable
    public mutating func fillNormal(_ values: UnsafeMutableBufferPointer<Float>) {
        let key = next()
        guard let base = values.baseAddress else { return }
        sl_fill_normal(base, values.count, key)
    }

    /// `values[i] + (mean + sigma * z[i])`, clamped to [0, 1] when `clip`, in place, with z the
    /// normals `fillNormal` would write: one pass, one draw of this generator.
    @inlinable
    public mutating func addNormal(to values: UnsafeMutableBufferPointer<Float>, mean: Float, sigma: Float, clip: Bool) {
        let key = next()
        guard let base = values.baseAddress else { return }
        sl_add_normal(base, values.count, mean, sigma, clip ? 1 : 0, key)
    }
}
