@testable import Trainer
import ModelSpec
import TensorCore
import TestSupport
import XCTest

/// Both paths of `Conv2D` against the convolution written out in Double: the direct one (few
/// input channels, stride 1, outputs at least 16 wide; its bits pinned) and im2col a sample at a
/// time; and both give the same bits on 1 and 2 threads.
final class ConvolutionPathTests: XCTestCase {
    private struct Case {
        let input: [Int], filters: Int, kernel: (Int, Int), padding: ConvPadding, dilation: Int, bias: Bool
        var stride = 1
    }

    private let cases = [
        Case(input: [1, 28, 28], filters: 32, kernel: (3, 3), padding: .same, dilation: 1, bias: true),   // the MNIST CNN's first
        Case(input: [3, 32, 32], filters: 16, kernel: (2, 2), padding: .same, dilation: 1, bias: true),   // the CIFAR CNN's first
        Case(input: [3, 9, 16], filters: 5, kernel: (3, 3), padding: .same, dilation: 1, bias: false),    // one vector a row
        Case(input: [2, 7, 33], filters: 9, kernel: (5, 5), padding: .explicit(2), dilation: 1, bias: true),
        Case(input: [3, 12, 21], filters: 3, kernel: (3, 2), padding: .valid, dilation: 2, bias: true),
        Case(input: [1, 4, 17], filters: 1, kernel: (1, 1), padding: .valid, dilation: 1, bias: true),
    ]

    /// The shapes with AVX2 weight-gradient kernels of their own (3x3 on one channel, 2x2 on
    /// three): rows of one vector, and last vectors that share 13, 8 and 15 lanes with the one before.
    private let specialisedCases = [
        Case(input: [1, 6, 18], filters: 3, kernel: (3, 3), padding: .valid, dilation: 1, bias: true),
        Case(input: [1, 7, 19], filters: 5, kernel: (3, 3), padding: .same, dilation: 1, bias: true),
        Case(input: [3, 5, 25], filters: 4, kernel: (2, 2), padding: .valid, dilation: 1, bias: true),
        Case(input: [3, 6, 40], filters: 2, kernel: (2, 2), padding: .same, dilation: 1, bias: true),
        Case(input: [1, 4, 33], filters: 2, kernel: (3, 3), padding: .same, dilation: 1, bias: false),
    ]

    /// im2col cases: rows of 14 (copied 8 at a time, the last 8 overlapping), 8 and fewer than
    /// 8 floats; padding on all sides, on the bottom and right only (the CIFAR CNN's 2x2 layers),
    /// none (the image read as it is); strides and dilation; a first layer too narrow for the
    /// direct path.
    private let columnCases = [
        Case(input: [32, 14, 14], filters: 8, kernel: (3, 3), padding: .same, dilation: 1, bias: true),
        Case(input: [16, 8, 8], filters: 5, kernel: (2, 2), padding: .same, dilation: 1, bias: true),
        Case(input: [8, 11, 20], filters: 6, kernel: (3, 2), padding: .explicit(1), dilation: 2, bias: false),
        Case(input: [3, 9, 9], filters: 4, kernel: (3, 3), padding: .same, dilation: 1, bias: true),
        Case(input: [4, 13, 10], filters: 3, kernel: (3, 3), padding: .valid, dilation: 1, bias: true, stride: 2),
        Case(input: [5, 10, 12], filters: 4, kernel: (3, 3), padding: .same, dilation: 1, bias: false, stride: 2),
    ]

    private func random(_ count: Int, _ rng: inout SampleRNG) -> [Float] { (0..<count).map { _ in Float(rng.normal()) } }

    /// A layer for `c`, after one forward and backward pass on random values.
    private func pass(_ c: Case, batch: Int, needsInputGradient: Bool, rng: inout SampleRNG) throws -> Conv2D {
        let layer = try Conv2D(inputShape: c.input, filters: c.filters, kernel: c.kernel, stride: c.stride, padding: c.padding,
                               dilation: c.dilation, bias: c.bias, rng: &rng)
        let input = Tensor(shape: [batch] + c.input, values: random(batch * c.input.reduce(1, *), &rng))
        let gradient = Tensor(shape: [batch] + layer.outputShape, values: random(batch * layer.outputShape.reduce(1, *), &rng))
        layer.forward(input, mode: .training, rng: &rng)
        layer.backward(input, outputGradient: gradient, needsInputGradient: needsInputGradient)
        return layer
    }

