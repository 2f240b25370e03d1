import ModelSpec
import TensorCore

/// Fully connected layer, y = x W^T + b, with W [units, inputFeatures] as PyTorch's `Linear`.
public final class Dense: Layer {
    public let kind = "dense"
    public let inputFeatures: Int
    public let units: Int
    public let weight: Parameter
    public let bias: Parameter?
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()

    public init(inputShape: [Int], units: Int, bias: Bool = true, initializer: Initializer = .pytorch,
                rng: inout SampleRNG) throws(ModelError) {
        _ = try LayerSpec.dense(units: units, bias: bias, initializer: initializer).outputShape(for: inputShape)
        _ = try BLASLibrary.load()
        inputFeatures = inputShape[0]
        self.units = units
        weight = Parameter(name: "weight", shape: [units, inputFeatures],
                           value: initializer.weights(count: units * inputFeatures, fanIn: inputFeatures, fanOut: units, rng: &rng))
        self.bias = bias ? Parameter(name: "bias", shape: [units], value: initializer.biases(count: units, fanIn: inputFeatures, rng: &rng)) : nil
    }

    public var outputShape: [Int] { [units] }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var settingsDescription: String { "\(units) units" }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        let batch = input.shape[0]
        output.reshape([batch, units])
        output.values.withUnsafeMutableBufferPointer { y in
            if let bias {
                for n in 0..<batch { (y.baseAddress! + n * units).update(from: bias.value, count: units) }
            }
            input.values.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    // y [N, U] = x [N, I] x W^T [I, U] (+ y holding the bias)
                    MatrixProduct(transposeB: true, rows: batch, columns: units, depth: inputFeatures)
                        .run(x.baseAddress!, leadingA: inputFeatures, w.baseAddress!, leadingB: inputFeatures, into: y.baseAddress!,
                             leadingC: units, accumulate: bias != nil)
                }
            }
        }
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        let batch = input.shape[0]
        outputGradient.values.withUnsafeBufferPointer { dy in
            if let bias {
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    db.update(repeating: 0)
                    for n in 0..<batch {
                        let row = dy.baseAddress! + n * units
                        for u in 0..<units { db[u] += row[u] }
                    }
                }
            }
            input.values.withUnsafeBufferPointer { x in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    // dW [U, I] = dy^T [U, N] x x [N, I]
                    MatrixProduct(transposeA: true, rows: units, columns: inputFeatures, depth: batch)
                        .run(dy.baseAddress!, leadingA: units, x.baseAddress!, leadingB: inputFeatures, into: dw.baseAddress!, leadingC: inputFeatures)
                }
            }
            guard needsInputGradient else { return }
            inputGradient.reshape(input.shape)
            weight.value.withUnsafeBufferPointer { w in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    // dx [N, I] = dy [N, U] x W [U, I]
                    MatrixProduct(rows: batch, columns: inputFeatures, depth: units)
                        .run(dy.baseAddress!, leadingA: units, w.baseAddress!, leadingB: inputFeatures, into: dx.baseAddress!, leadingC: inputFeatures)
                }
            }
        }
    }
}
