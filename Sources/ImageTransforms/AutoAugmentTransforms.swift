import TensorCore

/// What the three automatic policies share: the filter and fill of their geometric ops.
public protocol AugmentPolicy: Transform {
    var filter: AffineWarp.Filter { get }
    var fill: [UInt8] { get }
    /// The ops and signed magnitudes torchvision's `forward` draws for an image of this size.
    func draws(width: Int, height: Int, using generator: inout SampleRNG) -> [(op: AugmentOp, magnitude: Double)]
}

extension AugmentPolicy {
    public var isRandom: Bool { true }
    public var commutesWithGrayToRGB: Bool { false }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (_, _, channels) = try requireImage(input)
        try checkFill(fill, channels: channels)
        return input
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try checkFill(fill, channels: sample.image.channels)
        for (op, magnitude) in draws(width: sample.image.width, height: sample.image.height, using: &generator) {
            try op.apply(&sample, magnitude: magnitude, filter: filter, fill: fill)
        }
    }

    /// A magnitude from `space`'s table at `bin`, negated when the op is signed and u <= 0.5.
    static func magnitude(_ op: AugmentOp, space: AugmentOp.Space, bins: Int, bin: Int, width: Int, height: Int,
                          using generator: inout SampleRNG) -> Double {
        guard op.takesMagnitude else { return 0 }
        var value = Double(space.magnitude(op, bin: bin, bins: bins, width: width, height: height))
        if space.isSigned(op) && generator.uniform() <= 0.5 { value = -value }
        return value
    }
}

/// `auto_augment`: torchvision's `AutoAugment(policy)`: one of the policy's 25 pairs of
/// (op, probability, magnitude bin), each op applied when u <= its probability, magnitudes
/// from 10 bins.
public struct AutoAugmentTransform: AugmentPolicy {
    public enum Policy: String, Sendable, CaseIterable {
        case imagenet, cifar10, svhn
    }

    public typealias Step = (op: AugmentOp, probability: Double, bin: Int?)

    public let policy: Policy
    public let filter: AffineWarp.Filter
    public let fill: [UInt8]
    public var opName: String { "auto_augment" }

    public init(policy: Policy = .imagenet, filter: AffineWarp.Filter = .nearest, fill: [UInt8] = [0]) throws(TransformError) {
        guard !fill.isEmpty else { throw TransformError("auto_augment: fill needs a value") }
        (self.policy, self.filter, self.fill) = (policy, filter, fill)
    }

    public func draws(width: Int, height: Int, using generator: inout SampleRNG) -> [(op: AugmentOp, magnitude: Double)] {
        let pairs = Self.pairs(policy)
        let pair = pairs[generator.integer(upTo: pairs.count - 1)]
        var chosen: [(op: AugmentOp, magnitude: Double)] = []
        for step in [pair.0, pair.1] where generator.uniform() <= step.probability {
            let value = Self.magnitude(step.op, space: .standard, bins: 10, bin: step.bin ?? 0, width: width, height: height, using: &generator)
            chosen.append((step.op, value))
        }
        return chosen
    }

