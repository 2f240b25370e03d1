/// The geometry of a 2-D convolution over one [C, H, W] sample, and the im2col/col2im copies
/// that turn it into one matrix product (Caffe's layout: row `(c * kh + i) * kw + j` of the
/// column matrix holds input channel c shifted by kernel tap (i, j), one column per output pixel).
struct ConvGeometry {
    let channels: Int, height: Int, width: Int
    let kernelHeight: Int, kernelWidth: Int
    let stride: Int, dilation: Int
    let padTop: Int, padLeft: Int
    let outputHeight: Int, outputWidth: Int

    var columnRows: Int { channels * kernelHeight * kernelWidth }
    var outputPixels: Int { outputHeight * outputWidth }

    /// The output columns `[lower, upper)` whose input column `x * stride - padLeft + offset`
    /// lies inside the image.
    @inline(__always)
    func validColumns(offset: Int) -> (lower: Int, upper: Int) {
        // x * stride >= padLeft - offset  and  x * stride < width + padLeft - offset
        let first = padLeft - offset
        let lower = first <= 0 ? 0 : (first + stride - 1) / stride
        let end = width + padLeft - offset
        let upper = end <= 0 ? 0 : min(outputWidth, (end + stride - 1) / stride)
        return (lower, max(lower, upper))
    }

    /// Writes the column matrix of `image` ([C, H, W]) into `columns`, whose rows are
    /// `rowStride` floats apart (several samples share one matrix side by side).
    func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        var row = 0
        for channel in 0..<channels {
            let plane = image + channel &* height &* width
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let destination = columns + row &* rowStride
                    let columnOffset = j &* dilation
                    let (lower, upper) = validColumns(offset: columnOffset)
                    for y in 0..<outputHeight {
                        let out = destination + y &* outputWidth
                        let inputRow = y &* stride &- padTop &+ i &* dilation
                        guard inputRow >= 0, inputRow < height else {
                            out.update(repeating: 0, count: outputWidth)
                            continue
                        }
                        if lower > 0 { out.update(repeating: 0, count: lower) }
                        if upper < outputWidth { (out + upper).update(repeating: 0, count: outputWidth &- upper) }
                        let source = plane + (inputRow &* width &- padLeft &+ columnOffset)
                        if stride == 1 {
                            if upper > lower { (out + lower).update(from: source + lower, count: upper &- lower) }
                        } else {
                            var x = lower
                            while x < upper { out[x] = source[x &* stride]; x &+= 1 }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }

    /// Adds the column matrix back onto an image gradient ([C, H, W], zeroed by the caller):
    /// the transpose of `im2col`.
    func col2im(_ columns: UnsafePointer<Float>, rowStride: Int, into image: UnsafeMutablePointer<Float>) {
        var row = 0
        for channel in 0..<channels {
            let plane = image + channel &* height &* width
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let source = columns + row &* rowStride
                    let columnOffset = j &* dilation
                    let (lower, upper) = validColumns(offset: columnOffset)
                    for y in 0..<outputHeight {
                        let inputRow = y &* stride &- padTop &+ i &* dilation
                        guard inputRow >= 0, inputRow < height else { continue }
                        let from = source + y &* outputWidth
                        let target = plane + (inputRow &* width &- padLeft &+ columnOffset)
                        if stride == 1 {
                            for x in lower..<upper { target[x] += from[x] }   // contiguous: vectorised
                        } else {
                            var x = lower
                            while x < upper { target[x &* stride] += from[x]; x &+= 1 }
                        }
                    }
                    row &+= 1
                }
            }
        }
    }
}
