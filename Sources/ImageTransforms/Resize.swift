import TensorCore

/// Resizing of uint8 HWC images with Pillow's arithmetic: separable convolution with the filter
/// stretched by the downscaling factor (antialiasing), coefficients in 22-bit fixed point,
/// horizontal pass first, each pass rounded to 8 bits; nearest by Pillow's affine rule.
/// torchvision resizes PIL images with exactly this, and its tensor kernels agree within 1.
public enum Resize {
    /// torchvision's output size: an int `size` matches the shorter edge (the longer edge is
    /// `int(size * long / short)`, truncated), `maxSize` then caps the longer edge.
    public static func outputSize(height: Int, width: Int, shorterSide size: Int, maxSize: Int? = nil) -> (height: Int, width: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        var newShort = size, newLong = Int(Double(size) * Double(long) / Double(short))
        if let maxSize, newLong > maxSize {
            newShort = Int(Double(maxSize) * Double(newShort) / Double(newLong))
            newLong = maxSize
        }
        return width <= height ? (newLong, newShort) : (newShort, newLong)
    }

    /// Resizes `source` to `height` x `width` into `destination`.
    /// - Parameter antialias: stretch the filter when downscaling (Pillow always does).
    public static func resize(_ source: Image<UInt8>, height: Int, width: Int, interpolation: Interpolation,
                              antialias: Bool = true, into destination: inout Image<UInt8>, scratch: inout Image<UInt8>) {
        var taps = Taps()
        resize(source, height: height, width: width, interpolation: interpolation, antialias: antialias,
               into: &destination, scratch: &scratch, taps: &taps)
    }

    /// The same, with filter taps kept in `taps` for the next calls.
    public static func resize(_ source: Image<UInt8>, height: Int, width: Int, interpolation: Interpolation,
                              antialias: Bool = true, into destination: inout Image<UInt8>, scratch: inout Image<UInt8>,
                              taps: inout Taps) {
        precondition(height > 0 && width > 0 && source.width > 0 && source.height > 0, "empty resize")
        if interpolation == .nearest {
            nearest(source, height: height, width: width, into: &destination)
            return
        }
        let horizontal = taps.coefficients(source.width, to: width, interpolation, antialias: antialias)
        let vertical = taps.coefficients(source.height, to: height, interpolation, antialias: antialias)
        let needHorizontal = width != source.width, needVertical = height != source.height
        guard needHorizontal || needVertical else {
            destination = source
            return
        }
        if !needVertical {
            pass(source, rows: 0..<source.height, coefficients: horizontal, horizontal: true, into: &destination)
            return
        }
        if !needHorizontal {
            pass(source, rows: 0..<source.height, coefficients: vertical, horizontal: false, into: &destination)
            return
        }
        filterBoth(source, horizontal: horizontal, vertical: vertical, into: &destination, scratch: &scratch)
    }

    /// The horizontal pass, then the vertical one.
    static func filterBoth(_ source: Image<UInt8>, horizontal: Coefficients, vertical: Coefficients,
                           into destination: inout Image<UInt8>, scratch: inout Image<UInt8>) {
        // Only the source rows the vertical pass reads go through the horizontal pass.
        var vertical = vertical
        let first = vertical.bounds[0].start
        let last = vertical.bounds[vertical.bounds.count - 1].start + vertical.bounds[vertical.bounds.count - 1].count
        for index in vertical.bounds.indices { vertical.bounds[index].start -= first }
        pass(source, rows: first..<last, coefficients: horizontal, horizontal: true, into: &scratch)
        pass(scratch, rows: 0..<scratch.height, coefficients: vertical, horizontal: false, into: &destination)
    }

