import CSluiceABI
import DataPipeline
import Dispatch
import ImageCodecs
import Foundation
import TensorCore

/// One epoch opened through the C ABI: its batch iterator, and the bad files its workers met,
/// kept for `sluice_epoch_failure` (skip) or turned into the error that ends it (fail).
final class EpochHandle {
    private var iterator: BatchIterator?
    private let failures: FailureList
    private let failOnError: Bool
    /// The state when the iterator was dropped.
    private var stoppedState: LoaderState

    /// The state after the batches handed out so far: made when asked (or when the iterator is
    /// dropped), not with every batch.
    var state: LoaderState { iterator?.state ?? stoppedState }

    /// `epoch` from its start, or the rest of the epoch `resuming` was saved in.
    init(_ handle: LoaderHandle, epoch: Int, resuming: LoaderState? = nil) throws {
        let failures = FailureList()
        self.failures = failures
        failOnError = handle.failOnError
        let batches = try resuming.map { try handle.loader.epoch(resuming: $0) { failures.append($0) } }
            ?? handle.loader.epoch(epoch) { failures.append($0) }
        let iterator = batches.makeIterator()
        self.iterator = iterator
        stoppedState = iterator.state
    }

    /// The next batch, nil at the end, or `.timedOut`; under fail, the first bad file ends the
    /// epoch with its error.
    func next(timeoutMilliseconds: Int32) throws -> BatchWait {
        guard let iterator else { return .finished }
        let wait: BatchWait
        if timeoutMilliseconds < 0 {
            wait = iterator.next().map { .batch($0) } ?? .finished
        } else {
            wait = iterator.next(before: .now() + .milliseconds(Int(timeoutMilliseconds)))
        }
        if failOnError, let failure = failures.takeFirst() {
            stop()
            failures.removeAll()   // the epoch ends at the first: the others are not skipped
            throw failure
        }
        if case .finished = wait { stop() }
        return wait
    }

    func takeFailure() -> ImageFileError? { failures.takeFirst() }

    /// Stops the producer and waits for its workers (the iterator's deinit does both).
    func stop() {
        if let iterator { stoppedState = iterator.state }
        iterator = nil
    }
}

/// Bad files reported by the workers, oldest first.
final class FailureList: Sendable {
    private let list = Locked<[ImageFileError]>([])

    func append(_ failure: ImageFileError) { list.withLock { $0.append(failure) } }

    func removeAll() { list.withLock { $0.removeAll() } }

    func takeFirst() -> ImageFileError? {
        list.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}

@_cdecl("sluice_loader_epoch")
public func sluice_loader_epoch(_ loader: OpaquePointer?, _ epoch: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ABI.call {
        guard let loader, let out else { throw ABIFailure.argument("loader or epoch is NULL") }
        out.pointee = nil
        guard epoch >= 0 else { throw ABIFailure.argument("epoch \(epoch) is negative") }
        out.pointee = ABI.retain(try EpochHandle(ABI.object(loader, as: LoaderHandle.self), epoch: Int(epoch)))
        return Int32(SLUICE_OK)
    }
}

@_cdecl("sluice_loader_resume")
public func sluice_loader_resume(_ loader: OpaquePointer?, _ state: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ABI.call {
        guard let loader, let out else { throw ABIFailure.argument("loader or epoch is NULL") }
        out.pointee = nil
        let saved = try LoaderStateJSON.decode(try ABI.string(state, "state"))
        do {
            out.pointee = ABI.retain(try EpochHandle(ABI.object(loader, as: LoaderHandle.self), epoch: saved.epoch, resuming: saved))
        } catch let error as LoaderStateError {
            throw ABIFailure.argument(error.message)
        }
        return Int32(SLUICE_OK)
    }
}

@_cdecl("sluice_epoch_state")
public func sluice_epoch_state(_ epoch: OpaquePointer?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ABI.call {
        guard let epoch, let json else { throw ABIFailure.argument("epoch or json is NULL") }
        json.pointee = ABI.copy(try LoaderStateJSON.encode(ABI.object(epoch, as: EpochHandle.self).state))
        return Int32(SLUICE_OK)
    }
}

@_cdecl("sluice_states_merge")
public func sluice_states_merge(_ states: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int64,
                                _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ABI.call {
        guard let states, let json, count > 0 else { throw ABIFailure.argument("no states, or json is NULL") }
        json.pointee = nil
        let parsed = try (0..<Int(count)).map { try LoaderStateJSON.decode(try ABI.string(states[$0], "state \($0)")) }
        let merged: LoaderState
        do {
            merged = try LoaderState.merged(parsed)
        } catch let error as LoaderStateError {
            throw ABIFailure.argument(error.message)
        }
        json.pointee = ABI.copy(try LoaderStateJSON.encode(merged))
        return Int32(SLUICE_OK)
    }
}

/// States as the C ABI and Python pass them: JSON text.
enum LoaderStateJSON {
    static func decode(_ text: String) throws(ABIFailure) -> LoaderState {
        do {
            return try JSONDecoder().decode(LoaderState.self, from: Data(text.utf8))
        } catch {
            throw .argument("not a loader state (a state_dict of sluice.Loader): \(error)")
        }
    }

    static func encode(_ state: LoaderState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }
}

@_cdecl("sluice_epoch_next")
public func sluice_epoch_next(_ epoch: OpaquePointer?, _ timeoutMilliseconds: Int32, _ out: UnsafeMutablePointer<UnsafeMutablePointer<sluice_batch>?>?) -> Int32 {
    ABI.call {
        guard let epoch, let out else { throw ABIFailure.argument("epoch or batch is NULL") }
        out.pointee = nil
        switch try ABI.object(epoch, as: EpochHandle.self).next(timeoutMilliseconds: timeoutMilliseconds) {
        case .batch(let batch):
            out.pointee = BatchHandle(batch).view
            return Int32(SLUICE_OK)
        case .finished: return Int32(SLUICE_END)
        case .timedOut: return Int32(SLUICE_TIMEOUT)
        }
    }
}

@_cdecl("sluice_epoch_failure")
public func sluice_epoch_failure(_ epoch: OpaquePointer?, _ path: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ reason: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let epoch, let failure = ABI.object(epoch, as: EpochHandle.self).takeFailure() else { return 0 }
    path?.pointee = ABI.copy(failure.path)
    reason?.pointee = ABI.copy(failure.message)
    return 1
}

@_cdecl("sluice_epoch_close")
public func sluice_epoch_close(_ epoch: OpaquePointer?) {
    guard let epoch else { return }
    ABI.object(epoch, as: EpochHandle.self).stop()
    ABI.release(epoch, as: EpochHandle.self)
}