    /// The policies of torchvision's `AutoAugment._get_policies`.
    public static func pairs(_ policy: Policy) -> [(Step, Step)] {
        typealias O = AugmentOp
        func s(_ op: O, _ p: Double, _ bin: Int?) -> Step { (op, p, bin) }
        switch policy {
        case .imagenet:
            return [
                (s(.posterize, 0.4, 8), s(.rotate, 0.6, 9)), (s(.solarize, 0.6, 5), s(.autoContrast, 0.6, nil)),
                (s(.equalize, 0.8, nil), s(.equalize, 0.6, nil)), (s(.posterize, 0.6, 7), s(.posterize, 0.6, 6)),
                (s(.equalize, 0.4, nil), s(.solarize, 0.2, 4)), (s(.equalize, 0.4, nil), s(.rotate, 0.8, 8)),
                (s(.solarize, 0.6, 3), s(.equalize, 0.6, nil)), (s(.posterize, 0.8, 5), s(.equalize, 1.0, nil)),
                (s(.rotate, 0.2, 3), s(.solarize, 0.6, 8)), (s(.equalize, 0.6, nil), s(.posterize, 0.4, 6)),
                (s(.rotate, 0.8, 8), s(.color, 0.4, 0)), (s(.rotate, 0.4, 9), s(.equalize, 0.6, nil)),
                (s(.equalize, 0.0, nil), s(.equalize, 0.8, nil)), (s(.invert, 0.6, nil), s(.equalize, 1.0, nil)),
                (s(.color, 0.6, 4), s(.contrast, 1.0, 8)), (s(.rotate, 0.8, 8), s(.color, 1.0, 2)),
                (s(.color, 0.8, 8), s(.solarize, 0.8, 7)), (s(.sharpness, 0.4, 7), s(.invert, 0.6, nil)),
                (s(.shearX, 0.6, 5), s(.equalize, 1.0, nil)), (s(.color, 0.4, 0), s(.equalize, 0.6, nil)),
                (s(.equalize, 0.4, nil), s(.solarize, 0.2, 4)), (s(.solarize, 0.6, 5), s(.autoContrast, 0.6, nil)),
                (s(.invert, 0.6, nil), s(.equalize, 1.0, nil)), (s(.color, 0.6, 4), s(.contrast, 1.0, 8)),
                (s(.equalize, 0.8, nil), s(.equalize, 0.6, nil)),
            ]
        case .cifar10:
            return [
                (s(.invert, 0.1, nil), s(.contrast, 0.2, 6)), (s(.rotate, 0.7, 2), s(.translateX, 0.3, 9)),
                (s(.sharpness, 0.8, 1), s(.sharpness, 0.9, 3)), (s(.shearY, 0.5, 8), s(.translateY, 0.7, 9)),
                (s(.autoContrast, 0.5, nil), s(.equalize, 0.9, nil)), (s(.shearY, 0.2, 7), s(.posterize, 0.3, 7)),
                (s(.color, 0.4, 3), s(.brightness, 0.6, 7)), (s(.sharpness, 0.3, 9), s(.brightness, 0.7, 9)),
                (s(.equalize, 0.6, nil), s(.equalize, 0.5, nil)), (s(.contrast, 0.6, 7), s(.sharpness, 0.6, 5)),
                (s(.color, 0.7, 7), s(.translateX, 0.5, 8)), (s(.equalize, 0.3, nil), s(.autoContrast, 0.4, nil)),
                (s(.translateY, 0.4, 3), s(.sharpness, 0.2, 6)), (s(.brightness, 0.9, 6), s(.color, 0.2, 8)),
                (s(.solarize, 0.5, 2), s(.invert, 0.0, nil)), (s(.equalize, 0.2, nil), s(.autoContrast, 0.6, nil)),
                (s(.equalize, 0.2, nil), s(.equalize, 0.6, nil)), (s(.color, 0.9, 9), s(.equalize, 0.6, nil)),
                (s(.autoContrast, 0.8, nil), s(.solarize, 0.2, 8)), (s(.brightness, 0.1, 3), s(.color, 0.7, 0)),
                (s(.solarize, 0.4, 5), s(.autoContrast, 0.9, nil)), (s(.translateY, 0.9, 9), s(.translateY, 0.7, 9)),
                (s(.autoContrast, 0.9, nil), s(.solarize, 0.8, 3)), (s(.equalize, 0.8, nil), s(.invert, 0.1, nil)),
                (s(.translateY, 0.7, 9), s(.autoContrast, 0.9, nil)),
            ]
        case .svhn:
            return [
                (s(.shearX, 0.9, 4), s(.invert, 0.2, nil)), (s(.shearY, 0.9, 8), s(.invert, 0.7, nil)),
                (s(.equalize, 0.6, nil), s(.solarize, 0.6, 6)), (s(.invert, 0.9, nil), s(.equalize, 0.6, nil)),
                (s(.equalize, 0.6, nil), s(.rotate, 0.9, 3)), (s(.shearX, 0.9, 4), s(.autoContrast, 0.8, nil)),
                (s(.shearY, 0.9, 8), s(.invert, 0.4, nil)), (s(.shearY, 0.9, 5), s(.solarize, 0.2, 6)),
                (s(.invert, 0.9, nil), s(.autoContrast, 0.8, nil)), (s(.equalize, 0.6, nil), s(.rotate, 0.9, 3)),
                (s(.shearX, 0.9, 4), s(.solarize, 0.3, 3)), (s(.shearY, 0.8, 8), s(.invert, 0.7, nil)),
                (s(.equalize, 0.9, nil), s(.translateY, 0.6, 6)), (s(.invert, 0.9, nil), s(.equalize, 0.6, nil)),
                (s(.contrast, 0.3, 3), s(.rotate, 0.8, 4)), (s(.invert, 0.8, nil), s(.translateY, 0.0, 2)),
                (s(.shearY, 0.7, 6), s(.solarize, 0.4, 8)), (s(.invert, 0.6, nil), s(.rotate, 0.8, 4)),
                (s(.shearY, 0.3, 7), s(.translateX, 0.9, 3)), (s(.shearX, 0.1, 6), s(.invert, 0.6, nil)),
                (s(.solarize, 0.7, 2), s(.translateY, 0.6, 7)), (s(.shearY, 0.8, 4), s(.invert, 0.8, nil)),
                (s(.shearX, 0.7, 9), s(.translateY, 0.8, 3)), (s(.shearY, 0.8, 5), s(.autoContrast, 0.7, nil)),
                (s(.shearX, 0.7, 2), s(.invert, 0.1, nil)),
            ]
        }
    }

