import Foundation

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
/// Python (`safetensors`, numpy, PyTorch, JAX) and mlx read these files directly.
public struct SafetensorsFile: Sendable, Equatable {
    public enum DType: String, Sendable, Equatable {
        case float32 = "F32"
        case uint8 = "U8"
        case int64 = "I64"

        public var byteSize: Int {
            switch self {
            case .float32: 4
            case .uint8: 1
            case .int64: 8
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Little-endian element bytes, C order.
        public let bytes: [UInt8]

        public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.byteSize, "\(name): byte count does not match \(shape)")
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public init(name: String, shape: [Int], floats: [Float]) {
            self.init(name: name, dtype: .float32, shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
        }

        /// The values of a float32 entry.
        public var floats: [Float] {
            precondition(dtype == .float32, "\(name) is \(dtype.rawValue), not F32")
            return bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        }
    }

    public var entries: [Entry]
    /// `__metadata__`: text keys and values.
    public var metadata: [String: String]

    public init(entries: [Entry], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The file's bytes: header padded with spaces to a multiple of 8, tensors in entry order.
    public func encoded() -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for entry in entries {
            header[entry.name] = ["dtype": entry.dtype.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
            offset += entry.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        // JSONSerialization cannot fail on strings, numbers and arrays of them.
        var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
        json += Array(repeating: UInt8(ascii: " "), count: (8 - (8 + json.count) % 8) % 8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for entry in entries { bytes += entry.bytes }
        return bytes
    }

    /// Where each tensor lies in a file: what a reader of a memory-mapped file needs.
    public struct Layout: Sendable, Equatable {
        public struct Tensor: Sendable, Equatable {
            public let name: String
            public let dtype: DType
            public let shape: [Int]
            /// Byte range within the whole file.
            public let range: Range<Int>
        }

        /// In file order.
        public let tensors: [Tensor]
        public let metadata: [String: String]

        public func tensor(_ name: String) -> Tensor? { tensors.first { $0.name == name } }
    }

    /// Reads the header of a file's bytes, checking that every tensor lies inside the data,
    /// matches its shape, and that the tensors cover the data without gaps or overlaps.
    public static func layout(of bytes: UnsafeRawBufferPointer) throws(SafetensorsError) -> Layout {
        guard bytes.count >= 8 else { throw SafetensorsError("shorter than its 8-byte header length") }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(bytes.count - 8) else { throw SafetensorsError("header length \(headerLength) runs past the end") }
        let dataStart = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])), let header = object as? [String: Any] else {
            throw SafetensorsError("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [Layout.Tensor] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: String] else { throw SafetensorsError("__metadata__ must map text to text") }
                metadata = fields
                continue
            }
            guard let fields = value as? [String: Any], let dtypeName = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2 else {
                throw SafetensorsError("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw SafetensorsError("tensor '\(name)': unsupported dtype \(dtypeName)") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], dataStart + offsets[1] <= bytes.count else {
                throw SafetensorsError("tensor '\(name)': bad shape or offsets")
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, count * dtype.byteSize == offsets[1] - offsets[0] else {
                throw SafetensorsError("tensor '\(name)': \(offsets[1] - offsets[0]) bytes do not hold \(dtypeName) \(shape)")
            }
            tensors.append(Layout.Tensor(name: name, dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1])))
        }
        tensors.sort { $0.range.lowerBound < $1.range.lowerBound }
        var expected = dataStart
        for tensor in tensors {
            guard tensor.range.lowerBound == expected else { throw SafetensorsError("tensor '\(tensor.name)' leaves a gap or overlaps another") }
            expected = tensor.range.upperBound
        }
        guard expected == bytes.count else { throw SafetensorsError("\(bytes.count - expected) bytes after the last tensor") }
        return Layout(tensors: tensors, metadata: metadata)
    }

    /// Reads a whole file's bytes (see `layout(of:)` for the checks).
    public init(decoding bytes: [UInt8]) throws(SafetensorsError) {
        let layout = try bytes.withUnsafeBytes { raw in Result { () throws(SafetensorsError) in try Self.layout(of: raw) } }.get()
        self.init(entries: layout.tensors.map { Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: Array(bytes[$0.range])) },
                  metadata: layout.metadata)
    }
}

/// Why bytes are not a valid safetensors file.
public struct SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "not a valid safetensors file: \(message)" }
}
