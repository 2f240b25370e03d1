import ArgumentParser
import DataPipeline
import DatasetSources
import Foundation
import ImageCodecs
import PipelineConfig
import ImageTransforms
import PreviewGrid
import TensorShards

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Draw what the network sees: a PNG grid of samples and their augmented draws.",
        discussion: """
            One row per sample: --samples spread evenly over the split (so a class-per-folder \
            set shows several classes), or, with --start, consecutive samples from there. The first \
            column is the image after the deterministic prefix of the split's transforms; column \
            k + 1 is what training gets for that sample in epoch k (the generator of seed, epoch \
            k, sample index), the same bytes as `sluice apply --epoch k --index I`. Normalized \
            tensors are un-normalized and clamped for display; class names (folder names, or \
            the file's `classes`, or label numbers) are written under the tiles. Tiles are 2 \
            pixels apart on black, as torchvision's make_grid. The PNG is the same bytes for \
            any --workers. A sample that cannot be read is reported and left out (exit 65 \
            under --on-error fail). The folders of --output are made if missing.

            Example: sluice preview --pipeline pipelines/cifar10.yaml --output runs/p.png
            """
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Samples (rows) to show.")
    var samples: Int = 8

    @Option(help: "Augmented draws (columns after the first) per sample: epochs 0, 1, ...")
    var variants: Int = 8

    @Option(help: "Show consecutive samples from this index (default: samples spread over the split).")
    var start: Int?

    @Option(help: "Seed of the random draws (default: the file's).")
    var seed: UInt64?

    @Option(help: "Draw each pixel as N x N (default: enough to make tiles at least 64 pixels).")
    var scale: Int?

    @OptionGroup var data: DataOptions

    @Option(help: "The PNG file to write.")
    var output: String

    func validate() throws {
        guard samples >= 1, variants >= 0, (start ?? 0) >= 0 else { throw ValidationError("--samples must be at least 1, --variants and --start not negative") }
        if let scale, scale < 1 || scale > 32 { throw ValidationError("--scale must be between 1 and 32") }
    }

    func run() throws {
        let (file, split) = try pipeline.load()
        guard file.data[split] != nil else { throw CommandFailure.usage("\(file.path): no data for split '\(split)' (add it under data:)") }
        let dataset: Dataset, chain: TransformChain
        do {
            (dataset, chain) = try file.feed(split)
        } catch let error as ShardError {
            throw CommandFailure.data(error.description)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
        guard (start ?? 0) < dataset.count else { throw CommandFailure.usage("--start \(start ?? 0): the split has \(dataset.count) samples") }
        var decode = file.decodeOptions(split: split)
        decode.lenient = data.lenient
        decode.maxPixels = data.maxPixels
        let indices = start.map { Array($0..<min(dataset.count, $0 + samples)) }
            ?? (0..<min(samples, dataset.count)).map { $0 * dataset.count / min(samples, dataset.count) }
        let readers = (0..<data.workers).map { _ in SampleReader(dataset: dataset, decode: decode) }
        let made = PreviewTiles(readers: readers, chain: chain, seed: seed ?? file.seed, variants: variants).make(indices)
        var rows: [PreviewGrid.Row] = []
        var failures = 0
        for outcome in made {
            switch outcome {
            case .success(let (tiles, label)):
                rows.append(PreviewGrid.Row(tiles: tiles, caption: label.map { Self.className($0, file: file, dataset: dataset) }))
            case .failure(let error):
                if data.onError == .fail { throw CommandFailure.data(error.description) }
                Terminal.error("skipped \(error.description)")
                failures += 1
            }
        }
        guard !rows.isEmpty else { throw CommandFailure.data("no sample of \(split) could be shown") }
        let titles = ["input"] + (0..<variants).map { "epoch \($0)" }
        let grid = PreviewGrid(rows: rows, columnTitles: titles, scale: scale ?? PreviewGrid.automaticScale(for: rows.flatMap(\.tiles)))
        let canvas = grid.render()
        let png: [UInt8]
        do { png = try ImageEncoder.png(canvas.image) } catch { throw CommandFailure.internal(error.description) }
        try OutputFile.write(Data(png), to: output)
        Terminal.status("sluice preview: \(rows.count) samples x \(variants + 1) columns\(failures > 0 ? " (\(failures) skipped)" : ""), \(canvas.width)x\(canvas.height) px, \(output)\n")
    }

    static func className(_ label: Int, file: PipelineFile, dataset: Dataset) -> String {
        if let names = file.classNames, label < names.count { return names[label] }
        if label < dataset.classes.count { return dataset.classes[label] }
        return "\(label)"
    }
}
