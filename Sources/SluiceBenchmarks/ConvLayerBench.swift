import Dispatch
import TensorCore
import Trainer

/// The convolution layers of the reference CNNs alone (forward + backward, batch 128), as
/// GFLOPS against a plain 1024^3 sgemm measured in the same process. First layers (1 or 3
/// input channels) skip the input gradient, as they do in training, and count 2x the forward
/// FLOPs instead of 3x.
public struct ConvLayerBench {
    public struct Row: Encodable {
        public var layer: String
        public var threads: Int
        public var gflops: Double
        public var sgemm_gflops: Double
        public var ratio_vs_sgemm: Double
    }

    static let layers: [(name: String, input: [Int], filters: Int, kernel: Int)] = [
        ("mnist conv2d 1->32 3x3 28x28", [1, 28, 28], 32, 3),
        ("mnist conv2d 32->64 3x3 14x14", [32, 14, 14], 64, 3),
        ("cifar conv2d 3->16 2x2 32x32", [3, 32, 32], 16, 2),
        ("cifar conv2d 16->32 2x2 16x16", [16, 16, 16], 32, 2),
        ("cifar conv2d 32->64 2x2 8x8", [32, 8, 8], 64, 2),
    ]

    public let threads: [Int]
    public let batchSize: Int

    public init(threads: [Int], batchSize: Int) {
        (self.threads, self.batchSize) = (threads, batchSize)
    }

    public func run() throws -> [Row] {
        _ = try BLASLibrary.load()
        var rows: [Row] = []
        for threadCount in threads {
            ComputeThreads.set(threadCount)
            let sgemm = Self.sgemmRate()
            for spec in Self.layers {
                var rng = SampleRNG(seed: 2, epoch: 0, index: 0)
                let layer = try Conv2D(inputShape: spec.input, filters: spec.filters, kernel: (spec.kernel, spec.kernel), padding: .same, rng: &rng)
                let input = Tensor(shape: [batchSize] + spec.input, values: (0..<(batchSize * spec.input.reduce(1, *))).map { _ in Float(rng.normal()) })
                let gradient = Tensor(shape: [batchSize] + layer.outputShape, repeating: 0.01)
                let needsInputGradient = spec.input[0] > 3
                let flops = (needsInputGradient ? 3 : 2) * 2 * Double(batchSize * layer.outputShape.reduce(1, *) * spec.input[0] * spec.kernel * spec.kernel)
                func pass() {
                    layer.forward(input, mode: .training, rng: &rng)
                    layer.backward(input, outputGradient: gradient, needsInputGradient: needsInputGradient)
                }
                pass()
                let rate = Self.median(runs: 5) { pass() } * flops / 1e9
                rows.append(Row(layer: spec.name, threads: threadCount, gflops: rate, sgemm_gflops: sgemm, ratio_vs_sgemm: rate / sgemm))
            }
        }
        ComputeThreads.set(1)
        return rows
    }

    /// GFLOPS of C = A·B with 1024x1024 matrices, split over the compute threads as the trainer does.
    static func sgemmRate() -> Double {
        let size = 1024
        let a = [Float](repeating: 0.5, count: size * size), b = [Float](repeating: 0.25, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        func multiply() {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        MatrixProduct(rows: size, columns: size, depth: size)
                            .run(a.baseAddress!, leadingA: size, b.baseAddress!, leadingB: size, into: c.baseAddress!, leadingC: size)
                    }
                }
            }
        }
        multiply()
        return median(runs: 5) { multiply() } * 2 * Double(size * size * size) / 1e9
    }

    /// Calls per second of `body`: the median over `runs` timings of about 0.3 s each.
    static func median(runs: Int, _ body: () -> Void) -> Double {
        var rates: [Double] = []
        var calls = 1
        while rates.count < runs {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { body() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds < 0.3 && rates.isEmpty { calls *= 2; continue }
            rates.append(Double(calls) / seconds)
        }
        return rates.sorted()[rates.count / 2]
    }
}
