/// A pipeline file that cannot be used: the file, the place in it, the key path and why.
public struct PipelineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// 1-based line and column, when the YAML parser knows them.
    public let line: Int?
    public let column: Int?
    /// Where in the document, e.g. `transforms.train[1].random_crop.padding`.
    public let keyPath: String
    public let message: String

    public var description: String {
        let place = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return "\(file)\(place): \(keyPath.isEmpty ? "" : keyPath + ": ")\(message)"
    }
}
