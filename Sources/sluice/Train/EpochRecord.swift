/// One line of `metrics.jsonl` (docs/TRAINING.md).
struct EpochRecord: Codable, Equatable {
    var epoch: Int
    var trainLoss: Double
    var trainAccuracy: Double
    var valLoss: Double?
    var valAccuracy: Double?
    var seconds: Double
    var imagesPerSecond: Double
    var learningRate: Double

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainLoss = "train_loss"
        case trainAccuracy = "train_accuracy"
        case valLoss = "val_loss"
        case valAccuracy = "val_accuracy"
        case seconds
        case imagesPerSecond = "images_per_second"
        case learningRate = "learning_rate"
    }
}
