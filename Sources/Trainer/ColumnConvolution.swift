import CSluiceBLAS

/// The im2col path of `Conv2D`, a block of samples at a time: a block's column matrix
/// [K, n * P] (at most 256 KiB) and its product stay in cache, where the whole batch's matrices
/// would be streamed through memory several times per step. Blocks, and the groups of blocks
/// (at least 8 samples) whose weight gradients accumulate into one partial, are fixed by the
/// layer's shape; each group is computed by one thread with single-threaded sgemm, and the
/// partials are summed in group order, so the thread count changes no value.
struct ColumnConvolution {
    let geometry: ConvGeometry
    let filters: Int

    private var taps: Int { geometry.columnRows }
    private var pixels: Int { geometry.outputPixels }
    private var sampleSize: Int { geometry.channels * geometry.height * geometry.width }

    /// Samples per block: as many as keep the column matrix within 64 Ki floats.
    var blockSize: Int { max(1, 65_536 / max(1, taps * pixels)) }

    func blocks(_ batch: Int) -> Int { (batch + blockSize - 1) / blockSize }

    /// Blocks whose weight gradients accumulate into one partial: at least 8 samples.
    var groupSize: Int { max(1, (8 + blockSize - 1) / blockSize) }

    func groups(_ batch: Int) -> Int { (blocks(batch) + groupSize - 1) / groupSize }

    /// output [N, F, P] = weight [F, K] x columns + bias.
    func forward(_ input: UnsafePointer<Float>, batch: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into output: UnsafeMutablePointer<Float>) {
        let shared = UncheckedSendable((input, weight, bias, output))
        ComputeThreads.forEachChunk(blocks(batch)) { blocks in
            let (input, weight, bias, output) = shared.value
            let scratch = Scratch(self)
            defer { scratch.release() }
            for block in blocks {
                let (first, count) = range(block, batch: batch)
                let width = count * pixels
                columns(input, first: first, count: count, into: scratch.columns)
                sl_sgemm(false, false, Int32(filters), Int32(width), Int32(taps), weight, Int32(taps), scratch.columns, Int32(width),
                         0, scratch.product, Int32(width))
                for n in 0..<count {
                    for f in 0..<filters {
                        let source = scratch.product + f * width + n * pixels
                        let destination = output + ((first + n) * filters + f) * pixels
                        let b = bias?[f] ?? 0
                        for p in 0..<pixels { destination[p] = source[p] + b }
                    }
                }
            }
        }
    }

    /// Weight and bias gradients (when `weightGradient` is not nil) and the input gradient (when
    /// `inputGradient` is not nil) from the output gradient [N, F, P]. `partials` holds
    /// groups x (F * K + F) floats.
    func backward(_ input: UnsafePointer<Float>, batch: Int, outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                  weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
                  inputGradient: UnsafeMutablePointer<Float>?, partials: UnsafeMutablePointer<Float>) {
        let (weightCount, stride) = (filters * taps, filters * taps + filters)
        let parameters = weightGradient != nil
        let shared = UncheckedSendable((input, outputGradient, weight, inputGradient, partials))
        let (blockCount, groupSize) = (blocks(batch), groupSize)
        ComputeThreads.forEachChunk(groups(batch)) { groups in
            let (input, outputGradient, weight, inputGradient, partials) = shared.value
            let scratch = Scratch(self)
            defer { scratch.release() }
            for block in groups.lowerBound * groupSize..<min(blockCount, groups.upperBound * groupSize) {
                let (group, firstOfGroup) = (block / groupSize, block % groupSize == 0)
                let (first, count) = range(block, batch: batch)
                let width = count * pixels
                if parameters { columns(input, first: first, count: count, into: scratch.columns) }
                // The block's output gradient as [F, n * P].
                for n in 0..<count {
                    for f in 0..<filters {
                        (scratch.product + f * width + n * pixels)
                            .update(from: outputGradient + ((first + n) * filters + f) * pixels, count: pixels)
                    }
                }
                if parameters {
                    let partial = partials + group * stride
                    sl_sgemm(false, true, Int32(filters), Int32(taps), Int32(width), scratch.product, Int32(width), scratch.columns,
                             Int32(width), firstOfGroup ? 0 : 1, partial, Int32(taps))
                    for f in 0..<filters {
                        let sum = VectorMath.sum(scratch.product + f * width, count: width)
                        partial[weightCount + f] = firstOfGroup ? sum : partial[weightCount + f] + sum
                    }
                }
                guard let inputGradient else { continue }
                // column gradient [K, n * P] = weight^T [K, F] x gradient [F, n * P], folded back.
                sl_sgemm(true, false, Int32(taps), Int32(width), Int32(filters), weight, Int32(taps), scratch.product, Int32(width),
                         0, scratch.columns, Int32(width))
                let target = inputGradient + first * sampleSize
                target.update(repeating: 0, count: count * sampleSize)
                for n in 0..<count {
                    geometry.col2im(scratch.columns + n * pixels, rowStride: width, into: target + n * sampleSize)
                }
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

    /// The first sample and the number of samples of `block`.
    private func range(_ block: Int, batch: Int) -> (first: Int, count: Int) {
        let first = block * blockSize
        return (first, min(blockSize, batch - first))
    }

    /// The column matrix [K, count * P] of samples first ..< first + count.
    private func columns(_ input: UnsafePointer<Float>, first: Int, count: Int, into columns: UnsafeMutablePointer<Float>) {
        for n in 0..<count {
            geometry.im2col(input + (first + n) * sampleSize, into: columns + n * pixels, rowStride: count * pixels)
        }
    }

    /// One thread's column matrix and product (or output gradient) for a block.
    private struct Scratch {
        let columns: UnsafeMutablePointer<Float>
        let product: UnsafeMutablePointer<Float>

        init(_ convolution: ColumnConvolution) {
            let width = convolution.blockSize * convolution.pixels
            columns = .allocate(capacity: convolution.taps * width)
            product = .allocate(capacity: convolution.filters * width)
        }

        func release() {
            columns.deallocate()
            product.deallocate()
        }
    }
}
