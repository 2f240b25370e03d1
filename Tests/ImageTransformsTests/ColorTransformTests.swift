import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// `grayscale` and `random_grayscale` against torchvision 0.29 on PIL images
/// (Tests/Fixtures/golden-color, made by its make_golden_color.py): equal byte for byte.
final class ColorTransformTests: XCTestCase {
    private let folder = Fixtures.fixture("golden-color")

    private func input(_ name: String) throws -> Image<UInt8> {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("golden/inputs/" + name))))
        return try ImageDecoder().decode(bytes)
    }

    private func run(_ transform: any Transform, on image: Image<UInt8>, index: UInt64 = 0) throws -> Image<UInt8> {
        var sample = SampleBuffer(image: image)
        var generator = SampleRNG(seed: 1, epoch: 0, index: index)
        try transform.apply(&sample, using: &generator)
        return sample.image
    }

    func testOutputsAreTorchvisionsBytes() throws {
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 18)
        let ops: [String: any Transform] = ["grayscale-1": try GrayscaleTransform(outputChannels: 1),
                                            "grayscale-3": try GrayscaleTransform(outputChannels: 3),
                                            "random_grayscale-p1": try RandomGrayscaleTransform(p: 1)]
        for item in cases {
            let name = try XCTUnwrap(item["op"] as? String), file = try XCTUnwrap(item["expected"] as? String)
            let expected = try NumPyFile(path: folder + "/" + file)
            guard case .uint8(let values) = expected.values else { return XCTFail("\(file): not uint8") }
            let output = try run(try XCTUnwrap(ops[name]), on: try input(try XCTUnwrap(item["input"] as? String)))
            XCTAssertEqual(output.shape, expected.shape, file)
            XCTAssertEqual(output.pixels, values, file)
        }
    }

    /// `random_grayscale` turns about p of the samples gray (one draw each), the others untouched.
    func testRandomGrayscaleHappensWithProbabilityP() throws {
        let image = SyntheticImages.noise(width: 8, height: 8, channels: 3, seed: 3)
        let transform = try RandomGrayscaleTransform(p: 0.3)
        var gray = 0
        for index in 0..<4000 {
            let output = try run(transform, on: image, index: UInt64(index))
            XCTAssertEqual(output.shape, image.shape)
            if output != image {
                gray += 1
                XCTAssertEqual(output, try run(GrayscaleTransform(outputChannels: 3), on: image))
            }
        }
        XCTAssertEqual(Double(gray) / 4000, 0.3, accuracy: 0.03)   // 4.1 standard deviations
        XCTAssertEqual(try run(RandomGrayscaleTransform(p: 0), on: image), image)
    }

    func testShapesAndBadParameters() throws {
        XCTAssertEqual(try GrayscaleTransform(outputChannels: 1).outputShape(.image(height: 5, width: 6, channels: 3)),
                       .image(height: 5, width: 6, channels: 1))
        XCTAssertEqual(try GrayscaleTransform(outputChannels: 3).outputShape(.image(height: 5, width: 6, channels: nil)),
                       .image(height: 5, width: 6, channels: 3))
        XCTAssertThrowsError(try GrayscaleTransform(outputChannels: 2))
        XCTAssertThrowsError(try RandomGrayscaleTransform(p: 1.5))
        XCTAssertThrowsError(try GrayscaleTransform().outputShape(.tensor(channels: 3, height: 4, width: 4)))
    }
}
