import Foundation
import ImageCodecs
import ImageTransforms
import PipelineConfig
import Safetensors
import TensorCore
import TensorShards

/// The parsers of untrusted bytes, each as a fuzz target: any input must end in a value or a
/// typed error, never a crash, a hang or an allocation the input cannot justify. `sluice-fuzz`
/// runs them under libFuzzer (`make fuzz`) and replays files; the tests replay the corpus.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// JPEG: strict or lenient, whole or a region, at full or 1/4 draft scale, in its own colours,
    /// RGB or gray (the last byte says which: `everyWay`).
    case jpeg
    /// PNG: the fast path and libpng, strict and lenient.
    case png
    /// PNG fast path against libpng: where both accept, the same pixels; where one rejects, both do.
    case pngDifferential = "png-differential"
    /// IDX, plain or gzip.
    case idx
    /// A safetensors header and its tensors (a shard file's layout).
    case safetensors
    /// A shard folder's `index.json`.
    case shardIndex = "shard-index"
    /// A pipeline file: parse, validate, the model it builds and each split's shapes (`describe`).
    case pipeline

    /// Images a fuzz input may declare: enough for every path, small enough to stay fast.
    static let maxPixels = 1 << 22

    /// `bytes` as inputs that together take every way the target has: the JPEG target reads its
    /// way from the last byte, so a seed followed by each byte 0-23.
    public func everyWay(_ bytes: [UInt8]) -> [[UInt8]] {
        self == .jpeg ? (0..<24).map { bytes + [UInt8($0)] } : [bytes]
    }

    /// Runs one input; a finding (the two PNG decoders disagree) is returned, not thrown, so
    /// that the caller chooses to trap (fuzzing) or to report (tests).
    public func run(_ bytes: [UInt8]) -> String? {
        switch self {
        case .jpeg:
            // One way a run, chosen by the last byte (libjpeg ignores what follows the image), so
            // that each execution is one decode and the fuzzer learns which ways reach new code.
            let way = Int(bytes.last ?? 0)
            let color: ColorMode = [.auto, .rgb, .gray][(way >> 3) % 3]
            let decoder = ImageDecoder(options: DecodeOptions(color: color, maxPixels: Self.maxPixels, lenient: way & 1 != 0,
                                                              jpegScaleDenominator: way & 2 != 0 ? 4 : 1))
            var image = Image<UInt8>()
            _ = bytes.withUnsafeBytes { buffer in
                try? decoder.decode(buffer, into: &image) { height, width, _ in
                    way & 4 == 0 ? nil : PixelRegion(top: height / 3, left: width / 4, height: max(1, height / 2), width: max(1, width / 2))
                }
            }
        case .png:
            for lenient in [false, true] {
                for fast in [true, false] {
                    var options = DecodeOptions(color: .rgb, maxPixels: Self.maxPixels, lenient: lenient)
                    options.pngFastPath = fast
                    _ = try? ImageDecoder(options: options).decode(bytes)
                }
            }
        case .pngDifferential:
            var libpngOnly = DecodeOptions(maxPixels: Self.maxPixels)
            libpngOnly.pngFastPath = false
            let fast = Result { try ImageDecoder(options: DecodeOptions(maxPixels: Self.maxPixels)).decode(bytes) }
            let libpng = Result { try ImageDecoder(options: libpngOnly).decode(bytes) }
            switch (fast, libpng) {
            case (.success(let a), .success(let b)) where a != b:
                return "the PNG fast path and libpng decode different pixels (\(a.shape), \(b.shape))"
            case (.success, .failure(let error)):
                return "the PNG fast path accepts what libpng rejects: \(error)"
            case (.failure(let error), .success):
                return "the PNG fast path rejects what libpng accepts: \(error)"
            default:
                break
            }
        case .idx:
            _ = try? IDXFile.decode(bytes, path: "fuzz.idx", maxBytes: 1 << 26)
        case .safetensors:
            _ = bytes.withUnsafeBytes { try? SafetensorsFile.layout(of: $0) }
            _ = try? SafetensorsFile(decoding: bytes)
        case .shardIndex:
            _ = try? ShardIndex.decode(Data(bytes), path: "index.json")
        case .pipeline:
            guard let text = String(validating: bytes, as: UTF8.self),
                  let file = try? PipelineFile.parse(text, path: "/nonexistent/fuzz.yaml") else { return nil }
            for split in file.splits {
                _ = try? file.chain(split).shapes(from: .image(height: nil, width: nil, channels: file.color.channels))
            }
            if let shape = file.trainingInputShape { try? file.checkModel(inputShape: shape) }
        }
        return nil
    }
}
