import DataPipeline
import ImageCodecs
import ImageTransforms
import PreviewGrid
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
    func make(_ indices: [Int]) -> [SampleOutcome<(tiles: [Image<UInt8>], label: Int?)>] {
        let prefix = TransformChain(Array(chain.transforms.prefix(chain.deterministicPrefixCount)))
        let normalize = chain.transforms.compactMap { $0 as? NormalizeTransform }.last
        return ParallelWork.map(indices.count, threads: readers.count, state: { (readers[$0], SampleBuffer()) }) { worker, row in
            let (reader, index) = (worker.0, indices[row])
            return reader.attempt(index) {
                let label = try reader.read(index, into: &worker.1)
                let decoded = worker.1.image
                var tiles: [Image<UInt8>] = []
                for column in 0...variants {
                    worker.1.reload(decoded)
                    var generator = SampleRNG(seed: seed, epoch: UInt64(max(0, column - 1)), index: UInt64(index))
                    try (column == 0 ? prefix : chain).apply(&worker.1, using: &generator)
                    tiles.append(worker.1.isTensor
                        ? TensorPixels.image(from: worker.1.tensor, mean: normalize?.mean ?? [0], std: normalize?.std ?? [1])
                        : worker.1.image)
                }
                return (tiles, label)
            }
        }
    }
}
