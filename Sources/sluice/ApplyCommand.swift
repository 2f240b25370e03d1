import ArgumentParser
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
            [H, W, C] before to_float, float32 [C, H, W] after. --png also writes a viewable \
            DIR/00000.png (float tensors are un-normalized and clamped). An image that cannot be \
            read, or that the transforms cannot take, is reported and the others are still \
            written; the exit code is then 65.

            Example:
              sluice apply --pipeline pipelines/photos.yaml --output runs/apply --png \\
                samples/photos/chelsea.jpg
            """
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Epoch of the random draws.")
    var epoch: Int = 0

    @Option(help: "Sample index of the first image.")
    var index: Int = 0

    @Argument(help: "Images to transform.")
    var images: [String]

    @Option(help: "Folder to write the results into (created if missing).")
    var output: String

    @Flag(help: "Also write each result as PNG.")
    var png = false

    func validate() throws {
        guard epoch >= 0, index >= 0 else { throw ValidationError("--epoch and --index must not be negative") }
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
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure.usage("cannot create \(output): \(error.localizedDescription)")
        }
        let decoder = ImageDecoder(options: file.decodeOptions(split: split))
        let normalize = chain.transforms.compactMap { $0 as? NormalizeTransform }.last
        var sample = SampleBuffer()
        var failures = 0
        for (offset, path) in images.enumerated() {
            let name = output + String(format: "/%05d", offset)
            do {
                _ = try decoder.decodeFile(path, into: &sample.image)
                sample.isTensor = false
                var generator = SampleRNG(seed: file.seed, epoch: UInt64(epoch), index: UInt64(index + offset))
                do {
                    try chain.apply(&sample, using: &generator)
                } catch {
                    // An image the chain cannot take (a crop larger than it, say) is reported
                    // like a bad file; the others are still written.
                    Terminal.error("skipped \(path): \(error.message)")
                    failures += 1
                    continue
                }
                try write(sample, to: name, normalize: normalize)
            } catch let error as ImageFileError {
                Terminal.error("skipped \(error.description)")
                failures += 1
            }
        }
        Terminal.status("sluice apply: \(images.count - failures) of \(images.count) images written to \(output)\n")
        if failures > 0 { throw ExitCode(65) }
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
        try npy.write(to: URL(fileURLWithPath: name + ".npy"))
        if png {
            if preview.channels == 2 || preview.channels > 4 { preview = Image(width: preview.width, height: preview.height, channels: 1, pixels: preview.pixels) }
            try Data(ImageEncoder.png(preview)).write(to: URL(fileURLWithPath: name + ".png"))
        }
    }
}
