import ArgumentParser
import DataPipeline
import Foundation
import ImageCodecs
import ImageTransforms
import PipelineConfig
import PreviewGrid
import TensorCore

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run a split's transforms on images and save exactly what the network gets.",
        discussion: """
            The images are treated as samples I, I+1, ... of epoch E, so random draws are the \
            ones training would make for those samples (same seed, epoch, index: same bytes). \
            Each result is written as DIR/00000.npy, DIR/00001.npy, ... in input order: uint8 \
            [H, W, C] before to_float, float32 [C, H, W] after. --sample N takes sample N of \
            the split itself (a file or an IDX record, with its own index N as in training) \
            and writes DIR/sample-N.npy. DIR/index.tsv names each output's source, sample \
            index, epoch and label. --png also writes a viewable PNG beside each .npy (float \
            tensors are un-normalized and clamped). An image that cannot be read, or that the \
            transforms cannot take, is reported and the others are still written; the exit \
            code is then 65.

            Examples:
              sluice apply --pipeline pipelines/photos.yaml --output runs/apply --png \\
                samples/photos/chelsea.jpg
              sluice apply --pipeline pipelines/fashion-mnist.yaml --sample 0 7 --png --output runs/s
            """
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Epoch of the random draws.")
    var epoch: Int = 0

    @Option(help: "Sample index of the first image.")
    var index: Int = 0

    @Argument(help: "Images to transform.")
    var images: [String] = []

    @Option(parsing: .upToNextOption, help: "Samples of the split to transform, by index (IDX records included).")
    var sample: [Int] = []

    @Option(help: "Folder to write the results into (created if missing).")
    var output: String

    @Flag(help: "Also write each result as PNG.")
    var png = false

    func validate() throws {
        guard epoch >= 0, index >= 0 else { throw ValidationError("--epoch and --index must not be negative") }
        guard !images.isEmpty || !sample.isEmpty else { throw ValidationError("give images to transform, or --sample N of the split") }
        guard sample.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--sample indices must not be negative") }
    }

    func run() throws {
        let (file, split) = try pipeline.load()
        let chain = try file.chain(split)
        let channels = file.color.channels
        do {
            _ = try chain.shapes(from: .image(height: nil, width: nil, channels: channels))
        } catch {
            throw CommandFailure.usage("\(file.path): transforms.\(split): \(error.message)")
        }
        let reader = try sample.isEmpty ? nil : splitReader(file, split: split)
        try OutputFile.makeFolder(output)
        let decoder = ImageDecoder(options: file.decodeOptions(split: split))
        let normalize = chain.transforms.compactMap { $0 as? NormalizeTransform }.last
        var buffer = SampleBuffer()
        var failures = 0
        var rows = ["output\tsource\tindex\tepoch\tlabel"]
        /// Reads one input into `buffer` (returning its label), transforms it as sample
        /// `sampleIndex` and writes it as `name`; a failure is reported and counted.
        func transform(_ source: String, sampleIndex: Int, name: String, read: () throws(ImageFileError) -> Int?) throws {
            do {
                let label = try read()
                var generator = SampleRNG(seed: file.seed, epoch: UInt64(epoch), index: UInt64(sampleIndex))
                do {
                    try chain.apply(&buffer, using: &generator)
                } catch {
                    // An input the chain cannot take (a crop larger than it, say) is reported
                    // like a bad file; the others are still written.
                    Terminal.error("skipped \(source): \(error.message)")
                    failures += 1
                    return
                }
                try write(buffer, to: (output as NSString).appendingPathComponent(name), normalize: normalize)
                rows.append([name + ".npy", source.escapingControlCharacters, "\(sampleIndex)", "\(epoch)", label.map(String.init) ?? ""].joined(separator: "\t"))
            } catch let error as ImageFileError {
                Terminal.error("skipped \(error.description)")
                failures += 1
            }
        }
        for (offset, path) in images.enumerated() {
            try transform(path, sampleIndex: index + offset, name: String(format: "%05d", offset)) { () throws(ImageFileError) in
                _ = try decoder.decodeFile(path, into: &buffer.image)
                buffer.isTensor = false
                return nil
            }
        }
        if let reader {
            for position in sample {
                guard position < reader.dataset.count else {
                    throw CommandFailure.usage("--sample \(position): split '\(split)' has \(reader.dataset.count) samples (0-\(reader.dataset.count - 1))")
                }
                try transform(reader.path(of: position), sampleIndex: position, name: String(format: "sample-%05d", position)) { () throws(ImageFileError) in
                    try reader.read(position, into: &buffer)
                }
            }
        }
        try OutputFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: (output as NSString).appendingPathComponent("index.tsv"))
        let total = images.count + sample.count
        Terminal.status("sluice apply: \(total - failures) of \(total) inputs written to \(output)\n")
        if failures > 0 { throw ExitCode(65) }
    }

    /// A reader of the split's own samples (files, IDX records or shards).
    private func splitReader(_ file: PipelineFile, split: String) throws -> SampleReader {
        guard file.data[split] != nil else { throw CommandFailure.usage("\(file.path): --sample needs data for split '\(split)'") }
        do {
            return SampleReader(dataset: try file.feed(split).dataset, decode: file.decodeOptions(split: split))
        } catch {
            throw CommandFailure.usage("\(file.path): split '\(split)': \(error)")
        }
    }

    private func write(_ sample: SampleBuffer, to name: String, normalize: NormalizeTransform?) throws {
        let npy: Data
        var preview: Image<UInt8>
        if sample.isTensor {
            let tensor = sample.tensor
            npy = NumPyFormat.float32(shape: tensor.shape, values: tensor.values)
            preview = TensorPixels.image(from: tensor, mean: normalize?.mean ?? [0], std: normalize?.std ?? [1])
        } else {
            let image = sample.image
            npy = NumPyFormat.uint8(shape: image.shape, values: image.pixels)
            preview = image
        }
        try OutputFile.write(npy, to: name + ".npy")
        if png {
            if preview.channels == 2 || preview.channels > 4 { preview = Image(width: preview.width, height: preview.height, channels: 1, pixels: preview.pixels) }
            try OutputFile.write(Data(ImageEncoder.png(preview)), to: name + ".png")
        }
    }
}
