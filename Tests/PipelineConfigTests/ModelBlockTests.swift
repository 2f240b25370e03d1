import ModelSpec
import PipelineConfig
import Trainer
import XCTest

/// The `model` and `train` blocks: typed, with defaults, and errors that name their place.
final class ModelBlockTests: XCTestCase {
    private let head = "version: 1\ndecode: {color: gray}\ntransforms:\n  train: [center_crop: {size: 8}, to_float: {}]\n  test: [center_crop: {size: 8}, to_float: {}]\n"

    private func parse(_ blocks: String) throws -> PipelineFile {
        try PipelineFile.parse(head + blocks, path: "m.yaml")
    }

    private func error(_ blocks: String) -> PipelineError? {
        do { _ = try PipelineFile.parse(head + blocks, path: "m.yaml"); return nil } catch { return error }
    }

    func testBlocksAreReadWithTheirDefaults() throws {
        let file = try parse("""
            model:
              - conv2d: {filters: 4, kernel: [3, 2], padding: same, init: he_normal}
              - batch_norm: {}
              - max_pool: {}
              - flatten: {}
              - dropout: {}
              - dense: {units: 3, bias: false}
            train:
              optimizer: {name: sgd, momentum: 0.9, nesterov: true, weight_decay: 0.0005}
              schedule: {name: step, step_size: 2}
            """)
        XCTAssertEqual(file.model, [
            .conv2d(filters: 4, kernel: (3, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .heNormal),
            .batchNorm(momentum: 0.1, epsilon: 1e-5), .maxPool(size: 2, stride: nil), .flatten, .dropout(rate: 0.5),
            .dense(units: 3, bias: false, initializer: .pytorch),
        ])
        let train = try XCTUnwrap(file.train)
        XCTAssertEqual(train.epochs, 10)
        XCTAssertEqual(train.optimizer, .sgd(learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.0005))
        XCTAssertEqual(train.schedule, .step(stepSize: 2, gamma: 0.1))
        XCTAssertEqual(train.validationSplit, "test")
        XCTAssertNil(train.earlyStopping)
        XCTAssertEqual(file.trainingInputShape, [1, 8, 8])
        XCTAssertEqual(try Model(XCTUnwrap(file.model), inputShape: [1, 8, 8], seed: file.seed).parameterCount, (6 * 4 + 4) + 8 + 4 * 4 * 4 * 3)
        // A model without a train block trains with the defaults: RMSprop, Keras' settings.
        XCTAssertEqual(try parse("model: [flatten: {}, dense: {units: 2}]\n").train?.optimizer, .rmsprop())
    }

    func testWrongFieldsNameTheirPlace() {
        let cases: [(String, String)] = [
            ("model: [flatten: {}, dense: {units: 2}]\ntrain: {optimizer: {name: adam, rho: 0.9}}\n", "unknown key 'rho'"),
            ("model: [flatten: {}, dense: {units: 2}]\ntrain: {optimizer: {name: adagrad}}\n", "not one of: adam, rmsprop, sgd"),
            ("model: [flatten: {}, dense: {units: 2}]\ntrain: {optimizer: {name: sgd, nesterov: true}}\n", "nesterov needs a momentum"),
            ("model: [flatten: {}, dense: {units: 2}]\ntrain: {validation: val}\n", "no split 'val'"),
            ("model: [flatten: {}, dense: {units: 2}]\ntrain: {schedule: {name: step}}\n", "step_size"),
            ("model: [dropout: {rate: 1}]\n", "rate is the fraction dropped"),
            ("model: [conv2d: {filters: 2}]\n", "conv2d needs 'kernel'"),
            ("model: [conv2d: {filters: 2, kernel: 9}, flatten: {}, dense: {units: 2}]\n", "does not fit"),
            ("model: [conv2d: {filters: 2, kernel: 3}]\n", "must end in class scores"),
            ("train: {epochs: 3}\n", "a train block needs a model block"),
        ]
        for (blocks, expected) in cases {
            let problem = error(blocks)
            XCTAssertTrue(problem?.description.contains(expected) ?? false, "\(blocks): \(String(describing: problem))")
            XCTAssertNotNil(problem?.line, blocks)
        }
        // A shape error names the layer: model[2] is the dense on an image input.
        let shape = error("model:\n  - conv2d: {filters: 2, kernel: 3}\n  - relu: {}\n  - dense: {units: 2}\n")
        XCTAssertEqual(shape?.keyPath, "model[2].dense")
        XCTAssertEqual(shape?.line, 9)
    }

    /// Sizes a file cannot mean (a mistyped width, 2^62 units) are located errors before
    /// anything is allocated, not an abort or gigabytes of memory.
    func testHostileSizesAreRefusedBeforeAllocating() {
        let cases: [(String, String, Int)] = [
            ("model: [conv2d: {filters: 1000000000, kernel: 3}, flatten: {}, dense: {units: 2}]\n", "must be at most 65535, got 1000000000", 6),
            ("model: [flatten: {}, dense: {units: 4611686018427387904}]\n", "must be at most 65535", 6),
            ("model: [flatten: {}, dense: {units: 9223372036854775807}]\n", "must be at most 65535", 6),
            ("model: [conv2d: {filters: 65535, kernel: 65535}, flatten: {}, dense: {units: 2}]\n", "over the limit of 268435456", 6),
        ]
        for (blocks, expected, line) in cases {
            let problem = error(blocks)
            XCTAssertTrue(problem?.description.contains(expected) ?? false, "\(blocks): \(String(describing: problem))")
            XCTAssertEqual(problem?.line, line, blocks)
        }
        let crop = "version: 1\ntransforms:\n  train: [random_crop: {size: 2147483647, padding: 2147483647}, to_float: {}]\n"
        XCTAssertThrowsError(try PipelineFile.parse(crop, path: "c.yaml")) { error in
            XCTAssertTrue("\(error)".contains("c.yaml:3:") && "\(error)".contains("must be at most 65535"), "\(error)")
        }
    }
}
