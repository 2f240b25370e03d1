import Dispatch
import TensorCore
import Trainer

/// The convolution layers of the reference CNNs alone (forward + backward), as GFLOPS against a
/// plain 1024^3 sgemm. The machine's speed can move by 2x within a minute, so each layer's
/// timing is paired with an sgemm timing taken just before it, five times, and the share of
/// sgemm is the median of the five pairs' ratios (with their range). First layers (1 or 3 input
/// channels) skip the input gradient, as they do in training, and count 2x the forward FLOPs
/// instead of 3x.
public struct ConvLayerBench {
    public struct Row: Encodable {
        public var layer: String
        public var threads: Int
        public var gflops: Double
        public var sgemm_gflops: Double
        public var ratio_vs_sgemm: Double
        public var ratio_min: Double
        public var ratio_max: Double
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
    static let pairs = 5

    public init(threads: [Int], batchSize: Int) {
        (self.threads, self.batchSize) = (threads, batchSize)
    }

    public func run() throws -> [Row] {
        _ = try BLASLibrary.load()
        var rows: [Row] = []
        let sgemm = Sgemm()
        for threadCount in threads {
            ComputeThreads.set(threadCount)
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
                sgemm.multiply()
                var (layerCalls, sgemmCalls) = (1, 1)
                var (layerRates, sgemmRates): ([Double], [Double]) = ([], [])
                for _ in 0..<Self.pairs {
                    sgemmRates.append(Self.rate(calls: &sgemmCalls) { sgemm.multiply() } * sgemm.flops / 1e9)
                    layerRates.append(Self.rate(calls: &layerCalls) { pass() } * flops / 1e9)
                }
                let ratios = zip(layerRates, sgemmRates).map { $0 / $1 }.sorted()
                rows.append(Row(layer: spec.name, threads: threadCount, gflops: Self.median(layerRates), sgemm_gflops: Self.median(sgemmRates),
                                ratio_vs_sgemm: Self.median(ratios), ratio_min: ratios[0], ratio_max: ratios[ratios.count - 1]))
            }
        }
        ComputeThreads.set(1)
        return rows
    }

    /// C = A·B with 1024x1024 matrices, split over the compute threads as the trainer does.
    final class Sgemm {
        let size = 1024
        let a: [Float], b: [Float]
        var c: [Float]
        var flops: Double { 2 * Double(size * size * size) }

        init() {
            (a, b) = ([Float](repeating: 0.5, count: size * size), [Float](repeating: 0.25, count: size * size))
            c = [Float](repeating: 0, count: size * size)
        }

        func multiply() {
            let size = size
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        MatrixProduct(rows: size, columns: size, depth: size)
                            .run(a.baseAddress!, leadingA: size, b.baseAddress!, leadingB: size, into: c.baseAddress!, leadingC: size)
                    }
                }
            }
        }
    }

    /// Calls per second of `body` over at least 0.2 s; `calls` grows until one timing lasts that
    /// long and is kept for the next timing of the same body.
    static func rate(calls: inout Int, _ body: () -> Void) -> Double {
        while true {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { body() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds >= 0.2 { return Double(calls) / seconds }
            calls *= 2
        }
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
