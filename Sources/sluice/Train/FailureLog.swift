import ImageCodecs
import TensorCore
import Trainer

/// Bad samples met while training: each is reported on stderr as it happens (the loader skips
/// it); under `--on-error fail` the pass that met one ends the run with exit 65.
final class FailureLog: Sendable {
    private let failFast: Bool
    private let failures = Locked<[ImageFileError]>([])

    init(failFast: Bool) {
        self.failFast = failFast
    }

    var report: @Sendable (ImageFileError) -> Void {
        { [self] error in
            Terminal.error("skipped \(error.description)")
            failures.withLock { $0.append(error) }
        }
    }

    var count: Int { failures.withLock { $0.count } }

    /// Runs one pass over `split`; maps its errors to exit codes. A pass that used no sample at
    /// all (every one failed) ends the run: its loss would mean nothing.
    func run(_ split: String, _ pass: () throws -> PassMetrics) throws -> PassMetrics {
        let result: PassMetrics
        do { result = try pass() } catch let error as TrainingError { throw CommandFailure.usage(error.message) }
        let first = failures.withLock { $0.first }
        if failFast, let first { throw CommandFailure.data(first.description) }
        if result.confusion.total == 0 {   // counts a resumed epoch's samples before the checkpoint too
            let reason = first.map { "every sample failed; the first: \($0.description)" } ?? "the split has no samples"
            throw CommandFailure.usage("no sample of the \(split) split could be used: \(reason). `sluice describe` checks a pipeline; `sluice apply` runs one sample")
        }
        return result
    }
}
