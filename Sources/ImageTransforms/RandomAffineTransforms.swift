import TensorCore

/// `random_rotation`: torchvision's `RandomRotation(degrees, interpolation, expand, center,
/// fill)` on PIL images: an angle ~ U(degrees) (counter-clockwise), then Pillow's `rotate`.
public struct RandomRotationTransform: Transform {
    public let degrees: ClosedRange<Double>
    public let filter: AffineWarp.Filter
    public let expand: Bool
    public let center: (x: Double, y: Double)?
    public let fill: [UInt8]
    public var opName: String { "random_rotation" }
    public var isRandom: Bool { true }
    public var commutesWithGrayToRGB: Bool { Set(fill).count == 1 }

    public init(degrees: ClosedRange<Double>, filter: AffineWarp.Filter = .nearest, expand: Bool = false,
                center: (x: Double, y: Double)? = nil, fill: [UInt8] = [0]) throws(TransformError) {
        guard degrees.lowerBound.isFinite, degrees.upperBound.isFinite else { throw TransformError("random_rotation: degrees must be finite") }
        guard !fill.isEmpty else { throw TransformError("random_rotation: fill needs a value") }
        (self.degrees, self.filter, self.expand, self.center, self.fill) = (degrees, filter, expand, center, fill)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        let (h, w, c) = try requireImage(input)
        try checkFill(fill, channels: c)
        // With expand the size follows the angle, except for a fixed angle.
        guard expand else { return input }
        guard degrees.lowerBound == degrees.upperBound, let h, let w else { return .image(height: nil, width: nil, channels: c) }
        let size = AffineWarp.rotation(width: w, height: h, degrees: degrees.lowerBound, expand: true, center: center).size
        return .image(height: size.height, width: size.width, channels: c)
    }

    /// The angle torchvision's `make_params` draws.
    public func angle(using generator: inout SampleRNG) -> Double {
        generator.uniform(degrees.lowerBound, degrees.upperBound)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        let angle = angle(using: &generator)
        try checkFill(fill, channels: sample.image.channels)
        try sample.replaceImage { source, destination, _ in
            AffineWarp.rotate(source, degrees: angle, filter: filter, expand: expand, center: center, fill: fill, into: &destination)
        }
    }

    public var description: String {
        "random_rotation degrees=\(degrees.lowerBound)...\(degrees.upperBound) \(filter.rawValue)\(expand ? " expand" : "")"
            + (center.map { " center=(\($0.x), \($0.y))" } ?? "") + " fill \(fill)"
    }
}

/// `random_affine`: torchvision's `RandomAffine(degrees, translate, scale, shear, interpolation,
/// fill, center)` on PIL images: draws as `make_params` (angle; then tx, ty as round(U(-f w, f w))
/// when translate is set; scale; shear x, then y when four shear values are given), then the
/// inverse matrix through Pillow's transform.
public struct RandomAffineTransform: Transform {
    public struct Parameters: Equatable, Sendable {
        public var angle: Double
        public var translate: (x: Int, y: Int)
        public var scale: Double
        public var shear: (x: Double, y: Double)

        public static func == (a: Self, b: Self) -> Bool {
            a.angle == b.angle && a.translate == b.translate && a.scale == b.scale && a.shear == b.shear
        }
    }

    public let degrees: ClosedRange<Double>
    /// Largest translation as fractions of the width and height (0-1).
    public let translate: (x: Double, y: Double)?
    public let scale: ClosedRange<Double>?
    /// Shear ranges in degrees along x and (when given) y.
    public let shear: (x: ClosedRange<Double>, y: ClosedRange<Double>?)?
    public let filter: AffineWarp.Filter
    public let fill: [UInt8]
    public let center: (x: Double, y: Double)?
    public var opName: String { "random_affine" }
    public var isRandom: Bool { true }
    public var commutesWithGrayToRGB: Bool { Set(fill).count == 1 }

    public init(degrees: ClosedRange<Double>, translate: (x: Double, y: Double)? = nil, scale: ClosedRange<Double>? = nil,
                shear: (x: ClosedRange<Double>, y: ClosedRange<Double>?)? = nil, filter: AffineWarp.Filter = .nearest,
                fill: [UInt8] = [0], center: (x: Double, y: Double)? = nil) throws(TransformError) {
        guard degrees.lowerBound.isFinite, degrees.upperBound.isFinite else { throw TransformError("random_affine: degrees must be finite") }
        if let translate, !((0...1).contains(translate.x) && (0...1).contains(translate.y)) {
            throw TransformError("random_affine: translate values are fractions of the size, in [0, 1]; got [\(translate.x), \(translate.y)]")
        }
        if let scale, !(scale.lowerBound > 0 && scale.upperBound.isFinite) {
            throw TransformError("random_affine: scale values must be positive; got [\(scale.lowerBound), \(scale.upperBound)]")
        }
        if let shear, !([shear.x, shear.y ?? shear.x].allSatisfy { $0.lowerBound > -90 && $0.upperBound < 90 }) {
            throw TransformError("random_affine: shear angles must be between -90 and 90 degrees")
        }
        guard !fill.isEmpty else { throw TransformError("random_affine: fill needs a value") }
        (self.degrees, self.translate, self.scale, self.shear, self.filter, self.fill, self.center) =
            (degrees, translate, scale, shear, filter, fill, center)
    }

    public func outputShape(_ input: SampleShape) throws(TransformError) -> SampleShape {
        try checkFill(fill, channels: try requireImage(input).channels)
        return input
    }

    /// The draws of torchvision's `make_params` for an image of `width` x `height`.
    public func parameters(width: Int, height: Int, using generator: inout SampleRNG) -> Parameters {
        let angle = generator.uniform(degrees.lowerBound, degrees.upperBound)
        var shift = (x: 0, y: 0)
        if let translate {
            let maxX = translate.x * Double(width), maxY = translate.y * Double(height)
            shift.x = RandomParameters.pythonRound(generator.uniform(-maxX, maxX))
            shift.y = RandomParameters.pythonRound(generator.uniform(-maxY, maxY))
        }
        let factor = scale.map { generator.uniform($0.lowerBound, $0.upperBound) } ?? 1
        var angles = (x: 0.0, y: 0.0)
        if let shear {
            angles.x = generator.uniform(shear.x.lowerBound, shear.x.upperBound)
            if let y = shear.y { angles.y = generator.uniform(y.lowerBound, y.upperBound) }
        }
        return Parameters(angle: angle, translate: shift, scale: factor, shear: angles)
    }

    public func apply(_ sample: inout SampleBuffer, using generator: inout SampleRNG) throws(TransformError) {
        try checkFill(fill, channels: sample.image.channels)
        let p = parameters(width: sample.image.width, height: sample.image.height, using: &generator)
        try sample.replaceImage { source, destination, _ in
            AffineWarp.affine(source, angle: p.angle, translate: (Double(p.translate.x), Double(p.translate.y)), scale: p.scale,
                              shear: p.shear, center: center, filter: filter, fill: fill, into: &destination)
        }
    }

    public var description: String {
        var text = "random_affine degrees=\(degrees.lowerBound)...\(degrees.upperBound)"
        if let translate { text += " translate=(\(translate.x), \(translate.y))" }
        if let scale { text += " scale=\(scale.lowerBound)...\(scale.upperBound)" }
        if let shear { text += " shear=\(shear.x.lowerBound)...\(shear.x.upperBound)" + (shear.y.map { ",\($0.lowerBound)...\($0.upperBound)" } ?? "") }
        return text + " \(filter.rawValue)" + (center.map { " center=(\($0.x), \($0.y))" } ?? "") + " fill \(fill)"
    }
}
