import Foundation
@testable import ImageCodecs
import TensorCore
import TestSupport
import XCTest

final class CodecRoundTripTests: XCTestCase {
    func testPNGRoundTripIsExactForEveryChannelLayout() throws {
        for (width, height) in [(1, 1), (1, 7), (7, 1), (33, 17)] {
            for channels in 1...4 {
                let image = SyntheticImages.noise(width: width, height: height, channels: channels, seed: UInt64(channels))
                let decoded = try ImageDecoder().decode(try ImageEncoder.png(image))
                // Alpha is dropped, as convert("RGB") / convert("L") does.
                let colour = channels >= 3 ? 3 : 1
                XCTAssertEqual(decoded.shape, [height, width, colour])
                for index in 0..<(width * height) {
                    for channel in 0..<colour {
                        XCTAssertEqual(decoded.pixels[index * colour + channel], image.pixels[index * channels + channel])
                    }
                }
            }
        }
    }

    /// The one-shot zlib path gives libpng's pixels, and libpng's error for every flawed file:
    /// PngSuite (every colour type, depth, filter and interlace), the damaged samples, and
    /// smooth synthetic images whose rows libpng files with every filter type, strict and lenient.
    func testPNGFastPathDecodesAsLibpng() throws {
        var inputs = (Fixtures.files(under: Fixtures.sample("")) + Fixtures.files(under: Fixtures.fixture("golden/inputs")))
            .filter { $0.hasSuffix(".png") }.map { (name: $0, bytes: try! Data(contentsOf: URL(fileURLWithPath: $0))) }
        XCTAssertGreaterThan(inputs.count, 150)
        for channels in 1...4 {
            for (width, height) in [(1, 1), (5, 3), (32, 32), (97, 41)] {
                let image = SyntheticImages.gradient(width: width, height: height, channels: channels)
                inputs.append(("gradient \(width)x\(height)x\(channels)", Data(try ImageEncoder.png(image))))
            }
        }
        for filter in 0...4 {   // each filter type on every row, data split over several IDATs
            for channels in 1...4 {
                let image = SyntheticImages.noise(width: 13, height: 6, channels: channels, seed: UInt64(filter * 4 + channels))
                inputs.append(("filter \(filter) x\(channels)", Data(HandMadePNG.encode(image, filter: UInt8(filter)))))
            }
        }
        // Damage inside the zlib data with the chunk's CRC made right again: only the inflaters
        // (libdeflate here, zlib in libpng) see it, and they must agree on every case.
        var generator = SampleRNG(seed: 7, epoch: 0, index: 0)
        for copy in 0..<300 {
            let image = SyntheticImages.gradient(width: 9 + copy % 7, height: 5, channels: 1 + copy % 4)
            var bytes = try ImageEncoder.png(image)
            XCTAssertEqual(Array(bytes[37..<41]), Array("IDAT".utf8))
            let dataStart = 8 + 25 + 8, dataLength = HandMadePNG.chunkLength(bytes, at: 8 + 25)
            let position = dataStart + Int(generator.next() % UInt64(dataLength))
            bytes[position] ^= UInt8(1 << (generator.next() % 8))
            HandMadePNG.fixCRC(&bytes, chunkAt: 8 + 25)
            inputs.append(("damaged zlib data \(copy)", Data(bytes)))
        }
        var fastDecodes = 0, successes = 0
        for lenient in [false, true] {
            for color in [ColorMode.auto, .rgb] {
                let fast = ImageDecoder(options: DecodeOptions(color: color, lenient: lenient))
                let libpng = ImageDecoder(options: DecodeOptions(color: color, lenient: lenient, pngFastPath: false))
                for (name, bytes) in inputs {
                    let expected = Self.decode(bytes, with: libpng), actual = Self.decode(bytes, with: fast)
                    switch (expected, actual) {
                    case (.success(let want), .success(let got)):
                        XCTAssertEqual(got.image, want.image, name)
                        XCTAssertFalse(want.info.pngFastPath, name)
                        successes += 1
                        if got.info.pngFastPath { fastDecodes += 1 }
                    case (.failure(let want), .failure(let got)):
                        XCTAssertEqual("\(got)", "\(want)", name)
                    default:
                        XCTFail("\(name): libpng gives \(expected), the fast path \(actual)")
                    }
                }
            }
        }
        // Most inputs qualify; the rest are interlaced, 16-bit, palette or flawed files.
        XCTAssertGreaterThan(fastDecodes, successes * 3 / 4)
        XCTAssertGreaterThan(successes, 800)
    }

