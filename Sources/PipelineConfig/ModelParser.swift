import ModelSpec

/// Builds the `model` and `train` blocks of a pipeline file; every op and field is
/// documented in pipelines/README.md.
enum ModelParser {
    static let ops = ["conv2d", "relu", "max_pool", "avg_pool", "global_avg_pool", "flatten", "dense", "dropout", "batch_norm"]

    static func model(_ node: ConfigNode) throws(PipelineError) -> (specs: [LayerSpec], places: [PipelineFile.Place]) {
        var specs: [LayerSpec] = []
        var places: [PipelineFile.Place] = []
        for item in try node.list() {
            let entries = try item.entries(allowed: ops, what: "layer")
            guard entries.count == 1, let (op, fields) = entries.first else {
                throw item.error("each layer is one op name, with its fields or without: e.g. '- dense: {units: 10}' or '- flatten'")
            }
            specs.append(try layer(op, fields))
            places.append(PipelineFile.Place(line: fields.node.mark?.line, column: fields.node.mark?.column, keyPath: fields.keyPath))
        }
        guard !specs.isEmpty else { throw node.error("the model needs at least one layer") }
        return (specs, places)
    }

    private static func initializer(_ node: ConfigNode?) throws(PipelineError) -> Initializer {
        try node?.choice(Initializer.self, Initializer.allCases) ?? .pytorch
    }

    private static func layer(_ op: String, _ node: ConfigNode) throws(PipelineError) -> LayerSpec {
        switch op {
        case "conv2d":
            let f = try node.fields(allowed: ["filters", "kernel", "stride", "padding", "dilation", "bias", "init"])
            guard let filters = f["filters"] else { throw node.error("conv2d needs 'filters'") }
            guard let kernel = try f["kernel"]?.size() else { throw node.error("conv2d needs 'kernel' (an integer or [height, width])") }
            var padding = ConvPadding.valid
            if let field = f["padding"] {
                switch field.node.string {
                case "valid": padding = .valid
                case "same": padding = .same
                default: padding = .explicit(try field.int(minimum: 0))
                }
            }
            return .conv2d(filters: try filters.int(minimum: 1), kernel: (kernel.height, kernel.width), stride: try f["stride"]?.int(minimum: 1) ?? 1,
                           padding: padding, dilation: try f["dilation"]?.int(minimum: 1) ?? 1, bias: try f["bias"]?.bool() ?? true,
                           initializer: try initializer(f["init"]))
        case "relu":
            _ = try node.fields(allowed: [])
            return .relu
        case "max_pool", "avg_pool":
            let f = try node.fields(allowed: ["size", "stride"])
            let size = try f["size"]?.int(minimum: 1) ?? 2
            let stride = try f["stride"]?.int(minimum: 1)
            return op == "max_pool" ? .maxPool(size: size, stride: stride) : .avgPool(size: size, stride: stride)
        case "global_avg_pool":
            _ = try node.fields(allowed: [])
            return .globalAvgPool
        case "flatten":
            _ = try node.fields(allowed: [])
            return .flatten
        case "dense":
            let f = try node.fields(allowed: ["units", "bias", "init"])
            guard let units = f["units"] else { throw node.error("dense needs 'units'") }
            return .dense(units: try units.int(minimum: 1), bias: try f["bias"]?.bool() ?? true, initializer: try initializer(f["init"]))
        case "dropout":
            let f = try node.fields(allowed: ["rate"])
            let rate = try f["rate"]?.double() ?? 0.5
            guard rate >= 0, rate < 1 else { throw (f["rate"] ?? node).error("rate is the fraction dropped, in [0, 1)") }
            return .dropout(rate: rate)
        default:
            let f = try node.fields(allowed: ["momentum", "epsilon"])
            let momentum = try f["momentum"]?.double() ?? 0.1
            let epsilon = try f["epsilon"]?.double() ?? 1e-5
            guard momentum >= 0, momentum <= 1 else { throw (f["momentum"] ?? node).error("momentum is in [0, 1] (PyTorch's meaning: the weight of the new batch)") }
            guard epsilon > 0 else { throw (f["epsilon"] ?? node).error("epsilon must be positive") }
            return .batchNorm(momentum: momentum, epsilon: epsilon)
        }
    }

