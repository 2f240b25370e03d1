import ModelSpec
import TensorCore

/// A sequential stack of layers (Keras' `Sequential`, PyTorch's `nn.Sequential`).
public final class Model {
    /// Per-sample input shape [C, H, W].
    public let inputShape: [Int]
    public let specs: [LayerSpec]
    public let layers: [any Layer]
    /// Positions of ReLUs folded into the max pool right after them (`Pool2D.rectifies`):
    /// max(relu(x)) = relu(max(x)) with the same gradient, on a quarter of the values and with
    /// no pass of its own. Forward and backward skip them.
    private let foldedReLUs: Set<Int>

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
        var folded = Set<Int>()
        for position in layers.indices.dropLast() {
            if layers[position] is ReLU, let pool = layers[position + 1] as? Pool2D, pool.reduction == .max {
                pool.rectifies = true
                folded.insert(position)
            }
        }
        foldedReLUs = folded
    }

    /// Number of classes the model scores.
    public var classes: Int { layers.last!.outputShape[0] }

    /// Logits [N, classes] of `images` [N] + inputShape.
    @discardableResult
    public func forward(_ images: Tensor, mode: PassMode, rng: inout SampleRNG) -> Tensor {
        for position in layers.indices where !foldedReLUs.contains(position) {
            layers[position].forward(input(of: position, images), mode: mode, rng: &rng)
        }
        return layers[layers.count - 1].output
    }

    /// Sets every parameter's gradient from dL/dlogits, after `forward` on the same `images`.
    public func backward(_ images: Tensor, logitsGradient: Tensor) {
        for position in layers.indices.reversed() where !foldedReLUs.contains(position) {
            let next = foldedReLUs.contains(position + 1) ? position + 2 : position + 1
            let gradient = next == layers.count ? logitsGradient : layers[next].inputGradient
            layers[position].backward(input(of: position, images), outputGradient: gradient, needsInputGradient: feedsOn(position) != nil)
        }
    }

    /// The layer whose output `position` reads (past a folded ReLU), nil for the images.
    private func feedsOn(_ position: Int) -> Int? {
        let previous = foldedReLUs.contains(position - 1) ? position - 2 : position - 1
        return previous >= 0 ? previous : nil
    }

    private func input(of position: Int, _ images: Tensor) -> Tensor {
        feedsOn(position).map { layers[$0].output } ?? images
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