    /// (output, weight gradient, bias gradient, input gradient) in Double, as the definition says.
    private func reference(_ c: Case, layer: Conv2D, input: [Float], batch: Int, gradient: [Float])
        -> (output: [Double], weight: [Double], bias: [Double], input: [Double]) {
        let (channels, height, width) = (c.input[0], c.input[1], c.input[2])
        let (outputHeight, outputWidth) = (layer.outputShape[1], layer.outputShape[2])
        let g = layer.geometry
        var output = [Double](repeating: 0, count: batch * c.filters * outputHeight * outputWidth)
        var weight = [Double](repeating: 0, count: layer.weight.count), bias = [Double](repeating: 0, count: c.filters)
        var inputGradient = [Double](repeating: 0, count: input.count)
        for n in 0..<batch {
            for f in 0..<c.filters {
                for y in 0..<outputHeight {
                    for x in 0..<outputWidth {
                        let o = ((n * c.filters + f) * outputHeight + y) * outputWidth + x
                        var sum = c.bias ? Double(layer.bias!.value[f]) : 0
                        for ch in 0..<channels {
                            for i in 0..<c.kernel.0 {
                                for j in 0..<c.kernel.1 {
                                    let (row, column) = (y * c.stride - g.padTop + i * c.dilation, x * c.stride - g.padLeft + j * c.dilation)
                                    guard row >= 0, row < height, column >= 0, column < width else { continue }
                                    let w = ((f * channels + ch) * c.kernel.0 + i) * c.kernel.1 + j
                                    let v = ((n * channels + ch) * height + row) * width + column
                                    sum += Double(layer.weight.value[w]) * Double(input[v])
                                    weight[w] += Double(gradient[o]) * Double(input[v])
                                    inputGradient[v] += Double(gradient[o]) * Double(layer.weight.value[w])
                                }
                            }
                        }
                        output[o] = sum
                        bias[f] += Double(gradient[o])
                    }
                }
            }
        }
        return (output, weight, bias, inputGradient)
    }

    private func assertNear(_ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        let scale = max(1, expected.map(abs).max() ?? 0)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst / scale, tolerance, what, file: file, line: line)
    }

    func testMatchesTheDefinition() throws {
        var rng = SampleRNG(seed: 11, epoch: 0, index: 0)
        for (c, direct) in (cases + specialisedCases).map({ ($0, true) }) + columnCases.map({ ($0, false) }) {
            let layer = try Conv2D(inputShape: c.input, filters: c.filters, kernel: c.kernel, stride: c.stride, padding: c.padding,
                                   dilation: c.dilation, bias: c.bias, rng: &rng)
            XCTAssertEqual(layer.takesDirectPath, direct, "\(c.input) \(c.kernel)")
            let batch = direct ? 3 : 17   // im2col: three groups of samples, the last partial
            let input = random(batch * c.input.reduce(1, *), &rng)
            let gradient = random(batch * layer.outputShape.reduce(1, *), &rng)
            let expected = reference(c, layer: layer, input: input, batch: batch, gradient: gradient)
            let inputTensor = Tensor(shape: [batch] + c.input, values: input)
            layer.forward(inputTensor, mode: .training, rng: &rng)
            layer.backward(inputTensor, outputGradient: Tensor(shape: [batch] + layer.outputShape, values: gradient), needsInputGradient: true)
            let name = "\(c.input) \(c.kernel) \(c.padding)"
            assertNear(layer.output.values, expected.output, tolerance: 1e-6, "\(name) output")
            assertNear(layer.weight.gradient, expected.weight, tolerance: 1e-5, "\(name) weight gradient")
            if let bias = layer.bias { assertNear(bias.gradient, expected.bias, tolerance: 1e-5, "\(name) bias gradient") }
            assertNear(layer.inputGradient.values, expected.input, tolerance: 1e-5, "\(name) input gradient")
        }
    }

    /// Every value is computed the same way whatever the thread count: samples or groups of
    /// them go to threads whole, and gradients are summed in sample or group order.
    func testBothPathsGiveTheSameBitsOnOneAndTwoThreads() throws {
        for c in [cases[0], columnCases[0], columnCases[1]] {
            func run(threads: Int) throws -> [[Float]] {
                ComputeThreads.set(threads)
                defer { ComputeThreads.set(1) }
                var rng = SampleRNG(seed: 3, epoch: 0, index: 0)
                let layer = try pass(c, batch: 9, needsInputGradient: true, rng: &rng)
                return [layer.output.values, layer.weight.gradient, layer.inputGradient.values] + (layer.bias.map { [$0.gradient] } ?? [])
            }
            XCTAssertEqual(try run(threads: 1), try run(threads: 2), "\(c.input) \(c.kernel)")
        }
    }

    /// The direct kernels' values do not depend on the CPU: the AVX2 and AVX-512 variants give
    /// these bits (both checked), as does every thread count.
    func testBitsArePinned() throws {
        var rng = SampleRNG(seed: 5, epoch: 0, index: 0)
        var bytes: [UInt8] = []
        for c in cases {
            let layer = try pass(c, batch: 2, needsInputGradient: false, rng: &rng)
            for values in [layer.output.values, layer.weight.gradient] + (layer.bias.map { [$0.gradient] } ?? []) {
                values.withUnsafeBytes { bytes += $0 }
            }
        }
        XCTAssertEqual(SHA256.hex(bytes), "7ab45e2fe9b0b1545680125b900e048d0f203b532470e55f8aa2647d42bb9472")
    }
}
