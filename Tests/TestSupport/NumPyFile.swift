import Foundation

/// Reads NumPy `.npy` files (format 1.0, little-endian, C order): uint8, float32 or int64.
public struct NumPyFile {
    public enum Values {
        case uint8([UInt8])
        case float32([Float])
        case int64([Int64])
    }

    public let shape: [Int]
    public let values: Values

    public init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let payload = Array(bytes[(10 + headerLength)...])
        func load<T>(_ type: T.Type) -> [T] {
            payload.withUnsafeBytes { raw in (0..<(payload.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
        }
        if header.contains("'|u1'") {
            values = .uint8(payload)
        } else if header.contains("'<f4'") {
            values = .float32(load(Float.self))
        } else if header.contains("'<i8'") {
            values = .int64(load(Int64.self))
        } else {
            throw CocoaError(.fileReadUnsupportedScheme)
        }
    }

    public var uint8: [UInt8] { if case .uint8(let v) = values { return v }; return [] }
    public var float32: [Float] { if case .float32(let v) = values { return v }; return [] }
    public var int64: [Int64] { if case .int64(let v) = values { return v }; return [] }
}
