extension Array where Element: ExpressibleByIntegerLiteral & BitwiseCopyable {
    /// Sets the count, keeping the storage when it is large enough (new elements are zero).
    /// Reusable buffers use it so a worker stops allocating once sizes settle.
    @inlinable
    public mutating func resize(to count: Int) {
        if count > capacity {
            self = Array(repeating: 0, count: count)
        } else if self.count > count {
            removeLast(self.count - count)
        } else if self.count < count {
            appendZeros(count - self.count)
        }
    }

    /// Appends `count` zeros by copying a zeroed block: `append(contentsOf: repeatElement(0, ...))`
    /// goes element by element, and buffers that follow varying image sizes grow this way often.
    @inlinable
    mutating func appendZeros(_ count: Int) {
        withUnsafeTemporaryAllocation(of: Element.self, capacity: Swift.min(count, 16_384)) { zeros in
            zeros.initialize(repeating: 0)
            var remaining = count
            while remaining > 0 {
                let chunk = Swift.min(remaining, zeros.count)
                append(contentsOf: UnsafeBufferPointer(rebasing: zeros[..<chunk]))
                remaining -= chunk
            }
        }
    }
}
