/// Image container formats, told apart by their first bytes, never by the file name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png

    /// What the leading bytes of a file say it is.
    public enum Sniffed: Equatable, Sendable {
        case decodable(ImageFormat)
        /// A known image format Sluice does not decode (named, so the error can say so).
        case unsupported(String)
        case unknown
    }

    /// Identifies the format from a file's first bytes (16 are enough).
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> Sniffed {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + prefix.count else { return false }
            for (index, byte) in prefix.enumerated() where bytes[offset + index] != byte {
                return false
            }
            return true
        }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .decodable(.jpeg) }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .decodable(.png) }
        if starts(with: Array("GIF8".utf8)) { return .unsupported("GIF") }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .unsupported("WebP") }
        if starts(with: Array("BM".utf8)) && bytes.count >= 14 { return .unsupported("BMP") }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .unsupported("TIFF") }
        if starts(with: Array("ftyp".utf8), at: 4) { return .unsupported("HEIF/AVIF") }
        if starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return .unsupported("JPEG 2000")
        }
        if starts(with: [0xFF, 0x0A]) || starts(with: [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            return .unsupported("JPEG XL")
        }
        if starts(with: Array("qoif".utf8)) { return .unsupported("QOI") }
        return .unknown
    }
}
