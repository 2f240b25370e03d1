/// The `train` block of a pipeline file (pipelines/README.md).
public struct TrainSettings: Sendable, Equatable {
    public var epochs = 10
    public var optimizer = OptimizerSettings.rmsprop()
    public var schedule = LearningRateSchedule.constant
    /// nil: train every epoch.
    public var earlyStopping: EarlyStopping?
    /// The split evaluated after each epoch (nil: none).
    public var validationSplit: String?

    public init() {}
}
