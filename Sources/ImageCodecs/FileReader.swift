import Glibc
import TensorCore


/// Reads whole files into one reusable buffer, refusing anything that is not a regular file.
///
/// A FIFO is opened non-blocking and rejected by `fstat`, so a stray pipe never hangs a run;
/// the size limit is checked before reading.
public struct FileReader {
    public private(set) var bytes: [UInt8] = []
    public var maxFileBytes: Int

    public init(maxFileBytes: Int = DecodeOptions.defaultMaxFileBytes) {
        self.maxFileBytes = maxFileBytes
    }

    /// Reads the file at `path` into `bytes` (replacing what was there).
    public mutating func read(_ path: String) throws(ImageFileError) {
        // withCString: a native string lends its own bytes; the implicit conversion copied them
        // into a fresh array for every file.
        let descriptor = path.withCString { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else {
            let code = errno
            throw ImageFileError(path: path, reason: code == ELOOP ? .symlinkLoop : .unreadable(Self.describe(code)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ImageFileError(path: path, reason: .unreadable(Self.describe(errno)))
        }
        guard let kind = Self.nonRegularKind(status.st_mode) else {
            let size = Int(status.st_size)
            guard size <= maxFileBytes else {
                throw ImageFileError(path: path, reason: .tooLarge(bytes: size, limit: maxFileBytes))
            }
            try readAll(descriptor, expected: size, path: path)
            return
        }
        throw ImageFileError(path: path, reason: .notRegularFile(kind))
    }

    private mutating func readAll(_ descriptor: Int32, expected: Int, path: String) throws(ImageFileError) {
        bytes.resize(to: expected)
        var total = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while total < expected {
                let count = Glibc.read(descriptor, buffer.baseAddress! + total, expected - total)
                if count > 0 {
                    total += count
                } else if count == 0 {
                    break   // the file shrank while we read it: keep what is there
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        if failure != 0 { throw ImageFileError(path: path, reason: .unreadable(Self.describe(failure))) }
        if total < expected { bytes.removeLast(expected - total) }
    }

    /// `nil` for a regular file, else what it is.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "directory"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        case S_IFCHR, S_IFBLK: "device"
        case S_IFLNK: "symbolic link"
        default: "special file"
        }
    }

    /// strerror's text for an errno value.
    public static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
