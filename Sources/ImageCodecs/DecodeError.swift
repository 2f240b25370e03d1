/// Why bytes could not be decoded into an image. Carries no path: `ImageFileError` adds it.
public enum DecodeError: Error, Equatable, Sendable {
    case empty
    /// Neither JPEG nor PNG, nor any image format Sluice recognises.
    case unknownFormat
    /// A recognised image format that Sluice does not decode.
    case unsupportedFormat(String)
    /// The library rejected the data; the message is libjpeg's or libpng's.
    case corrupt(ImageFormat, String)
    /// A recoverable problem (libjpeg warning, libpng benign error or CRC), fatal unless lenient.
    case recoverable(ImageFormat, String)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case tooManyScans(limit: Int)
    /// Valid data with a layout that has no gray or RGB meaning (e.g. a 2-component JPEG).
    case unsupportedLayout(ImageFormat, String)
    case outOfMemory

    /// A short stable code for machine-readable reports.
    public var kind: String {
        switch self {
        case .empty: "empty"
        case .unknownFormat: "unknown_format"
        case .unsupportedFormat: "unsupported_format"
        case .corrupt: "corrupt"
        case .recoverable: "recoverable"
        case .tooManyPixels: "too_many_pixels"
        case .tooManyScans: "too_many_scans"
        case .unsupportedLayout: "unsupported_layout"
        case .outOfMemory: "out_of_memory"
        }
    }
}

extension DecodeError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty:
            "empty file"
        case .unknownFormat:
            "not a JPEG or PNG file (unrecognised content)"
        case .unsupportedFormat(let name):
            "\(name) images are not supported (convert to PNG or JPEG)"
        case .corrupt(let format, let message):
            "corrupt \(format.rawValue.uppercased()): \(message)"
        case .recoverable(let format, let message):
            "damaged \(format.rawValue.uppercased()): \(message) (--lenient accepts it)"
        case .tooManyPixels(let width, let height, let limit):
            "image is \(width)x\(height), over the limit of \(limit) pixels (--max-pixels changes it)"
        case .tooManyScans(let limit):
            "progressive JPEG with more than \(limit) scans"
        case .unsupportedLayout(let format, let message):
            "unsupported \(format.rawValue.uppercased()): \(message)"
        case .outOfMemory:
            "out of memory while decoding"
        }
    }
}

/// A file that could not be used, with the reason. Every per-file failure in Sluice is one.
public struct ImageFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case decode(DecodeError)
        /// open/read failed; the message is strerror's.
        case unreadable(String)
        /// A directory, FIFO, socket or device where an image file was expected.
        case notRegularFile(String)
        case tooLarge(bytes: Int, limit: Int)
        case symlinkLoop
        /// A record of an IDX file or a line of a file list that is malformed.
        case malformed(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var kind: String {
        switch reason {
        case .decode(let error): error.kind
        case .unreadable: "unreadable"
        case .notRegularFile: "not_a_file"
        case .tooLarge: "file_too_large"
        case .symlinkLoop: "symlink_loop"
        case .malformed: "malformed"
        }
    }

    /// The reason alone, without the path.
    public var message: String {
        switch reason {
        case .decode(let error): error.description
        case .unreadable(let message): "cannot read: \(message)"
        case .notRegularFile(let kind): "is a \(kind), not an image file"
        case .tooLarge(let bytes, let limit): "file is \(bytes) bytes, over the limit of \(limit)"
        case .symlinkLoop: "symbolic link loop"
        case .malformed(let message): message
        }
    }

    public var description: String { "\(path): \(message)" }
}
