/// The channel layout a caller wants from the decoder.
public enum ColorMode: String, Sendable, Codable, CaseIterable {
    /// The file's own: 1 channel for grayscale files, 3 for everything else (alpha dropped).
    case auto
    /// Always 3 channels, as Pillow's `convert("RGB")`.
    case rgb
    /// Always 1 channel, as Pillow's `convert("L")`.
    case gray
}

extension ColorMode {
    /// Channels of every decoded image, when the mode fixes them (nil for `auto`).
    public var channels: Int? {
        switch self {
        case .auto: nil
        case .rgb: 3
        case .gray: 1
        }
    }
}