    static func train(_ node: ConfigNode, splits: [String]) throws(PipelineError) -> TrainSettings {
        let f = try node.fields(allowed: ["epochs", "optimizer", "schedule", "early_stopping", "validation", "checkpoint_every"])
        var settings = TrainSettings()
        settings.epochs = try f["epochs"]?.int(minimum: 1) ?? settings.epochs
        settings.checkpointEvery = try f["checkpoint_every"]?.int(minimum: 1)
        if let optimizerNode = f["optimizer"] { settings.optimizer = try optimizer(optimizerNode) }
        if let scheduleNode = f["schedule"] { settings.schedule = try schedule(scheduleNode) }
        if let stopping = f["early_stopping"] {
            let fields = try stopping.fields(allowed: ["patience", "min_delta"])
            let minDelta = try fields["min_delta"]?.double() ?? 0
            guard minDelta >= 0 else { throw (fields["min_delta"] ?? stopping).error("min_delta must not be negative") }
            settings.earlyStopping = EarlyStopping(patience: try fields["patience"]?.int(minimum: 1) ?? 3, minDelta: minDelta)
        }
        if let validation = f["validation"] {
            let split = try validation.string()
            guard splits.contains(split) else { throw validation.error("no split '\(split)' in transforms (the file has: \(splits.joined(separator: ", ")))") }
            settings.validationSplit = split
        } else {
            settings.validationSplit = splits.contains("test") ? "test" : splits.contains("val") ? "val" : nil
        }
        if settings.earlyStopping != nil, settings.validationSplit == nil {
            throw (f["early_stopping"] ?? node).error("early stopping watches the validation loss: add a test split or 'validation: SPLIT'")
        }
        return settings
    }

    private static func optimizer(_ node: ConfigNode) throws(PipelineError) -> OptimizerSettings {
        let keys: [String: [String]] = ["sgd": ["momentum", "nesterov", "weight_decay"],
                                        "adam": ["beta1", "beta2", "epsilon", "weight_decay"],
                                        "rmsprop": ["rho", "epsilon", "momentum", "weight_decay"]]
        guard let nameNode = try node.fields(allowed: ["name", "learning_rate"] + Set(keys.values.joined()).sorted())["name"] else {
            throw node.error("optimizer needs 'name' (sgd, adam or rmsprop)")
        }
        let name = try nameNode.string()
        guard let allowed = keys[name] else { throw nameNode.error("'\(name)' is not one of: adam, rmsprop, sgd") }
        let f = try node.fields(allowed: ["name", "learning_rate"] + allowed)
        func positive(_ key: String, _ fallback: Double) throws(PipelineError) -> Double {
            guard let field = f[key] else { return fallback }
            let value = try field.double()
            guard value > 0 else { throw field.error("\(key) must be positive") }
            return value
        }
        func fraction(_ key: String, _ fallback: Double) throws(PipelineError) -> Double {
            guard let field = f[key] else { return fallback }
            let value = try field.double()
            guard value >= 0, value < 1 else { throw field.error("\(key) is in [0, 1)") }
            return value
        }
        func decay() throws(PipelineError) -> Double {
            guard let field = f["weight_decay"] else { return 0 }
            let value = try field.double()
            guard value >= 0 else { throw field.error("weight_decay must not be negative") }
            return value
        }
        switch name {
        case "sgd":
            let nesterov = try f["nesterov"]?.bool() ?? false
            let momentum = try fraction("momentum", 0)
            if nesterov, momentum == 0 { throw (f["nesterov"] ?? node).error("nesterov needs a momentum above 0") }
            return .sgd(learningRate: try positive("learning_rate", 0.01), momentum: momentum, nesterov: nesterov, weightDecay: try decay())
        case "adam":
            return .adam(learningRate: try positive("learning_rate", 0.001), beta1: try fraction("beta1", 0.9), beta2: try fraction("beta2", 0.999),
                         epsilon: try positive("epsilon", 1e-7), weightDecay: try decay())
        default:
            return .rmsprop(learningRate: try positive("learning_rate", 0.001), rho: try fraction("rho", 0.9), epsilon: try positive("epsilon", 1e-7),
                            momentum: try fraction("momentum", 0), weightDecay: try decay())
        }
    }

    private static func schedule(_ node: ConfigNode) throws(PipelineError) -> LearningRateSchedule {
        let f = try node.fields(allowed: ["name", "step_size", "gamma", "min_learning_rate"])
        guard let name = f["name"] else { throw node.error("schedule needs 'name' (constant, step or cosine)") }
        switch try name.string() {
        case "constant": return .constant
        case "step":
            guard let stepSize = f["step_size"] else { throw node.error("a step schedule needs 'step_size' (epochs)") }
            let gamma = try f["gamma"]?.double() ?? 0.1
            guard gamma > 0 else { throw (f["gamma"] ?? node).error("gamma must be positive") }
            return .step(stepSize: try stepSize.int(minimum: 1), gamma: gamma)
        case "cosine":
            let minimum = try f["min_learning_rate"]?.double() ?? 0
            guard minimum >= 0 else { throw (f["min_learning_rate"] ?? node).error("min_learning_rate must not be negative") }
            return .cosine(minimum: minimum)
        default: throw name.error("'\(name.node.string ?? "")' is not one of: constant, cosine, step")
        }
    }
}
