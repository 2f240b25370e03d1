import ArgumentParser
import PipelineConfig

/// `--pipeline P [--split S]`, shared by the commands that read pipeline files.
struct PipelineOptions: ParsableArguments {
    @Option(help: "Pipeline file (YAML or JSON; see pipelines/README.md).")
    var pipeline: String

    @Option(help: "The split whose transforms to use (default: the first in the file).")
    var split: String?

    func load() throws -> (file: PipelineFile, split: String) {
        let file: PipelineFile
        do {
            file = try PipelineFile.load(pipeline)
        } catch {
            throw CommandFailure.usage(error.description)
        }
        guard let split = split ?? file.splits.first else { throw CommandFailure.usage("\(pipeline): no transforms") }
        do {
            _ = try file.chain(split)
        } catch {
            throw CommandFailure.usage(error.description)
        }
        return (file, split)
    }
}
