import TensorCore

/// A Keras-style table of a model: each layer's output shape, parameter count and receptive
/// field (the input window one output value sees: r += (k - 1) * dilation * jump, jump *= stride).
public struct ModelSummary: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let position: Int
        public let kind: String
        public let settings: String
        public let outputShape: [Int]
        public let parameters: Int
        /// Side of the square receptive field; nil once positions are gone (flatten, dense).
        public let receptiveField: Int?
    }

    public let inputShape: [Int]
    public let rows: [Row]

    public init(_ model: Model) {
        inputShape = model.inputShape
        var field: Int? = 1, jump = 1
        rows = model.layers.enumerated().map { position, layer in
            if let window = layer.window, let current = field {
                field = current + (window.kernel - 1) * window.dilation * jump
                jump *= window.stride
            } else if layer.outputShape.count != 3 {
                field = nil
            }
            return Row(position: position, kind: layer.kind, settings: layer.settingsDescription, outputShape: layer.outputShape,
                       parameters: layer.parameters.reduce(0) { $0 + $1.count }, receptiveField: field)
        }
    }

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }

    /// The table as text lines.
    public var lines: [String] {
        func shape(_ dimensions: [Int]) -> String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
        let header = ["#", "layer", "settings", "output shape", "params", "receptive field"]
        var table = [header]
        table.append(["", "input", "", shape(inputShape), "", ""])
        for row in rows {
            let field = row.receptiveField.map { "\($0)x\($0)" } ?? "whole input"
            table.append(["\(row.position)", row.kind, row.settings, shape(row.outputShape), row.parameters.groupedDigits, field])
        }
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        let numeric: Set<Int> = [0, 4]
        let rendered = table.map { cells in
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = String(repeating: "-", count: rendered.map(\.count).max() ?? 0)
        return [rendered[0], rule] + rendered.dropFirst() + [rule, "total parameters \(totalParameters.groupedDigits) (all trainable)"]
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
