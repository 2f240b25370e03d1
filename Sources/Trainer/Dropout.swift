import ModelSpec
import TensorCore

/// Inverted dropout: in training each element is zeroed with probability `rate` and the rest
/// scaled by 1 / (1 - rate); evaluation passes values through. The mask comes from the step's
/// generator, so a rerun drops the same elements.
public final class Dropout: Layer {
    public let kind = "dropout"
    public let rate: Double
    public let outputShape: [Int]
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()
    /// 0 or 1 / (1 - rate) per element of the last training pass.
    private var scale: [Float] = []
    private var lastMode = PassMode.evaluation

    public init(inputShape: [Int], rate: Double) throws(ModelError) {
        _ = try LayerSpec.dropout(rate: rate).outputShape(for: inputShape)
        self.rate = rate
        outputShape = inputShape
    }

    public var settingsDescription: String { "rate \(rate)" }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        lastMode = mode
        output.reshape(input.shape)
        guard mode == .training, rate > 0 else {
            output.values.withUnsafeMutableBufferPointer { y in _ = y.update(from: input.values) }
            return
        }
        scale.resize(to: input.count)
        let keep = Float(1 / (1 - rate))
        // Keep when a 32-bit uniform is >= rate * 2^32: two decisions per 64-bit draw.
        let threshold = UInt64(rate * 4_294_967_296)
        scale.withUnsafeMutableBufferPointer { s in
            var i = 0
            while i < s.count {
                let bits = rng.next()
                s[i] = (bits & 0xFFFF_FFFF) >= threshold ? keep : 0
                if i + 1 < s.count { s[i + 1] = (bits >> 32) >= threshold ? keep : 0 }
                i += 2
            }
        }
        input.values.withUnsafeBufferPointer { x in
            scale.withUnsafeBufferPointer { s in
                output.values.withUnsafeMutableBufferPointer { y in
                    for i in 0..<x.count { y[i] = x[i] * s[i] }
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        inputGradient.reshape(input.shape)
        let masked = lastMode == .training && rate > 0
        outputGradient.values.withUnsafeBufferPointer { dy in
            scale.withUnsafeBufferPointer { s in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<dy.count { dx[i] = masked ? dy[i] * s[i] : dy[i] }
                }
            }
        }
    }
}
