import TensorCore

/// A chain as the feeder runs it: the same values as `TransformChain.apply(_:using:)`, with
/// less work. Worked out once per chain:
/// - a resize with a crop after it is one step that computes only the crop's window;
/// - a crop and the flips right before `to_float` become the window `to_float` reads
///   (`ReadWindow`), and a `normalize` right after it runs in the same pass;
/// - `to_float` writes straight into the sample's slot of the batch, where the tensor
///   transforms then run;
/// - a gray file of an RGB chain stays gray until `to_float` when every step before it commutes
///   with gray -> RGB (`takesGrayForRGB`);
/// - the first step may say, once the decoded size is known and before the pixels are made,
///   which part of the image it reads (`plan`), so that a JPEG is decoded only there.
/// Every random step draws through the op's own parameters step (`PlacedCrop.placement`,
/// `RandomResizedCropTransform.box`, `FlipTransform.flips`), in chain order, so both paths
/// draw the same numbers.
public struct FeederChain: Sendable {
    public let chain: TransformChain
    /// Where `to_float` is, when every transform after it works on tensors in place.
    private let tensorTail: (start: Int, transforms: [any TensorTransform])?
    private let imageSteps: [ImageStep]
    private let readCrop: (any PlacedCrop)?
    private let readFlips: [FlipTransform]
    private let normalizeAfterToFloat: NormalizeTransform?

    private enum ImageStep: Sendable {
        case single(any Transform)
        case resizeThenCrop(ResizeTransform, any Transform)
    }
    /// `apply(_:using:into:shape:plan:)` takes a gray image for an RGB chain (and gives the
    /// tensor the RGB copy would): every transform before `to_float` commutes with gray -> RGB.
    public let takesGrayForRGB: Bool

    public init(_ chain: TransformChain) {
        self.chain = chain
        let transforms = chain.transforms
        if let start = transforms.firstIndex(where: { $0 is ToFloatTransform }) {
            let tail = transforms[(start + 1)...].compactMap { $0 as? any TensorTransform }
            tensorTail = tail.count == transforms.count - start - 1 ? (start, tail) : nil
        } else {
            tensorTail = nil
        }
        takesGrayForRGB = tensorTail.map { transforms[..<$0.start].allSatisfy(\.commutesWithGrayToRGB) } ?? false
        var steps: [ImageStep] = [], index = 0
        let start = tensorTail?.start ?? 0
        while index < start {   // a resize then a crop: only the crop's window is resized
            if let resize = transforms[index] as? ResizeTransform, index + 1 < start {
                steps.append(.resizeThenCrop(resize, transforms[index + 1]))
                index += 2
            } else {
                steps.append(.single(transforms[index]))
                index += 1
            }
        }
        var flips: [FlipTransform] = []
        while case .single(let flip as FlipTransform)? = steps.last {
            flips.insert(flip, at: 0)
            steps.removeLast()
        }
        if case .single(let crop as any PlacedCrop)? = steps.last {
            readCrop = crop
            steps.removeLast()
        } else {
            readCrop = nil
        }
        readFlips = flips
        imageSteps = steps
        normalizeAfterToFloat = tensorTail?.transforms.first as? NormalizeTransform
    }

    /// What a sample's first step reads of its decoded image, worked out before the image is
    /// decoded, so the decoder may make only that part (`ImageDecoder.decode(_:into:region:)`):
    /// a resize with a crop after it reads the source pixels under the crop's filter taps, a
    /// `random_resized_crop` its box, a crop that `to_float` reads the part of the image under
    /// its window.
    public struct ReadPlan: Sendable {
        /// The part of the decoded image the chain reads.
        public let region: PixelRegion
        let step: Step

        enum Step: Sendable {
            case resizeWindow(Resize.WindowPlan)
            case resizedCrop
            case readWindow(ReadWindow)
        }
    }

