import Dispatch
import Synchronization
import TensorCore

/// A bounded, in-order hand-off of batches from one producer to one consumer.
final class PrefetchQueue: Sendable {
    private struct State {
        var batches: [Batch] = []
        var finished = false
    }
    private let state = Locked(State())
    /// Free places; the producer waits on it before making a batch.
    private let space: DispatchSemaphore
    /// Batches ready (and one extra signal when finished).
    private let items = DispatchSemaphore(value: 0)
    private let cancelled = Atomic<Bool>(false)

    init(capacity: Int) {
        // Start at 0 and signal up: libdispatch traps if a semaphore is freed while its value
        // is below the value it was created with, which an early stop leaves `space` at.
        space = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { space.signal() }
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Producer: waits for a free place; false once the consumer has gone.
    func reserve() -> Bool {
        space.wait()
        return !isCancelled
    }

    func put(_ batch: Batch) {
        state.withLock { $0.batches.append(batch) }
        items.signal()
    }

    func finish() {
        state.withLock { $0.finished = true }
        items.signal()
    }

    /// Consumer: the next batch, or nil when the epoch is over.
    func take() -> Batch? {
        items.wait()
        return takeReady()
    }

    /// Consumer: the next batch, nil when the epoch is over, or `.timedOut` when neither came
    /// by `deadline`.
    func take(before deadline: DispatchTime) -> BatchWait {
        guard items.wait(timeout: deadline) == .success else { return .timedOut }
        return takeReady().map { .batch($0) } ?? .finished
    }

    /// After a successful wait on `items`: a batch, or nil when finished.
    private func takeReady() -> Batch? {
        let batch = state.withLock { state -> Batch? in
            state.batches.isEmpty ? nil : state.batches.removeFirst()
        }
        if batch != nil {
            space.signal()
        } else {
            items.signal()   // finished: later calls return nil at once too
        }
        return batch
    }

    /// Consumer gone: wake a producer waiting for space so it can stop.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
        space.signal()
    }
}
