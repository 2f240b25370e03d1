extension Array where Element: ExpressibleByIntegerLiteral {
    /// Sets the count, keeping the storage when it is large enough (new elements are zero).
    /// Reusable buffers use it so a worker stops allocating once sizes settle.
    @inlinable
    public mutating func resize(to count: Int) {
        if count > capacity {
            self = Array(repeating: 0, count: count)
        } else if self.count > count {
            removeLast(self.count - count)
        } else if self.count < count {
            append(contentsOf: repeatElement(0, count: count - self.count))
        }
    }
}
