import Foundation
import Glibc
import ImageCodecs
import TensorCore
import TestSupport
import XCTest

/// Every class of bad input gives a typed error naming the file; nothing crashes or hangs.
final class BadInputTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
    }

    override func tearDown() {
        Fixtures.removeTemporary(folder)
    }

    private func failure(_ path: String, options: DecodeOptions = DecodeOptions()) -> ImageFileError? {
        var image = Image<UInt8>()
        do {
            _ = try ImageDecoder(options: options).decodeFile(path, into: &image)
            return nil
        } catch {
            return error
        }
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testEverySampleInBadIsReportedByNameWithAReason() {
        let files = Fixtures.files(under: Fixtures.sample("bad"))
        XCTAssertGreaterThanOrEqual(files.count, 28)
        for path in files {
            guard let error = failure(path) else {
                XCTFail("\(path) decoded, but it is in samples/bad")
                continue
            }
            XCTAssertEqual(error.path, path)
            XCTAssertFalse(error.message.isEmpty, path)
            XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description)
        }
    }

    func testLenientAcceptsRecoverableDamageOnly() throws {
        let truncatedJPEG = Fixtures.sample("bad/pillow/truncated_jpeg.jpg")
        guard case .decode(.recoverable(.jpeg, let message))? = failure(truncatedJPEG)?.reason else {
            return XCTFail("a truncated JPEG is a recoverable problem")
        }
        XCTAssertTrue(message.contains("Premature end"), message)
        XCTAssertNil(failure(truncatedJPEG, options: DecodeOptions(lenient: true)))
        // A broken zlib stream is not recoverable, lenient or not.
        XCTAssertNotNil(failure(Fixtures.sample("bad/go/invalid-zlib.png"), options: DecodeOptions(lenient: true)))
    }

    func testEmptyUnknownAndUnsupportedFormatsAreNamed() throws {
        XCTAssertEqual(failure(try write([], "empty.png"))?.reason, .decode(.empty))
        XCTAssertEqual(failure(try write(Array("hello, world".utf8), "text.jpg"))?.reason, .decode(.unknownFormat))
        XCTAssertEqual(failure(try write(Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20), "a.gif"))?.reason,
                       .decode(.unsupportedFormat("GIF")))
        let webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        XCTAssertEqual(failure(try write(webp, "a.webp"))?.reason, .decode(.unsupportedFormat("WebP")))
    }

    func testEveryTruncationOfValidFilesIsAnErrorNeverACrash() throws {
        let image = SyntheticImages.gradient(width: 23, height: 17, channels: 3)
        var options = ImageEncoder.JPEGOptions()
        options.progressive = true
        for bytes in [try ImageEncoder.png(image), try ImageEncoder.jpeg(image), try ImageEncoder.jpeg(image, options: options)] {
            let decoder = ImageDecoder()
            for length in stride(from: 0, to: bytes.count, by: 7) {
                XCTAssertThrowsError(try decoder.decode(Array(bytes[..<length])), "truncated at \(length) of \(bytes.count)")
            }
            XCTAssertNoThrow(try decoder.decode(bytes))   // and the decoder is still usable
        }
    }

    func testRandomCorruptionNeverCrashes() throws {
        let image = SyntheticImages.noise(width: 31, height: 19, channels: 3, seed: 7)
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let decoder = ImageDecoder(options: DecodeOptions(lenient: true))
        for original in [try ImageEncoder.png(image), try ImageEncoder.jpeg(image)] {
            for _ in 0..<300 {
                var bytes = original
                for _ in 0..<(1 + next() % 4) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
                if let decoded = try? decoder.decode(bytes) {
                    XCTAssertEqual(decoded.pixels.count, decoded.width * decoded.height * decoded.channels)
                }
            }
        }
    }

    func testHugeDimensionsAreRejectedFromTheHeaderBeforeAllocating() throws {
        // A PNG header claiming 100000 x 100000 pixels, with no image data behind it.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr: [UInt8] = Array("IHDR".utf8) + [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0]
        png += [0, 0, 0, 13] + ihdr + bigEndian(crc32(ihdr))
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00]
        png += [0, 0, 0, 4] + idat + bigEndian(crc32(idat))
        XCTAssertEqual(failure(try write(png, "huge.png"))?.kind, "too_many_pixels")
        // A JPEG whose SOF claims 60000 x 60000.
        var jpeg = try ImageEncoder.jpeg(SyntheticImages.gradient(width: 8, height: 8, channels: 1))
        let sof = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        XCTAssertEqual(failure(try write(jpeg, "huge.jpg"))?.kind, "too_many_pixels")
        // With the limit lifted, a header alone cannot make the decoder allocate what its
        // bytes cannot hold (a small JPEG declaring 65000x65000 would ask for 12 GB): refused
        // up front, as truncated. A real 10000x10000 PNG of zeros (under 100 KB) still decodes.
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFD, 0xE8, 0xFD, 0xE8])
        let unlimited = DecodeOptions(maxPixels: 0)
        guard case .decode(.recoverable(.jpeg, let jpegReason))? = failure(try write(jpeg, "vast.jpg"), options: unlimited)?.reason else {
            return XCTFail("a 65000x65000 JPEG header alone is refused as truncated")
        }
        XCTAssertTrue(jpegReason.contains("cannot hold the 65000x65000 image"), jpegReason)
        guard case .decode(.recoverable(.png, let pngReason))? = failure(try write(png, "vast.png"), options: unlimited)?.reason else {
            return XCTFail("a 100000x100000 PNG header is refused as truncated")
        }
        XCTAssertTrue(pngReason.contains("cannot hold the 100000x100000 image"), pngReason)
        let zeros = try ImageEncoder.png(Image(width: 10_000, height: 10_000, channels: 1, pixels: [UInt8](repeating: 0, count: 100_000_000)))
        XCTAssertLessThan(zeros.count, 120_000)
        XCTAssertEqual(try ImageDecoder(options: unlimited).decode(zeros).shape, [10_000, 10_000, 1])
        // The limit is configurable.
        let small = try write(try ImageEncoder.png(SyntheticImages.gradient(width: 20, height: 10, channels: 1)), "small.png")
        XCTAssertEqual(failure(small, options: DecodeOptions(maxPixels: 199))?.reason,
                       .decode(.tooManyPixels(width: 20, height: 10, limit: 199)))
        XCTAssertNil(failure(small, options: DecodeOptions(maxPixels: 200)))
    }

    /// A JPEG that uses a table it never defines fails the same way whatever the decoder read
    /// before it: libjpeg keeps tables across images, so a reused decoder used to take the
    /// previous file's (a gray JPEG using quantization table 1 passed after a colour one).
    func testTablesDoNotCarryOverFromThePreviousImage() throws {
        let colour = try ImageEncoder.jpeg(SyntheticImages.gradient(width: 16, height: 16, channels: 3))
        let gray = try ImageEncoder.jpeg(SyntheticImages.gradient(width: 16, height: 16, channels: 1))
        // SOF0: FF C0, length (2), precision, height (2), width (2), components, then per
        // component id, sampling, Tq. SOS: FF DA, length (2), count, then id and Td<<4|Ta.
        let sof = try XCTUnwrap((0..<(gray.count - 1)).first { gray[$0] == 0xFF && gray[$0 + 1] == 0xC0 })
        let sos = try XCTUnwrap((0..<(gray.count - 1)).first { gray[$0] == 0xFF && gray[$0 + 1] == 0xDA })
        var undefinedQuantization = gray
        undefinedQuantization[sof + 12] = 1
        var undefinedHuffman = gray
        undefinedHuffman[sos + 6] = 0x23   // DC table 2, AC table 3: neither has a standard default
        for (bytes, expected) in [(undefinedQuantization, "Quantization table 0x01 was not defined"), (undefinedHuffman, "table 0x02 was not defined")] {
            let alone = Result { try ImageDecoder().decode(bytes) }
            let decoder = ImageDecoder()
            XCTAssertNoThrow(try decoder.decode(colour))
            let afterColour = Result { try decoder.decode(bytes) }
            guard case .failure(let first) = alone, case .failure(let second) = afterColour else {
                return XCTFail("\(expected): alone \(alone), after a colour JPEG \(afterColour)")
            }
            XCTAssertEqual("\(first)", "\(second)")
            XCTAssertTrue("\(first)".contains(expected), "\(first)")
            XCTAssertEqual(try decoder.decode(gray), try ImageDecoder().decode(gray))   // and the decoder goes on
        }
        // Many images through one decoder (its tables are remade every 256 forgotten ones).
        let decoder = ImageDecoder()
        for _ in 0..<300 { XCTAssertEqual(try decoder.decode(colour).shape, [16, 16, 3]) }
    }

    func testProgressiveScanLimit() throws {
        var options = ImageEncoder.JPEGOptions()
        options.progressive = true   // libjpeg's simple progression: 10 scans for colour
        let path = try write(try ImageEncoder.jpeg(SyntheticImages.gradient(width: 40, height: 30, channels: 3), options: options), "p.jpg")
        XCTAssertEqual(failure(path, options: DecodeOptions(maxScans: 5))?.reason, .decode(.tooManyScans(limit: 5)))
        XCTAssertNil(failure(path, options: DecodeOptions(maxScans: 10)))
    }

    func testBadCRCInAnAncillaryChunkIsRecoverable() throws {
        var png = try ImageEncoder.png(SyntheticImages.gradient(width: 9, height: 9, channels: 3))
        let text: [UInt8] = Array("tEXt".utf8) + Array("Comment\0hi".utf8)
        png.insert(contentsOf: bigEndian(UInt32(text.count - 4)) + text + [0, 0, 0, 0], at: 33)   // after IHDR, wrong CRC
        let path = try write(png, "crc.png")
        XCTAssertEqual(failure(path)?.kind, "recoverable")
        XCTAssertNil(failure(path, options: DecodeOptions(lenient: true)))
    }

    func testDirectoriesFIFOsAndSymlinkLoopsAreReportedWithoutHanging() throws {
        let directory = folder + "/folder.png"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        XCTAssertEqual(failure(directory)?.reason, .notRegularFile("directory"))
        let fifo = folder + "/pipe.jpg"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertEqual(failure(fifo)?.reason, .notRegularFile("FIFO"))
        let loop = folder + "/loop.png"
        XCTAssertEqual(symlink(loop, loop), 0)
        XCTAssertEqual(failure(loop)?.reason, .symlinkLoop)
        XCTAssertEqual(failure(folder + "/missing.png")?.kind, "unreadable")
        let big = try write([UInt8](repeating: 0, count: 100), "big.png")
        XCTAssertEqual(failure(big, options: DecodeOptions(maxFileBytes: 99))?.reason, .tooLarge(bytes: 100, limit: 99))
    }
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
