import ModelSpec
import TensorCore

/// Max or average pooling over `size` x `size` windows, `stride` apart, no padding, output
/// size floor((H - size) / stride) + 1 (PyTorch's `MaxPool2d`/`AvgPool2d`, Keras' "valid").
public final class Pool2D: Layer {
    public enum Reduction: String, Sendable {
        case max
        case average
    }

    public let reduction: Reduction
    public let size: Int
    public let stride: Int
    let channels: Int, height: Int, width: Int
    let outputHeight: Int, outputWidth: Int
    public private(set) var output = Tensor()
    public private(set) var inputGradient = Tensor()
    /// For max pooling: the flat input offset (within its plane) of each output's maximum.
    private var argmax: [Int32] = []
    /// Set by `Model` when the ReLU in front of this max pool is folded into it: outputs are
    /// max(maximum, 0) (as `ReLU`: -0 becomes 0, NaN stays), and a window passes its gradient on
    /// only when its output is above 0, which is what the ReLU's mask would have let through.
    var rectifies = false

    public init(inputShape: [Int], reduction: Reduction, size: Int, stride: Int? = nil) throws(ModelError) {
        let shape = try PoolShape(name: reduction == .max ? "max_pool" : "avg_pool", inputShape: inputShape, size: size, stride: stride)
        self.reduction = reduction
        self.size = size
        self.stride = shape.stride
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        (outputHeight, outputWidth) = (shape.outputHeight, shape.outputWidth)
    }

    public var kind: String { reduction == .max ? "max_pool" : "avg_pool" }
    public var outputShape: [Int] { [channels, outputHeight, outputWidth] }
    public var window: SpatialWindow? { SpatialWindow(kernel: size, stride: stride) }
    public var settingsDescription: String { "\(size)x\(size)" + (stride == size ? "" : ", stride \(stride)") }

