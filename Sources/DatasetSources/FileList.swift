import Foundation
import ImageCodecs

/// A text file listing one sample per line: `path [label]`.
///
/// Blank lines and lines starting with `#` are ignored. The label is the last whitespace-separated
/// field, unless the whole line names an existing file (paths with spaces need no quoting).
/// Relative paths are relative to the list's folder, so a list travels with its images.
enum FileList {
    struct Line {
        var path: String
        var label: String?
    }

    static func parse(_ listPath: String) throws(ImageFileError) -> [Line] {
        guard let data = FileManager.default.contents(atPath: listPath),
              let text = String(data: data, encoding: .utf8) else {
            throw ImageFileError(path: listPath, reason: .malformed("holds binary data or text that is not UTF-8: not an image (JPEG, PNG), an IDX file or a text file list"))
        }
        // Text has no control characters but tabs and line ends: anything else is binary data,
        // whose bytes must not become paths.
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && !["\t", "\n", "\r"].contains($0) || $0.value == 0x7F }) else {
            throw ImageFileError(path: listPath, reason: .malformed("holds binary data: not an image (JPEG, PNG), an IDX file or a text file list"))
        }
        let folder = (listPath as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        }
        var lines: [Line] = []
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if FileManager.default.fileExists(atPath: resolve(line)) {
                lines.append(Line(path: resolve(line), label: nil))
            } else if let split = line.lastIndex(where: { $0 == " " || $0 == "\t" }) {
                let path = line[..<split].trimmingCharacters(in: .whitespaces)
                lines.append(Line(path: resolve(path), label: String(line[line.index(after: split)...])))
            } else {
                lines.append(Line(path: resolve(line), label: nil))   // missing: the reader reports it
            }
        }
        return lines
    }
}
