import CSluiceKernels
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
        let first = vertical.starts[0]
        let last = vertical.starts[vertical.count - 1] + vertical.counts[vertical.count - 1]
        for index in vertical.starts.indices { vertical.starts[index] -= first }
        pass(source, rows: Int(first)..<Int(last), coefficients: horizontal, horizontal: true, into: &scratch)
        pass(scratch, rows: 0..<scratch.height, coefficients: vertical, horizontal: false, into: &destination)
    }

    /// The window (`top`, `left`, `height` x `width`) of the `height` x `width` resize of
    /// `source`, computed alone: each output pixel depends only on its own taps, so these are
    /// the window's pixels of the whole resize, bit for bit. Both axes must change size (an axis
    /// that keeps its size is copied, not filtered, and this path does not crop copies).
    public static func resize(_ source: Image<UInt8>, height: Int, width: Int, interpolation: Interpolation, antialias: Bool = true,
                              window: (top: Int, left: Int, height: Int, width: Int),
                              into destination: inout Image<UInt8>, scratch: inout Image<UInt8>, taps: inout Taps) {
        let plan = WindowPlan(sourceHeight: source.height, sourceWidth: source.width, height: height, width: width,
                              interpolation: interpolation, antialias: antialias, window: window, taps: &taps)
        resize(source, origin: (0, 0), plan: plan, into: &destination, scratch: &scratch)
    }

    /// The taps of a window of a resize, and the source region they read: worked out from the
    /// source's size alone, so that a decoder can make only that region.
    public struct WindowPlan: Sendable {
        /// The source rows and columns the window's taps read.
        public let region: PixelRegion
        let horizontal: Coefficients, vertical: Coefficients   // kept to the window; source coordinates

        init(sourceHeight: Int, sourceWidth: Int, height: Int, width: Int, interpolation: Interpolation, antialias: Bool,
             window: (top: Int, left: Int, height: Int, width: Int), taps: inout Taps) {
            precondition(interpolation != .nearest && height != sourceHeight && width != sourceWidth, "window of a resize that filters both axes")
            precondition(window.top >= 0 && window.left >= 0 && window.height > 0 && window.width > 0
                         && window.top + window.height <= height && window.left + window.width <= width, "window outside the resize")
            var horizontal = taps.coefficients(sourceWidth, to: width, interpolation, antialias: antialias)
            var vertical = taps.coefficients(sourceHeight, to: height, interpolation, antialias: antialias)
            horizontal.keep(window.left..<(window.left + window.width))
            vertical.keep(window.top..<(window.top + window.height))
            let columns = horizontal.reads, rows = vertical.reads
            region = PixelRegion(top: rows.lowerBound, left: columns.lowerBound, height: rows.count, width: columns.count)
            (self.horizontal, self.vertical) = (horizontal, vertical)
        }
    }

    /// `plan`'s window, from `source`: the source image, or its region from `origin` on (it must
    /// hold `plan.region`).
    static func resize(_ source: Image<UInt8>, origin: (top: Int, left: Int), plan: WindowPlan,
                       into destination: inout Image<UInt8>, scratch: inout Image<UInt8>) {
        let region = plan.region
        precondition(origin.top <= region.top && origin.left <= region.left && region.top + region.height <= origin.top + source.height
                     && region.left + region.width <= origin.left + source.width, "the source does not hold the window's region")
        var horizontal = plan.horizontal, vertical = plan.vertical
        if origin.left != 0 { horizontal.shift(by: -origin.left) }
        if origin.top != 0 { vertical.shift(by: -origin.top) }
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
            if cached.count >= 256 { cached.removeAll(keepingCapacity: true) }   // varied sizes: keep the latest only
            cached[key] = made
            return made
        }
    }

    /// Pillow's fixed-point filter taps for one axis.
    struct Coefficients: Sendable {
        static let precisionBits = 22
        var starts: [Int32], counts: [Int32]   // output i reads counts[i] inputs from starts[i]
        var weights: [Int32]   // [outputSize * taps]
        var taps: Int
        var count: Int { starts.count }

        init(inputSize: Int, outputSize: Int, interpolation: Interpolation, antialias: Bool, cubicA: Double) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = antialias ? max(scale, 1) : 1
            let support = interpolation.support * filterScale
            taps = Int(support.rounded(.up)) * 2 + 1
            starts = []
            counts = []
            starts.reserveCapacity(outputSize)
            counts.reserveCapacity(outputSize)
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
                starts.append(Int32(start))
                counts.append(Int32(end - start))
            }
        }

        /// Only the outputs in `range` remain.
        mutating func keep(_ range: Range<Int>) {
            starts = Array(starts[range])
            counts = Array(counts[range])
            weights = Array(weights[(range.lowerBound * taps)..<(range.upperBound * taps)])
        }

        /// The inputs the outputs read, from the first read to the last.
        var reads: Range<Int> {
            guard !starts.isEmpty else { return 0..<0 }
            var first = Int.max, end = Int.min
            for index in starts.indices {
                first = min(first, Int(starts[index]))
                end = max(end, Int(starts[index]) + Int(counts[index]))
            }
            return first..<end
        }

        /// Moves every output's first input by `offset` (for a source that starts elsewhere).
        mutating func shift(by offset: Int) {
            for index in starts.indices { starts[index] += Int32(offset) }
        }

        /// The taps as the C passes read them.
        func withTaps<R>(_ body: (sl_taps) -> R) -> R {
            starts.withUnsafeBufferPointer { starts in
                counts.withUnsafeBufferPointer { counts in
                    weights.withUnsafeBufferPointer { weights in
                        body(sl_taps(starts: starts.baseAddress, counts: counts.baseAddress, weights: weights.baseAddress,
                                     count: Int32(starts.count), stride: Int32(taps)))
                    }
                }
            }
        }
    }

    /// One separable pass over `rows` of `source`: along rows (horizontal) or columns, in C
    /// (`sl_resize_horizontal`, `sl_resize_vertical`): sixteen rows per vector multiply-add
    /// there, where Swift's SIMD types spilled to the stack.
    static func pass(_ source: Image<UInt8>, rows: Range<Int>, coefficients: Coefficients, horizontal: Bool,
                     into destination: inout Image<UInt8>) {
        let channels = source.channels
        let outputWidth = horizontal ? coefficients.count : source.width
        let outputHeight = horizontal ? rows.count : coefficients.count
        destination.reshape(width: outputWidth, height: outputHeight, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                coefficients.withTaps { taps in
                    let rowLength = source.width &* channels
                    if horizontal {
                        let scratch = UnsafeMutablePointer<UInt8>.allocate(
                            capacity: sl_resize_horizontal_scratch(Int32(source.width), Int32(outputWidth), Int32(channels)))
                        defer { scratch.deallocate() }
                        sl_resize_horizontal(input.baseAddress! + rows.lowerBound &* rowLength, rowLength, Int32(rows.count),
                                             Int32(source.width), Int32(channels), taps, output.baseAddress!, scratch)
                    } else {
                        sl_resize_vertical(input.baseAddress!, rowLength, taps, output.baseAddress!)
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
