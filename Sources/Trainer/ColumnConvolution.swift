import CSluiceBLAS

/// The im2col path of `Conv2D`, one sample at a time: a sample's column matrix [K, P] stays in
/// cache, and sgemm reads and writes the batch's tensors in place (the output and its gradient
/// are [F, P] per sample), so no product is copied and the bias costs no pass of its own (the
/// output starts as the bias and sgemm adds onto it). Samples go to threads by groups of 8,
/// whose weight gradients accumulate into one partial; partials are summed in group order, so the
/// thread count changes no value.
struct ColumnConvolution {
    let geometry: ConvGeometry
    let filters: Int

    private var taps: Int { geometry.columnRows }
    private var pixels: Int { geometry.outputPixels }
    private var sampleSize: Int { geometry.channels * geometry.height * geometry.width }

    /// Samples whose weight gradients accumulate into one partial.
    static let groupSize = 8

    func groups(_ batch: Int) -> Int { (batch + Self.groupSize - 1) / Self.groupSize }

    /// output [N, F, P] = weight [F, K] x columns + bias.
    func forward(_ input: UnsafePointer<Float>, batch: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into output: UnsafeMutablePointer<Float>) {
        let shared = UncheckedSendable((input, weight, bias, output))
        let (filters, taps, pixels, sampleSize) = (filters, taps, pixels, sampleSize)
        ComputeThreads.forEachChunk(batch) { samples in
            let (input, weight, bias, output) = shared.value
            let scratch = Scratch(geometry)
            defer { scratch.release() }
            let columns = scratch.columns
            for n in samples {
                geometry.im2col(input + n * sampleSize, into: columns, padded: scratch.padded)
                let y = output + n * filters * pixels
                if let bias {
                    for f in 0..<filters { (y + f * pixels).update(repeating: bias[f], count: pixels) }
                }
                sl_sgemm(false, false, Int32(filters), Int32(pixels), Int32(taps), weight, Int32(taps), columns, Int32(pixels),
                         bias == nil ? 0 : 1, y, Int32(pixels))
            }
        }
    }

    /// Weight and bias gradients (when `weightGradient` is not nil) and the input gradient (when
    /// `inputGradient` is not nil) from the output gradient [N, F, P]. `partials` holds
    /// groups x (F * K + F) floats.
    func backward(_ input: UnsafePointer<Float>, batch: Int, outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                  weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                  inputGradient: UnsafeMutablePointer<Float>?, partials: UnsafeMutablePointer<Float>) {
        let (filters, taps, pixels, sampleSize) = (filters, taps, pixels, sampleSize)
        let (weightCount, stride) = (filters * taps, filters * taps + filters)
        let parameters = weightGradient != nil
        let shared = UncheckedSendable((input, outputGradient, weight, inputGradient, partials))
        ComputeThreads.forEachChunk(groups(batch)) { groups in
            let (input, outputGradient, weight, inputGradient, partials) = shared.value
            let scratch = Scratch(geometry)
            defer { scratch.release() }
            let columns = scratch.columns
            for n in groups.lowerBound * Self.groupSize..<min(batch, groups.upperBound * Self.groupSize) {
                let dy = outputGradient + n * filters * pixels
                if parameters {
                    let (partial, firstOfGroup) = (partials + n / Self.groupSize * stride, n % Self.groupSize == 0)
                    geometry.im2col(input + n * sampleSize, into: columns, padded: scratch.padded)
                    sl_sgemm(false, true, Int32(filters), Int32(taps), Int32(pixels), dy, Int32(pixels), columns, Int32(pixels),
                             firstOfGroup ? 0 : 1, partial, Int32(taps))
                    for f in 0..<filters {
                        let sum = VectorMath.sum(dy + f * pixels, count: pixels)
                        partial[weightCount + f] = firstOfGroup ? sum : partial[weightCount + f] + sum
                    }
                }
                guard let inputGradient else { continue }
                // column gradient [K, P] = weight^T [K, F] x gradient [F, P], folded back.
                sl_sgemm(true, false, Int32(taps), Int32(pixels), Int32(filters), weight, Int32(taps), dy, Int32(pixels),
                         0, columns, Int32(pixels))
                geometry.col2im(columns, into: inputGradient + n * sampleSize, sums: scratch.sums)
            }
        }
        guard let weightGradient else { return }
        weightGradient.update(from: partials, count: weightCount)
        biasGradient?.update(from: partials + weightCount, count: filters)
        for group in 1..<max(1, groups(batch)) {
            let partial = partials + group * stride
            for k in 0..<weightCount { weightGradient[k] += partial[k] }
            if let biasGradient { for f in 0..<filters { biasGradient[f] += partial[weightCount + f] } }
        }
    }

    /// One thread's column matrix, the zero-bordered copy of a sample `im2col` reads, and the
    /// padded sums `col2im` makes (a buffer of its own: the copy's border must stay zero). The
    /// two padded buffers hold `paddedSize` floats (one when the layer has no padding).
    private struct Scratch {
        let columns: UnsafeMutablePointer<Float>
        let padded: UnsafeMutablePointer<Float>
        let sums: UnsafeMutablePointer<Float>

        init(_ geometry: ConvGeometry) {
            columns = .allocate(capacity: geometry.columnRows * geometry.outputPixels)
            let size = max(1, geometry.paddedSize)
            padded = .allocate(capacity: size)
            padded.initialize(repeating: 0, count: size)
            sums = .allocate(capacity: size)
        }

        func release() {
            columns.deallocate()
            padded.deallocate()
            sums.deallocate()
        }
    }
}
