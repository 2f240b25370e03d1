import TensorCore

/// What a sample is between transforms: uint8 HWC before `to_float`, float32 CHW after.
/// A dimension is nil where it depends on the input (e.g. image sizes in a folder).
public enum SampleShape: Equatable, Sendable, CustomStringConvertible {
    case image(height: Int?, width: Int?, channels: Int?)
    case tensor(channels: Int?, height: Int?, width: Int?)

    public var description: String {
        func text(_ value: Int?) -> String { value.map(String.init) ?? "?" }
        switch self {
        case .image(let h, let w, let c): return "uint8 [\(text(h)), \(text(w)), \(text(c))] HWC"
        case .tensor(let c, let h, let w): return "float32 [\(text(c)), \(text(h)), \(text(w))] CHW"
        }
    }

    /// True when every dimension is known.
    public var isFixed: Bool {
        switch self {
        case .image(let h, let w, let c), .tensor(let c, let h, let w): h != nil && w != nil && c != nil
        }
    }
}

/// One sample in flight, with the spare buffers the kernels write into, reused across samples
/// by one worker: no allocation per sample once sizes settle.
public struct SampleBuffer: Sendable {
    public var image = Image<UInt8>()
    public var tensor = Tensor()
    /// True once `to_float` has run: the sample is `tensor`, not `image`.
    public var isTensor = false
    /// The part of the decoded image `image` holds when only part was decoded (for
    /// `TransformChain.plan`); nil when it holds all of it.
    public var region: PixelRegion?
    var spare = Image<UInt8>()
    var scratch = Image<UInt8>()
    /// The crop of `random_resized_crop`, before it is resized.
    var window = Image<UInt8>()
    /// Resize filter taps, kept from sample to sample.
    var taps = Resize.Taps()
    /// Float scratch of image kernels (the blur's rows), kept from sample to sample.
    var floats: [Float] = []

    public init() {}

    public init(image: Image<UInt8>) {
        self.image = image
    }

    /// Makes the larger of the two image buffers `image`, for the next sample to be decoded
    /// into: growing an array within its capacity zeroes the new part (which the decoder then
    /// overwrites), and after a resize the output buffer is often smaller than the next input.
    public mutating func prepareForLoad() {
        if spare.pixels.count > image.pixels.count { swap(&image, &spare) }
    }

    /// Makes `input` the sample again, keeping the last output's storage as the spare, so
    /// kernels never write into storage shared with `input` (no copy-on-write per sample).
    public mutating func reload(_ input: Image<UInt8>) {
        swap(&image, &spare)
        image = input
        isTensor = false
    }

    /// Runs an image kernel writing into the spare image, then makes that the sample.
    mutating func replaceImage(_ kernel: (Image<UInt8>, inout Image<UInt8>, inout Image<UInt8>) throws(TransformError) -> Void) throws(TransformError) {
        try kernel(image, &spare, &scratch)
        swap(&image, &spare)
    }

    /// The same for a resize kernel, which also gets this worker's kept filter taps.
    mutating func replaceImage(_ kernel: (Image<UInt8>, inout Image<UInt8>, inout Image<UInt8>, inout Resize.Taps) -> Void) {
        kernel(image, &spare, &scratch, &taps)
        swap(&image, &spare)
    }
}

/// A transform of the pipeline (pipelines/README.md). Parameters are validated at construction; each
/// transform declares its output shape so a chain is checked before any image is read.
/// Random transforms draw their parameters from the sample's generator first, then run a pure
/// kernel (the kernels are public in `Resize`, `PadCrop`, `Flip`, `FloatOps`).
public protocol Transform: Sendable, CustomStringConvertible {
    /// The op's name in pipeline files (`random_crop`; the flips share a type, so this is the
    /// instance's: `horizontal_flip` or `vertical_flip`).
    var opName: String { get }
    /// Whether it draws random numbers (and so ends the deterministic prefix).
    var isRandom: Bool { get }
    /// Whether running it on a gray image, then copying gray into R, G and B, gives what running
    /// it on that RGB copy gives (geometry with one fill value): the feeder can then keep gray
    /// files gray until `to_float`, a third of the work.
    var commutesWithGrayToRGB: Bool { get }
    /// The shape after this transform, or an error if it cannot take `input`.
    func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape
    func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError)
}

extension Transform {
    public var isRandom: Bool { false }
    public var commutesWithGrayToRGB: Bool { false }

    /// The input must be a uint8 image (before `to_float`).
    func requireImage(_ shape: SampleShape) throws(TransformError) -> (height: Int?, width: Int?, channels: Int?) {
        guard case .image(let h, let w, let c) = shape else {
            throw TransformError("\(opName) works on uint8 images: place it before to_float")
        }
        return (h, w, c)
    }

    /// The input must be a float tensor (after `to_float`).
    func requireTensor(_ shape: SampleShape) throws(TransformError) -> (channels: Int?, height: Int?, width: Int?) {
        guard case .tensor(let c, let h, let w) = shape else {
            throw TransformError("\(opName) works on float tensors: place it after to_float")
        }
        return (c, h, w)
    }
}
