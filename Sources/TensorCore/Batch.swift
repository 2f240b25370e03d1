/// A batch of samples: where the data pipeline and the trainer meet (DESIGN §1).
public struct Batch: Sendable, Equatable {
    /// float32 [N, C, H, W].
    public var images: Tensor
    /// One per sample; -1 for unlabelled samples.
    public var labels: [Int64]
    /// Dataset index of each sample.
    public var indices: [Int]

    public init(images: Tensor, labels: [Int64], indices: [Int]) {
        self.images = images
        self.labels = labels
        self.indices = indices
    }

    public var count: Int { labels.count }
}
