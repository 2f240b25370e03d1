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
    /// `region`, asked the decoded size, may name the part the caller reads: where the file
    /// allows, only that part is decoded, and `sample.region` says so.
    public func read(_ index: Int, into sample: inout SampleBuffer,
                     region: (_ height: Int, _ width: Int, _ channels: Int) -> PixelRegion? = { _, _, _ in nil }) throws(ImageFileError) -> Int? {
        let item = dataset.sample(at: index)
        sample.prepareForLoad()
        sample.region = nil
        switch item {
        case .file(let file, _):
            sample.region = try decoder.decodeFile(file, into: &sample.image, region: region).region
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
    public func path(of index: Int) -> String { dataset.name(of: index) }
}
