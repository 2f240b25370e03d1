import Glibc
import TensorCore

/// How weights start (PyTorch's, He's or Glorot's rules). Draws come from the model's seeded generator only.
public enum Initializer: String, Sendable, CaseIterable {
    /// PyTorch's default for Conv2d and Linear: kaiming-uniform with a = sqrt(5), that is
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights, and the same bound for biases.
    case pytorch
    /// He (kaiming) uniform U(-sqrt(6/fan_in), sqrt(6/fan_in)); zero biases.
    case heUniform = "he_uniform"
    /// He (kaiming) normal N(0, 2/fan_in); zero biases.
    case heNormal = "he_normal"
    /// Glorot (xavier) uniform U(-sqrt(6/(fan_in+fan_out)), +...); zero biases (Keras' default).
    case glorotUniform = "glorot_uniform"
    /// Glorot (xavier) normal N(0, 2/(fan_in+fan_out)); zero biases.
    case glorotNormal = "glorot_normal"

    func weights(count: Int, fanIn: Int, fanOut: Int, rng: inout SampleRNG) -> [Float] {
        switch self {
        case .pytorch: uniform(count: count, bound: 1 / sqrt(Double(fanIn)), rng: &rng)
        case .heUniform: uniform(count: count, bound: sqrt(6 / Double(fanIn)), rng: &rng)
        case .heNormal: normal(count: count, std: sqrt(2 / Double(fanIn)), rng: &rng)
        case .glorotUniform: uniform(count: count, bound: sqrt(6 / Double(fanIn + fanOut)), rng: &rng)
        case .glorotNormal: normal(count: count, std: sqrt(2 / Double(fanIn + fanOut)), rng: &rng)
        }
    }

    func biases(count: Int, fanIn: Int, rng: inout SampleRNG) -> [Float] {
        self == .pytorch ? uniform(count: count, bound: 1 / sqrt(Double(fanIn)), rng: &rng) : Array(repeating: 0, count: count)
    }

    private func uniform(count: Int, bound: Double, rng: inout SampleRNG) -> [Float] {
        (0..<count).map { _ in Float(rng.uniform(-bound, bound)) }
    }

    private func normal(count: Int, std: Double, rng: inout SampleRNG) -> [Float] {
        (0..<count).map { _ in Float(std * rng.normal()) }
    }
}
