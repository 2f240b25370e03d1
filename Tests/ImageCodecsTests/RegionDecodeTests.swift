import Foundation
import ImageCodecs
import TensorCore
import TestSupport
import XCTest

/// Decoding part of a JPEG gives that window of the whole decode, and fails where it fails.
final class RegionDecodeTests: XCTestCase {
    /// The regions asked of an image: its corners and edges, one-pixel rows and columns, and
    /// windows from a fixed generator.
    private func regions(height: Int, width: Int, seed: UInt64) -> [PixelRegion] {
        var list = [
            PixelRegion(top: 0, left: 0, height: max(1, height / 2), width: max(1, width / 2)),
            PixelRegion(top: height / 3, left: width / 3, height: height - height / 3, width: width - width / 3),
            PixelRegion(top: height - 1, left: 0, height: 1, width: width),
            PixelRegion(top: 0, left: width - 1, height: height, width: 1),
            PixelRegion(top: 1, left: 17, height: max(1, height - 2), width: max(1, width - 34)),
        ]
        var generator = SampleRNG(seed: seed, epoch: 0, index: 0)
        for _ in 0..<6 {
            let h = Int.random(in: 1...height, using: &generator), w = Int.random(in: 1...width, using: &generator)
            list.append(PixelRegion(top: Int.random(in: 0...(height - h), using: &generator), left: Int.random(in: 0...(width - w), using: &generator),
                                    height: h, width: w))
        }
        return list.filter { $0.left >= 0 && $0.top >= 0 && $0.left + $0.width <= width && $0.top + $0.height <= height }
    }

