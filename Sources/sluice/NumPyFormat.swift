import Foundation

/// Writes NumPy `.npy` files (format 1.0, little-endian, C order), so Python sees exactly what
/// a transform chain produced: `numpy.load("00000.npy")`.
enum NumPyFormat {
    static func encode(shape: [Int], descriptor: String, payload: Data) -> Data {
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        // Pad with spaces so the data starts at a multiple of 64, ending in a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }

    static func uint8(shape: [Int], values: [UInt8]) -> Data {
        encode(shape: shape, descriptor: "|u1", payload: Data(values))
    }

    static func float32(shape: [Int], values: [Float]) -> Data {
        encode(shape: shape, descriptor: "<f4", payload: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }
}
