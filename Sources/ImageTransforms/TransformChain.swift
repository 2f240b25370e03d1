import TensorCore

/// An ordered list of transforms, like torchvision's `Compose`, checked once for a given
/// input shape.
public struct TransformChain: Sendable {
    public let transforms: [any Transform]
    /// Where `to_float` is, when every transform after it works on tensors in place.
    private let tensorTail: (start: Int, transforms: [any TensorTransform])?
    /// The feeder's plan, worked out once: the steps before `to_float` (a resize with the crop
    /// after it as one); a crop and flips right before `to_float`, which it reads as a window
    /// instead; and the `normalize` right after `to_float`, if any.
    private let imageSteps: [ImageStep]
    private let readCrop: (any CropWindowing)?
    private let readFlips: [FlipTransform]
    private let normalizeAfterToFloat: NormalizeTransform?

    private enum ImageStep: Sendable {
        case single(any Transform)
        case resizeThenCrop(ResizeTransform, any Transform)
    }
    /// `apply(_:using:into:shape:)` takes a gray image for an RGB chain (and gives the tensor
    /// the RGB copy would): every transform before `to_float` commutes with gray -> RGB.
    public let takesGrayForRGB: Bool

    public init(_ transforms: [any Transform]) {
        self.transforms = transforms
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
        if case .single(let crop as any CropWindowing)? = steps.last {
            readCrop = crop
            steps.removeLast()
        } else {
            readCrop = nil
        }
        readFlips = flips
        imageSteps = steps
        normalizeAfterToFloat = tensorTail?.transforms.first as? NormalizeTransform
    }

    /// The shape after each transform; throws naming the first transform that cannot run.
    public func shapes(from input: SampleShape) throws(TransformError) -> [SampleShape] {
        var shapes: [SampleShape] = []
        var current = input
        for (index, transform) in transforms.enumerated() {
            do {
                current = try transform.outputShape(current)
            } catch {
                throw TransformError("transform \(index) (\(transform.opName)): \(error.message)")
            }
            shapes.append(current)
        }
        return shapes
    }

    /// How many leading transforms draw no random numbers: what a cache or shard can store.
    public var deterministicPrefixCount: Int {
        transforms.firstIndex { $0.isRandom } ?? transforms.count
    }

    /// How many leading transforms a shard can store for `input`: those of the deterministic
    /// prefix that still give uint8 images (`to_float` and what follows run on every read).
    public func storedPrefixCount(from input: SampleShape) -> Int {
        guard let shapes = try? shapes(from: input) else { return 0 }
        var count = 0
        while count < deterministicPrefixCount, case .image = shapes[count] { count += 1 }
        return count
    }

    /// Runs every transform on `sample`, drawing from `generator` in order.
    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        precondition(sample.region == nil, "a partly decoded image goes through apply(_:using:into:shape:plan:)")
        for transform in transforms { try transform.apply(&sample, using: &generator) }
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
        switch imageSteps.first {
        case nil:
            guard let crop = readCrop else { return nil }
            var draws = generator
            guard let window = try? crop.readWindow(height: height, width: width, channels: channels, using: &draws) else { return nil }
            // The window's part of the image (the rest is padding).
            let top = max(0, window.top), left = max(0, window.left)
            let bottom = min(height, window.top + window.height), right = min(width, window.left + window.width)
            guard bottom > top, right > left else { return nil }
            generator = draws
            return ReadPlan(region: PixelRegion(top: top, left: left, height: bottom - top, width: right - left), step: .readWindow(window))
        case .resizeThenCrop(let resize, let crop)?:
            var draws = generator   // kept only when there is a plan: the step then draws nothing more
            guard let window = try? resize.windowPlan(height: height, width: width, crop: crop, taps: &taps, using: &draws) else { return nil }
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
    /// as `apply(_:using:)` gives; under `takesGrayForRGB`, a gray sample of a 3-channel chain
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
            try apply(&sample, using: &generator)
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
            cropped = try crop.readWindow(height: sample.image.height, width: sample.image.width, channels: sample.image.channels, using: &generator)
            if cropped == nil { try crop.apply(&sample, using: &generator) }   // it drew nothing: the plain crop
        }
        var window = cropped ?? ReadWindow(height: sample.image.height, width: sample.image.width)
        for flip in readFlips where flip.draw(using: &generator) {
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
