import Synchronization

/// A count of finished items that workers bump and a progress display reads.
public final class ProgressCounter: Sendable {
    private let done = Atomic<Int>(0)
    public let total: Int

    public init(total: Int) {
        self.total = total
    }

    public func add(_ count: Int = 1) {
        done.add(count, ordering: .relaxed)
    }

    public var completed: Int { done.load(ordering: .relaxed) }
}
