import TensorCore

/// The workers of finished epochs, kept for the next one. Epochs that run at the same time
/// each get their own workers.
final class IdleWorkers: Sendable {
    private let workers = Locked<[Worker]>([])

    /// `count` workers: idle ones first, then new ones from `make`.
    func take(_ count: Int, make: () -> Worker) -> [Worker] {
        var taken = workers.withLock { idle in
            let reused = Array(idle.suffix(count))
            idle.removeLast(reused.count)
            return reused
        }
        while taken.count < count { taken.append(make()) }
        return taken
    }

    func give(_ finished: [Worker]) {
        workers.withLock { $0 += finished }
    }
}
