import CSluiceCodecs
import TensorCore

/// What the decoder learnt about one image besides its pixels.
public struct DecodedImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// Size as stored in the file (before JPEG DCT scaling).
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Channels of the decoded image before any `ColorMode` conversion: 1 gray, 3 colour.
    public var nativeChannels: Int
    public var bitDepth: Int
    /// PNG Adam7 or progressive JPEG.
    public var interlaced: Bool
    /// Recoverable problems accepted under `lenient`.
    public var warnings: Int
    /// The PNG took the one-shot fast path (`DecodeOptions.pngFastPath`), not libpng's rows.
    var pngFastPath: Bool = false
    /// The part of the decoded image the output holds, when only a part was decoded (see
    /// `decode(_:into:region:)`); nil when it holds the whole image.
    public var region: PixelRegion? = nil
}

/// Decodes JPEG and PNG bytes into `Image<UInt8>` (HWC, gray or RGB), pixel for pixel as Pillow's
/// `convert("RGB")` / `convert("L")`.
///
/// Not thread-safe by design: give each worker its own decoder. It keeps libjpeg's state, a
/// scratch image and a file buffer from one image to the next, so decoding allocates nothing
/// once buffers have grown to the largest image seen.
public final class ImageDecoder {
    public let options: DecodeOptions
    private var jpeg: OpaquePointer?
    private var png: OpaquePointer?
    private var native = Image<UInt8>()
    private var reader: FileReader
    private var message = [CChar](repeating: 0, count: Int(SL_MESSAGE_CAPACITY))

    public init(options: DecodeOptions = DecodeOptions()) {
        self.options = options
        self.reader = FileReader(maxFileBytes: options.maxFileBytes)
    }

    deinit {
        sl_jpeg_decoder_destroy(jpeg)
        sl_png_decoder_destroy(png)
    }

    /// Reads and decodes the file at `path` into `image` (only part of it with `region`, as in
    /// `decode(_:into:region:)`).
    public func decodeFile(_ path: String, into image: inout Image<UInt8>,
                           region: (_ height: Int, _ width: Int, _ channels: Int) -> PixelRegion? = { _, _, _ in nil }) throws(ImageFileError) -> DecodedImageInfo {
        try reader.read(path)
        let result = reader.bytes.withUnsafeBytes { bytes in
            Result { () throws(DecodeError) in try decode(bytes, into: &image, region: region) }
        }
        switch result {
        case .success(let info): return info
        case .failure(let error): throw ImageFileError(path: path, reason: .decode(error))
        }
    }

    /// The size the file at `path` decodes to (after any draft scaling; channels after
    /// `options.color`), from its header alone: for checking a pipeline before it runs.
    public func decodedSize(ofFile path: String) throws(ImageFileError) -> (height: Int, width: Int, channels: Int) {
        try reader.read(path)
        let result = reader.bytes.withUnsafeBytes { bytes in
            Result { () throws(DecodeError) -> sl_image_info in
                let format = try Self.format(of: bytes)
                let info = try readHeader(format, bytes)
                switch format {
                case .jpeg: sl_jpeg_abort(jpeg)
                case .png: sl_png_abort(png)
                }
                return info
            }
        }
        switch result {
        case .success(let info):
            let channels = options.color == .rgb ? 3 : options.color == .gray ? 1 : Int(info.channels)
            return (Int(info.height), Int(info.width), channels)
        case .failure(let error): throw ImageFileError(path: path, reason: .decode(error))
        }
    }

    /// Decodes `bytes` into `image` (reshaped to fit), converted to `options.color`.
    ///
    /// `region` is asked the size of a single-scan JPEG once its header is read (after any draft
    /// scaling; channels after `options.color`) and may return the part the caller needs: only
    /// that part is then decoded (the same pixels as that window of the whole image), and
    /// `region` of the result says so. Other files are decoded whole. Every file is still read
    /// to its end, so a damaged one fails either way.
    public func decode(_ bytes: UnsafeRawBufferPointer, into image: inout Image<UInt8>,
                       region: (_ height: Int, _ width: Int, _ channels: Int) -> PixelRegion? = { _, _, _ in nil }) throws(DecodeError) -> DecodedImageInfo {
        let format = try Self.format(of: bytes)
        var info = try readHeader(format, bytes)
        let channels = Int(info.channels)
        var part: PixelRegion?
        let outputChannels = options.color == .rgb ? 3 : options.color == .gray ? 1 : channels
        if format == .jpeg, sl_jpeg_can_decode_region(jpeg) != 0,
           let asked = region(Int(info.height), Int(info.width), outputChannels), asked.isStrictPart(ofHeight: Int(info.height), width: Int(info.width)) {
            part = asked
        }
        if (options.color == .rgb && channels == 1) || (options.color == .gray && channels == 3) {
            try decodePixels(format, into: &native, info: &info, region: part)
            switch options.color {
            case .gray: ColorConversion.rgbToGray(native, into: &image)
            default: ColorConversion.grayToRGB(native, into: &image)
            }
        } else {
            try decodePixels(format, into: &image, info: &info, region: part)
        }
        return DecodedImageInfo(
            format: format, sourceWidth: Int(info.source_width), sourceHeight: Int(info.source_height),
            nativeChannels: channels, bitDepth: Int(info.bit_depth), interlaced: info.interlaced != 0,
            warnings: Int(info.warnings), pngFastPath: info.png_fast_path != 0, region: part)
    }

