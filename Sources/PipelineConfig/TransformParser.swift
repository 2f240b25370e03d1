import Foundation
import ImageTransforms

/// Builds transforms from their pipeline-file entries (`- random_crop: {size: 32, padding: 4}`),
/// with torchvision's defaults; every field is documented in pipelines/README.md.
enum TransformParser {
    static let ops = ["resize", "center_crop", "crop", "pad", "random_crop", "random_resized_crop", "horizontal_flip",
                      "vertical_flip", "grayscale", "random_grayscale", "color_jitter", "random_posterize", "random_solarize", "random_autocontrast", "random_equalize",
                      "gaussian_blur", "random_rotation", "random_affine", "auto_augment", "rand_augment", "trivial_augment_wide", "to_float", "normalize", "random_erasing", "gaussian_noise"]

    /// The split's list of ops, each checked against what the op before it gives (so an op in
    /// the wrong place is an error at its line, e.g. a flip after to_float).
    static func chain(_ node: ConfigNode) throws(PipelineError) -> TransformChain {
        var transforms: [any Transform] = []
        var shape = SampleShape.image(height: nil, width: nil, channels: nil)
        for item in try node.list() {
            let entries = try item.entries(allowed: ops, what: "op")
            guard entries.count == 1, let (op, fields) = entries.first else {
                throw item.error("each transform is one op name, with its fields or without: e.g. '- horizontal_flip: {p: 0.5}' or '- to_float'")
            }
            do {
                let transform = try make(op, fields)
                do { shape = try transform.outputShape(shape) } catch { throw item.error(error.message) }
                transforms.append(transform)
            } catch let error as TransformError {
                throw fields.error(error.message)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw fields.error("\(error)")
            }
        }
        return TransformChain(transforms)
    }

    private static func interpolation(_ node: ConfigNode?) throws(PipelineError) -> Interpolation {
        try node?.choice(Interpolation.self, Interpolation.allCases) ?? .bilinear
    }

    private static func warpFilter(_ node: ConfigNode?) throws(PipelineError) -> AffineWarp.Filter {
        try node?.choice(AffineWarp.Filter.self, AffineWarp.Filter.allCases) ?? .nearest
    }

    /// torchvision's `_setup_angle`: a number d >= 0 for [-d, d], or [min, max].
    private static func angles(_ node: ConfigNode, _ name: String) throws(PipelineError) -> ClosedRange<Double> {
        let values = try node.doubles()
        switch values.count {
        case 1 where values[0] >= 0: return (0 - values[0])...values[0]   // 0 - x: no "-0.0" for 0
        case 2 where values[0] <= values[1]: return values[0]...values[1]
        default: throw node.error("\(name) is a number d >= 0 (for [-d, d]) or [min, max] with min <= max")
        }
    }

    /// An [x, y] pair; `meaning` says what the two are, for the error.
    private static func point(_ node: ConfigNode?, _ meaning: String = "a point [x, y] in pixels") throws(PipelineError) -> (x: Double, y: Double)? {
        guard let node else { return nil }
        let values = try node.doubles()
        guard values.count == 2 else { throw node.error("expected \(meaning)") }
        return (values[0], values[1])
    }

    private static func padding(_ node: ConfigNode?) throws -> Padding {
        guard let node else { return .zero }
        do { return try Padding(try node.ints(minimum: 0)) } catch let error as TransformError { throw node.error(error.message) }
    }

    private static func fill(_ node: ConfigNode?) throws(PipelineError) -> [UInt8] {
        guard let node else { return [0] }
        let values = try node.ints(minimum: 0)
        guard values.allSatisfy({ $0 <= 255 }) else { throw node.error("fill values are 0-255 (uint8 images)") }
        return values.map { UInt8($0) }
    }

