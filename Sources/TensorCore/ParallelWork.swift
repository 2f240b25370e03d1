import Dispatch
import Synchronization

/// Items spread over Dispatch threads: each thread takes the next item from a shared counter
/// and keeps its own state (a decoder, buffers, a partial sum) from item to item. What an item
/// gives goes to its own place, so results do not depend on the number of threads or on which
/// thread ran what.
///
/// `body` runs on several threads at once, each call for another item: it may write only what
/// belongs to its item (its slot of a batch, its place in an array) and its thread's state.
/// That is the one promise this type takes on trust, so callers may hand it pointers.
public enum ParallelWork {
    /// Runs `body` on items 0..<count over `threads` threads; the state of thread t starts as
    /// `state(t)` and is returned, in thread order, once every item is done. `body` returns
    /// false to stop its thread early (the items it has not taken are left to the others).
    @inlinable
    public static func forEach<State>(_ count: Int, threads: Int, state: (_ thread: Int) -> State,
                                      _ body: (inout State, _ item: Int) -> Bool) -> [State] {
        let threads = max(1, min(threads, count))
        let states = SlotArray<State>(count: threads)
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(state) { state in
            withoutActuallyEscaping(body) { body in
                let work = TrustedClosures(state: state, body: body)
                DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    var own = work.state(thread)
                    while true {
                        let item = next.add(1, ordering: .relaxed).oldValue
                        if item >= count || !work.body(&own, item) { break }
                    }
                    states.store(own, at: thread)
                }
            }
        }
        return states.elements.map { $0! }   // concurrentPerform has run every thread
    }

    /// `body(state, item)` for items 0..<count over `threads` threads, in item order.
    @inlinable
    public static func map<State, Value>(_ count: Int, threads: Int, state: (_ thread: Int) -> State,
                                         _ body: (inout State, _ item: Int) -> Value) -> [Value] {
        let values = SlotArray<Value>(count: count)
        _ = forEach(count, threads: threads, state: state) { own, item in
            values.store(body(&own, item), at: item)
            return true
        }
        return values.elements.map { $0! }   // every item was run
    }

    /// The caller's closures, called from the threads under the promise above.
    @usableFromInline
    struct TrustedClosures<State>: @unchecked Sendable {
        @usableFromInline let state: (Int) -> State
        @usableFromInline let body: (inout State, Int) -> Bool

        @inlinable
        init(state: @escaping (Int) -> State, body: @escaping (inout State, Int) -> Bool) {
            (self.state, self.body) = (state, body)
        }
    }
}