    private func assertWindow(_ part: Image<UInt8>, of whole: Image<UInt8>, _ region: PixelRegion, _ name: String) {
        XCTAssertEqual(part.shape, [region.height, region.width, whole.channels], name)
        guard part.shape == [region.height, region.width, whole.channels] else { return }
        let rowBytes = region.width * whole.channels
        for y in 0..<region.height {
            let start = ((region.top + y) * whole.width + region.left) * whole.channels
            guard whole.pixels[start..<(start + rowBytes)].elementsEqual(part.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]) else {
                XCTFail("\(name): row \(region.top + y) of \(region) differs from the whole decode")
                return
            }
        }
    }

    func testRegionsMatchTheWholeDecode() throws {
        let files = (Fixtures.files(under: Fixtures.sample("good")) + Fixtures.files(under: Fixtures.sample("photos")))
            .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".jpeg") }
            .filter { !$0.hasSuffix("seeding_large_5312x2988.jpg") }   // progressive: decoded whole anyway
        XCTAssertGreaterThan(files.count, 15)
        var partial = 0
        for (number, file) in files.enumerated() {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for options in [DecodeOptions(color: .auto), DecodeOptions(color: .rgb), DecodeOptions(color: .gray), DecodeOptions(color: .rgb, draftShorterSide: 64)] {
                let decoder = ImageDecoder(options: options)
                var whole = Image<UInt8>(), part = Image<UInt8>()
                try bytes.withUnsafeBytes { buffer in
                    let info = try decoder.decode(buffer, into: &whole)
                    XCTAssertNil(info.region)
                    for region in regions(height: whole.height, width: whole.width, seed: UInt64(number)) {
                        var asked: (Int, Int)?
                        let result = try decoder.decode(buffer, into: &part) { height, width, _ in
                            asked = (height, width)
                            return region
                        }
                        if let asked { XCTAssertTrue(asked == (whole.height, whole.width), "\(file): asked with the decoded size") }
                        let name = "\(file) \(options.color) draft \(options.draftShorterSide ?? 0)"
                        if let decoded = result.region {
                            XCTAssertEqual(decoded, region, name)
                            assertWindow(part, of: whole, region, name)
                            partial += 1
                        } else {
                            XCTAssertEqual(part, whole, "\(name): decoded whole")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(partial, 500)   // progressive and CMYK files are the ones decoded whole
    }

    /// Each subsampling, odd sizes, restart markers: JPEGs made here.
    func testRegionsOfEverySubsampling() throws {
        for (index, sampling) in [(1, 1), (2, 1), (1, 2), (2, 2), (4, 1), (4, 2)].enumerated() {
            for (width, height) in [(61, 37), (130, 97)] {
                var options = ImageEncoder.JPEGOptions()
                options.lumaSampling = (horizontal: sampling.0, vertical: sampling.1)
                options.restartInterval = index % 2 == 0 ? 0 : 3
                let bytes = try ImageEncoder.jpeg(SyntheticImages.noise(width: width, height: height, channels: 3, seed: UInt64(index)), options: options)
                let decoder = ImageDecoder()
                let whole = try decoder.decode(bytes)
                var part = Image<UInt8>()
                for region in regions(height: height, width: width, seed: UInt64(index * 100 + width)) {
                    let info = try bytes.withUnsafeBytes { buffer in try decoder.decode(buffer, into: &part) { _, _, _ in region } }
                    XCTAssertNotNil(info.region)
                    assertWindow(part, of: whole, region, "\(sampling) \(width)x\(height)")
                }
            }
        }
    }

    /// A damaged file fails with the same error whether decoded whole or in part, and a region
    /// that covers the whole image, or is not inside it, gives the whole image.
    func testDamagedFilesFailAlikeAndOddRegionsDecodeWhole() throws {
        let damaged = Fixtures.files(under: Fixtures.sample("bad")).filter { $0.hasSuffix(".jpg") }
        XCTAssertGreaterThanOrEqual(damaged.count, 3)
        for file in damaged {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            var image = Image<UInt8>()
            let whole = bytes.withUnsafeBytes { buffer in Result { () throws(DecodeError) in try ImageDecoder().decode(buffer, into: &image) } }
            let part = bytes.withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try ImageDecoder().decode(buffer, into: &image) { _, _, _ in PixelRegion(top: 0, left: 0, height: 1, width: 1) } }
            }
            switch (whole, part) {
            case (.failure(let a), .failure(let b)): XCTAssertEqual("\(a)", "\(b)", file)
            case (.success, .success): break
            default: XCTFail("\(file): whole \(whole), region \(part)")
            }
        }
        // Cut short, a file fails whole with a premature end; a region of its first rows must too.
        for cut in [0.5, 0.8, 0.97] {
            let full = try ImageEncoder.jpeg(SyntheticImages.noise(width: 96, height: 80, channels: 3, seed: 4))
            let bytes = Array(full.prefix(Int(Double(full.count) * cut)))
            var image = Image<UInt8>()
            let whole = bytes.withUnsafeBytes { buffer in Result { () throws(DecodeError) in try ImageDecoder().decode(buffer, into: &image) } }
            let part = bytes.withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try ImageDecoder().decode(buffer, into: &image) { _, _, _ in PixelRegion(top: 0, left: 0, height: 8, width: 20) } }
            }
            guard case .failure(let a) = whole, case .failure(let b) = part else { return XCTFail("cut at \(cut): whole \(whole), region \(part)") }
            XCTAssertEqual("\(a)", "\(b)", "cut at \(cut)")
        }
        let bytes = try ImageEncoder.jpeg(SyntheticImages.noise(width: 40, height: 30, channels: 3, seed: 9))
        let decoder = ImageDecoder()
        let whole = try decoder.decode(bytes)
        for region in [PixelRegion(top: 0, left: 0, height: 30, width: 40), PixelRegion(top: 5, left: 5, height: 30, width: 10),
                       PixelRegion(top: -1, left: 0, height: 2, width: 2), PixelRegion(top: 0, left: 0, height: 0, width: 3)] {
            var image = Image<UInt8>()
            let info = try bytes.withUnsafeBytes { buffer in try decoder.decode(buffer, into: &image) { _, _, _ in region } }
            XCTAssertNil(info.region, "\(region)")
            XCTAssertEqual(image, whole, "\(region)")
        }
    }

    /// A baseline file with its components in separate scans is decoded whole: libjpeg-turbo
    /// 2.1's row skipping never returned on this damaged one (found by `make fuzz`).
    func testMultiScanFilesDecodeWhole() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("fuzz/crashers/jpeg-multiscan-skip-hang.jpg"))))
        let decoder = ImageDecoder(options: DecodeOptions(color: .rgb, lenient: true, jpegScaleDenominator: 4))
        let whole = try decoder.decode(bytes)
        var image = Image<UInt8>()
        let info = try bytes.withUnsafeBytes { buffer in
            try decoder.decode(buffer, into: &image) { height, width, _ in PixelRegion(top: height / 3, left: width / 4, height: height / 2, width: width / 2) }
        }
        XCTAssertNil(info.region)
        XCTAssertEqual(image, whole)
        XCTAssertEqual(whole.shape, [46, 25, 3])
    }
}
