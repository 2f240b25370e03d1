import ArgumentParser
import DataPipeline
import DatasetSources
import Foundation
import ImageTransforms
import PipelineConfig
import TensorShards
import Trainer

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a pipeline's plan without running it: sources and counts, each transform with its output shape, the model.",
        discussion: """
            Checks the whole chain of every split, and the model against the train split's \
            output, before any image is read; a wrong chain or layer exits 64 naming its place. \
            The model table gives each layer's output shape, parameter count and receptive field.
            """
    )

    @Argument(help: "Pipeline file.")
    var pipeline: String

    func run() throws {
        let file: PipelineFile
        do { file = try PipelineFile.load(pipeline) } catch { throw CommandFailure.usage(error.description) }
        print("pipeline \(file.path): version \(file.version), seed \(file.seed), decode color \(file.color.rawValue)")
        let channels = file.color.channels
        var sampleShapes: [String: [Int]] = [:]
        for split in file.splits {
            var chain = try file.chain(split)
            print("\nsplit \(split)")
            var fixedShape: SampleShape?
            if let source = file.data[split] {
                print("  source       \(describe(source))")
                if case .idx(let images, let labels) = source, let set = try? IDXImageSet(imagesPath: images, labelsPath: labels) {
                    fixedShape = .image(height: set.height, width: set.width, channels: set.channels)
                }
                if case .shards(let path) = source, let index = try? ShardIndex.read((path as NSString).appendingPathComponent("index.json")) {
                    // The shards hold the stored transforms' output; only the rest runs on reading.
                    let plan = ShardPlan(chain: chain, decode: file.decodeOptions(split: split), input: .image(height: nil, width: nil, channels: channels))
                    if !plan.stored.transforms.isEmpty {
                        print("  stored       " + plan.stored.transforms.map(\.description).joined(separator: ", ") + " (done by sluice shard)")
                    }
                    chain = plan.remaining
                    fixedShape = .image(height: index.imageShape[0], width: index.imageShape[1], channels: index.imageShape[2])
                }
            }
            let input = fixedShape ?? .image(height: nil, width: nil, channels: channels)
            let shapes: [SampleShape]
            do { shapes = try chain.shapes(from: input) } catch {
                throw CommandFailure.usage("\(file.path): transforms.\(split): \(error.message)")
            }
            print("  input        \(input)")
            let prefix = chain.deterministicPrefixCount
            for (position, transform) in chain.transforms.enumerated() {
                let tag = transform.isRandom ? "  (random)" : position < prefix ? "  (deterministic prefix)" : ""
                let shape = shapes[position].description.padding(toLength: 27, withPad: " ", startingAt: 0)
                print("  \(String(format: "%2d", position + 1)). \(shape)  \(transform.description)\(tag)")
            }
            if let last = shapes.last, case .tensor(let c?, let h?, let w?) = last {
                sampleShapes[split] = [c, h, w]
                let batchBytes = file.loader.batchSize * c * h * w * 4
                let megabytes = Double(batchBytes * (file.loader.prefetch + 1)) / 1_048_576
                print("  batch        float32 [\(file.loader.batchSize), \(c), \(h), \(w)], \(String(format: "%.1f", Double(batchBytes) / 1_048_576)) MiB; with prefetch \(file.loader.prefetch): \(String(format: "%.1f", megabytes)) MiB")
            }
        }
        if file.model != nil { try describeModel(file, inputShape: sampleShapes["train"] ?? sampleShapes[file.splits[0]]) }
    }

    private func describeModel(_ file: PipelineFile, inputShape: [Int]?) throws {
        guard let inputShape, let settings = file.train else {
            print("\nmodel: the train split's transforms do not fix the input size (add a crop or resize), so the model cannot be checked yet")
            return
        }
        let model: Model
        do { model = try file.buildModel(inputShape: inputShape) } catch { throw CommandFailure.usage(error.description) }
        print("\nmodel")
        for line in ModelSummary(model).lines { print("  " + line) }
        let optimizerCopies = settings.optimizer.momentBuffers
        let megabytes = Double(model.parameterCount * 4 * (2 + optimizerCopies)) / 1_048_576
        print("  weights, gradients and \(settings.optimizer.name) state: \(String(format: "%.1f", megabytes)) MiB")
        var plan = "train        \(settings.epochs) epochs, \(settings.optimizer.name) learning rate \(settings.optimizer.learningRate), \(settings.schedule) schedule"
        if let stopping = settings.earlyStopping { plan += ", early stopping patience \(stopping.patience) min_delta \(stopping.minDelta)" }
        plan += settings.validationSplit.map { ", validation on \($0)" } ?? ", no validation split"
        print("  " + plan)
    }

    private func describe(_ source: PipelineFile.Source) -> String {
        switch source {
        case .folder(let path), .files(let path):
            guard let dataset = try? Dataset.listing([path]) else { return "\(path) (not found)" }
            let classes = dataset.classes.isEmpty ? "" : ", \(dataset.classes.count) classes"
            return "\(path): \(Terminal.count(dataset.count)) images\(classes)"
        case .idx(let images, let labels):
            guard let set = try? IDXImageSet(imagesPath: images, labelsPath: labels) else { return "IDX \(images) (not readable)" }
            return "IDX \(images): \(Terminal.count(set.count)) images \(set.height)x\(set.width)x\(set.channels)\(set.labels != nil ? ", labelled" : "")"
        case .shards(let path):
            guard let index = try? ShardIndex.read((path as NSString).appendingPathComponent("index.json")) else { return "shards \(path) (no readable index.json)" }
            return "shards \(path): \(Terminal.count(index.storedSamples)) images \(index.imageShape.map(String.init).joined(separator: "x")) in \(index.shards.count) shards"
        }
    }
}
