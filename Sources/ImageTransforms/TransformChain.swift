import TensorCore

/// An ordered list of transforms, like torchvision's `Compose`, checked once for a given
/// input shape. The feeder runs it through `FeederChain`, which gives the same values faster.
public struct TransformChain: Sendable {
    public let transforms: [any Transform]

    public init(_ transforms: [any Transform]) {
        self.transforms = transforms
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
}
