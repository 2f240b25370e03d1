@testable import Trainer
import ModelSpec
import TensorCore
import XCTest

/// Finite-difference checks of every layer's backward pass and of the loss: for a fixed random
/// projection R, L = sum(output * R), so dL/doutput = R and the layer's gradients must match
/// central differences of L.
final class GradientCheckTests: XCTestCase {
    private func randomTensor(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
        var rng = SampleRNG(seed: seed, epoch: 0, index: 0)
        return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal() * scale) })
    }

    /// L = sum(output * projection) in Double, after a forward pass with a fixed generator.
    private func projectedLoss(_ layer: any Layer, _ input: Tensor, _ projection: Tensor, mode: PassMode) -> Double {
        var rng = SampleRNG(seed: 7, epoch: 0, index: 0)
        layer.forward(input, mode: mode, rng: &rng)
        return zip(layer.output.values, projection.values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    private func checkGradients(_ layer: any Layer, batch: Int, inputShape: [Int], mode: PassMode = .training,
                                step: Float = 1e-2, tolerance: Double = 2e-2, file: StaticString = #filePath, line: UInt = #line) {
        var input = randomTensor([batch] + inputShape, seed: 1)
        let projection = randomTensor([batch] + layer.outputShape, seed: 2)
        _ = projectedLoss(layer, input, projection, mode: mode)
        layer.backward(input, outputGradient: projection, needsInputGradient: true)
        let inputGradient = layer.inputGradient.values
        let parameterGradients = layer.parameters.map(\.gradient)

        func compare(_ analytic: Float, _ numeric: Double, _ what: String) {
            let error = abs(Double(analytic) - numeric) / max(abs(Double(analytic)) + abs(numeric), 1e-2)
            XCTAssertLessThan(error, tolerance, "\(layer.kind) \(what): analytic \(analytic), numeric \(numeric)", file: file, line: line)
        }
        /// (L(v + step) - L(v - step)) / 2 step for the value that `set` writes.
        func centralDifference(_ value: Float, _ set: (Float) -> Void) -> Double {
            set(value + step)
            let plus = projectedLoss(layer, input, projection, mode: mode)
            set(value - step)
            let minus = projectedLoss(layer, input, projection, mode: mode)
            set(value)
            return (plus - minus) / Double(2 * step)
        }
        for i in stride(from: 0, to: input.count, by: max(1, input.count / 60)) {
            compare(inputGradient[i], centralDifference(input.values[i]) { input.values[i] = $0 }, "d/dinput[\(i)]")
        }
        for (parameter, gradient) in zip(layer.parameters, parameterGradients) {
            for i in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 40)) {
                compare(gradient[i], centralDifference(parameter.value[i]) { parameter.value[i] = $0 }, "d/d\(parameter.name)[\(i)]")
            }
        }
    }

    func testConvolutionGradients() throws {
        var rng = SampleRNG(seed: 3, epoch: 0, index: 0)
        for (kernel, stride, padding, dilation) in [(3, 1, ConvPadding.same, 1), (2, 1, .same, 1), (3, 2, .explicit(1), 1),
                                                     (3, 1, .valid, 2), (2, 2, .same, 1), (1, 1, .valid, 1)] {
            let layer = try Conv2D(inputShape: [3, 7, 6], filters: 4, kernel: (kernel, kernel), stride: stride, padding: padding,
                                   dilation: dilation, rng: &rng)
            checkGradients(layer, batch: 2, inputShape: [3, 7, 6])
        }
        let rectangular = try Conv2D(inputShape: [2, 5, 9], filters: 3, kernel: (2, 3), padding: .same, bias: false, rng: &rng)
        checkGradients(rectangular, batch: 3, inputShape: [2, 5, 9])
        // The direct path (few channels, outputs at least 16 wide), input gradient included.
        let direct = try Conv2D(inputShape: [2, 5, 18], filters: 3, kernel: (3, 3), padding: .same, rng: &rng)
        checkGradients(direct, batch: 2, inputShape: [2, 5, 18])
    }

    func testDenseGradients() throws {
        var rng = SampleRNG(seed: 4, epoch: 0, index: 0)
        checkGradients(try Dense(inputShape: [13], units: 5, rng: &rng), batch: 4, inputShape: [13])
        checkGradients(try Dense(inputShape: [6], units: 3, bias: false, initializer: .glorotNormal, rng: &rng), batch: 1, inputShape: [6])
    }

    func testPoolingAndShapeLayerGradients() throws {
        checkGradients(try Pool2D(inputShape: [2, 6, 6], reduction: .max, size: 2), batch: 2, inputShape: [2, 6, 6], step: 1e-3)
        checkGradients(try Pool2D(inputShape: [2, 7, 5], reduction: .max, size: 3, stride: 2), batch: 2, inputShape: [2, 7, 5], step: 1e-3)
        checkGradients(try Pool2D(inputShape: [3, 6, 7], reduction: .average, size: 2), batch: 2, inputShape: [3, 6, 7])
        checkGradients(try GlobalAveragePool(inputShape: [3, 4, 5]), batch: 2, inputShape: [3, 4, 5])
        checkGradients(ReLU(inputShape: [3, 4, 4]), batch: 2, inputShape: [3, 4, 4], step: 1e-3)
        checkGradients(Flatten(inputShape: [2, 3, 4]), batch: 2, inputShape: [2, 3, 4])
        checkGradients(try Dropout(inputShape: [20], rate: 0.4), batch: 3, inputShape: [20])
    }

    func testBatchNormGradients() throws {
        checkGradients(try BatchNorm(inputShape: [3, 4, 4]), batch: 4, inputShape: [3, 4, 4], step: 1e-2, tolerance: 3e-2)
        checkGradients(try BatchNorm(inputShape: [5]), batch: 6, inputShape: [5], step: 1e-2, tolerance: 3e-2)
        checkGradients(try BatchNorm(inputShape: [2, 3, 3]), batch: 2, inputShape: [2, 3, 3], mode: .evaluation)
    }

    func testSoftmaxCrossEntropyGradientAndStability() {
        var loss = SoftmaxCrossEntropy()
        var logits = randomTensor([4, 6], seed: 5, scale: 3)
        let labels: [Int64] = [0, 5, 2, 2]
        _ = loss.evaluate(logits: logits, labels: labels)
        let analytic = loss.gradient.values
        for i in 0..<logits.count {
            let saved = logits.values[i]
            logits.values[i] = saved + 1e-2
            let plus = loss.evaluate(logits: logits, labels: labels, computeGradient: false)
            logits.values[i] = saved - 1e-2
            let minus = loss.evaluate(logits: logits, labels: labels, computeGradient: false)
            logits.values[i] = saved
            XCTAssertEqual(Double(analytic[i]), (plus - minus) / 2e-2, accuracy: 1e-3)
        }
        // Huge logits: log-sum-exp keeps the loss finite and exact.
        let huge = Tensor(shape: [1, 3], values: [1000, 0, -1000])
        XCTAssertEqual(loss.evaluate(logits: huge, labels: [0]), 0, accuracy: 1e-9)
        XCTAssertEqual(loss.evaluate(logits: huge, labels: [1]), 1000, accuracy: 1e-6)
        XCTAssertFalse(loss.gradient.values.contains { !$0.isFinite })
    }

    /// Soft targets (mixup, cutmix): one-hot targets give the hard-label loss and gradient; mixed
    /// ones the mixture of the two losses, and the gradient matches finite differences.
    func testSoftTargetsGiveTheMixedLossAndItsGradient() {
        var loss = SoftmaxCrossEntropy()
        var logits = randomTensor([3, 5], seed: 8, scale: 2)
        let labels: [Int64] = [4, 1, 1]
        var oneHot = Tensor(shape: [3, 5], values: [Float](repeating: 0, count: 15))
        for (n, label) in labels.enumerated() { oneHot.values[n * 5 + Int(label)] = 1 }
        let hard = loss.evaluate(logits: logits, labels: labels)
        let hardGradient = loss.gradient
        XCTAssertEqual(loss.evaluate(logits: logits, labels: labels, targets: oneHot), hard, accuracy: 1e-12)
        XCTAssertEqual(loss.gradient, hardGradient)
        // Each sample mixed 0.7 / 0.3 with the one before it (torchvision's roll(1, 0)).
        var mixed = Tensor(shape: [3, 5], values: [Float](repeating: 0, count: 15))
        for n in 0..<3 {
            mixed.values[n * 5 + Int(labels[(n + 2) % 3])] += 0.3
            mixed.values[n * 5 + Int(labels[n])] += 0.7
        }
        let previous: [Int64] = [labels[2], labels[0], labels[1]]
        let expected = 0.7 * loss.evaluate(logits: logits, labels: labels, computeGradient: false)
            + 0.3 * loss.evaluate(logits: logits, labels: previous, computeGradient: false)
        XCTAssertEqual(loss.evaluate(logits: logits, labels: labels, targets: mixed), expected, accuracy: 1e-6)
        let analytic = loss.gradient.values
        for i in 0..<logits.count {
            let saved = logits.values[i]
            logits.values[i] = saved + 1e-2
            let plus = loss.evaluate(logits: logits, labels: labels, targets: mixed, computeGradient: false)
            logits.values[i] = saved - 1e-2
            let minus = loss.evaluate(logits: logits, labels: labels, targets: mixed, computeGradient: false)
            logits.values[i] = saved
            XCTAssertEqual(Double(analytic[i]), (plus - minus) / 2e-2, accuracy: 1e-3)
        }
    }
}
