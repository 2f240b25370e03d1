/// The `train` block of a pipeline file (pipelines/README.md).
public struct TrainSettings: Sendable, Equatable {
    public var epochs = 10
    public var optimizer = OptimizerSettings.rmsprop()
    public var schedule = LearningRateSchedule.constant
    /// nil: train every epoch.
    public var earlyStopping: EarlyStopping?
    /// The split evaluated after each epoch (nil: none).
    public var validationSplit: String?
    /// Write a checkpoint every this many steps within an epoch too (nil: at the end of each
    /// epoch only), so that a killed run loses at most these steps.
    public var checkpointEvery: Int?

    public init() {}
}
