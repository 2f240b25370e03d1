import Foundation

/// Where a command writes a file the user named: the folders on the way are made, and the file
/// appears whole (a temporary name, then a rename) or not at all.
enum OutputFile {
    static func write(_ data: Data, to path: String) throws(CommandFailure) {
        try makeFolder(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .usage("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Makes the folder that will hold `path`.
    static func makeFolder(for path: String) throws(CommandFailure) {
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty else { return }
        try makeFolder(folder)
    }

    static func makeFolder(_ folder: String) throws(CommandFailure) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .usage("cannot write into \(folder): it is a file, not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .usage("cannot create the folder \(folder): \(error.localizedDescription)")
        }
    }
}