    public var description: String { "auto_augment \(policy.rawValue) \(filter.rawValue) fill \(fill)" }
}

/// The 14 ops RandAugment and TrivialAugmentWide choose among, in torchvision's order.
let choosableAugmentOps: [AugmentOp] = [.identity, .shearX, .shearY, .translateX, .translateY, .rotate, .brightness, .color, .contrast,
                                        .sharpness, .posterize, .solarize, .autoContrast, .equalize]

/// `rand_augment`: torchvision's `RandAugment(num_ops, magnitude, num_magnitude_bins)`: `numOps`
/// ops drawn uniformly (with repeats), all at bin `magnitude` of `bins`.
public struct RandAugmentTransform: AugmentPolicy {
    public let numOps: Int
    public let magnitude: Int
    public let bins: Int
    public let filter: AffineWarp.Filter
    public let fill: [UInt8]
    public var opName: String { "rand_augment" }

    public init(numOps: Int = 2, magnitude: Int = 9, bins: Int = 31, filter: AffineWarp.Filter = .nearest, fill: [UInt8] = [0]) throws(TransformError) {
        guard numOps >= 0 else { throw TransformError("rand_augment: num_ops must be 0 or more, got \(numOps)") }
        guard bins >= 2 else { throw TransformError("rand_augment: num_magnitude_bins must be at least 2, got \(bins)") }
        guard (0..<bins).contains(magnitude) else {
            throw TransformError("rand_augment: magnitude must be a bin index in 0...\(bins - 1), got \(magnitude)")
        }
        guard !fill.isEmpty else { throw TransformError("rand_augment: fill needs a value") }
        (self.numOps, self.magnitude, self.bins, self.filter, self.fill) = (numOps, magnitude, bins, filter, fill)
    }

    public func draws(width: Int, height: Int, using generator: inout SampleRNG) -> [(op: AugmentOp, magnitude: Double)] {
        (0..<numOps).map { _ in
            let op = choosableAugmentOps[generator.integer(upTo: choosableAugmentOps.count - 1)]
            return (op, Self.magnitude(op, space: .standard, bins: bins, bin: magnitude, width: width, height: height, using: &generator))
        }
    }

    public var description: String { "rand_augment num_ops=\(numOps) magnitude=\(magnitude)/\(bins) \(filter.rawValue) fill \(fill)" }
}

/// `trivial_augment_wide`: torchvision's `TrivialAugmentWide(num_magnitude_bins)`: one op drawn
/// uniformly, at a bin drawn uniformly, from the wide ranges.
public struct TrivialAugmentWideTransform: AugmentPolicy {
    public let bins: Int
    public let filter: AffineWarp.Filter
    public let fill: [UInt8]
    public var opName: String { "trivial_augment_wide" }

    public init(bins: Int = 31, filter: AffineWarp.Filter = .nearest, fill: [UInt8] = [0]) throws(TransformError) {
        guard bins >= 2 else { throw TransformError("trivial_augment_wide: num_magnitude_bins must be at least 2, got \(bins)") }
        guard !fill.isEmpty else { throw TransformError("trivial_augment_wide: fill needs a value") }
        (self.bins, self.filter, self.fill) = (bins, filter, fill)
    }

    public func draws(width: Int, height: Int, using generator: inout SampleRNG) -> [(op: AugmentOp, magnitude: Double)] {
        let op = choosableAugmentOps[generator.integer(upTo: choosableAugmentOps.count - 1)]
        // torchvision draws a bin for the ops with magnitudes, then a sign for the signed ones.
        guard op.takesMagnitude else { return [(op, 0)] }
        let bin = generator.integer(upTo: bins - 1)
        return [(op, Self.magnitude(op, space: .wide, bins: bins, bin: bin, width: width, height: height, using: &generator))]
    }

    public var description: String { "trivial_augment_wide bins=\(bins) \(filter.rawValue) fill \(fill)" }
}
