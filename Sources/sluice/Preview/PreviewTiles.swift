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
/// Tiles are made in parallel; each comes only from its own (sample, column), so the grid is
/// the same bytes for any number of workers.
struct PreviewTiles {
    let readers: [SampleReader]
    let chain: TransformChain
    let seed: UInt64
    let variants: Int

    /// One row per sample index: its tiles and label, or why it failed.
    func make(_ indices: [Int]) -> [Result<(tiles: [Image<UInt8>], label: Int?), ImageFileError>] {
        let columns = variants + 1
        let results = SlotArray<Result<(Image<UInt8>, Int?), ImageFileError>>(count: indices.count * columns)
        let next = Atomic<Int>(0)
        let prefix = TransformChain(Array(chain.transforms.prefix(chain.deterministicPrefixCount)))
        let normalize = chain.transforms.compactMap { $0 as? NormalizeTransform }.last
        DispatchQueue.concurrentPerform(iterations: min(readers.count, results.count)) { worker in
            var sample = SampleBuffer()
            while true {
                let item = next.add(1, ordering: .relaxed).oldValue
                guard item < results.count else { break }
                let index = indices[item / columns], column = item % columns
                let reader = readers[worker]
                do {
                    let label = try reader.read(index, into: &sample)
                    var generator = SampleRNG(seed: seed, epoch: UInt64(max(0, column - 1)), index: UInt64(index))
                    let transforms = column == 0 ? prefix : chain
                    do {
                        try transforms.apply(&sample, using: &generator)
                    } catch let error as TransformError {
                        throw ImageFileError(path: reader.path(of: index), reason: .malformed(error.message))
                    }
                    let tile = sample.isTensor
                        ? TensorPixels.image(from: sample.tensor, mean: normalize?.mean ?? [0], std: normalize?.std ?? [1])
                        : sample.image
                    results.store(.success((tile, label)), at: item)
                } catch let error as ImageFileError {
                    results.store(.failure(error), at: item)
                } catch {
                    results.store(.failure(ImageFileError(path: reader.path(of: index), reason: .malformed("\(error)"))), at: item)
                }
            }
        }
        let cells = results.elements.map { $0! }   // every slot was filled
        return indices.indices.map { row in
            var tiles: [Image<UInt8>] = []
            var label: Int?
            for cell in cells[(row * columns)..<((row + 1) * columns)] {
                switch cell {
                case .success(let (tile, tileLabel)):
                    tiles.append(tile)
                    label = tileLabel
                case .failure(let error):
                    return .failure(error)
                }
            }
            return .success((tiles, label))
        }
    }
}
