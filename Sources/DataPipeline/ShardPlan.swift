import ImageCodecs
import ImageTransforms
import PipelineConfig
import TensorCore

/// What a split's shards store and what still runs on every read: the leading deterministic
/// uint8 transforms are applied once by `sluice shard`; the rest, from the first random op or
/// `to_float` on, run when training or previewing from the shards.
public struct ShardPlan: Sendable {
    public let stored: TransformChain
    public let remaining: TransformChain
    /// Names the decoding and the stored transforms: shards made otherwise are refused.
    public let digest: String

    public init(chain: TransformChain, decode: DecodeOptions, input: SampleShape) {
        let count = chain.storedPrefixCount(from: input)
        stored = TransformChain(Array(chain.transforms.prefix(count)))
        remaining = TransformChain(Array(chain.transforms.dropFirst(count)))
        let text = "color=\(decode.color.rawValue) draft=\(decode.draftShorterSide.map(String.init) ?? "none") "
            + stored.transforms.map(\.description).joined(separator: " | ")
        digest = Self.fnv1a(text)
    }

    /// The stored images' [H, W, C], when the stored transforms fix it.
    public func storedShape(from input: SampleShape) -> [Int]? {
        guard let shape = try? stored.shapes(from: input).last ?? input, case .image(let h?, let w?, let c?) = shape else { return nil }
        return [h, w, c]
    }

    /// 64-bit FNV-1a as 16 hex digits: an identifier of the plan, not a security digest.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
