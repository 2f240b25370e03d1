import Foundation
import ImageCodecs
import ImageTransforms
import ModelSpec
import Yams

/// A pipeline file (pipelines/README.md): sources, decoding, transforms per split and loader settings,
/// validated as it is read. A relative path in it is read from the current folder, or, when it
/// is not there, from the pipeline file's folder (`ConfigNode.path()`).
public struct PipelineFile: Sendable {
    /// Where a split's samples come from.
    public enum Source: Sendable, Equatable {
        case folder(String)
        case files(String)
        case idx(images: String, labels: String?)
        case shards(String)
    }

    public struct Loader: Sendable, Equatable {
        public var batchSize = 128
        public var shuffle = true
        public var dropLast = false
        /// nil: `auto` (leave room for the trainer's compute thread).
        public var workers: Int?
        public var prefetch = 4
    }

    public let path: String
    public let version: Int
    public let seed: UInt64
    public let data: [String: Source]
    public let color: ColorMode
    /// `decode: {draft: true}`: JPEGs are decoded at a reduced DCT scale that still covers the
    /// first `resize` (Pillow's draft mode).
    public let draft: Bool
    public let transforms: [String: TransformChain]
    /// Split names in file order.
    public let splits: [String]
    public let loader: Loader
    /// `batch_transforms`: per split, the batch ops (mixup, cutmix) and their `num_classes`.
    public let batchTransforms: [String: BatchTransforms]
    /// `classes`: names by label (for IDX sets and file lists, whose labels are numbers), used in
    /// previews and confusion matrices.
    public let classNames: [String]?
    /// The `model` list, when the file has one.
    public let model: [LayerSpec]?
    /// Where each model layer is written, for errors found when the model is built.
    public let modelPlaces: [Place]
    /// The `train` block (defaults when the file has a model but no `train`).
    public let train: TrainSettings?

    /// A place in the file.
    public struct Place: Sendable, Equatable {
        public let line: Int?
        public let column: Int?
        public let keyPath: String
    }

    static let topLevelKeys = ["version", "seed", "data", "classes", "decode", "transforms", "batch_transforms", "loader", "model", "train"]

