import Dispatch
import ModelSpec
import TensorCore
import Trainer

/// `sluice bench --suite train`: training steps (forward + backward + optimizer step) per
/// second on a fixed random batch held in memory, for the course notes' two reference CNNs at
/// each compute thread count: the compute step only, as the PyTorch peer `bench_train.py`
/// measures PyTorch.
public struct TrainBench {
    public struct Row: Encodable {
        public var model: String
        public var parameters: Int
        public var optimizer: String
        public var batch_size: Int
        public var threads: Int
        public var images_per_second: Double
        public var min_images_per_second: Double
        public var max_images_per_second: Double
        /// 3 x forward multiply-adds x 2 of conv and dense layers, per second.
        public var estimated_gflops: Double
    }

    public struct Reference: Sendable {
        public let name: String
        public let inputShape: [Int]
        public let layers: [LayerSpec]
        public let optimizer: OptimizerSettings
    }

    /// The course notes' MNIST CNN (220,234 parameters; RMSprop as in the notes) and the CIFAR
    /// small CNN (528,054; Adam, as the PyTorch peer trains it).
    public static let references = [
        Reference(name: "mnist_cnn", inputShape: [1, 28, 28], layers: [
            .conv2d(filters: 32, kernel: (3, 3), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .maxPool(size: 2, stride: nil),
            .conv2d(filters: 64, kernel: (3, 3), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .maxPool(size: 2, stride: nil), .flatten,
            .dense(units: 64, bias: true, initializer: .pytorch), .relu, .dense(units: 10, bias: true, initializer: .pytorch),
        ], optimizer: .rmsprop()),
        Reference(name: "cifar_small_cnn", inputShape: [3, 32, 32], layers: [
            .conv2d(filters: 16, kernel: (2, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .maxPool(size: 2, stride: nil),
            .conv2d(filters: 32, kernel: (2, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .maxPool(size: 2, stride: nil),
            .conv2d(filters: 64, kernel: (2, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
            .maxPool(size: 2, stride: nil), .dropout(rate: 0.3), .flatten,
            .dense(units: 500, bias: true, initializer: .pytorch), .relu, .dropout(rate: 0.4),
            .dense(units: 10, bias: true, initializer: .pytorch),
        ], optimizer: .adam()),
    ]

    public let threads: [Int]
    public let repeats: Int
    public let batchSize: Int

    public init(threads: [Int], repeats: Int, batchSize: Int) {
        (self.threads, self.repeats, self.batchSize) = (threads, repeats, batchSize)
    }

    public func run(progress: (Row) -> Void) throws -> [Row] {
        var rows: [Row] = []
        for reference in Self.references {
            let model = try Model(reference.layers, inputShape: reference.inputShape, seed: 0)
            let flops = Self.forwardFlops(model)
            var rng = SampleRNG(seed: 1, epoch: 0, index: 0)
            let images = Tensor(shape: [batchSize] + reference.inputShape,
                                values: (0..<(batchSize * reference.inputShape.reduce(1, *))).map { _ in Float(rng.normal()) })
            let labels = (0..<batchSize).map { _ in Int64(rng.integer(upTo: 9)) }
            let batch = Batch(images: images, labels: labels, indices: Array(0..<batchSize))
            for threadCount in threads {
                ComputeThreads.set(threadCount)
                let session = TrainingSession(model: model, optimizer: reference.optimizer, seed: 0)
                // About 3 s per timed run, after warm-up steps.
                _ = try session.train(repeatElement(batch, count: 3), epoch: 0)
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try session.train(repeatElement(batch, count: 3), epoch: 0)
                let stepSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 3e9
                let steps = max(5, Int(3 / stepSeconds))
                var rates: [Double] = []
                for _ in 0..<repeats {
                    let metrics = try session.train(repeatElement(batch, count: steps), epoch: 0)
                    rates.append(Double(metrics.samples) / metrics.seconds)
                }
                rates.sort()
                let median = rates[rates.count / 2]
                let row = Row(model: reference.name, parameters: model.parameterCount, optimizer: reference.optimizer.name,
                              batch_size: batchSize, threads: threadCount, images_per_second: median,
                              min_images_per_second: rates.first!, max_images_per_second: rates.last!,
                              estimated_gflops: median * 3 * flops / 1e9)
                rows.append(row)
                progress(row)
            }
        }
        return rows
    }

    /// Multiply-adds x 2 of the conv and dense layers for one image, forward.
    static func forwardFlops(_ model: Model) -> Double {
        model.layers.reduce(0) { total, layer in
            if let conv = layer as? Conv2D {
                return total + 2 * Double(conv.outputShape.reduce(1, *)) * Double(conv.weight.count / conv.filters)
            }
            if let dense = layer as? Dense { return total + 2 * Double(dense.weight.count) }
            return total
        }
    }
}
