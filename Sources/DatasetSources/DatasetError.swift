/// A dataset that cannot be listed at all: a usage problem, not a bad sample.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case unsupportedInput(String, String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "\(path): no such file or folder"
        case .unsupportedInput(let path, let reason):
            "\(path): \(reason)"
        }
    }
}
