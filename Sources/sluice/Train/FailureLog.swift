import ImageCodecs
import Synchronization
import Trainer

/// Bad samples met while training: each is reported on stderr as it happens (the loader skips
/// it); under `--on-error fail` the pass that met one ends the run with exit 65.
final class FailureLog: Sendable {
    private let failFast: Bool
    private let failures = Mutex<[ImageFileError]>([])

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

    /// Runs one pass; maps its errors to exit codes.
    func run<Result>(_ pass: () throws -> Result) throws -> Result {
        let result: Result
        do { result = try pass() } catch let error as TrainingError { throw CommandFailure.usage(error.message) }
        if failFast, let first = failures.withLock({ $0.first }) { throw CommandFailure.data(first.description) }
        return result
    }
}
