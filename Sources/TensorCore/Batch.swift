/// A batch of samples: where the data pipeline and the trainer meet (docs/ARCHITECTURE.md).
public struct Batch: Sendable, Equatable {
    /// float32 [N, C, H, W]; or, when `pixelShape` is set, the storage of the uint8 pixels.
    public var images: Tensor
    /// uint8 [N, H, W, C], for a loader whose transforms stop before `to_float`: the pixels are
    /// packed in the storage of `images`, byte k of it being value k (`withPixels`).
    public var pixelShape: [Int]?
    /// One per sample; -1 for unlabelled samples.
    public var labels: [Int64]
    /// Soft targets float32 [N, classes] when the split mixes samples (mixup, cutmix); `labels`
    /// then keep each sample's own label.
    public var targets: Tensor?
    /// Dataset index of each sample.
    public var indices: [Int]
    /// The loader's place in this rank's share of the epoch after this batch (its last sample's
    /// place + 1, failed samples counted): where a resumed epoch goes on from.
    public var sharePosition = 0
    /// Lets the loader that made the batch reuse the storage of `images` once every copy of the
    /// batch is gone.
    package var storageToken: BatchStorageToken?

    public init(images: Tensor, labels: [Int64], indices: [Int]) {
        self.images = images
        self.labels = labels
        self.indices = indices
    }

    public var count: Int { labels.count }

    /// The uint8 pixels of a `pixelShape` batch ([N, H, W, C], row-major).
    public func withPixels<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let count = pixelShape?.reduce(1, *) ?? 0
        return try images.values.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
    }

    public static func == (lhs: Batch, rhs: Batch) -> Bool {
        lhs.images == rhs.images && lhs.pixelShape == rhs.pixelShape && lhs.labels == rhs.labels && lhs.targets == rhs.targets
            && lhs.indices == rhs.indices
    }
}

/// An object whose only role is to be referenced by the copies of one batch.
package final class BatchStorageToken: Sendable {
    package init() {}
}
