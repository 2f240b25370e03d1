import Foundation
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// Every array case of the golden set, within its documented tolerance.
final class TransformGoldenTests: XCTestCase {
    private var golden: GoldenCases!

    override func setUpWithError() throws { golden = try GoldenCases() }

    func testResizeMatchesPillowAndTorchvision() throws {
        let cases = golden.cases("resize")
        XCTAssertEqual(cases.count, 101)
        var output = Image<UInt8>(), scratch = Image<UInt8>()
        for entry in cases {
            let params = entry.params
            let filter = params["filter"] as! String
            let interpolation: Interpolation = filter == "box" ? .area : try XCTUnwrap(Interpolation(rawValue: filter), filter)
            let input = try golden.input(entry)
            let expected = try golden.array(entry["expected"] as! String)
            let height = try XCTUnwrap(params["height"] as? Int ?? params["computed_height"] as? Int, entry.id)
            let width = try XCTUnwrap(params["width"] as? Int ?? params["computed_width"] as? Int, entry.id)
            Resize.resize(input, height: height, width: width,
                          interpolation: interpolation, antialias: params["antialias"] as? Bool ?? true,
                          into: &output, scratch: &scratch)
            XCTAssertEqual(Array(output.shape.prefix(expected.shape.count == 2 ? 2 : 3)), expected.shape, entry.id)
            assertClose(output.pixels, expected.uint8, maxAbs: Int(GoldenCases.tolerance(entry)), entry.id)
            if let size = params["size"] as? Int {   // int size: torchvision's output size rule
                let computed = Resize.outputSize(height: input.height, width: input.width, shorterSide: size,
                                                 maxSize: params["max_size"] as? Int)
                XCTAssertEqual(computed.height, params["computed_height"] as? Int, entry.id)
                XCTAssertEqual(computed.width, params["computed_width"] as? Int, entry.id)
            }
        }
    }

    /// Stronger than the tolerance: the Pillow cases are reproduced byte for byte (same fixed-point
    /// taps, same order), at sizes that take both the 8-row SIMD blocks and the leftover rows.
    func testResizeEqualsPillowExactly() throws {
        var output = Image<UInt8>(), scratch = Image<UInt8>()
        for entry in golden.cases("resize") where (entry["library"] as! String).hasPrefix("Pillow") {
            let params = entry.params
            let filter = params["filter"] as! String
            let interpolation: Interpolation = filter == "box" ? .area : try XCTUnwrap(Interpolation(rawValue: filter), filter)
            let height = try XCTUnwrap(params["height"] as? Int ?? params["computed_height"] as? Int, entry.id)
            let width = try XCTUnwrap(params["width"] as? Int ?? params["computed_width"] as? Int, entry.id)
            Resize.resize(try golden.input(entry), height: height, width: width, interpolation: interpolation,
                          into: &output, scratch: &scratch)
            XCTAssertEqual(output.pixels, try golden.array(entry["expected"] as! String).uint8, entry.id)
        }
    }

    private func padding(_ params: [String: Any]) throws -> (Padding, PaddingMode, [UInt8]) {
        let padding = try Padding(params["padding"] as! [Int])
        let mode = try XCTUnwrap(PaddingMode(rawValue: params["padding_mode"] as! String))
        let fill = (params["fill"] as? [Int] ?? []).map { UInt8($0) }
        return (padding, mode, fill.isEmpty ? [0] : fill)
    }

    func testPadAndPadCropMatchTorchvision() throws {
        let cases = golden.cases("pad") + golden.cases("pad_crop")
        XCTAssertEqual(cases.count, 111)
        var output = Image<UInt8>()
        for entry in cases {
            let params = entry.params
            let (padding, mode, fill) = try self.padding(params)
            let input = try golden.input(entry)
            if entry["expect_error"] as? Bool == true {
                XCTAssertThrowsError(try PadCrop.pad(input, padding: padding, mode: mode, fill: fill, into: &output), entry.id)
                continue
            }
            if entry["op"] as? String == "pad" {
                try PadCrop.pad(input, padding: padding, mode: mode, fill: fill, into: &output)
            } else {
                try PadCrop.apply(input, padding: padding, mode: mode, fill: fill, top: params["top"] as! Int,
                                  left: params["left"] as! Int, height: params["height"] as! Int,
                                  width: params["width"] as! Int, into: &output)
            }
            let expected = try golden.array(entry["expected"] as! String)
            XCTAssertEqual(output.height, expected.shape[0], entry.id)
            XCTAssertEqual(output.width, expected.shape[1], entry.id)
            XCTAssertEqual(output.pixels, expected.uint8, entry.id)
        }
    }

    func testFlipsMatchTorchvision() throws {
        var output = Image<UInt8>()
        for entry in golden.cases("hflip") + golden.cases("vflip") {
            let input = try golden.input(entry)
            if entry["op"] as? String == "hflip" { Flip.horizontal(input, into: &output) } else { Flip.vertical(input, into: &output) }
            XCTAssertEqual(output.pixels, try golden.array(entry["expected"] as! String).uint8, entry.id)
        }
    }

    func testToFloatNormalizeAndEraseMatchTorchvision() throws {
        var tensor = Tensor()
        for entry in golden.cases("to_float") {
            FloatOps.toFloat(try golden.input(entry), into: &tensor)
            let expected = try golden.array(entry["expected"] as! String)
            XCTAssertEqual(tensor.shape, expected.shape, entry.id)
            assertClose(tensor.values, expected.float32, atol: Float(GoldenCases.tolerance(entry)), entry.id)
            // to_float is exact: torchvision's float32(x) * float32(1/255).
            XCTAssertEqual(tensor.values, expected.float32, entry.id)
        }
        for entry in golden.cases("normalize") + golden.cases("erase") {
            let source = try golden.array(entry["input_tensor"] as! String)
            tensor = Tensor(shape: source.shape, values: source.float32)
            let params = entry.params
            if entry["op"] as? String == "normalize" {
                try FloatOps.normalize(&tensor, mean: (params["mean"] as! [Double]).map(Float.init),
                                       std: (params["std"] as! [Double]).map(Float.init))
            } else {
                FloatOps.erase(&tensor, top: params["i"] as! Int, left: params["j"] as! Int, height: params["h"] as! Int,
                               width: params["w"] as! Int, value: (params["value"] as! [Double]).map(Float.init))
            }
            assertClose(tensor.values, try golden.array(entry["expected"] as! String).float32,
                        atol: Float(GoldenCases.tolerance(entry)), entry.id)
        }
    }
}
