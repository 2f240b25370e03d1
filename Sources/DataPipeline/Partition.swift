/// One rank's share of an epoch, as PyTorch's `DistributedSampler` splits it: the order is
/// padded by repeating from its start (or cut, with `dropLast`) to a multiple of the world
/// size, and rank r takes positions r, r + W, r + 2W, ...
public struct Partition: Sendable, Equatable {
    public let rank: Int
    public let worldSize: Int
    public let dropLast: Bool

    public init(rank: Int = 0, worldSize: Int = 1, dropLast: Bool = false) {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank must be in 0..<worldSize")
        self.rank = rank
        self.worldSize = worldSize
        self.dropLast = dropLast
    }

    /// Samples per rank for `count` samples.
    public func samplesPerRank(_ count: Int) -> Int {
        if dropLast && count % worldSize != 0 {
            return Int((Double(count - worldSize) / Double(worldSize)).rounded(.up))
        }
        return (count + worldSize - 1) / worldSize
    }

    /// This rank's part of `order`.
    public func apply(_ order: [Int]) -> [Int] {
        guard !order.isEmpty else { return [] }
        let total = samplesPerRank(order.count) * worldSize
        var padded = Array(order.prefix(total))
        while padded.count < total { padded += order.prefix(total - padded.count) }
        return stride(from: rank, to: total, by: worldSize).map { padded[$0] }
    }
}
