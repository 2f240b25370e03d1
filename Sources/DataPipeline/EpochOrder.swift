import TensorCore

/// The sample order of an epoch: a pure function of (seed, epoch) (docs/DETERMINISM.md).
public enum EpochOrder {
    /// The generator index reserved for the epoch order; sample indices never reach it.
    static let orderIndex = UInt64.max

    /// 0..<count, shuffled (Fisher-Yates) by a generator seeded from (seed, epoch) when `shuffle`.
    public static func order(count: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [Int] {
        var order = Array(0..<count)
        guard shuffle, count > 1 else { return order }
        var generator = SampleRNG(seed: seed, epoch: UInt64(epoch), index: orderIndex)
        for position in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(position, generator.integer(upTo: position))
        }
        return order
    }
}
