/// Why a benchmark cannot run: a missing or unreadable input, named, with what to give instead.
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