    /// Decodes `bytes` into a new image.
    public func decode(_ bytes: [UInt8]) throws(DecodeError) -> Image<UInt8> {
        var image = Image<UInt8>()
        _ = try bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodeError) in try decode(buffer, into: &image) }
        }.get()
        return image
    }

    private var cOptions: sl_decode_options {
        sl_decode_options(
            max_pixels: UInt64(max(0, options.maxPixels)), max_scans: UInt32(clamping: options.maxScans),
            lenient: options.lenient ? 1 : 0, scale_denom: Int32(clamping: options.jpegScaleDenominator),
            libpng_only: options.pngFastPath ? 0 : 1)
    }

    /// The format of `bytes`, by content; empty, unsupported and unknown data are errors.
    private static func format(of bytes: UnsafeRawBufferPointer) throws(DecodeError) -> ImageFormat {
        guard !bytes.isEmpty else { throw .empty }
        switch ImageFormat.sniff(bytes) {
        case .decodable(let found): return found
        case .unsupported(let name): throw .unsupportedFormat(name)
        case .unknown: throw .unknownFormat
        }
    }

    private func readHeader(_ format: ImageFormat, _ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> sl_image_info {
        var info = sl_image_info()
        var options = cOptions
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let status = try withMessage(format) { message in
            switch format {
            case .jpeg:
                if jpeg == nil { jpeg = sl_jpeg_decoder_create() }
                guard let jpeg else { return SL_OUT_OF_MEMORY }
                return sl_jpeg_read_header(jpeg, data, bytes.count, &options, &info, message)
            case .png:
                if png == nil { png = sl_png_decoder_create() }
                guard let png else { return SL_OUT_OF_MEMORY }
                return sl_png_read_header(png, data, bytes.count, &options, &info, message)
            }
        }
        if status == SL_TOO_MANY_PIXELS {
            throw .tooManyPixels(width: Int(info.source_width), height: Int(info.source_height), limit: self.options.maxPixels)
        }
        if format == .jpeg, let target = self.options.draftShorterSide {
            let shorter = Int(min(info.source_width, info.source_height))
            // libjpeg's scaled size is ceil(size / denom).
            if let denominator = [8, 4, 2].first(where: { (shorter + $0 - 1) / $0 >= target }) {
                sl_jpeg_set_scale(jpeg, Int32(denominator), &info)
            }
        }
        return info
    }

    private func decodePixels(_ format: ImageFormat, into image: inout Image<UInt8>, info: inout sl_image_info,
                              region: PixelRegion? = nil) throws(DecodeError) {
        image.reshape(width: region?.width ?? Int(info.width), height: region?.height ?? Int(info.height), channels: Int(info.channels))
        let stride = image.rowStride
        _ = try image.pixels.withUnsafeMutableBufferPointer { pixels in
            Result { () throws(DecodeError) in
                try withMessage(format) { message in
                    switch format {
                    case .jpeg:
                        if let region {
                            let part = sl_region(top: Int32(region.top), left: Int32(region.left), height: Int32(region.height), width: Int32(region.width))
                            return sl_jpeg_decode_region(jpeg, pixels.baseAddress, stride, part, &info, message)
                        }
                        return sl_jpeg_decode(jpeg, pixels.baseAddress, stride, &info, message)
                    case .png: return sl_png_decode(png, pixels.baseAddress, stride, &info, message)
                    }
                }
            }
        }.get()
    }

    /// Runs a shim call with a message buffer and turns a failing status into a `DecodeError`.
    /// `SL_TOO_MANY_PIXELS` is returned, for the caller to add the sizes.
    private func withMessage(_ format: ImageFormat, _ call: (UnsafeMutablePointer<CChar>) -> sl_status) throws(DecodeError) -> sl_status {
        let status = self.message.withUnsafeMutableBufferPointer { call($0.baseAddress!) }
        if status == SL_OK || status == SL_TOO_MANY_PIXELS { return status }
        let message = self.message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch status {
        case SL_TOO_MANY_SCANS: throw .tooManyScans(limit: options.maxScans)
        case SL_WARNING: throw .recoverable(format, message)
        case SL_UNSUPPORTED: throw .unsupportedLayout(format, message)
        case SL_OUT_OF_MEMORY: throw .outOfMemory
        default: throw .corrupt(format, message)
        }
    }
}
