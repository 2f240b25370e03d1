import DataPipeline
import Dispatch
import ImageCodecs
import ImageTransforms
import PreviewGrid
import Synchronization
import TensorCore

/// The tiles of a preview: for each sample, the image after the deterministic prefix, then what
/// training draws for it in epochs 0, 1, ...: the chain run with the generator of
/// (seed, epoch, sample index), as `sluice apply --epoch E --index I` and the feeder do.
/// Rows are made in parallel; each tile comes only from its own (sample, column), so the grid
/// is the same bytes for any number of workers.
struct PreviewTiles {
    let readers: [SampleReader]
    let chain: TransformChain
    let seed: UInt64
    let variants: Int

    /// One row per sample index: its tiles and label, or why it failed. Each sample is
    /// decoded once; every column starts again from that decoded image.
    func make(_ indices: [Int]) -> [Result<(tiles: [Image<UInt8>], label: Int?), ImageFileError>] {
        let rows = SlotArray<Result<(tiles: [Image<UInt8>], label: Int?), ImageFileError>>(count: indices.count)
        let next = Atomic<Int>(0)
        let prefix = TransformChain(Array(chain.transforms.prefix(chain.deterministicPrefixCount)))
        let normalize = chain.transforms.compactMap { $0 as? NormalizeTransform }.last
        DispatchQueue.concurrentPerform(iterations: min(readers.count, indices.count)) { worker in
            var sample = SampleBuffer()
            let reader = readers[worker]
            while true {
                let row = next.add(1, ordering: .relaxed).oldValue
                guard row < indices.count else { break }
                let index = indices[row]
                do {
                    let label = try reader.read(index, into: &sample)
                    let decoded = sample.image
                    var tiles: [Image<UInt8>] = []
                    for column in 0...variants {
                        sample.reload(decoded)
                        var generator = SampleRNG(seed: seed, epoch: UInt64(max(0, column - 1)), index: UInt64(index))
                        let transforms = column == 0 ? prefix : chain
                        do {
                            try transforms.apply(&sample, using: &generator)
                        } catch let error as TransformError {
                            throw ImageFileError(path: reader.path(of: index), reason: .malformed(error.message))
                        }
                        tiles.append(sample.isTensor
                            ? TensorPixels.image(from: sample.tensor, mean: normalize?.mean ?? [0], std: normalize?.std ?? [1])
                            : sample.image)
                    }
                    rows.store(.success((tiles, label)), at: row)
                } catch let error as ImageFileError {
                    rows.store(.failure(error), at: row)
                } catch {
                    rows.store(.failure(ImageFileError(path: reader.path(of: index), reason: .malformed("\(error)"))), at: row)
                }
            }
        }
        return rows.elements.map { $0! }   // every slot was filled
    }
}
