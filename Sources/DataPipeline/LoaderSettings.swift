/// How batches are formed and fed (the `loader` block of a pipeline file, plus the seed and
/// the rank's partition).
public struct LoaderSettings: Sendable, Equatable {
    public var batchSize: Int
    public var shuffle: Bool
    /// Drop a last, smaller batch (and cut the epoch to a multiple of the world size).
    public var dropLast: Bool
    public var workers: Int
    /// Batches prepared ahead of the consumer; memory stays at about this many batches.
    public var prefetch: Int
    public var seed: UInt64
    public var rank: Int
    public var worldSize: Int

    public init(batchSize: Int = 128, shuffle: Bool = true, dropLast: Bool = false, workers: Int = 2, prefetch: Int = 4,
                seed: UInt64 = 0, rank: Int = 0, worldSize: Int = 1) {
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.workers = workers
        self.prefetch = prefetch
        self.seed = seed
        self.rank = rank
        self.worldSize = worldSize
    }
}
