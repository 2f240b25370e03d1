import ArgumentParser
import Foundation

/// `--rank R --world-size W`, defaulting from the environment of the scheduler that started
/// the process (docs/CLI.md): RANK/WORLD_SIZE (torchrun), then SLURM_ARRAY_TASK_ID and
/// SLURM_ARRAY_TASK_COUNT (Slurm job arrays), then SLURM_PROCID and SLURM_NTASKS inside a job
/// step (`srun -n N`; a batch script also has them, set to the job's, so they count only where
/// SLURM_STEP_ID says the process is a step's task), then JOB_COMPLETION_INDEX (Kubernetes
/// indexed jobs, which give no count: pass --world-size).
struct RankOptions: ParsableArguments {
    @Option(help: "This process's rank (default: $RANK, $SLURM_ARRAY_TASK_ID, $SLURM_PROCID in a job step, or $JOB_COMPLETION_INDEX, else 0).")
    var rank: Int?

    @Option(name: .customLong("world-size"), help: "Number of ranks (default: $WORLD_SIZE, $SLURM_ARRAY_TASK_COUNT or $SLURM_NTASKS in a job step, else 1).")
    var worldSize: Int?

    /// The resolved (rank, world size), checked.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (rank: Int, worldSize: Int) {
        func number(_ key: String) throws -> Int? {
            guard let text = environment[key] else { return nil }
            guard let value = Int(text) else { throw CommandFailure.usage("\(key)=\(text) is not an integer") }
            return value
        }
        let inStep = environment["SLURM_STEP_ID"] != nil
        let rank = try self.rank ?? number("RANK") ?? number("SLURM_ARRAY_TASK_ID") ?? (inStep ? number("SLURM_PROCID") : nil)
            ?? number("JOB_COMPLETION_INDEX") ?? 0
        let worldSize = try self.worldSize ?? number("WORLD_SIZE") ?? number("SLURM_ARRAY_TASK_COUNT") ?? (inStep ? number("SLURM_NTASKS") : nil) ?? 1
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            let resubmitted = self.worldSize == nil && environment["SLURM_ARRAY_TASK_ID"] != nil && environment["SLURM_ARRAY_TASK_COUNT"] != nil
            throw CommandFailure.usage("rank \(rank) is not in 0..<\(worldSize) (--rank, --world-size or the scheduler's environment)"
                + (resubmitted ? "; a Slurm array task run again alone (sbatch --array=K) counts 1 task: pass --world-size N" : ""))
        }
        return (rank, worldSize)
    }
}
