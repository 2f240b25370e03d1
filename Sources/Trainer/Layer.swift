import TensorCore

/// Whether a forward pass trains (dropout active, batch statistics) or evaluates.
public enum PassMode: Sendable {
    case training
    case evaluation
}

/// One layer of a sequential model, working on whole batches in NCHW (or [N, features]).
///
/// A layer owns its output and input-gradient buffers and reuses them from batch to batch, so a
/// training step allocates nothing once the buffers have grown.
public protocol Layer: AnyObject {
    /// The op name of the pipeline file (`conv2d`, `relu`, ...).
    var kind: String { get }
    /// A short account of the settings, for summaries (`32 filters 3x3, same`).
    var settingsDescription: String { get }
    /// Shape of one sample's output ([C, H, W] or [features]).
    var outputShape: [Int] { get }
    /// Learnable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// State that is saved with the weights but not learned (batch norm's running statistics).
    var buffers: [Parameter] { get }
    /// The window of a spatial layer, for receptive fields; nil for layers that keep positions.
    var window: SpatialWindow? { get }

    /// Computes `output` from `input` ([N] + input shape).
    func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG)
    var output: Tensor { get }

    /// From dL/d(output), sets each parameter's gradient and, when `needsInputGradient`,
    /// `inputGradient` (dL/d(input)). `input` is the tensor of the last forward pass.
    func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool)
    var inputGradient: Tensor { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
    public var window: SpatialWindow? { nil }
    public var settingsDescription: String { "" }
}

/// The sliding window of a convolution or pooling layer: receptive fields grow by
/// `(kernel - 1) * dilation` input steps and their spacing by `stride`.
public struct SpatialWindow: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var dilation: Int

    public init(kernel: Int, stride: Int, dilation: Int = 1) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
    }
}