    public func forward(_ input: Tensor, mode: PassMode, rng: inout SampleRNG) {
        let batch = input.shape[0]
        output.reshape([batch, channels, outputHeight, outputWidth])
        argmax.resize(to: reduction == .max ? output.count : 0)
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { best in
                    let (source, destination) = (x.baseAddress!, y.baseAddress!)
                    let argmax = reduction == .max ? best.baseAddress : nil
                    let rectifies = rectifies
                    ComputeThreads.forEachChunk(batch * channels) { planes in
                        for plane in planes {
                            forwardPlane(source + plane &* inputPlane, destination + plane &* outputPlane,
                                         argmax.map { $0 + plane &* outputPlane })
                        }
                        guard rectifies else { return }
                        let values = destination + planes.lowerBound &* outputPlane
                        for i in 0..<(planes.count &* outputPlane) { values[i] = max(values[i], 0) }
                    }
                }
            }
        }
    }

    /// One [H, W] plane; `best` (max pooling) gets each output's input offset in the plane.
    @inline(__always)
    private func forwardPlane(_ source: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>?) {
        let (size, stride, width, outputHeight, outputWidth) = (self.size, self.stride, self.width, self.outputHeight, self.outputWidth)
        if let best, size == 2, stride == 2 {
            return Self.maxPool2x2(source, width: width, outputHeight: outputHeight, outputWidth: outputWidth, out, best)
        }
        let scale = 1 / Float(size * size)
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                let corner = oy &* stride &* width &+ ox &* stride
                let index = oy &* outputWidth &+ ox
                if let best {
                    var bestOffset = corner
                    var bestValue = source[corner]
                    for i in 0..<size {
                        let row = corner &+ i &* width
                        for j in 0..<size where source[row &+ j] > bestValue || source[row &+ j].isNaN {
                            bestValue = source[row &+ j]   // NaN propagates, as in PyTorch
                            bestOffset = row &+ j
                        }
                    }
                    out[index] = bestValue
                    best[index] = Int32(truncatingIfNeeded: bestOffset)
                } else {
                    var sum: Float = 0
                    for i in 0..<size {
                        let row = corner &+ i &* width
                        for j in 0..<size { sum += source[row &+ j] }
                    }
                    out[index] = sum * scale
                }
            }
        }
    }

    /// The common 2x2, stride 2 case, eight (or four) outputs at a time in SIMD lanes: the
    /// window comparisons are data-dependent branches in scalar code, mispredicted half the
    /// time. A row's last group overlaps the one before it, which recomputes a few outputs
    /// identically. Ties go to the first in row-major order and NaN wins, as in PyTorch.
    @inline(__always)
    private static func maxPool2x2(_ source: UnsafePointer<Float>, width: Int, outputHeight: Int, outputWidth: Int,
                                   _ out: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>) {
        let lanes = outputWidth >= 8 ? 8 : outputWidth >= 4 ? 4 : 1
        for oy in 0..<outputHeight {
            let top = source + 2 &* oy &* width, bottom = top + width
            let rowOffset = Int32(truncatingIfNeeded: 2 &* oy &* width)
            let outRow = out + oy &* outputWidth, bestRow = best + oy &* outputWidth
            var ox = 0
            while ox < outputWidth {
                let start = min(ox, outputWidth &- lanes)
                if lanes == 8 {
                    window8(top + 2 &* start, bottom + 2 &* start, width: Int32(truncatingIfNeeded: width),
                            base: rowOffset &+ Int32(truncatingIfNeeded: 2 &* start), outRow + start, bestRow + start)
                } else if lanes == 4 {
                    window4(top + 2 &* start, bottom + 2 &* start, width: Int32(truncatingIfNeeded: width),
                            base: rowOffset &+ Int32(truncatingIfNeeded: 2 &* start), outRow + start, bestRow + start)
                } else {
                    var value = top[2 &* start], offset = 0
                    for (candidate, place) in zip([top[2 &* start &+ 1], bottom[2 &* start], bottom[2 &* start &+ 1]], [1, width, width &+ 1])
                        where candidate > value || candidate.isNaN { value = candidate; offset = place }
                    outRow[start] = value
                    bestRow[start] = rowOffset &+ Int32(truncatingIfNeeded: 2 &* start &+ offset)
                }
                ox = start &+ lanes
            }
        }
    }

    @inline(__always)
    private static func window8(_ top: UnsafePointer<Float>, _ bottom: UnsafePointer<Float>, width: Int32, base: Int32,
                                _ out: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>) {
        let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD16<Float>.self)
        let lower = UnsafeRawPointer(bottom).loadUnaligned(as: SIMD16<Float>.self)
        let columns = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ base
        var value = upper.evenHalf, offset = columns
        @inline(__always) func consider(_ candidate: SIMD8<Float>, _ shift: Int32) {
            let take = (candidate .> value) .| (candidate .!= candidate)
            value.replace(with: candidate, where: take)
            offset.replace(with: columns &+ shift, where: take)
        }
        consider(upper.oddHalf, 1)
        consider(lower.evenHalf, width)
        consider(lower.oddHalf, width &+ 1)
        UnsafeMutableRawPointer(out).storeBytes(of: value, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(best).storeBytes(of: offset, as: SIMD8<Int32>.self)
    }

    @inline(__always)
    private static func window4(_ top: UnsafePointer<Float>, _ bottom: UnsafePointer<Float>, width: Int32, base: Int32,
                                _ out: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>) {
        let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD8<Float>.self)
        let lower = UnsafeRawPointer(bottom).loadUnaligned(as: SIMD8<Float>.self)
        let columns = SIMD4<Int32>(0, 2, 4, 6) &+ base
        var value = upper.evenHalf, offset = columns
        @inline(__always) func consider(_ candidate: SIMD4<Float>, _ shift: Int32) {
            let take = (candidate .> value) .| (candidate .!= candidate)
            value.replace(with: candidate, where: take)
            offset.replace(with: columns &+ shift, where: take)
        }
        consider(upper.oddHalf, 1)
        consider(lower.evenHalf, width)
        consider(lower.oddHalf, width &+ 1)
        UnsafeMutableRawPointer(out).storeBytes(of: value, as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(best).storeBytes(of: offset, as: SIMD4<Int32>.self)
    }

    public func backward(_ input: Tensor, outputGradient: Tensor, needsInputGradient: Bool) {
        guard needsInputGradient else { return }
        inputGradient.reshape(input.shape)
        let inputPlane = height * width, outputPlane = outputHeight * outputWidth
        outputGradient.values.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { best in
                output.values.withUnsafeBufferPointer { y in
                    inputGradient.values.withUnsafeMutableBufferPointer { dx in
                        let (gradient, target, output) = (dy.baseAddress!, dx.baseAddress!, y.baseAddress!)
                        let argmax = reduction == .max ? best.baseAddress : nil
                        let rectifies = rectifies
                        ComputeThreads.forEachChunk(input.shape[0] * channels) { planes in
                            (target + planes.lowerBound &* inputPlane).update(repeating: 0, count: planes.count &* inputPlane)
                            for plane in planes {
                                backwardPlane(gradient + plane &* outputPlane, argmax.map { $0 + plane &* outputPlane },
                                              rectifies ? output + plane &* outputPlane : nil, target + plane &* inputPlane)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds one plane's output gradient onto its (zeroed) input gradient; with `rectified`
    /// outputs, only where they are above 0.
    @inline(__always)
    private func backwardPlane(_ gradient: UnsafePointer<Float>, _ best: UnsafePointer<Int32>?, _ rectified: UnsafePointer<Float>?,
                               _ target: UnsafeMutablePointer<Float>) {
        let (size, stride, width, outputHeight, outputWidth) = (self.size, self.stride, self.width, self.outputHeight, self.outputWidth)
        if let best, let rectified {
            for index in 0..<(outputHeight &* outputWidth) where rectified[index] > 0 { target[Int(best[index])] += gradient[index] }
            return
        }
        if let best {
            for index in 0..<(outputHeight &* outputWidth) { target[Int(best[index])] += gradient[index] }
            return
        }
        let scale = 1 / Float(size * size)
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                let share = gradient[oy &* outputWidth &+ ox] * scale
                let corner = oy &* stride &* width &+ ox &* stride
                for i in 0..<size {
                    let row = corner &+ i &* width
                    for j in 0..<size { target[row &+ j] += share }
                }
            }
        }
    }
}