    /// The window (`top`, `left`, `height` x `width`) of the `height` x `width` resize of
    /// `source`, computed alone: each output pixel depends only on its own taps, so these are
    /// the window's pixels of the whole resize, bit for bit. Both axes must change size (an axis
    /// that keeps its size is copied, not filtered, and this path does not crop copies).
    public static func resize(_ source: Image<UInt8>, height: Int, width: Int, interpolation: Interpolation, antialias: Bool = true,
                              window: (top: Int, left: Int, height: Int, width: Int),
                              into destination: inout Image<UInt8>, scratch: inout Image<UInt8>, taps: inout Taps) {
        precondition(interpolation != .nearest && height != source.height && width != source.width, "window of a resize that filters both axes")
        precondition(window.top >= 0 && window.left >= 0 && window.height > 0 && window.width > 0
                     && window.top + window.height <= height && window.left + window.width <= width, "window outside the resize")
        var horizontal = taps.coefficients(source.width, to: width, interpolation, antialias: antialias)
        var vertical = taps.coefficients(source.height, to: height, interpolation, antialias: antialias)
        horizontal.keep(window.left..<(window.left + window.width))
        vertical.keep(window.top..<(window.top + window.height))
        filterBoth(source, horizontal: horizontal, vertical: vertical, into: &destination, scratch: &scratch)
    }

    /// Filter taps kept by a worker between resizes: sizes repeat (one image size, or crops
    /// resized to one size), and computing the taps is a tenth of a small resize.
    public struct Taps: Sendable {
        struct Key: Hashable {
            let input: Int, output: Int, interpolation: Interpolation, antialias: Bool
        }
        private var cached: [Key: Coefficients] = [:]

        public init() {}

        mutating func coefficients(_ input: Int, to output: Int, _ interpolation: Interpolation, antialias: Bool) -> Coefficients {
            let key = Key(input: input, output: output, interpolation: interpolation, antialias: antialias)
            if let found = cached[key] { return found }
            let made = Coefficients(inputSize: input, outputSize: output, interpolation: interpolation, antialias: antialias,
                                    cubicA: interpolation == .bicubic && !antialias ? -0.75 : -0.5)
            if cached.count >= 32 { cached.removeAll(keepingCapacity: true) }   // varied sizes: keep the latest only
            cached[key] = made
            return made
        }
    }

    /// Pillow's fixed-point filter taps for one axis.
    struct Coefficients: Sendable {
        static let precisionBits = 22
        var bounds: [(start: Int, count: Int)]
        var weights: [Int32]   // [outputSize * taps]
        var taps: Int

        init(inputSize: Int, outputSize: Int, interpolation: Interpolation, antialias: Bool, cubicA: Double) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = antialias ? max(scale, 1) : 1
            let support = interpolation.support * filterScale
            taps = Int(support.rounded(.up)) * 2 + 1
            bounds = []
            bounds.reserveCapacity(outputSize)
            weights = Array(repeating: 0, count: outputSize * taps)
            var kernel = [Double](repeating: 0, count: taps)
            let one = Double(1 << Self.precisionBits)
            for output in 0..<outputSize {
                let center = (Double(output) + 0.5) * scale
                let start = max(0, Int(center - support + 0.5))
                let end = min(inputSize, Int(center + support + 0.5))
                var total = 0.0
                for tap in 0..<(end - start) {
                    let weight = interpolation.weight((Double(tap + start) - center + 0.5) / filterScale, cubicA: cubicA)
                    kernel[tap] = weight
                    total += weight
                }
                for tap in 0..<(end - start) {
                    let normalised = total != 0 ? kernel[tap] / total : kernel[tap]
                    weights[output * taps + tap] = Int32(normalised < 0 ? -0.5 + normalised * one : 0.5 + normalised * one)
                }
                bounds.append((start, end - start))
            }
        }

