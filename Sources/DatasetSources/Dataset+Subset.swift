extension Dataset {
    /// Samples rank, rank + worldSize, rank + 2 worldSize, ... of this dataset, as a view: the
    /// ranks of a world together cover every sample exactly once (statistics and shards must
    /// not repeat samples, as training partitions do). Listing failures and the count of
    /// skipped files stay with rank 0 only, so merged results count them once.
    public func strided(rank: Int, worldSize: Int) -> Dataset {
        precondition(worldSize >= 1 && (0..<worldSize).contains(rank), "rank must be in 0..<worldSize")
        guard worldSize > 1 else { return self }
        let chosen = stride(from: rank, to: count, by: worldSize).map { selection?[$0] ?? $0 }
        return Dataset(parts: parts, classes: classes, listingFailures: rank == 0 ? listingFailures : [],
                       otherFiles: rank == 0 ? otherFiles : 0, selection: chosen)
    }
}

extension Dataset {
    /// Where sample `position` of this view is in the whole listing (the same in every rank's
    /// view), so that results of parts can be put back in one run's order.
    public func listingIndex(of position: Int) -> Int { selection?[position] ?? position }
}

extension Dataset {
    /// The first `count` samples, as a view (short training runs, quick checks).
    public func prefix(_ count: Int) -> Dataset {
        guard count < self.count else { return self }
        return Dataset(parts: parts, classes: classes, listingFailures: listingFailures, otherFiles: otherFiles,
                       selection: (0..<max(0, count)).map { selection?[$0] ?? $0 })
    }
}
