/// A float32 tensor in C order (`[C, H, W]` for one sample, `[N, C, H, W]` for a batch).
///
/// Like `Image`, its members are `@inlinable` so kernels get specialised code, and `reshape`
/// keeps storage so a worker can reuse one tensor per sample.
@frozen
public struct Tensor: Sendable, Equatable {
    @usableFromInline var storedShape: [Int]
    /// Elements in C order.
    public var values: [Float]

    @inlinable public var shape: [Int] { storedShape }

    @inlinable
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension")
        precondition(values.count == shape.reduce(1, *), "value count does not match shape \(shape)")
        storedShape = shape
        self.values = values
    }

    @inlinable
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, values: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor whose values are unspecified until written: for buffers that are filled
    /// completely anyway (a batch's slots), skipping the zeroing pass. Large ones ask for huge
    /// pages, so that the first writes fault less.
    @inlinable
    public init(uninitializedShape shape: [Int]) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, values: Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        })
    }

    @inlinable
    public init() {
        self.init(shape: [0], values: [])
    }

    /// Changes the shape, keeping storage capacity; values are unspecified after.
    @inlinable
    public mutating func reshape(_ shape: [Int]) {
        values.resize(to: shape.reduce(1, *))
        if storedShape != shape { storedShape = shape }
    }

    @inlinable public var count: Int { values.count }
}
