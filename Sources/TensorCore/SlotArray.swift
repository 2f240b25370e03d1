/// A fixed number of optional slots that threads fill concurrently, each writing only its own
/// slots. Pointer-backed: assigning elements of a shared Swift array from several threads is a
/// race on the array itself (ThreadSanitizer reports it), even when the elements differ.
/// Inlinable, so each element type gets specialized code: a generic store looks up the type's
/// metadata and copies through value witnesses, a cost that shows at a million samples a second.
public final class SlotArray<Element>: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Element?>
    public let count: Int

    @inlinable public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// Fills slot `index`; call from one thread per slot.
    @inlinable public func store(_ element: Element, at index: Int) {
        precondition(index >= 0 && index < count, "slot \(index) out of 0..<\(count)")
        storage[index] = element
    }

    /// Every slot, after the writers have finished (e.g. after concurrentPerform returns).
    @inlinable public var elements: [Element?] { Array(UnsafeBufferPointer(start: storage, count: count)) }
}