    private static func decode(_ bytes: Data, with decoder: ImageDecoder) -> Result<(image: Image<UInt8>, info: DecodedImageInfo), DecodeError> {
        var image = Image<UInt8>()
        return Result { () throws(DecodeError) in
            let info = try [UInt8](bytes).withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try decoder.decode(buffer, into: &image) }
            }.get()
            return (image, info)
        }
    }

    func testColorModesFollowPillow() throws {
        let rgb = Image<UInt8>(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 10, 200, 30])
        let bytes = try ImageEncoder.png(rgb)
        let gray = try ImageDecoder(options: DecodeOptions(color: .gray)).decode(bytes)
        // L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16
        XCTAssertEqual(gray.pixels, [76, 124])
        let back = try ImageDecoder(options: DecodeOptions(color: .rgb)).decode(try ImageEncoder.png(gray))
        XCTAssertEqual(back.pixels, [76, 76, 76, 124, 124, 124])
    }

    func testOneDecoderReusedAcrossSizesAndFormatsGivesFreshResults() throws {
        let images = [(40, 30, 3), (8, 8, 1), (64, 48, 3), (3, 5, 3), (17, 9, 1)].map {
            SyntheticImages.gradient(width: $0.0, height: $0.1, channels: $0.2)
        }
        let files = try images.flatMap { [try ImageEncoder.png($0), try ImageEncoder.jpeg($0)] }
        let reused = ImageDecoder()
        var image = Image<UInt8>()
        for _ in 0..<2 {
            for bytes in files {
                _ = try bytes.withUnsafeBytes { try reused.decode($0, into: &image) }
                XCTAssertEqual(image, try ImageDecoder().decode(bytes))
            }
        }
    }

    func testJPEGDCTScalingDecodesSmaller() throws {
        let image = SyntheticImages.gradient(width: 101, height: 77, channels: 3)
        let bytes = try ImageEncoder.jpeg(image)
        for denominator in [1, 2, 4, 8] {
            let decoded = try ImageDecoder(options: DecodeOptions(jpegScaleDenominator: denominator)).decode(bytes)
            XCTAssertEqual(decoded.width, (101 + denominator - 1) / denominator)
            XCTAssertEqual(decoded.height, (77 + denominator - 1) / denominator)
        }
    }

    func testLossyRoundTripStaysClose() throws {
        let image = SyntheticImages.gradient(width: 64, height: 64, channels: 3)
        var options = ImageEncoder.JPEGOptions()
        options.quality = 100
        options.lumaSampling = (1, 1)
        let decoded = try ImageDecoder().decode(try ImageEncoder.jpeg(image, options: options))
        assertClose(decoded.pixels, image.pixels, maxAbs: 8)
    }
}

extension CodecRoundTripTests {
    func testDraftModeDecodesAtTheSmallestScaleThatCoversTheTarget() throws {
        let bytes = try ImageEncoder.jpeg(SyntheticImages.gradient(width: 300, height: 200, channels: 3))
        for (target, expected) in [(20, [25, 38]), (26, [50, 75]), (60, [100, 150]), (150, [200, 300]), (500, [200, 300])] {
            let image = try ImageDecoder(options: DecodeOptions(draftShorterSide: target)).decode(bytes)
            XCTAssertEqual([image.height, image.width], expected, "target \(target)")
        }
        // PNG has no DCT scaling: draft leaves it alone.
        let png = try ImageEncoder.png(SyntheticImages.gradient(width: 300, height: 200, channels: 3))
        XCTAssertEqual(try ImageDecoder(options: DecodeOptions(draftShorterSide: 20)).decode(png).width, 300)
    }
}