    private static func make(_ op: String, _ node: ConfigNode) throws -> any Transform {
        switch op {
        case "resize":
            let f = try node.fields(allowed: ["size", "interpolation", "antialias", "max_size"])
            guard let sizeNode = f["size"] else { throw node.error("resize needs 'size'") }
            let size = try sizeNode.size()
            return try ResizeTransform(size: size.single ? .shorterSide(size.height) : .exact(height: size.height, width: size.width),
                                       interpolation: try interpolation(f["interpolation"]), antialias: try f["antialias"]?.bool() ?? true,
                                       maxSize: try f["max_size"]?.int(minimum: 1))
        case "center_crop":
            let f = try node.fields(allowed: ["size"])
            guard let size = try f["size"]?.size() else { throw node.error("center_crop needs 'size'") }
            return try CenterCropTransform(height: size.height, width: size.width)
        case "crop":
            let f = try node.fields(allowed: ["top", "left", "height", "width"])
            func value(_ key: String) throws -> Int {
                guard let field = f[key] else { throw node.error("crop needs '\(key)'") }
                return try field.int(minimum: 0)
            }
            return try CropTransform(top: try value("top"), left: try value("left"), height: try value("height"), width: try value("width"))
        case "pad":
            let f = try node.fields(allowed: ["padding", "padding_mode", "fill"])
            guard f["padding"] != nil else { throw node.error("pad needs 'padding'") }
            return try PadTransform(padding: try padding(f["padding"]), mode: try f["padding_mode"]?.choice(PaddingMode.self, PaddingMode.allCases) ?? .constant,
                                    fill: try fill(f["fill"]))
        case "random_crop":
            let f = try node.fields(allowed: ["size", "padding", "padding_mode", "fill", "pad_if_needed"])
            guard let size = try f["size"]?.size() else { throw node.error("random_crop needs 'size'") }
            return try RandomCropTransform(height: size.height, width: size.width, padding: try padding(f["padding"]),
                                           mode: try f["padding_mode"]?.choice(PaddingMode.self, PaddingMode.allCases) ?? .constant,
                                           fill: try fill(f["fill"]), padIfNeeded: try f["pad_if_needed"]?.bool() ?? false)
        case "random_resized_crop":
            let f = try node.fields(allowed: ["size", "scale", "ratio", "interpolation", "antialias"])
            guard let size = try f["size"]?.size() else { throw node.error("random_resized_crop needs 'size'") }
            return try RandomResizedCropTransform(height: size.height, width: size.width, scale: try f["scale"]?.range() ?? 0.08...1,
                                                  ratio: try f["ratio"]?.range() ?? (3.0 / 4)...(4.0 / 3),
                                                  interpolation: try interpolation(f["interpolation"]), antialias: try f["antialias"]?.bool() ?? true)
        case "horizontal_flip", "vertical_flip":
            let f = try node.fields(allowed: ["p"])
            return try FlipTransform(horizontal: op == "horizontal_flip", p: try f["p"]?.double() ?? 0.5)
        case "grayscale":
            let f = try node.fields(allowed: ["num_output_channels"])
            return try GrayscaleTransform(outputChannels: try f["num_output_channels"]?.int(minimum: 1) ?? 1)
        case "random_grayscale":
            let f = try node.fields(allowed: ["p"])
            return try RandomGrayscaleTransform(p: try f["p"]?.double() ?? 0.1)
        case "color_jitter":
            let f = try node.fields(allowed: ["brightness", "contrast", "saturation", "hue"])
            func range(_ name: String, hue: Bool = false) throws -> ClosedRange<Double>? {
                guard let field = f[name] else { return nil }
                if let value = try? field.double() { return try ColorJitterTransform.range(around: value, hue: hue) }
                return try field.range()
            }
            return try ColorJitterTransform(brightness: try range("brightness"), contrast: try range("contrast"),
                                            saturation: try range("saturation"), hue: try range("hue", hue: true))
        case "random_posterize":
            let f = try node.fields(allowed: ["bits", "p"])
            guard let bits = f["bits"] else { throw node.error("random_posterize needs bits (1-8)") }
            return try RandomToneTransform(.posterize(bits: try bits.int(minimum: 1)), p: try f["p"]?.double() ?? 0.5)
        case "random_solarize":
            let f = try node.fields(allowed: ["threshold", "p"])
            guard let threshold = f["threshold"] else { throw node.error("random_solarize needs threshold (0-255)") }
            return try RandomToneTransform(.solarize(threshold: try threshold.double()), p: try f["p"]?.double() ?? 0.5)
        case "random_autocontrast", "random_equalize":
            let f = try node.fields(allowed: ["p"])
            return try RandomToneTransform(op == "random_equalize" ? .equalize : .autocontrast, p: try f["p"]?.double() ?? 0.5)
        case "gaussian_blur":
            let f = try node.fields(allowed: ["kernel_size", "sigma"])
            guard let sizeNode = f["kernel_size"] else { throw node.error("gaussian_blur needs kernel_size (an odd number, or [x, y])") }
            let sizes = try sizeNode.ints(minimum: 1, maximum: 1_001)
            guard sizes.count <= 2 else { throw sizeNode.error("kernel_size is one odd number or [x, y]") }
            var sigma = 0.1...2.0
            if let field = f["sigma"] {
                let values = try field.doubles()
                guard values.count <= 2, values[0] <= values.last! else { throw field.error("sigma is a number or [min, max] with min <= max") }
                sigma = values[0]...values.last!
            }
            return try GaussianBlurTransform(kernelWidth: sizes[0], kernelHeight: sizes.last!, sigma: sigma)
        case "random_rotation":
            let f = try node.fields(allowed: ["degrees", "interpolation", "expand", "center", "fill"])
            guard let degrees = f["degrees"] else { throw node.error("random_rotation needs degrees (a number d for [-d, d], or [min, max])") }
            return try RandomRotationTransform(degrees: try angles(degrees, "degrees"), filter: try warpFilter(f["interpolation"]),
                                               expand: try f["expand"]?.bool() ?? false, center: try point(f["center"]), fill: try fill(f["fill"]))
        case "random_affine":
            let f = try node.fields(allowed: ["degrees", "translate", "scale", "shear", "interpolation", "fill", "center"])
            guard let degrees = f["degrees"] else { throw node.error("random_affine needs degrees (a number d for [-d, d], or [min, max]; 0 for none)") }
            var shear: (x: ClosedRange<Double>, y: ClosedRange<Double>?)?
            if let field = f["shear"] {
                let values = try field.doubles()
                switch values.count {
                case 1, 2: shear = (try angles(field, "shear"), nil)
                case 4 where values[0] <= values[1] && values[2] <= values[3]: shear = (values[0]...values[1], values[2]...values[3])
                default: throw field.error("shear is a number s for [-s, s], [min, max] along x, or [x min, x max, y min, y max]")
                }
            }
            return try RandomAffineTransform(degrees: try angles(degrees, "degrees"),
                                             translate: try point(f["translate"], "[fx, fy]: the largest shifts as fractions of the width and height, e.g. [0.1, 0.1]"),
                                             scale: try f["scale"]?.range(), shear: shear, filter: try warpFilter(f["interpolation"]),
                                             fill: try fill(f["fill"]), center: try point(f["center"]))
        case "auto_augment":
            let f = try node.fields(allowed: ["policy", "interpolation", "fill"])
            return try AutoAugmentTransform(policy: try f["policy"]?.choice(AutoAugmentTransform.Policy.self, AutoAugmentTransform.Policy.allCases) ?? .imagenet,
                                            filter: try warpFilter(f["interpolation"]), fill: try fill(f["fill"]))
        case "rand_augment":
            let f = try node.fields(allowed: ["num_ops", "magnitude", "num_magnitude_bins", "interpolation", "fill"])
            return try RandAugmentTransform(numOps: try f["num_ops"]?.int(minimum: 0, maximum: 100) ?? 2, magnitude: try f["magnitude"]?.int(minimum: 0) ?? 9,
                                            bins: try f["num_magnitude_bins"]?.int(minimum: 2, maximum: 10_000) ?? 31,
                                            filter: try warpFilter(f["interpolation"]), fill: try fill(f["fill"]))
        case "trivial_augment_wide":
            let f = try node.fields(allowed: ["num_magnitude_bins", "interpolation", "fill"])
            return try TrivialAugmentWideTransform(bins: try f["num_magnitude_bins"]?.int(minimum: 2, maximum: 10_000) ?? 31,
                                                   filter: try warpFilter(f["interpolation"]), fill: try fill(f["fill"]))
        case "to_float":
            _ = try node.fields(allowed: [])
            return ToFloatTransform()
        case "normalize":
            let f = try node.fields(allowed: ["mean", "std", "stats"])
            if let stats = f["stats"] {
                guard f["mean"] == nil, f["std"] == nil else { throw node.error("give either mean and std, or stats, not both") }
                let statistics = try StatsFile.read(try stats.path(), node: stats)
                return try NormalizeTransform(mean: statistics.mean.map(Float.init), std: statistics.std.map(Float.init))
            }
            guard let mean = f["mean"], let std = f["std"] else { throw node.error("normalize needs mean and std, or stats: FILE") }
            return try NormalizeTransform(mean: try mean.doubles().map(Float.init), std: try std.doubles().map(Float.init))
        case "random_erasing":
            let f = try node.fields(allowed: ["p", "scale", "ratio", "value"])
            var value = RandomErasingTransform.Value.constant([0])
            if let field = f["value"] {
                value = field.node.string == "random" ? .random : .constant(try field.doubles().map(Float.init))
            }
            return try RandomErasingTransform(p: try f["p"]?.double() ?? 0.5, scale: try f["scale"]?.range() ?? 0.02...0.33,
                                              ratio: try f["ratio"]?.range() ?? 0.3...3.3, value: value)
        case "gaussian_noise":
            let f = try node.fields(allowed: ["mean", "sigma", "clip"])
            return try GaussianNoiseTransform(mean: Float(try f["mean"]?.double() ?? 0), sigma: Float(try f["sigma"]?.double() ?? 0.1),
                                              clip: try f["clip"]?.bool() ?? true)
        default:
            throw node.error("unknown op '\(op)'")
        }
    }
}