    /// The plan for a decoded image of `height` x `width`, taking the draws the first step
    /// takes (so `apply(_:using:into:shape:plan:)` then takes the rest), or nil, drawing
    /// nothing, when the chain reads the whole image. `taps` keeps filter taps between samples.
    public func plan(height: Int, width: Int, channels: Int, taps: inout Resize.Taps, using generator: inout SampleRNG) -> ReadPlan? {
        guard tensorTail != nil else { return nil }
        var draws = generator   // kept only when there is a plan: without one, `apply` draws the same again
        switch imageSteps.first {
        case nil:
            guard let crop = readCrop, let placement = try? crop.placement(height: height, width: width, using: &draws),
                  let window = try? crop.readWindow(placement, channels: channels) else { return nil }
            // The window's part of the image (the rest is padding).
            let top = max(0, window.top), left = max(0, window.left)
            let bottom = min(height, window.top + window.height), right = min(width, window.left + window.width)
            guard bottom > top, right > left else { return nil }
            generator = draws
            return ReadPlan(region: PixelRegion(top: top, left: left, height: bottom - top, width: right - left), step: .readWindow(window))
        case .resizeThenCrop(let resize, let crop as any PlacedCrop)?:
            guard let output = try? resize.target(height: height, width: width),
                  let placement = try? crop.placement(height: output.height, width: output.width, using: &draws),
                  let window = resize.windowPlan(height: height, width: width, placement: placement, taps: &taps) else { return nil }
            generator = draws
            return ReadPlan(region: window.region, step: .resizeWindow(window))
        case .single(let crop as RandomResizedCropTransform)? where height > 0 && width > 0:
            return ReadPlan(region: crop.box(height: height, width: width, using: &generator), step: .resizedCrop)
        default:
            return nil
        }
    }

    /// Runs the chain so that its tensor, of `shape`, ends up in `output` (a batch slot): when
    /// the chain allows, `to_float` (with a `normalize` right after it, in the same pass) writes
    /// there and the tensor transforms run there, saving the copy. The values are the same bits
    /// as `TransformChain.apply(_:using:)` gives; under `takesGrayForRGB`, a gray sample of a 3-channel chain
    /// gives the bits its RGB copy would.
    ///
    /// With `plan` (from `plan(height:width:channels:taps:using:)` for this sample, with this
    /// generator), the first step follows it on `sample.image`: the decoded image, or the part
    /// `sample.region` says.
    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG, into output: UnsafeMutableBufferPointer<Float>,
                      shape: [Int], plan: ReadPlan? = nil) throws(TransformError) {
        precondition(plan != nil || sample.region == nil, "a partly decoded image needs its plan")
        guard let (_, tail) = tensorTail else {
            precondition(plan == nil, "a plan is made only for chains that end in to_float")
            try chain.apply(&sample, using: &generator)
            guard sample.isTensor, sample.tensor.shape == shape else {
                throw TransformError("became \(sample.isTensor ? sample.tensor.shape : sample.image.shape), the pipeline makes \(shape)")
            }
            _ = sample.tensor.values.withUnsafeBufferPointer { output.update(fromContentsOf: $0) }
            return
        }
        for (number, step) in imageSteps.enumerated() {
            switch (step, number == 0 ? plan?.step : nil) {
            case (.resizeThenCrop(let resize, _), .resizeWindow(let window)?):
                resize.apply(&sample, plan: window, origin: sample.region.map { ($0.top, $0.left) } ?? (0, 0))
            case (.single(let crop as RandomResizedCropTransform), .resizedCrop?):
                try crop.apply(&sample, box: plan!.region)
            case (.single(let transform), _): try transform.apply(&sample, using: &generator)
            case (.resizeThenCrop(let resize, let crop), _): try resize.apply(&sample, thenCrop: crop, using: &generator)
            }
            sample.region = nil
        }
        var cropped: ReadWindow?
        if case .readWindow(var window)? = plan?.step {   // drawn by the plan; the image may be its part
            if let region = sample.region { (window.top, window.left) = (window.top - region.top, window.left - region.left) }
            cropped = window
            sample.region = nil
        } else if let crop = readCrop {
            let placement = try crop.placement(height: sample.image.height, width: sample.image.width, using: &generator)
            cropped = try crop.readWindow(placement, channels: sample.image.channels)
            if cropped == nil { try crop.apply(&sample, placement: placement) }   // padding to_float cannot read: the crop itself
        }
        var window = cropped ?? ReadWindow(height: sample.image.height, width: sample.image.width)
        for flip in readFlips where flip.flips(using: &generator) {
            if flip.horizontal { window.flipX.toggle() } else { window.flipY.toggle() }
        }
        let image = sample.image
        let channels = takesGrayForRGB && image.channels == 1 ? shape[0] : image.channels
        guard shape.count == 3, channels == shape[0], window.height == shape[1], window.width == shape[2] else {
            throw TransformError("became \([image.channels, window.height, window.width]), the pipeline makes \(shape)")
        }
        let view = TensorView(output, channels: channels, height: window.height, width: window.width)
        // Fused only when it cannot fail: otherwise normalize runs alone and reports the mismatch.
        let normalize = normalizeAfterToFloat.flatMap { $0.mean.count == 1 || $0.mean.count == channels ? $0 : nil }
        FloatOps.toFloat(image, window: window, into: view, normalize: normalize.map { ($0.mean, $0.std) })
        for transform in tail.dropFirst(normalize == nil ? 0 : 1) { try transform.apply(to: view, using: &generator) }
    }
}
