#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A value shared between threads, guarded by a pthread mutex. Swift's `Synchronization.Mutex`
/// locks with futex system calls on Linux, which ThreadSanitizer does not see, so it reports
/// every access such a mutex guards as a race; a pthread mutex it follows, so `make
/// test-sanitize` checks the locking for real.
public final class Locked<State>: @unchecked Sendable {
    private var state: State
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
