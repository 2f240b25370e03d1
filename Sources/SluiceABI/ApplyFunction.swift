import CSluiceABI
import DataPipeline
import ImageCodecs
import ImageTransforms
import TensorCore

/// `sluice_apply`: one input through a split's transforms as sample `index` of `epoch`, the
/// same bytes `sluice apply` writes (and a batch at that place would hold).
@_cdecl("sluice_apply")
public func sluice_apply(_ pipelinePath: UnsafePointer<CChar>?, _ pipelineText: UnsafePointer<CChar>?, _ split: UnsafePointer<CChar>?,
                         _ imagePath: UnsafePointer<CChar>?, _ epoch: Int64, _ index: Int64,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<sluice_batch>?>?) -> Int32 {
    ABI.call {
        guard let out else { throw ABIFailure.argument("result is NULL") }
        out.pointee = nil
        guard epoch >= 0, index >= 0 else { throw ABIFailure.argument("epoch and index must not be negative") }
        let file = try PipelineText.load(path: pipelinePath, text: pipelineText)
        let split = split.map { String(cString: $0) } ?? "train"
        let chain = try file.chain(split)
        _ = try chain.shapes(from: .image(height: nil, width: nil, channels: file.color.channels))
        var sample = SampleBuffer()
        var label: Int64 = -1
        if let imagePath {
            _ = try ImageDecoder(options: file.decodeOptions(split: split)).decodeFile(String(cString: imagePath), into: &sample.image)
            sample.isTensor = false
        } else {
            guard file.data[split] != nil else { throw ABIFailure.argument("\(file.path): no data for split '\(split)' to take sample \(index) from") }
            let reader = SampleReader(dataset: try file.feed(split).dataset, decode: file.decodeOptions(split: split))
            guard index < reader.dataset.count else {
                throw ABIFailure.argument("sample \(index): split '\(split)' has \(reader.dataset.count) samples (0-\(reader.dataset.count - 1))")
            }
            label = Int64(try reader.read(Int(index), into: &sample) ?? -1)
        }
        var generator = SampleRNG(seed: file.seed, epoch: UInt64(epoch), index: UInt64(index))
        try chain.apply(&sample, using: &generator)
        let result = sample.isTensor
            ? BatchHandle(Batch(images: Tensor(shape: [1] + sample.tensor.shape, values: sample.tensor.values), labels: [label], indices: [Int(index)]))
            : BatchHandle(image: sample.image, label: label, index: Int(index))
        out.pointee = result.view
        return Int32(SLUICE_OK)
    }
}
