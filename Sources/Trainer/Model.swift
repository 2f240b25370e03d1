import ModelSpec
import TensorCore

/// A sequential stack of layers (Keras' `Sequential`, PyTorch's `nn.Sequential`).
public final class Model {
    /// Per-sample input shape [C, H, W].
    public let inputShape: [Int]
    public let specs: [LayerSpec]
    public let layers: [any Layer]

    /// Builds every layer, checking each one's input shape; weights come from a generator
    /// seeded by (seed, layer position) only, so the same file gives the same initial model.
    public init(_ specs: [LayerSpec], inputShape: [Int], seed: UInt64) throws(ModelError) {
        _ = try LayerSpec.outputShapes(of: specs, inputShape: inputShape)
        var layers: [any Layer] = []
        var shape = inputShape
        for (position, spec) in specs.enumerated() {
            var rng = TrainingRandomness.initialization(seed: seed, layer: position)
            do {
                let layer = try spec.makeLayer(inputShape: shape, rng: &rng)
                layers.append(layer)
                shape = layer.outputShape
            } catch {
                throw ModelError(layer: position, error.message)
            }
        }
        self.inputShape = inputShape
        self.specs = specs
        self.layers = layers
    }

    /// Number of classes the model scores.
    public var classes: Int { layers.last!.outputShape[0] }

    /// Logits [N, classes] of `images` [N] + inputShape.
    @discardableResult
    public func forward(_ images: Tensor, mode: PassMode, rng: inout SampleRNG) -> Tensor {
        layers[0].forward(images, mode: mode, rng: &rng)
        for position in 1..<layers.count {
            layers[position].forward(layers[position - 1].output, mode: mode, rng: &rng)
        }
        return layers[layers.count - 1].output
    }

    /// Sets every parameter's gradient from dL/dlogits, after `forward` on the same `images`.
    public func backward(_ images: Tensor, logitsGradient: Tensor) {
        for position in layers.indices.reversed() {
            let input = position == 0 ? images : layers[position - 1].output
            let gradient = position == layers.count - 1 ? logitsGradient : layers[position + 1].inputGradient
            layers[position].backward(input, outputGradient: gradient, needsInputGradient: position > 0)
        }
    }

    /// Learnable parameters and saved state under PyTorch `nn.Sequential` names ("0.weight",
    /// "3.running_mean"), so a checkpoint loads into the same stack in PyTorch.
    public var namedTensors: [(name: String, tensor: Parameter)] {
        layers.enumerated().flatMap { position, layer in
            (layer.parameters + layer.buffers).map { ("\(position).\($0.name)", $0) }
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// The generators of training (docs/DETERMINISM.md): weights from (seed, layer), dropout from
/// (seed, epoch, step); a separate stream from the samples' own generators.
public enum TrainingRandomness {
    static let stream: UInt64 = 0x5452_4149_4E45_5200   // "TRAINER"

    static func initialization(seed: UInt64, layer: Int) -> SampleRNG {
        SampleRNG(seed: seed ^ stream, epoch: .max, index: UInt64(layer))
    }

    public static func step(seed: UInt64, epoch: Int, step: Int) -> SampleRNG {
        SampleRNG(seed: seed ^ stream, epoch: UInt64(epoch), index: UInt64(step))
    }
}
