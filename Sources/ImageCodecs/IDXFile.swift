import CZlib

/// An IDX file (the MNIST format), plain or gzip-compressed: a magic number, big-endian
/// dimensions, then unsigned bytes. Images are `[count, rows, columns]` or
/// `[count, rows, columns, channels]`; labels are `[count]`.
public struct IDXFile: Sendable {
    public let path: String
    /// e.g. `[60000, 28, 28]`.
    public let dimensions: [Int]
    /// The payload, `dimensions` in C order.
    public let data: [UInt8]

    /// Number of records (the first dimension).
    public var count: Int { dimensions.first ?? 0 }
    /// Bytes per record.
    public var recordSize: Int { dimensions.dropFirst().reduce(1, *) }

    /// Refuses payloads over this size rather than trusting a header (8 GiB).
    public static let defaultMaxBytes = 8 << 30

    /// Reads and validates the file; a payload shorter or longer than the header says is an error.
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws(ImageFileError) -> IDXFile {
        var reader = FileReader(maxFileBytes: maxBytes)
        try reader.read(path)
        return try decode(reader.bytes, path: path, maxBytes: maxBytes)
    }

    /// The file from its bytes (plain or gzip); `path` names it in errors.
    public static func decode(_ raw: [UInt8], path: String, maxBytes: Int = defaultMaxBytes) throws(ImageFileError) -> IDXFile {
        let isGzip = raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B
        let bytes = isGzip ? try inflate(raw, path: path, maxBytes: maxBytes) : raw
        return try parse(bytes, path: path)
    }

    /// Whether the first bytes look like IDX (plain) or gzip (to be checked by `read`).
    public static func looksLikeIDX(_ prefix: some Collection<UInt8>) -> Bool {
        let bytes = Array(prefix.prefix(4))
        guard bytes.count == 4 else { return false }
        if bytes[0] == 0x1F && bytes[1] == 0x8B { return true }
        return bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && (1...4).contains(bytes[3])
    }

    static func parse(_ bytes: [UInt8], path: String) throws(ImageFileError) -> IDXFile {
        func malformed(_ message: String) -> ImageFileError {
            ImageFileError(path: path, reason: .malformed("not a valid IDX file: \(message)"))
        }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw malformed("bad magic number") }
        guard bytes[2] == 0x08 else { throw malformed("element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte") }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else { throw malformed("\(rank) dimensions") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw malformed("header is truncated") }
        var dimensions: [Int] = []
        var expected = 1
        for index in 0..<rank {
            let offset = 4 + 4 * index
            let value = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            dimensions.append(value)
            let (product, overflow) = expected.multipliedReportingOverflow(by: value)
            guard !overflow else { throw malformed("dimensions \(dimensions) overflow") }
            expected = product
        }
        let payload = bytes.count - headerSize
        guard payload == expected else {
            throw malformed("header promises \(expected) bytes of data (\(dimensions.map(String.init).joined(separator: "x"))), file has \(payload)")
        }
        return IDXFile(path: path, dimensions: dimensions, data: Array(bytes[headerSize...]))
    }

    /// Inflates gzip data (several members allowed) without trusting any declared size.
    static func inflate(_ compressed: [UInt8], path: String, maxBytes: Int) throws(ImageFileError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(maxBytes, compressed.count * 4))
        var stream = z_stream()
        let window: Int32 = 15 + 16   // gzip wrapper only
        guard inflateInit2_(&stream, window, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageFileError(path: path, reason: .malformed("zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var failure: String?
        compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while failure == nil {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > maxBytes {
                    failure = "inflates to more than \(maxBytes) bytes"
                    break
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { break }
                    inflateReset(&stream)   // another gzip member follows
                } else if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    failure = "gzip data is truncated"
                } else if status != Z_OK {
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    failure = "gzip data is corrupt (\(reason))"
                }
            }
        }
        if let failure { throw ImageFileError(path: path, reason: .malformed(failure)) }
        return output
    }
}