    /// Reads and validates the file at `path` (YAML, or JSON, which is YAML too).
    public static func load(_ path: String) throws(PipelineError) -> PipelineFile {
        guard FileManager.default.fileExists(atPath: path) else {
            // A mistyped name: the closest file of that folder, if one is near.
            let folder = (path as NSString).deletingLastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
            let guess = ConfigNode.closest(to: (path as NSString).lastPathComponent, in: names.sorted())
                .map { ": did you mean '\((folder as NSString).appendingPathComponent($0))'?" } ?? ""
            throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "no such pipeline file\(guess)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "cannot read the pipeline file (not UTF-8 text, or not readable)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(PipelineError) -> PipelineFile {
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "not valid YAML: \(error)")
        } catch {
            throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "not valid YAML: \(error)")
        }
        guard let document else { throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "the file is empty") }
        let root = ConfigNode(node: document, keyPath: "", file: path)
        let top = try root.fields(allowed: topLevelKeys)
        guard let versionNode = top["version"] else { throw root.error("'version: 1' is required") }
        let version = try versionNode.int()
        guard version == 1 else { throw versionNode.error("only version 1 is supported") }
        let seed = UInt64(try top["seed"]?.int(minimum: 0, maximum: Int.max) ?? 0)

        var sources: [String: Source] = [:]
        if let dataNode = top["data"] {
            for (split, sourceNode) in try dataNode.mapping(allowed: dataNode.node.mapping?.keys.compactMap(\.string) ?? []) {
                sources[split] = try source(sourceNode)
            }
        }
        var color = ColorMode.auto
        var draft = false
        var draftNode: ConfigNode?
        if let decode = top["decode"] {
            let fields = try decode.fields(allowed: ["color", "draft"])
            color = try fields["color"]?.choice(ColorMode.self, ColorMode.allCases) ?? .auto
            draft = try fields["draft"]?.bool() ?? false
            draftNode = fields["draft"]
        }
        guard let transformsNode = top["transforms"] else { throw root.error("'transforms' is required (a list of ops per split)") }
        var chains: [String: TransformChain] = [:]
        var splits: [String] = []
        for (split, listNode) in try transformsNode.mapping(allowed: transformsNode.node.mapping?.keys.compactMap(\.string) ?? []) {
            chains[split] = try TransformParser.chain(listNode)
            splits.append(split)
        }
        if draft, let draftNode {
            for split in splits where Self.draftTarget(chains[split]!) == nil {
                throw draftNode.error("draft needs each split's first transform to be a resize to a shorter side (resize: {size: N}); split '\(split)' starts otherwise")
            }
        }
        for split in sources.keys where chains[split] == nil {
            throw (top["data"] ?? root).error("split '\(split)' has data but no transforms")
        }
        var batchTransforms: [String: BatchTransforms] = [:]
        if let batchNode = top["batch_transforms"] {
            for (split, listNode) in try batchNode.mapping(allowed: splits, what: "split") {
                batchTransforms[split] = try TransformParser.batchTransforms(listNode)
                let shape = try? chains[split]?.shapes(from: .image(height: nil, width: nil, channels: nil)).last
                guard case .tensor? = shape else {
                    throw listNode.error("mixup and cutmix mix float batches: end split '\(split)'s transforms with to_float")
                }
            }
        }
        var classNames: [String]?
        if let classesNode = top["classes"] {
            var names: [String] = []
            for item in try classesNode.list() { names.append(try item.string()) }
            guard !names.isEmpty, Set(names).count == names.count else { throw classesNode.error("classes is a list of distinct names, one per label") }
            classNames = names
        }
        var model: (specs: [LayerSpec], places: [Place])?
        if let modelNode = top["model"] { model = try ModelParser.model(modelNode) }
        var train: TrainSettings?
        if let trainNode = top["train"] {
            guard model != nil else { throw trainNode.error("a train block needs a model block") }
            train = try ModelParser.train(trainNode, splits: splits)
        } else if model != nil {
            train = try ModelParser.train(ConfigNode(node: Node.mapping(Node.Mapping([])), keyPath: "train", file: path), splits: splits)
        }
        let file = PipelineFile(path: path, version: version, seed: seed, data: sources, color: color, draft: draft, transforms: chains,
                                splits: splits, loader: try loader(top["loader"]), batchTransforms: batchTransforms, classNames: classNames, model: model?.specs, modelPlaces: model?.places ?? [],
                                train: train)
        try file.checkModelWhenShapeIsKnown()
        return file
    }

    private static func source(_ node: ConfigNode) throws(PipelineError) -> Source {
        let entries = try node.mapping(allowed: ["folder", "files", "idx", "shards"])
        guard entries.count == 1, let (kind, value) = entries.first else {
            throw node.error("a source is one of {folder: DIR}, {files: LIST}, {idx: {images, labels}}, {shards: DIR}")
        }
        switch kind {
        case "folder": return .folder(try value.path())
        case "files": return .files(try value.path())
        case "shards": return .shards(try value.path())
        default:
            let fields = try value.fields(allowed: ["images", "labels"])
            guard let images = fields["images"] else { throw value.error("idx needs 'images'") }
            return .idx(images: try images.path(), labels: try fields["labels"]?.path())
        }
    }

    private static func loader(_ node: ConfigNode?) throws(PipelineError) -> Loader {
        var loader = Loader()
        guard let node else { return loader }
        let fields = try node.fields(allowed: ["batch_size", "shuffle", "drop_last", "workers", "prefetch"])
        loader.batchSize = try fields["batch_size"]?.int(minimum: 1) ?? loader.batchSize
        loader.shuffle = try fields["shuffle"]?.bool() ?? loader.shuffle
        loader.dropLast = try fields["drop_last"]?.bool() ?? loader.dropLast
        loader.prefetch = try fields["prefetch"]?.int(minimum: 1) ?? loader.prefetch
        if let workers = fields["workers"], workers.node.string != "auto" {
            loader.workers = try workers.int(minimum: 1, maximum: 256)
        }
        return loader
    }

    /// The shorter side the first transform resizes to, when it is such a resize.
    static func draftTarget(_ chain: TransformChain) -> Int? {
        guard let resize = chain.transforms.first as? ResizeTransform, case .shorterSide(let side) = resize.size else { return nil }
        return side
    }

    /// How to decode the images of `split`: the colour, and draft mode when asked for.
    public func decodeOptions(split: String) -> DecodeOptions {
        var options = DecodeOptions(color: color)
        if draft, let chain = transforms[split] { options.draftShorterSide = Self.draftTarget(chain) }
        return options
    }

    /// Checks the model for per-sample input `inputShape` ([C, H, W]) without building it: a
    /// layer that cannot take its input is an error naming its place in the file.
    public func checkModel(inputShape: [Int]) throws(PipelineError) {
        guard let model else { throw PipelineError(file: path, line: nil, column: nil, keyPath: "", message: "the file has no model block") }
        do {
            _ = try LayerSpec.outputShapes(of: model, inputShape: inputShape)
        } catch {
            throw locate(error)
        }
    }

    /// A model error as an error of this file, at the layer it names.
    public func locate(_ error: ModelError) -> PipelineError {
        let place = error.layer.map { modelPlaces[$0] }
        return PipelineError(file: path, line: place?.line, column: place?.column, keyPath: place?.keyPath ?? "model", message: error.message)
    }

    /// The per-sample tensor shape the training split's transforms produce, when the file
    /// alone fixes it (channels from `decode.color`, size from a crop or resize).
    public var trainingInputShape: [Int]? {
        guard let split = splits.first(where: { $0 == "train" }) ?? splits.first, let chain = transforms[split],
              case .tensor(let c?, let h?, let w?)? = try? chain.shapes(from: .image(height: nil, width: nil, channels: color.channels)).last
        else { return nil }
        return [c, h, w]
    }

    /// Checks the model when its input shape is known from the file, so a wrong chain of layers
    /// fails when the file is read.
    private func checkModelWhenShapeIsKnown() throws(PipelineError) {
        guard model != nil, let shape = trainingInputShape else { return }
        try checkModel(inputShape: shape)
    }

    /// The chain of `split`, or an error listing the splits the file has.
    public func chain(_ split: String) throws(PipelineError) -> TransformChain {
        guard let chain = transforms[split] else {
            throw PipelineError(file: path, line: nil, column: nil, keyPath: "transforms",
                                message: "no split '\(split)' (the file has: \(splits.joined(separator: ", ")))")
        }
        return chain
    }
}