/// A split's `batch_transforms`: torchvision's batch ops, one of them per batch (chosen
/// uniformly when several are listed, as torchvision's references' `RandomChoice([MixUp, CutMix])`).
public struct BatchTransforms: Sendable, Equatable {
    public var mixes: [BatchMix]
    /// `num_classes`, when given; else the loader takes the dataset's.
    public var classes: Int?
}

extension TransformParser {
    static func batchTransforms(_ node: ConfigNode) throws(PipelineError) -> BatchTransforms {
        var result = BatchTransforms(mixes: [], classes: nil)
        for item in try node.list() {
            let entries = try item.entries(allowed: ["mixup", "cutmix"], what: "batch op")
            guard entries.count == 1, let (op, fields) = entries.first else {
                throw item.error("each batch op is one op name, with its fields or without: e.g. '- mixup: {alpha: 0.2}' or '- cutmix'")
            }
            let f = try fields.fields(allowed: ["alpha", "num_classes"])
            let alpha = try f["alpha"]?.double() ?? 1.0
            do {
                result.mixes.append(try BatchMix.validated(op == "mixup" ? .mixup(alpha: alpha) : .cutmix(alpha: alpha)))
            } catch { throw fields.error(error.message) }
            if let classesNode = f["num_classes"] {
                let classes = try classesNode.int(minimum: 1)
                if let earlier = result.classes, earlier != classes {
                    throw classesNode.error("num_classes is \(earlier) in an op before; the ops of a split share one")
                }
                result.classes = classes
            }
        }
        guard !result.mixes.isEmpty else { throw node.error("batch_transforms of a split lists at least one op (mixup, cutmix)") }
        return result
    }
}

/// `normalize: {stats: FILE}`: the mean and std of a `sluice stats --json` result.
enum StatsFile {
    static func read(_ path: String, node: ConfigNode) throws(PipelineError) -> (mean: [Double], std: [Double]) {
        struct Figures: Decodable { var mean: [Double]; var std: [Double] }
        guard let data = FileManager.default.contents(atPath: path) else { throw node.error("cannot read the stats file \(path)") }
        guard let figures = try? JSONDecoder().decode(Figures.self, from: data) else {
            throw node.error("\(path) is not a `sluice stats --json` result (no mean and std)")
        }
        return (figures.mean, figures.std)
    }
}
