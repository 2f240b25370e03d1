import TensorCore

/// A float32 CHW tensor in memory someone else owns: a sample's own tensor, or the sample's
/// slot in a batch, which the feeder hands to the float transforms so that the last one writes
/// the batch directly.
public struct TensorView {
    public let values: UnsafeMutableBufferPointer<Float>
    public let channels: Int
    public let height: Int
    public let width: Int

    public init(_ values: UnsafeMutableBufferPointer<Float>, channels: Int, height: Int, width: Int) {
        precondition(values.count == channels * height * width, "view size does not match its shape")
        (self.values, self.channels, self.height, self.width) = (values, channels, height, width)
    }

    public var shape: [Int] { [channels, height, width] }
}

extension Tensor {
    /// Runs `body` on a view of this [C, H, W] tensor's values.
    @inlinable
    public mutating func withView<R, E: Error>(_ body: (TensorView) throws(E) -> R) throws(E) -> R {
        let shape = self.shape
        precondition(shape.count == 3, "a view needs a [C, H, W] tensor")
        let result: Result<R, E> = values.withUnsafeMutableBufferPointer { values in
            Result { () throws(E) in try body(TensorView(values, channels: shape[0], height: shape[1], width: shape[2])) }
        }
        return try result.get()
    }
}
