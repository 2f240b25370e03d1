@testable import Trainer
import Foundation
import ModelSpec
import Safetensors
import TensorCore
import TestSupport
import XCTest

/// Forward and backward passes and optimizer steps against PyTorch 2.15 on fixed weights and
/// inputs (Tests/Fixtures/trainer/make_pytorch_reference.py wrote the file).
final class PyTorchReferenceTests: XCTestCase {
    private var reference: SafetensorsFile!
    private var cases: [String: [String: Any]] = [:]

    override func setUpWithError() throws {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: Fixtures.fixture("trainer/pytorch-reference.safetensors")))
        reference = try SafetensorsFile(decoding: Array(bytes))
        let json = try XCTUnwrap(reference.metadata["cases"])
        cases = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
    }

    private func tensor(_ name: String) throws -> Tensor {
        let entry = try XCTUnwrap(reference.entry(name), "missing \(name)")
        return Tensor(shape: entry.shape, values: entry.floats)
    }

    /// Loads the reference weights, runs forward and backward, and compares every value.
    private func check(_ name: String, _ layer: any Layer, file: StaticString = #filePath, line: UInt = #line) throws {
        for parameter in layer.parameters + layer.buffers where reference.entry("\(name).\(parameter.name)") != nil {
            let value = try tensor("\(name).\(parameter.name)")
            XCTAssertEqual(value.shape, parameter.shape, "\(name).\(parameter.name)", file: file, line: line)
            parameter.value = value.values
        }
        let input = try tensor("\(name).input")
        var rng = SampleRNG(seed: 0, epoch: 0, index: 0)
        layer.forward(input, mode: .training, rng: &rng)
        let expected = try tensor("\(name).output")
        XCTAssertEqual(layer.output.shape, expected.shape, "\(name) output shape", file: file, line: line)
        assertClose(layer.output.values, expected.values, rtol: 1e-4, atol: 1e-5, "\(name) output", file: file, line: line)
        layer.backward(input, outputGradient: try tensor("\(name).grad_output"), needsInputGradient: true)
        assertClose(layer.inputGradient.values, try tensor("\(name).grad_input").values, rtol: 1e-4, atol: 1e-4,
                    "\(name) input gradient", file: file, line: line)
        for parameter in layer.parameters {
            assertClose(parameter.gradient, try tensor("\(name).grad_\(parameter.name)").values, rtol: 1e-4, atol: 1e-4,
                        "\(name) \(parameter.name) gradient", file: file, line: line)
        }
    }

    func testConvolutionsMatchPyTorch() throws {
        let names = cases.filter { $0.value["layer"] as? String == "conv2d" }.map(\.key).sorted()
        XCTAssertEqual(names.count, 5)
        for name in names {
            let settings = try XCTUnwrap(cases[name])
            let input = try tensor("\(name).input")
            let kernel = try XCTUnwrap(settings["kernel"] as? Int)
            let padding: ConvPadding = (settings["padding"] as? String) == "same" ? .same : .explicit(try XCTUnwrap(settings["padding"] as? Int))
            var rng = SampleRNG(seed: 0, epoch: 0, index: 0)
            let layer = try Conv2D(inputShape: Array(input.shape.dropFirst()), filters: try XCTUnwrap(settings["filters"] as? Int),
                                   kernel: (kernel, kernel), stride: try XCTUnwrap(settings["stride"] as? Int), padding: padding,
                                   dilation: try XCTUnwrap(settings["dilation"] as? Int), rng: &rng)
            try check(name, layer)
        }
    }

    func testPoolingDenseAndBatchNormMatchPyTorch() throws {
        try check("max_pool_2", try Pool2D(inputShape: [3, 8, 7], reduction: .max, size: 2))
        try check("max_pool_3_stride2", try Pool2D(inputShape: [2, 9, 8], reduction: .max, size: 3, stride: 2))
        try check("avg_pool_2", try Pool2D(inputShape: [3, 8, 7], reduction: .average, size: 2))
        try check("max_pool_2_wide", try Pool2D(inputShape: [3, 10, 37], reduction: .max, size: 2))
        try check("max_pool_2_mid", try Pool2D(inputShape: [2, 6, 13], reduction: .max, size: 2))
        try check("max_pool_2_ties", try Pool2D(inputShape: [2, 8, 34], reduction: .max, size: 2))
        var rng = SampleRNG(seed: 0, epoch: 0, index: 0)
        try check("dense", try Dense(inputShape: [13], units: 5, rng: &rng))
        for (name, shape) in [("batch_norm_2d", [3, 5, 5]), ("batch_norm_1d", [6])] {
            let layer = try BatchNorm(inputShape: shape)
            // The file holds the running statistics after PyTorch's training pass.
            let runningMean = try tensor("\(name).running_mean").values, runningVariance = try tensor("\(name).running_var").values
            try check(name, layer)
            // check() loaded PyTorch's updated statistics first; the update is checked from the initial ones.
            let fresh = try BatchNorm(inputShape: shape)
            var rng = SampleRNG(seed: 0, epoch: 0, index: 0)
            fresh.forward(try tensor("\(name).input"), mode: .training, rng: &rng)
            assertClose(fresh.runningMean.value, runningMean, rtol: 1e-5, atol: 1e-6, "\(name) running mean")
            assertClose(fresh.runningVariance.value, runningVariance, rtol: 1e-5, atol: 1e-6, "\(name) running variance")
        }
    }

    func testCrossEntropyMatchesPyTorch() throws {
        var loss = SoftmaxCrossEntropy()
        let labels = try tensor("cross_entropy.labels").values.map { Int64($0) }
        let value = loss.evaluate(logits: try tensor("cross_entropy.logits"), labels: labels)
        XCTAssertEqual(value, Double(try tensor("cross_entropy.loss").values[0]), accuracy: 1e-5)
        assertClose(loss.gradient.values, try tensor("cross_entropy.grad_logits").values, rtol: 1e-4, atol: 1e-6)
    }

    func testOptimizersMatchPyTorch() throws {
        let start = try tensor("optimizer.start").values
        let gradients = try tensor("optimizer.gradients")
        let settings: [String: OptimizerSettings] = [
            "sgd": .sgd(learningRate: 0.1),
            "sgd_momentum_wd": .sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01),
            "sgd_nesterov": .sgd(learningRate: 0.1, momentum: 0.9, nesterov: true),
            "adam": .adam(learningRate: 0.01),
            "adam_wd": .adam(learningRate: 0.01, weightDecay: 0.1),
            "rmsprop": .rmsprop(learningRate: 0.01),
            "rmsprop_momentum": .rmsprop(learningRate: 0.01, momentum: 0.5),
        ]
        for (name, setting) in settings {
            let parameter = Parameter(name: "w", shape: [start.count], value: start)
            let optimizer = Optimizer(setting, parameters: [parameter])
            let expected = try tensor("optimizer.\(name)").values
            for step in 0..<3 {
                parameter.gradient = Array(gradients.values[(step * start.count)..<((step + 1) * start.count)])
                optimizer.step([parameter])
                assertClose(parameter.value, Array(expected[(step * start.count)..<((step + 1) * start.count)]), rtol: 1e-5, atol: 1e-6,
                            "\(name) after step \(step + 1)")
            }
        }
    }
}
