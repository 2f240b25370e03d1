/// A transform that cannot run with the parameters or input it was given.
public struct TransformError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
