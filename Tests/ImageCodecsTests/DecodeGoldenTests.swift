import Foundation
import ImageCodecs
import TensorCore
import TestSupport
import XCTest

/// Decoded pixels equal Pillow's `convert("RGB")` / `convert("L")` for every sample image
/// (Tests/Fixtures/decode-golden.json, made by make_decode_golden.py).
final class DecodeGoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Case: Decodable {
            var path: String
            var width: Int
            var height: Int
            var rgb_sha256: String
            var gray_sha256: String
            var native_channels: Int
        }
        var cases: [Case]
    }

    func testEverySampleDecodesAsPillowDoes() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("decode-golden.json")))
        let golden = try JSONDecoder().decode(Golden.self, from: data)
        XCTAssertGreaterThan(golden.cases.count, 40)
        let rgb = ImageDecoder(options: DecodeOptions(color: .rgb))
        let gray = ImageDecoder(options: DecodeOptions(color: .gray))
        let native = ImageDecoder()
        var image = Image<UInt8>()
        for entry in golden.cases {
            let path = Fixtures.root.appendingPathComponent(entry.path).path
            let info = try rgb.decodeFile(path, into: &image)
            XCTAssertEqual(image.shape, [entry.height, entry.width, 3], entry.path)
            XCTAssertEqual(SHA256.hex(image.pixels), entry.rgb_sha256, "RGB pixels differ from Pillow: \(entry.path)")
            XCTAssertEqual(info.nativeChannels, entry.native_channels, entry.path)
            _ = try gray.decodeFile(path, into: &image)
            XCTAssertEqual(image.shape, [entry.height, entry.width, 1], entry.path)
            XCTAssertEqual(SHA256.hex(image.pixels), entry.gray_sha256, "L pixels differ from Pillow: \(entry.path)")
            _ = try native.decodeFile(path, into: &image)
            XCTAssertEqual(image.channels, entry.native_channels, entry.path)
        }
    }
}
