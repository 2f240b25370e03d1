import Dispatch
import ImageCodecs
import TensorCore

/// The batches of one epoch as an `AsyncSequence`, for Swift concurrency code:
/// `for await batch in loader.asyncEpoch(3) { ... }`. Each `next()` waits for the prefetch
/// queue on a Dispatch thread, not on the caller's cooperative thread, and takes one batch, so
/// the bounded prefetch still holds back the producer. The batches are the same as `epoch(_:)`'s;
/// a cancelled task gets no more of them, and dropping the iterator stops the producer.
public struct AsyncEpochBatches: AsyncSequence, Sendable {
    public typealias Element = Batch
    let batches: EpochBatches

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(iterator: SharedIterator(batches.makeIterator()))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let iterator: SharedIterator

        public mutating func next() async -> Batch? {
            guard !Task.isCancelled else { return nil }
            let iterator = self.iterator
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: iterator.value.next()) }
            }
        }
    }

    /// The blocking iterator, taken from one thread at a time (each `next()` awaits the last).
    final class SharedIterator: @unchecked Sendable {
        let value: BatchIterator
        init(_ value: BatchIterator) { self.value = value }
    }
}

extension BatchLoader {
    /// The batches of `epoch` as an async sequence (see `AsyncEpochBatches`).
    public func asyncEpoch(_ epoch: Int, onFailure: (@Sendable (ImageFileError) -> Void)? = nil) -> AsyncEpochBatches {
        AsyncEpochBatches(batches: self.epoch(epoch, onFailure: onFailure))
    }
}
