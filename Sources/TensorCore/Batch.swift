/// A batch of samples: where the data pipeline and the trainer meet (DESIGN §1).
public struct Batch: Sendable, Equatable {
    /// float32 [N, C, H, W].
    public var images: Tensor
    /// One per sample; -1 for unlabelled samples.
    public var labels: [Int64]
    /// Dataset index of each sample.
    public var indices: [Int]
    /// Lets the loader that made the batch reuse the storage of `images` once every copy of the
    /// batch is gone.
    package var storageToken: BatchStorageToken?

    public init(images: Tensor, labels: [Int64], indices: [Int]) {
        self.images = images
        self.labels = labels
        self.indices = indices
    }

    public var count: Int { labels.count }

    public static func == (lhs: Batch, rhs: Batch) -> Bool {
        lhs.images == rhs.images && lhs.labels == rhs.labels && lhs.indices == rhs.indices
    }
}

/// An object whose only role is to be referenced by the copies of one batch.
package final class BatchStorageToken: Sendable {
    package init() {}
}
