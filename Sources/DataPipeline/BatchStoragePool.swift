import TensorCore

/// Batch tensors taken back for reuse once their consumer has let go of them. A batch of photos
/// is tens of MiB: fresh memory for each batch costs the kernel's zeroing and page faults (a
/// tenth of the feeder's time on the photos recipe), reused memory costs nothing.
///
/// Each batch handed out carries a token that the pool also holds: when the pool's reference is
/// the only one left, the consumer has dropped the batch and its storage can be written again.
/// Writing goes through `withUnsafeMutableBufferPointer`, so even a consumer that kept a copy
/// of the values array alone is safe: that write copies first, as any copy-on-write would.
/// A batch tensor being filled, with the token that tells the pool when it is free again.
typealias BatchStorage = (images: Tensor, token: BatchStorageToken)

final class BatchStoragePool: Sendable {
    private struct Entry {
        var token: BatchStorageToken
        var values: [Float]
    }

    private let entries = Locked<[Entry]>([])
    private let capacity: Int

    /// Keeps at most `capacity` batches (the prefetch depth plus the ones in use).
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A tensor of `shape` with unspecified values, on reused storage when some is free.
    func take(shape: [Int]) -> BatchStorage {
        let count = shape.reduce(1, *)
        let reused: Entry? = entries.withLock { entries in
            for index in entries.indices where isKnownUniquelyReferenced(&entries[index].token) {
                return entries.remove(at: index)   // the array is now referenced only here
            }
            return nil
        }
        guard var entry = reused, entry.values.capacity >= count else {
            return (Tensor(uninitializedShape: shape), BatchStorageToken())
        }
        entry.values.resize(to: count)
        return (Tensor(shape: shape, values: entry.values), entry.token)
    }

    /// Registers a filled batch's storage; the batch itself goes to the consumer.
    func keep(_ tensor: Tensor, token: BatchStorageToken) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeFirst() }
            entries.append(Entry(token: token, values: tensor.values))
        }
    }
}
