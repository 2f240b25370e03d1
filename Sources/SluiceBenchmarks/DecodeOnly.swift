import DatasetSources
import Dispatch
import ImageCodecs
import Synchronization
import TensorCore

/// The baseline of the benchmarks: read and decode every sample (IDX records are copied),
/// each worker with its own decoder and image, taking samples 4 at a time from a shared
/// counter so no worker idles at the end of a pass. A pipeline's baseline does the reading
/// and decoding its feeder does: its `decode` options (color mode, draft scale), and its
/// epoch's order, since shuffled reads cost more than sorted ones (3-7% on the 32x32 JPEGs).
/// It decodes whole images: decoding only what the chain reads is the feeder's own saving.
public enum DecodeOnly {
    /// Samples decoded, of `order` (default: every sample, in index order).
    public static func run(_ dataset: Dataset, order: [Int]? = nil, options: DecodeOptions = DecodeOptions(color: .auto), workers: Int) -> Int {
        let order = order ?? Array(0..<dataset.count)
        let next = Atomic<Int>(0)
        let decoded = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let decoder = ImageDecoder(options: options)
            var image = Image<UInt8>()
            var count = 0
            while true {
                let start = next.add(4, ordering: .relaxed).oldValue
                if start >= order.count { break }
                for index in order[start..<min(start + 4, order.count)] {
                    switch dataset.sample(at: index) {
                    case .file(let path, _):
                        if (try? decoder.decodeFile(path, into: &image)) != nil { count += 1 }
                    case .record(let part, let record, _):
                        if dataset.copyRecord(part: part, record: record, into: &image) { count += 1 }
                    }
                }
            }
            decoded.add(count, ordering: .relaxed)
        }
        return decoded.load(ordering: .relaxed)
    }
}
