import ArgumentParser
import Foundation
import TensorCore
import Trainer

@main
struct Sluice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Turn folders of images into training-ready tensors, fast and reproducibly.",
        discussion: """
            Exit codes: 0 success (skipped bad files are reported, not fatal); 64 bad usage or \
            input file; 65 data error under --on-error fail; 70 internal error.

            A first session: sluice stats samples/, then sluice describe pipelines/fashion-mnist.yaml, \
            sluice preview --pipeline pipelines/fashion-mnist.yaml --output runs/preview.png, and \
            sluice train --pipeline pipelines/fashion-mnist.yaml --epochs 3. `sluice help COMMAND` \
            shows a command's options and examples. --version names the BLAS kernel the trainer \
            runs. Shell completion: sluice --generate-completion-script bash (or zsh, fish).
            """,
        version: SluiceVersion.current,
        subcommands: [StatsCommand.self, ApplyCommand.self, PreviewCommand.self, DescribeCommand.self, ShardCommand.self, TrainCommand.self, BenchCommand.self]
    )

    /// Parses, runs, and maps failures to the exit codes of docs/CLI.md.
    static func main() {
        if CommandLine.arguments.dropFirst().first == "--version" {
            print(versionReport)
            return
        }
        do {
            var command = try parseAsRoot(routingHelpToDefaultSubcommands(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failure as CommandFailure {
            Terminal.error(failure.description)
            Foundation.exit(failure.exitCode)
        } catch {
            // ArgumentParser's own outcomes: help, version (0), usage errors (64).
            if error is ExitCode || exitCode(for: error) != .failure { exit(withError: error) }
            Terminal.error("internal error: \(error)")
            Foundation.exit(70)
        }
    }

    /// `--version`: the version, and the BLAS the trainer runs on this machine (library, build,
    /// kernel and why that kernel), since the trainer's speed depends on it.
    static var versionReport: String {
        let blas = Result { try BLASLibrary.load() }
        let blasLine = switch blas {
        case .success(let library): library.summary
        case .failure(let error): "not loaded: \(error)"
        }
        return "sluice \(configuration.version)\nBLAS: \(blasLine)\nCPU: \(SystemInfo.cpuModel), \(CPUFeatures.current.summary)"
    }

    /// `sluice stats --help` shows the options of `stats measure`, the default subcommand
    /// that `sluice stats PATH...` runs, rather than only the list of subcommands (and the same
    /// for `shard` and `shard write`).
    static func routingHelpToDefaultSubcommands(_ arguments: [String]) -> [String] {
        let defaults = ["stats": ("measure", ["merge", "measure", "help"]), "shard": ("write", ["write", "merge", "verify", "help"])]
        guard let command = arguments.first, let (subcommand, named) = defaults[command],
              arguments.contains(where: { $0 == "--help" || $0 == "-h" }),
              !named.contains(arguments.dropFirst().first ?? "") else { return arguments }
        return [command, subcommand] + arguments.dropFirst()
    }
}
