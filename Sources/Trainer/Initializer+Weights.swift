import Glibc
import ModelSpec
import TensorCore

/// The draws of each initializer.
extension Initializer {
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
