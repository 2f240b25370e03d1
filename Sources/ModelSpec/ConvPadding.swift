/// How a convolution pads its input.
public enum ConvPadding: Sendable, Equatable, CustomStringConvertible {
    /// No padding.
    case valid
    /// Output size ceil(input / stride); the odd pixel of an even total goes bottom/right
    /// (Keras and PyTorch `padding="same"`).
    case same
    /// The same number of zeros on every side.
    case explicit(Int)

    public var description: String {
        switch self {
        case .valid: "valid"
        case .same: "same"
        case .explicit(let pixels): "\(pixels)"
        }
    }
}
