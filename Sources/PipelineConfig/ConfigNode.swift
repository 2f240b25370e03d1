import Foundation
import Yams

/// A YAML node with its place in the file, for typed reads whose errors say where.
struct ConfigNode {
    let node: Node
    let keyPath: String
    let file: String

    func error(_ message: String) -> PipelineError {
        PipelineError(file: file, line: node.mark.map { $0.line }, column: node.mark.map { $0.column },
                      keyPath: keyPath, message: message)
    }

    private func child(_ node: Node, _ key: String) -> ConfigNode {
        ConfigNode(node: node, keyPath: keyPath.isEmpty ? key : keyPath + "." + key, file: file)
    }

    /// A path: a relative one is read from the current folder when it exists there, else from
    /// the pipeline file's folder when it exists there (so a file and its data can move
    /// together), else it stays as written and the error that follows names it.
    func path() throws(PipelineError) -> String {
        let value = try string()
        let folder = (file as NSString).deletingLastPathComponent
        guard !value.hasPrefix("/"), !folder.isEmpty, !FileManager.default.fileExists(atPath: value) else { return value }
        let besideFile = (folder as NSString).appendingPathComponent(value)
        return FileManager.default.fileExists(atPath: besideFile) ? besideFile : value
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node { return scalar.tag.description.hasSuffix("null") || (scalar.string.isEmpty && scalar.style == .plain) || scalar.string == "null" || scalar.string == "~" }
        return false
    }

    /// The entries of a mapping, in file order; a key outside `allowed` is an error naming it,
    /// the closest allowed one when it looks like a typo, and the allowed ones (`what` they are:
    /// "key", or "op" in a transform list).
    func mapping(allowed: [String], what: String = "key") throws(PipelineError) -> [(key: String, value: ConfigNode)] {
        if isNull { return [] }
        guard let mapping = node.mapping else { throw error("expected a mapping of \(allowed.joined(separator: ", "))") }
        var entries: [(String, ConfigNode)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error("keys must be names") }
            guard allowed.contains(key) else {
                throw ConfigNode(node: keyNode, keyPath: keyPath.isEmpty ? key : keyPath + "." + key, file: file)
                    .unknown(key, allowed: allowed, what: what)
            }
            guard !entries.contains(where: { $0.0 == key }) else { throw child(keyNode, key).error("duplicate key") }
            entries.append((key, child(value, key)))
        }
        return entries
    }

    /// A list entry: a mapping read as `mapping(allowed:what:)` reads it, or a bare name
    /// (`- to_float`) read as that name with no fields (`- to_float: {}`).
    func entries(allowed: [String], what: String) throws(PipelineError) -> [(key: String, value: ConfigNode)] {
        guard case .scalar(let scalar) = node, !isNull else { return try mapping(allowed: allowed, what: what) }
        let name = scalar.string
        guard allowed.contains(name) else { throw unknown(name, allowed: allowed, what: what) }
        return [(name, child(.scalar(Node.Scalar("null", .implicit, .plain, scalar.mark)), name))]
    }

    /// `name` is not one of `allowed`: the error here names it, the closest allowed one when it
    /// looks like a typo, and the allowed ones.
    private func unknown(_ name: String, allowed: [String], what: String) -> PipelineError {
        let guess = Self.closest(to: name, in: allowed).map { ": did you mean '\($0)'?" } ?? ""
        return error("unknown \(what) '\(name)'\(guess) (expected one of: \(allowed.joined(separator: ", ")))")
    }

    /// A mapping as a dictionary (keys checked as in `mapping(allowed:)`).
    func fields(allowed: [String]) throws(PipelineError) -> [String: ConfigNode] {
        var result: [String: ConfigNode] = [:]
        for (key, value) in try mapping(allowed: allowed) { result[key] = value }
        return result
    }

    func list() throws(PipelineError) -> [ConfigNode] {
        guard let sequence = node.sequence else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $0.element, keyPath: "\(keyPath)[\($0.offset)]", file: file) }
    }

    /// The largest image side, crop, padding or layer width a pipeline file may ask for: sizes
    /// are checked against it before anything is allocated (65,535 is JPEG's largest side).
    static let maximumSize = 65_535

    func int(minimum: Int? = nil, maximum: Int = ConfigNode.maximumSize) throws(PipelineError) -> Int {
        guard case .scalar = node, let value = node.int else { throw error("expected an integer, got '\(node.string ?? "a collection")'") }
        if let minimum, value < minimum { throw error("must be at least \(minimum), got \(value)") }
        if value > maximum { throw error("must be at most \(maximum), got \(value)") }
        return value
    }

    func double() throws(PipelineError) -> Double {
        guard case .scalar = node, let value = node.float, value.isFinite else { throw error("expected a number, got '\(node.string ?? "a collection")'") }
        return value
    }

    func bool() throws(PipelineError) -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error("expected true or false, got '\(node.string ?? "a collection")'") }
        return value
    }

    func string() throws(PipelineError) -> String {
        guard case .scalar = node, let value = node.string, !value.isEmpty else { throw error("expected a text value") }
        return value
    }

    func choice<T: RawRepresentable>(_ type: T.Type, _ options: [T]) throws(PipelineError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text), options.contains(where: { $0.rawValue == value.rawValue }) else {
            throw error("'\(text)' is not one of: \(options.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// One number or a list of numbers.
    func doubles() throws(PipelineError) -> [Double] {
        if case .sequence = node {
            var values: [Double] = []
            for item in try list() { values.append(try item.double()) }
            guard !values.isEmpty else { throw error("expected at least one number") }
            return values
        }
        return [try double()]
    }

    /// One integer or a list of integers.
    func ints(minimum: Int? = nil, maximum: Int = ConfigNode.maximumSize) throws(PipelineError) -> [Int] {
        if case .sequence = node {
            var values: [Int] = []
            for item in try list() { values.append(try item.int(minimum: minimum, maximum: maximum)) }
            guard !values.isEmpty else { throw error("expected at least one integer") }
            return values
        }
        return [try int(minimum: minimum, maximum: maximum)]
    }

    /// A `[low, high]` range with low <= high.
    func range() throws(PipelineError) -> ClosedRange<Double> {
        let values = try doubles()
        guard values.count == 2, values[0] <= values[1] else { throw error("expected [low, high] with low <= high") }
        return values[0]...values[1]
    }

    /// `size`: one integer (both sides, or the shorter side for resize) or [height, width].
    func size() throws(PipelineError) -> (height: Int, width: Int, single: Bool) {
        let values = try ints(minimum: 1)
        switch values.count {
        case 1: return (values[0], values[0], true)
        case 2: return (values[0], values[1], false)
        default: throw error("size is one integer or [height, width]")
        }
    }

    /// The allowed name within a few edits of `name` (a third of its length, at least one).
    static func closest(to name: String, in allowed: [String]) -> String? {
        let limit = max(1, name.count / 3)
        return allowed.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= limit }.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
