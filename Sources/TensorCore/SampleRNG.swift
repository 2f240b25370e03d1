import Glibc

/// The random generator of one sample: seeded from (seed, epoch, sample index) only, so every
/// draw is the same whatever worker, prefetch depth, world size or restart produced it
/// (docs/DETERMINISM.md). xoshiro256** seeded through SplitMix64, as its authors recommend.
///
/// Pass it `inout`; never share one between samples.
public struct SampleRNG: RandomNumberGenerator, Sendable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    /// The generator of sample `index` of epoch `epoch` under `seed`.
    @inlinable
    public init(seed: UInt64, epoch: UInt64, index: UInt64) {
        // Mix the three keys in sequence, so (s, e, i) and its permutations differ.
        var mixer = SplitMix64(state: seed)
        var key = mixer.next()
        mixer = SplitMix64(state: key ^ epoch &* 0x9E37_79B9_7F4A_7C15)
        key = mixer.next()
        mixer = SplitMix64(state: key ^ index &* 0xC2B2_AE3D_27D4_EB4F)
        state = (mixer.next(), mixer.next(), mixer.next(), mixer.next())
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 random bits.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [low, high).
    @inlinable
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// Uniform integer in `0...upper`, unbiased (Lemire's method).
    @inlinable
    public mutating func integer(upTo upper: Int) -> Int {
        precondition(upper >= 0, "negative bound")
        return Int(next(upperBound: UInt64(upper) + 1))
    }

    @inlinable
    func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}

/// SplitMix64: seeds other generators from one 64-bit value.
@usableFromInline
struct SplitMix64 {
    @usableFromInline var state: UInt64
    @inlinable init(state: UInt64) { self.state = state }
    @inlinable mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
