import Glibc
import ImageCodecs

/// Lists the image files under a folder with `readdir` (FileManager's enumerator is
/// many times slower), in torchvision's `sorted(os.walk(...))` order.
///
/// Symbolic links are followed; a link back to an ancestor folder is reported once as a loop and
/// not followed. Hidden entries (names starting with ".") are skipped, so macOS `._x.jpg`
/// resource forks and `.git` folders never count. Files whose extension is not an image
/// extension are counted in `otherFiles`, not decoded.
struct FolderWalker {
    /// Extensions of candidates: decodable ones and the image formats we name in errors.
    static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "avif",
    ]

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    private(set) var files: [String] = []
    private(set) var failures: [ImageFileError] = []
    private(set) var otherFiles = 0

    static func isImageName(_ name: some StringProtocol) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Walks `folder` recursively, appending image paths to `files`.
    mutating func walk(_ folder: String) {
        var ancestors: [(dev: UInt64, ino: UInt64)] = []
        var info = stat()
        guard stat(folder, &info) == 0 else {
            failures.append(ImageFileError(path: folder, reason: .unreadable(FileReader.describe(errno))))
            return
        }
        ancestors.append((UInt64(info.st_dev), UInt64(info.st_ino)))
        var found: [(directory: [UInt8], name: [UInt8], path: String)] = []
        visit(folder, ancestors: &ancestors, into: &found)
        // sorted(os.walk(...)): by folder path, then file name, compared as bytes.
        found.sort { $0.directory != $1.directory ? $0.directory.lexicographicallyPrecedes($1.directory)
                                                  : $0.name.lexicographicallyPrecedes($1.name) }
        files.append(contentsOf: found.map(\.path))
    }

    private mutating func visit(
        _ folder: String, ancestors: inout [(dev: UInt64, ino: UInt64)],
        into found: inout [(directory: [UInt8], name: [UInt8], path: String)]
    ) {
        guard let stream = opendir(folder) else {
            failures.append(ImageFileError(path: folder, reason: .unreadable(FileReader.describe(errno))))
            return
        }
        var subfolders: [String] = []
        let directoryBytes = Array(folder.utf8)
        while let entry = readdir(stream) {
            // Read the name in place: dirent records are variable-length, so copying the
            // 256-byte d_name field can read past the end of the last record in the buffer.
            let cName = (UnsafeRawPointer(entry) + Self.nameOffset).assumingMemoryBound(to: CChar.self)
            guard let name = String(validatingCString: cName) else {
                // Paths are Swift strings: a name that is not UTF-8 cannot be opened by its
                // repaired form, so it is reported (shown with U+FFFD) rather than misread.
                let shown = String(cString: cName)
                if !shown.hasPrefix(".") {
                    failures.append(ImageFileError(path: folder.hasSuffix("/") ? folder + shown : folder + "/" + shown,
                                                   reason: .unreadable("the name is not valid UTF-8; rename the file")))
                }
                continue
            }
            if name.hasPrefix(".") { continue }
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            var type = entry.pointee.d_type
            if type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) {
                var info = stat()
                if stat(path, &info) != 0 {
                    let code = errno
                    // A dangling or looping link: report it if it looks like an image (or loops).
                    if code == ELOOP {
                        failures.append(ImageFileError(path: path, reason: .symlinkLoop))
                    } else if Self.isImageName(name) {
                        failures.append(ImageFileError(path: path, reason: .unreadable(FileReader.describe(code))))
                    }
                    continue
                }
                type = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
            }
            if type == UInt8(DT_DIR) {
                if Self.isImageName(name) {
                    failures.append(ImageFileError(path: path, reason: .notRegularFile("directory")))
                } else {
                    subfolders.append(path)
                }
            } else if Self.isImageName(name) {
                found.append((directoryBytes, Array(name.utf8), path))   // FIFOs too: the reader reports them
            } else {
                otherFiles += 1
            }
        }
        closedir(stream)
        for subfolder in subfolders {
            var info = stat()
            guard stat(subfolder, &info) == 0 else {
                failures.append(ImageFileError(path: subfolder, reason: .unreadable(FileReader.describe(errno))))
                continue
            }
            let identity = (dev: UInt64(info.st_dev), ino: UInt64(info.st_ino))
            if ancestors.contains(where: { $0.dev == identity.dev && $0.ino == identity.ino }) {
                failures.append(ImageFileError(path: subfolder, reason: .symlinkLoop))
                continue
            }
            ancestors.append(identity)
            visit(subfolder, ancestors: &ancestors, into: &found)
            ancestors.removeLast()
        }
    }
}
