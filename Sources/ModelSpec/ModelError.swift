/// Why a model cannot be built or loaded; `layer` is the position in the `model` list.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    public let layer: Int?
    public let message: String

    public init(layer: Int?, _ message: String) {
        self.layer = layer
        self.message = message
    }

    public var description: String { layer.map { "model[\($0)]: \(message)" } ?? message }
}
