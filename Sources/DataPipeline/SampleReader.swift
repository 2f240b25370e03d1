import DatasetSources
import ImageCodecs
import ImageTransforms
import TensorCore

/// Reads the samples of a dataset into a reusable buffer: decodes a file, or copies an IDX
/// record. One per worker: it keeps its decoder's state and buffers from sample to sample.
public final class SampleReader: @unchecked Sendable {
    public let dataset: Dataset
    private let decoder: ImageDecoder

    public init(dataset: Dataset, decode: DecodeOptions) {
        self.dataset = dataset
        decoder = ImageDecoder(options: decode)
    }

    /// Puts sample `index`'s decoded uint8 image in `sample.image` and returns its label.
    public func read(_ index: Int, into sample: inout SampleBuffer) throws(ImageFileError) -> Int? {
        let item = dataset.sample(at: index)
        sample.prepareForLoad()
        switch item {
        case .file(let file, _):
            _ = try decoder.decodeFile(file, into: &sample.image)
        case .record(let part, let record, _):
            guard dataset.copyRecord(part: part, record: record, into: &sample.image) else {
                throw ImageFileError(path: path(of: index), reason: .malformed("not a record"))
            }
        }
        sample.isTensor = false
        return item.label
    }

    /// How errors name sample `index`: its file, or its IDX file and record. Built only when
    /// needed, not per sample.
    public func path(of index: Int) -> String {
        switch dataset.sample(at: index) {
        case .file(let file, _): file
        case .record(let part, let record, _):
            if let set = dataset.shardSet(part) { "\(set.folder) sample \(record)" } else { "\(dataset.idxSet(part)?.images.path ?? "IDX") record \(record)" }
        }
    }
}
