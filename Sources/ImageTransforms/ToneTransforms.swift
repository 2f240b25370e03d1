import CSluiceKernels
import TensorCore

/// torchvision's random tone ops on PIL images: with probability `p` (one draw, u < p), each
/// channel goes through a 256-entry table made as Pillow's `ImageOps` makes it.
public struct RandomToneTransform: Transform {
    public enum Kind: Sendable, Equatable {
        /// `posterize`: keep the `bits` high bits (1-8).
        case posterize(bits: Int)
        /// `solarize`: values at or above `threshold` inverted.
        case solarize(threshold: Double)
        /// `autocontrast`: each channel's lowest value to 0 and highest to 255, linearly.
        case autocontrast
        /// `equalize`: each channel's histogram spread evenly (Pillow's steps).
        case equalize
    }

    public let kind: Kind
    public let p: Double
    public var isRandom: Bool { true }
    /// Per-channel tables from per-channel counts: equal channels stay equal.
    public var commutesWithGrayToRGB: Bool { true }

    public var opName: String {
        switch kind {
        case .posterize: "random_posterize"
        case .solarize: "random_solarize"
        case .autocontrast: "random_autocontrast"
        case .equalize: "random_equalize"
        }
    }

    public init(_ kind: Kind, p: Double = 0.5) throws(TransformError) {
        switch kind {
        case .posterize(let bits) where !(1...8).contains(bits):
            throw TransformError("random_posterize: bits must be 1-8, got \(bits)")
        case .solarize(let threshold) where !(0...255).contains(threshold):
            throw TransformError("random_solarize: threshold must be in [0, 255] (uint8 images), got \(threshold)")
        default: break
        }
        guard (0...1).contains(p) else { throw TransformError("p must be in [0, 1], got \(p)") }
        self.kind = kind
        self.p = p
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        _ = try requireImage(input)
        return input
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        guard RandomParameters.happens(p, using: &generator) else { return }
        Self.apply(kind, to: &sample.image)
    }

    /// The tone op on an image: posterize and solarize as vector operations; autocontrast and
    /// equalize from the channels' counts, as one flat table of channels x 256 entries.
    static func apply(_ kind: Kind, to image: inout Image<UInt8>) {
        let channels = image.channels, pixels = image.pixelCount
        switch kind {
        case .posterize(let bits):
            image.pixels.withUnsafeMutableBufferPointer { sl_posterize($0.baseAddress, $0.count, UInt8(truncatingIfNeeded: ~((1 << (8 - bits)) - 1))) }
            return
        case .solarize(let threshold):
            // v < threshold stays: the first inverted value is the least integer >= threshold.
            let first = Int32(min(threshold.rounded(.up), 256))
            image.pixels.withUnsafeMutableBufferPointer { sl_solarize($0.baseAddress, $0.count, first) }
            return
        case .autocontrast, .equalize:
            break
        }
        var counts = [UInt64](repeating: 0, count: 256 * channels)
        image.pixels.withUnsafeBufferPointer { values in
            if channels == 1 || channels == 3 {
                counts.withUnsafeMutableBufferPointer { sl_histogram(values.baseAddress, pixels, Int32(channels), $0.baseAddress, nil, nil) }
            } else {
                for pixel in 0..<pixels {
                    for c in 0..<channels { counts[c &* 256 &+ Int(values[pixel &* channels &+ c])] += 1 }
                }
            }
        }
        let make = kind == .autocontrast ? Self.autocontrastTable : Self.equalizeTable
        let table = (0..<channels).flatMap { make(counts[($0 * 256)..<(($0 + 1) * 256)].map(Int.init)) }
        image.pixels.withUnsafeMutableBufferPointer { values in
            table.withUnsafeBufferPointer { sl_apply_tables(values.baseAddress, pixels, Int32(channels), $0.baseAddress) }
        }
    }

    /// The tables of one channel with these counts of each value (posterize and solarize run as
    /// vector operations, without one).
    static let identity = (0..<256).map { UInt8($0) }

    static func autocontrastTable(counts: [Int]) -> [UInt8] {
        guard let low = counts.firstIndex(where: { $0 > 0 }), let high = counts.lastIndex(where: { $0 > 0 }), high > low else {
            return identity
        }
        let scale = 255.0 / Double(high - low), offset = -Double(low) * scale
        return (0..<256).map { UInt8(min(max(Int(Double($0) * scale + offset), 0), 255)) }
    }

    static func equalizeTable(counts: [Int]) -> [UInt8] {
        let present = counts.filter { $0 > 0 }
        guard present.count > 1 else { return identity }
        let step = (present.reduce(0, +) - present.last!) / 255
        guard step > 0 else { return identity }
        // n / step in floating point: exact here (the quotient is at most 255 and n, step
        // below 2^53, so no quotient lands within rounding of an integer it is not).
        var n = step / 2
        let divisor = Double(step)
        var table = [UInt8](repeating: 0, count: 256)
        for value in 0..<256 {
            table[value] = UInt8(min((Double(n) / divisor).rounded(.down), 255))
            n += counts[value]
        }
        return table
    }

    public var description: String {
        switch kind {
        case .posterize(let bits): "random_posterize bits=\(bits) p=\(p)"
        case .solarize(let threshold): "random_solarize threshold=\(threshold) p=\(p)"
        case .autocontrast: "random_autocontrast p=\(p)"
        case .equalize: "random_equalize p=\(p)"
        }
    }
}
