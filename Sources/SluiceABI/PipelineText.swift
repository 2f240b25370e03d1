import PipelineConfig

/// A pipeline given to the C ABI as a file path, or as text (with an optional path that names
/// it in messages and anchors its relative paths).
enum PipelineText {
    static func load(path: String?, text: String?) throws -> PipelineFile {
        if let text { return try PipelineFile.parse(text, path: path ?? "<pipeline text>") }
        guard let path else { throw ABIFailure.argument("give a pipeline file path or pipeline text") }
        return try PipelineFile.load(path)
    }

    static func load(path: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?) throws -> PipelineFile {
        try load(path: path.map { String(cString: $0) }, text: text.map { String(cString: $0) })
    }
}
