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

    /// Rows and columns of the zero-bordered copy of a plane that `im2col` reads: the padding on
    /// top and left, the image, and as much beyond it as the kernel's last position reaches.
    var paddedHeight: Int { max(padTop + height, (outputHeight - 1) * stride + (kernelHeight - 1) * dilation + 1) }
    var paddedWidth: Int { max(padLeft + width, (outputWidth - 1) * stride + (kernelWidth - 1) * dilation + 1) }

    /// Floats of the padded copy `im2col` reads and of the sums `col2im` makes; 0 when the image
    /// is read and written as it is (no padding).
    var paddedSize: Int {
        padTop == 0 && padLeft == 0 && paddedHeight == height && paddedWidth == width ? 0 : channels * paddedHeight * paddedWidth
    }

    /// Writes the column matrix [K, P] of `image` ([C, H, W]) into `columns`. With padding, the
    /// image is first copied into `padded` (`paddedSize` floats whose border the caller has
    /// zeroed once; only the interior is written), so that every row of the matrix is a plain
    /// copy: no bounds, no zero runs, no calls to memset or memmove for rows of a few floats.
    func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        let (rows, columnCount) = (paddedHeight, paddedWidth)
        let source: UnsafePointer<Float>
        if paddedSize > 0 {
            for channel in 0..<channels {
                for y in 0..<height {
                    let from: Int = (channel &* height &+ y) &* width
                    let to: Int = (channel &* rows &+ padTop &+ y) &* columnCount &+ padLeft
                    copy(image + from, to: padded + to, count: width)
                }
            }
            source = UnsafePointer(padded)
        } else {
            source = image
        }
        var destination = columns
        for channel in 0..<channels {
            let plane = source + channel &* rows &* columnCount
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    for y in 0..<outputHeight {
                        let offset: Int = (y &* stride &+ i &* dilation) &* columnCount &+ j &* dilation
                        let from = plane + offset
                        if stride == 1 {
                            copy(from, to: destination, count: outputWidth)
                        } else {
                            for x in 0..<outputWidth { destination[x] = from[x &* stride] }
                        }
                        destination += outputWidth
                    }
                }
            }
        }
    }

    /// Copies `count` floats eight at a time, the last eight overlapping the ones before when
    /// `count` is not a multiple of 8.
    @inline(__always)
    private func copy(_ from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= 8 else {
            for x in 0..<count { to[x] = from[x] }
            return
        }
        var x = 0
        while x &+ 8 <= count { VectorMath.store(VectorMath.load(from + x), to + x); x &+= 8 }
        if x < count { VectorMath.store(VectorMath.load(from + (count &- 8)), to + (count &- 8)) }
    }

    /// Writes the image gradient ([C, H, W]) from the column matrix [K, P]: the transpose of
    /// `im2col`. With padding, the sums are made over whole rows in `sums` (`paddedSize`
    /// floats, overwritten) and the interior copied out, so no row needs bounds either.
    func col2im(_ columns: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        let (rows, columnCount) = (paddedHeight, paddedWidth)
        let target: UnsafeMutablePointer<Float>
        if paddedSize > 0 {
            target = sums
            target.update(repeating: 0, count: paddedSize)
        } else {
            target = image
            target.update(repeating: 0, count: channels &* height &* width)
        }
        var source = columns
        for channel in 0..<channels {
            let plane = target + channel &* rows &* columnCount
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    for y in 0..<outputHeight {
                        let offset: Int = (y &* stride &+ i &* dilation) &* columnCount &+ j &* dilation
                        let to = plane + offset
                        if stride == 1 {
                            var x = 0
                            while x &+ 8 <= outputWidth {
                                VectorMath.store(VectorMath.load(to + x) + VectorMath.load(source + x), to + x)
                                x &+= 8
                            }
                            while x < outputWidth { to[x] += source[x]; x &+= 1 }
                        } else {
                            for x in 0..<outputWidth { to[x &* stride] += source[x] }
                        }
                        source += outputWidth
                    }
                }
            }
        }
        guard target != image else { return }
        for channel in 0..<channels {
            for y in 0..<height {
                let from: Int = (channel &* rows &+ padTop &+ y) &* columnCount &+ padLeft
                copy(target + from, to: image + (channel &* height &+ y) &* width, count: width)
            }
        }
    }
}
