import Foundation
import Glibc
import ImageCodecs

extension Dataset {
    /// Lists the samples of the given paths, in argument order. Each path is:
    /// - a folder: images found recursively; when the folder holds only sub-folders, each is a
    ///   class (sorted by name, as torchvision's `ImageFolder`);
    /// - an IDX file, plain or gzip (labels found beside it by MNIST's naming);
    /// - an image (by content, or by extension when the content is damaged);
    /// - otherwise a text file list of `path [label]` lines.
    public static func listing(_ paths: [String]) throws(DatasetError) -> Dataset {
        try listing(paths.map { Input.path($0) })
    }

    /// What to list: a path (as above), or an IDX images file with an explicit labels file.
    public enum Input: Sendable, Equatable {
        case path(String)
        case idx(images: String, labels: String?)
    }

    public static func listing(_ inputs: [Input]) throws(DatasetError) -> Dataset {
        var builder = Builder()
        for input in inputs {
            switch input {
            case .idx(let images, let labels):
                do {
                    builder.pending.append(.idx(try IDXImageSet(imagesPath: images, labelsPath: labels)))
                } catch {
                    builder.failures.append(error)
                }
            case .path(let path):
                var info = stat()
                guard stat(path, &info) == 0 else {
                    let code = errno
                    if code == ENOENT || code == ENOTDIR { throw .notFound(path) }
                    throw .unsupportedInput(path, code == ELOOP ? "symbolic link loop" : FileReader.describe(code))
                }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    builder.addFolder(path)
                } else {
                    try builder.addFile(path)
                }
            }
        }
        return builder.build()
    }

    /// Accumulates parts with label names; numbers labels once every name is known.
    private struct Builder {
        enum PendingPart {
            case files([(path: String, className: String?)])
            case idx(IDXImageSet)
        }
        var pending: [PendingPart] = []
        var failures: [ImageFileError] = []
        var otherFiles = 0
        var folderClasses: Set<String> = []

        mutating func addFolder(_ folder: String) {
            let classFolders = Self.classFolders(of: folder)
            var entries: [(path: String, className: String?)] = []
            var walker = FolderWalker()
            if let classFolders {
                for name in classFolders {
                    let before = walker.files.count
                    walker.walk((folder as NSString).appendingPathComponent(name))
                    entries += walker.files[before...].map { ($0, name) }
                    folderClasses.insert(name)
                }
            } else {
                walker.walk(folder)
                entries = walker.files.map { ($0, nil) }
            }
            failures += walker.failures
            otherFiles += walker.otherFiles
            pending.append(.files(entries))
        }

        mutating func addFile(_ path: String) throws(DatasetError) {
            let prefix = Self.prefix(of: path)
            let sniffed = prefix.withUnsafeBytes { ImageFormat.sniff($0) }
            if sniffed != .unknown || prefix.isEmpty || FolderWalker.isImageName((path as NSString).lastPathComponent) {
                // Images, and empty, unreadable or damaged ones: decoding says what is wrong.
                pending.append(.files([(path, nil)]))
            } else if IDXFile.looksLikeIDX(prefix) || prefix.starts(with: [0, 0]) || prefix.first == 0 && prefix.count < 4 {
                // IDX files start 00 00 08 0N: one that starts with a zero is read as IDX, so a
                // damaged one says what is wrong with it rather than not being text.
                do {
                    pending.append(.idx(try IDXImageSet(imagesPath: path)))
                } catch {
                    failures.append(error)
                }
            } else if ["yaml", "yml", "json"].contains((path as NSString).pathExtension.lowercased()) {
                throw .unsupportedInput(path, "a pipeline file: read it with PipelineConfig and list its source")
            } else {
                do {
                    pending.append(.files(try FileList.parse(path).map { ($0.path, $0.label) }))
                } catch {
                    failures.append(error)
                }
            }
        }

        /// Sorted class folder names when `folder` holds sub-folders and no images of its own.
        static func classFolders(of folder: String) -> [String]? {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
            var classes: [String] = []
            for name in names where !name.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                let path = (folder as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    if !FolderWalker.isImageName(name) { classes.append(name) }
                } else if FolderWalker.isImageName(name) {
                    return nil
                }
            }
            return classes.isEmpty ? nil : classes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }

        /// The first 16 bytes of a regular file (fewer if it is shorter; none if unreadable).
        /// Opened non-blocking, so a FIFO given by mistake does not hang the listing.
        static func prefix(of path: String) -> [UInt8] {
            let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { return [] }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return [] }
            var bytes = [UInt8](repeating: 0, count: 16)
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, 16) }
            return Array(bytes.prefix(max(0, count)))
        }

        func build() -> Dataset {
            // Class names: sorted folder names, or numbers when every name is one.
            var names: Set<String> = folderClasses
            var hasIDXLabels = false
            for part in pending {
                switch part {
                case .files(let entries): for entry in entries { if let name = entry.className { names.insert(name) } }
                case .idx(let set): hasIDXLabels = hasIDXLabels || set.labels != nil
                }
            }
            let numeric = names.allSatisfy { Int($0).map { $0 >= 0 } ?? false }
            var classes: [String]
            var labelOf: [String: Int] = [:]
            if numeric {
                var maximum = names.compactMap { Int($0) }.max() ?? -1
                for part in pending { if case .idx(let set) = part, let labels = set.labels { maximum = max(maximum, Int(labels.max() ?? 0)) } }
                classes = (0...max(maximum, 0)).map(String.init)
                if maximum < 0 && !hasIDXLabels { classes = [] }
                for name in names { labelOf[name] = Int(name) }
            } else {
                classes = names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                for (label, name) in classes.enumerated() { labelOf[name] = label }
            }
            let parts: [Dataset.Part] = pending.map { part in
                switch part {
                case .files(let entries):
                    .files(entries.map { FileEntry(path: $0.path, label: $0.className.flatMap { labelOf[$0] }) })
                case .idx(let set):
                    .idx(set)
                }
            }
            return Dataset(parts: parts, classes: classes, listingFailures: failures, otherFiles: otherFiles)
        }
    }
}
