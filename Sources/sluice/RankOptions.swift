import ArgumentParser
import Foundation

/// `--rank R --world-size W`, defaulting from the environment of the scheduler that started
/// the process (docs/CLI.md): RANK/WORLD_SIZE (torchrun), then SLURM_ARRAY_TASK_ID and
/// SLURM_ARRAY_TASK_COUNT (Slurm job arrays), then JOB_COMPLETION_INDEX (Kubernetes indexed
/// jobs, which give no count: pass --world-size).
struct RankOptions: ParsableArguments {
    @Option(help: "This process's rank (default: $RANK, $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX, else 0).")
    var rank: Int?

    @Option(name: .customLong("world-size"), help: "Number of ranks (default: $WORLD_SIZE or $SLURM_ARRAY_TASK_COUNT, else 1).")
    var worldSize: Int?

    /// The resolved (rank, world size), checked.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (rank: Int, worldSize: Int) {
        func number(_ key: String) throws -> Int? {
            guard let text = environment[key] else { return nil }
            guard let value = Int(text) else { throw CommandFailure.usage("\(key)=\(text) is not an integer") }
            return value
        }
        let rank = try self.rank ?? number("RANK") ?? number("SLURM_ARRAY_TASK_ID") ?? number("JOB_COMPLETION_INDEX") ?? 0
        let worldSize = try self.worldSize ?? number("WORLD_SIZE") ?? number("SLURM_ARRAY_TASK_COUNT") ?? 1
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            throw CommandFailure.usage("rank \(rank) is not in 0..<\(worldSize) (--rank, --world-size or the scheduler's environment)")
        }
        return (rank, worldSize)
    }
}
