import Dispatch
import Glibc
import Synchronization

/// SIGTERM (what Slurm preemption, `scontrol requeue` and Kubernetes eviction send) as a request
/// the training loop sees after its current step: it then writes a checkpoint and exits, so a
/// requeued job resumes with `--resume` and loses nothing.
final class StopRequest {
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private let requested = Flag()
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGTERM, SIG_IGN)   // delivered to the source below instead of ending the process
        source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        let requested = self.requested
        source.setEventHandler { requested.value.store(true, ordering: .relaxed) }
        source.resume()
    }

    var isRequested: Bool { requested.value.load(ordering: .relaxed) }

    deinit {
        source.cancel()
        signal(SIGTERM, SIG_DFL)
    }
}
