import CSluiceCodecs
import TensorCore

/// Why an image could not be encoded.
public struct EncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { "cannot encode image: \(message)" }
}

/// PNG and JPEG encoding to memory (previews, benchmark sets, test fixtures).
public enum ImageEncoder {
    /// Encodes 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) as PNG.
    public static func png(_ image: Image<UInt8>, compressionLevel: Int = 6) throws(EncodeError) -> [UInt8] {
        try encode { output, message in
            image.pixels.withUnsafeBufferPointer { pixels in
                sl_png_encode(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                              UInt32(image.channels), image.rowStride, Int32(compressionLevel), output, message)
            }
        }
    }

    public struct JPEGOptions: Sendable {
        public var quality = 90
        public var progressive = false
        /// A restart marker every this many MCUs (0: none).
        public var restartInterval = 0
        /// Luma sampling factors; chroma is 1x1, so (2, 2) is 4:2:0 and (1, 1) is 4:4:4.
        public var lumaSampling = (horizontal: 2, vertical: 2)
        /// For 4-channel (CMYK) input: store as YCCK instead of CMYK.
        public var ycck = false
        public init() {}
    }

    /// Encodes 8-bit gray (1), RGB (3) or CMYK (4, stored as given with an Adobe marker) as JPEG.
    public static func jpeg(_ image: Image<UInt8>, options: JPEGOptions = JPEGOptions()) throws(EncodeError) -> [UInt8] {
        var cOptions = sl_jpeg_encode_options(
            quality: Int32(options.quality), progressive: options.progressive ? 1 : 0,
            restart_interval: Int32(options.restartInterval),
            luma_h_sampling: Int32(options.lumaSampling.horizontal),
            luma_v_sampling: Int32(options.lumaSampling.vertical), ycck: options.ycck ? 1 : 0)
        return try encode { output, message in
            image.pixels.withUnsafeBufferPointer { pixels in
                sl_jpeg_encode(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                               UInt32(image.channels), image.rowStride, &cOptions, output, message)
            }
        }
    }

    private static func encode(
        _ call: (UnsafeMutablePointer<sl_buffer>, UnsafeMutablePointer<CChar>) -> sl_status
    ) throws(EncodeError) -> [UInt8] {
        var output = sl_buffer()
        var message = [CChar](repeating: 0, count: Int(SL_MESSAGE_CAPACITY))
        let status = message.withUnsafeMutableBufferPointer { call(&output, $0.baseAddress!) }
        defer { sl_buffer_free(&output) }
        guard status == SL_OK, let data = output.data else {
            throw EncodeError(message: message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return Array(UnsafeBufferPointer(start: data, count: output.size))
    }
}
