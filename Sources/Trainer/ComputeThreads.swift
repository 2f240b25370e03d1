import Dispatch
import Synchronization

/// How many threads the trainer computes with, for matrix products (`MatrixProduct`) and the
/// element-wise loops between them (split over the batch). OpenBLAS itself stays on one thread
/// (`BLASLibrary`).
/// With the data pipeline decoding on the same cores, one thread is faster than two that fight
/// the workers.
public enum ComputeThreads {
    private static let count = Atomic<Int>(1)

    public static func set(_ threads: Int) {
        let threads = max(1, threads)
        count.store(threads, ordering: .relaxed)
    }

    public static var current: Int { count.load(ordering: .relaxed) }

    /// Runs `body` on contiguous chunks of `0..<total`, on up to `current` threads. Chunks
    /// must write disjoint memory; results do not depend on the thread count.
    static func forEachChunk(_ total: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = min(current, max(1, total / max(1, minimumChunk)))
        guard threads > 1 else {
            if total > 0 { body(0..<total) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                shared.value(total * part / threads..<total * (part + 1) / threads)
            }
        }
    }
}

/// A value handed to concurrent chunks that each touch their own part of it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
