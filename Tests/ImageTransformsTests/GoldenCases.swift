import Foundation
import ImageCodecs
import TensorCore
import TestSupport

/// The cases of Tests/Fixtures/golden/manifest.json (Pillow 13 and torchvision 0.29 outputs).
struct GoldenCases {
    let folder = Fixtures.fixture("golden")
    let cases: [[String: Any]]

    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        cases = manifest?["cases"] as? [[String: Any]] ?? []
    }

    func cases(_ op: String) -> [[String: Any]] { cases.filter { $0["op"] as? String == op } }

    func input(_ entry: [String: Any]) throws -> Image<UInt8> {
        let color: ColorMode = entry["input_mode"] as? String == "L" ? .gray : .rgb
        var image = Image<UInt8>()
        _ = try ImageDecoder(options: DecodeOptions(color: color)).decodeFile(folder + "/" + (entry["input"] as! String), into: &image)
        return image
    }

    func array(_ relative: String) throws -> NumPyFile { try NumPyFile(path: folder + "/" + relative) }

    static func tolerance(_ entry: [String: Any]) -> Double {
        ((entry["tolerance"] as? [String: Any])?["max_abs"] as? Double) ?? 0
    }
}

extension Dictionary where Key == String, Value == Any {
    var id: String { self["id"] as? String ?? "?" }
    var params: [String: Any] { self["params"] as? [String: Any] ?? [:] }
}