        /// Only the outputs in `range` remain.
        mutating func keep(_ range: Range<Int>) {
            bounds = Array(bounds[range])
            weights = Array(weights[(range.lowerBound * taps)..<(range.upperBound * taps)])
        }
    }

    /// One separable pass over `rows` of `source`: along rows (horizontal) or columns.
    static func pass(_ source: Image<UInt8>, rows: Range<Int>, coefficients: Coefficients, horizontal: Bool,
                     into destination: inout Image<UInt8>) {
        let channels = source.channels
        let outputWidth = horizontal ? coefficients.bounds.count : source.width
        let outputHeight = horizontal ? rows.count : coefficients.bounds.count
        destination.reshape(width: outputWidth, height: outputHeight, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                coefficients.weights.withUnsafeBufferPointer { weights in
                    if horizontal {
                        horizontalPass(input.baseAddress!, width: source.width, channels: channels, rows: rows,
                                       coefficients: coefficients, weights: weights.baseAddress!, output: output.baseAddress!)
                    } else {
                        verticalPass(input.baseAddress!, rowLength: source.width * channels, coefficients: coefficients,
                                     weights: weights.baseAddress!, output: output.baseAddress!)
                    }
                }
            }
        }
    }

    static let half = Int32(1 << (Coefficients.precisionBits - 1))

    @inline(__always)
    static func clip(_ sum: Int32) -> UInt8 {
        sum <= 0 ? 0 : sum >= (256 << Int32(Coefficients.precisionBits)) ? 255 : UInt8(truncatingIfNeeded: sum >> Int32(Coefficients.precisionBits))
    }

    /// Each output row is a weighted sum of whole input rows: contiguous, so 16 samples at a time
    /// keep their sums in registers over all taps.
    static func verticalPass(_ input: UnsafePointer<UInt8>, rowLength: Int, coefficients: Coefficients,
                             weights: UnsafePointer<Int32>, output: UnsafeMutablePointer<UInt8>) {
        let vectorised = rowLength / 16 * 16
        let low = SIMD16<Int32>.zero, high = SIMD16<Int32>(repeating: 255)
        for y in 0..<coefficients.bounds.count {
            let bound = coefficients.bounds[y]
            let kernel = weights + y &* coefficients.taps
            let first = input + bound.start &* rowLength
            let target = output + y &* rowLength
            for index in stride(from: 0, to: vectorised, by: 16) {
                var sum = SIMD16<Int32>(repeating: half)
                var row = UnsafeRawPointer(first + index)
                for tap in 0..<bound.count {
                    sum &+= SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(as: SIMD16<UInt8>.self)) &* kernel[tap]
                    row += rowLength
                }
                let clipped = pointwiseMin(pointwiseMax(sum &>> Int32(Coefficients.precisionBits), low), high)
                UnsafeMutableRawPointer(target + index).storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: clipped), as: SIMD16<UInt8>.self)
            }
            for index in vectorised..<rowLength {
                var sum = half
                for tap in 0..<bound.count { sum &+= Int32(first[tap &* rowLength &+ index]) &* kernel[tap] }
                target[index] = clip(sum)
            }
        }
    }

    /// Each output pixel is a weighted sum of neighbouring input pixels of its row. Rows go
    /// eight at a time: interleaved so that the eight rows' samples of one column are adjacent,
    /// each tap is one 8-lane multiply-add, where a single row's taps are a short serial sum at
    /// a shifting offset. The arithmetic per output value is unchanged (same taps, same order).
    static func horizontalPass(_ input: UnsafePointer<UInt8>, width: Int, channels: Int, rows: Range<Int>,
                               coefficients: Coefficients, weights: UnsafePointer<Int32>, output: UnsafeMutablePointer<UInt8>) {
        let outputWidth = coefficients.bounds.count, taps = coefficients.taps
        let rowLength = width &* channels, outputRowLength = outputWidth &* channels
        let blocked = rows.count / 8 * 8
        if blocked > 0 {
            let lanes = UnsafeMutablePointer<UInt8>.allocate(capacity: rowLength &* 8)
            let results = UnsafeMutablePointer<UInt8>.allocate(capacity: outputRowLength &* 8)
            defer { lanes.deallocate(); results.deallocate() }
            let low = SIMD8<Int32>.zero, high = SIMD8<Int32>(repeating: 255)
            for block in stride(from: 0, to: blocked, by: 8) {
                ByteTranspose.interleave(input + (rows.lowerBound &+ block) &* rowLength, stride: rowLength,
                                         count: rowLength, into: lanes)
                var result = results
                for x in 0..<outputWidth {
                    let bound = coefficients.bounds[x]
                    let kernel = weights + x &* taps
                    var column = lanes + bound.start &* channels &* 8
                    for _ in 0..<channels {
                        var sum = SIMD8<Int32>(repeating: half)
                        var tapColumn = column
                        for tap in 0..<bound.count {
                            let samples = UnsafeRawPointer(tapColumn).loadUnaligned(as: SIMD8<UInt8>.self)
                            sum &+= SIMD8<Int32>(truncatingIfNeeded: samples) &* kernel[tap]
                            tapColumn += channels &* 8
                        }
                        let clipped = pointwiseMin(pointwiseMax(sum &>> Int32(Coefficients.precisionBits), low), high)
                        UnsafeMutableRawPointer(result).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: clipped), as: SIMD8<UInt8>.self)
                        result += 8
                        column += 8
                    }
                }
                ByteTranspose.deinterleave(results, count: outputRowLength, into: output + block &* outputRowLength,
                                           stride: outputRowLength)
            }
        }
        for (offset, row) in rows.dropFirst(blocked).enumerated() {
            let y = blocked &+ offset
            let source = input + row &* width &* channels
            let target = output + y &* outputWidth &* channels
            for x in 0..<outputWidth {
                let bound = coefficients.bounds[x]
                let kernel = weights + x &* taps
                let start = source + bound.start &* channels
                switch channels {   // fixed channel counts keep the sums in registers
                case 1:
                    var sum = half
                    for tap in 0..<bound.count { sum &+= Int32(start[tap]) &* kernel[tap] }
                    target[x] = clip(sum)
                case 3:
                    var red = half, green = half, blue = half
                    for tap in 0..<bound.count {
                        let weight = kernel[tap], pixel = start + tap &* 3
                        red &+= Int32(pixel[0]) &* weight
                        green &+= Int32(pixel[1]) &* weight
                        blue &+= Int32(pixel[2]) &* weight
                    }
                    target[x &* 3] = clip(red)
                    target[x &* 3 &+ 1] = clip(green)
                    target[x &* 3 &+ 2] = clip(blue)
                default:
                    for channel in 0..<channels {
                        var sum = half
                        for tap in 0..<bound.count { sum &+= Int32(start[tap &* channels &+ channel]) &* kernel[tap] }
                        target[x &* channels &+ channel] = clip(sum)
                    }
                }
            }
        }
    }

    /// Pillow's NEAREST: the source coordinate starts at s/2 and is incremented by s = in/out
    /// once per output pixel, in double precision, then truncated.
    static func nearest(_ source: Image<UInt8>, height: Int, width: Int, into destination: inout Image<UInt8>) {
        func indices(_ input: Int, _ output: Int) -> [Int] {
            let step = Double(input) / Double(output)
            var coordinate = step * 0.5
            var result: [Int] = []
            result.reserveCapacity(output)
            for _ in 0..<output {
                result.append(min(input - 1, max(0, Int(coordinate))))
                coordinate += step
            }
            return result
        }
        let columns = indices(source.width, width), rows = indices(source.height, height)
        let channels = source.channels
        destination.reshape(width: width, height: height, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                var target = 0
                for row in rows {
                    let rowBase = row &* source.width
                    for column in columns {
                        let from = (rowBase &+ column) &* channels
                        for channel in 0..<channels { output[target &+ channel] = input[from &+ channel] }
                        target &+= channels
                    }
                }
            }
        }
    }
}
