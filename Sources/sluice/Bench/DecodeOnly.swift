import DatasetSources
import Dispatch
import ImageCodecs
import Synchronization
import TensorCore

/// The baseline of the benchmarks: read and decode every sample (IDX records are copied),
/// each worker with its own decoder and image, taking samples 4 at a time from a shared
/// counter so no worker idles at the end of a pass. A pipeline's baseline decodes with its
/// `decode` options: its color mode, and its draft scale when it has one.
enum DecodeOnly {
    /// Samples decoded.
    static func run(_ dataset: Dataset, options: DecodeOptions = DecodeOptions(color: .auto), workers: Int) -> Int {
        let next = Atomic<Int>(0)
        let decoded = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let decoder = ImageDecoder(options: options)
            var image = Image<UInt8>()
            var count = 0
            while true {
                let start = next.add(4, ordering: .relaxed).oldValue
                if start >= dataset.count { break }
                for index in start..<min(start + 4, dataset.count) {
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
