@testable import Trainer
import ModelSpec
import Safetensors
import TensorCore
import XCTest

final class TrainingPiecesTests: XCTestCase {
    func testEarlyStoppingWaitsPatienceEpochsBeyondMinDelta() {
        var stopping = EarlyStopping(patience: 2, minDelta: 0.01)
        XCTAssertTrue(stopping.record(epoch: 1, loss: 1.0))
        XCTAssertTrue(stopping.record(epoch: 2, loss: 0.9))
        XCTAssertFalse(stopping.record(epoch: 3, loss: 0.895))   // better, but not by more than min_delta
        XCTAssertFalse(stopping.shouldStop)
        XCTAssertFalse(stopping.record(epoch: 4, loss: 0.95))
        XCTAssertTrue(stopping.shouldStop)
        XCTAssertEqual(stopping.bestEpoch, 2)
    }

    func testSchedulesFollowPyTorch() {
        let step = LearningRateSchedule.step(stepSize: 2, gamma: 0.5)
        XCTAssertEqual((0..<5).map { step.rate(base: 0.1, epoch: $0, epochs: 5) }, [0.1, 0.1, 0.05, 0.05, 0.025])
        let cosine = LearningRateSchedule.cosine(minimum: 0)
        XCTAssertEqual(cosine.rate(base: 0.1, epoch: 0, epochs: 4), 0.1, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 0.1, epoch: 2, epochs: 4), 0.05, accuracy: 1e-12)
    }

    func testSummaryCountsAndReceptiveFields() throws {
        let model = try Model([
            .conv2d(filters: 8, kernel: (3, 3), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch),
            .maxPool(size: 2, stride: nil),
            .conv2d(filters: 8, kernel: (3, 3), stride: 2, padding: .explicit(1), dilation: 2, bias: false, initializer: .heNormal),
            .globalAvgPool, .dense(units: 3, bias: true, initializer: .glorotUniform),
        ], inputShape: [3, 16, 16], seed: 0)
        let summary = ModelSummary(model)
        XCTAssertEqual(summary.rows.map(\.parameters), [3 * 9 * 8 + 8, 0, 8 * 9 * 8, 0, 8 * 3 + 3])
        // 3 -> pool: 3 + 1 = 4 (jump 2) -> dilated 3x3: 4 + 2 * 2 * 2 = 12 (jump 4)
        XCTAssertEqual(summary.rows.map(\.receptiveField), [3, 4, 12, nil, nil])
        XCTAssertEqual(summary.rows[2].outputShape, [8, 3, 3])   // (8 + 2 - 5) / 2 + 1
        XCTAssertEqual(summary.totalParameters, model.parameterCount)
    }

    func testTheSameSeedGivesTheSameInitialWeights() throws {
        let layers: [LayerSpec] = [.flatten, .dense(units: 4, bias: true, initializer: .pytorch)]
        let a = try Model(layers, inputShape: [1, 2, 2], seed: 5), b = try Model(layers, inputShape: [1, 2, 2], seed: 5)
        let c = try Model(layers, inputShape: [1, 2, 2], seed: 6)
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertNotEqual(a.parameters.map(\.value), c.parameters.map(\.value))
        // PyTorch's default: |w| <= 1/sqrt(fan_in) = 0.5
        XCTAssertTrue(a.parameters.allSatisfy { $0.value.allSatisfy { abs($0) <= 0.5 } })
    }

    func testSafetensorsRoundTripAndDamage() throws {
        let file = SafetensorsFile(entries: [
            .init(name: "a", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
            .init(name: "labels", dtype: .int64, shape: [2], bytes: [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
        ], metadata: ["format": "test"])
        let bytes = file.encoded()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual((8 + headerLength) % 8, 0, "data starts 8-byte aligned")
        let decoded = try SafetensorsFile(decoding: bytes)
        XCTAssertEqual(decoded.entry("a")?.floats, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(decoded.entry("labels")?.bytes, file.entry("labels")?.bytes)
        XCTAssertEqual(decoded.metadata, ["format": "test"])
        XCTAssertThrowsError(try SafetensorsFile(decoding: Array(bytes.dropLast())))
        XCTAssertThrowsError(try SafetensorsFile(decoding: bytes + [0]))
        XCTAssertThrowsError(try SafetensorsFile(decoding: [255, 255, 255, 255, 0, 0, 0, 0]))
    }

    func testTrainingRefusesUnlabelledOrOutOfRangeLabels() throws {
        let model = try Model([.flatten, .dense(units: 3, bias: true, initializer: .pytorch)], inputShape: [1, 2, 2], seed: 0)
        let session = TrainingSession(model: model, optimizer: .sgd(), seed: 0)
        let images = Tensor(shape: [2, 1, 2, 2], repeating: 0.5)
        XCTAssertThrowsError(try session.train([Batch(images: images, labels: [0, -1], indices: [7, 8])], epoch: 0)) { error in
            XCTAssertTrue("\(error)".contains("sample 8 has no label"), "\(error)")
        }
        XCTAssertThrowsError(try session.train([Batch(images: images, labels: [3, 0], indices: [7, 8])], epoch: 0))
    }
}

final class ThreadCountTests: XCTestCase {
    /// Every loop split over threads writes its own elements in the same order, so training
    /// gives the same bytes on 1 or 2 threads (the first convolution takes the direct path, the
    /// second im2col and sgemm).
    func testTrainingStepsAreBitIdenticalForOneAndTwoThreads() throws {
        let layers: [LayerSpec] = [
            .conv2d(filters: 8, kernel: (3, 3), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch),
            .batchNorm(momentum: 0.1, epsilon: 1e-5), .relu, .maxPool(size: 2, stride: nil),
            .conv2d(filters: 8, kernel: (2, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .avgPool(size: 2, stride: nil), .dropout(rate: 0.2), .flatten, .dense(units: 5, bias: true, initializer: .pytorch),
        ]
        var rng = SampleRNG(seed: 9, epoch: 0, index: 0)
        let batches = (0..<3).map { step in
            Batch(images: Tensor(shape: [16, 3, 16, 16], values: (0..<(16 * 3 * 256)).map { _ in Float(rng.normal()) }),
                  labels: (0..<16).map { _ in Int64(rng.integer(upTo: 4)) }, indices: Array((step * 16)..<(step * 16 + 16)))
        }
        func train(threads: Int) throws -> [[Float]] {
            ComputeThreads.set(threads)
            defer { ComputeThreads.set(1) }
            let model = try Model(layers, inputShape: [3, 16, 16], seed: 3)
            let session = TrainingSession(model: model, optimizer: .adam(), seed: 3)
            _ = try session.train(batches, epoch: 0)
            return model.namedTensors.map(\.tensor.value)
        }
        let one = try train(threads: 1), two = try train(threads: 2)
        XCTAssertEqual(one, two)
    }
}
