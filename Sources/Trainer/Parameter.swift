/// A learnable tensor and its gradient, in PyTorch's layout (conv weights [F, C, kh, kw],
/// dense weights [out, in]), so checkpoints load into PyTorch by name.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    /// dL/dvalue of the last backward pass (overwritten by each pass, not accumulated).
    public var gradient: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *), "parameter \(name): value count does not match \(shape)")
        self.name = name
        self.shape = shape
        self.value = value
        gradient = Array(repeating: 0, count: value.count)
    }

    public var count: Int { value.count }
}
