import Dispatch
import Foundation
import TensorCore

/// Shows a counter's progress on stderr: a redrawn bar on a terminal, a plain line every
/// 10 seconds otherwise (logs stay readable). Silent for runs that end quickly.
final class ProgressDisplay: @unchecked Sendable {
    private let counter: ProgressCounter
    private let label: String
    private let start = DispatchTime.now()
    private let queue = DispatchQueue(label: "sluice.progress")
    private let timer: DispatchSourceTimer
    private let interactive = SystemInfo.stderrIsTerminal
    private var drawn = false

    init(_ counter: ProgressCounter, label: String) {
        self.counter = counter
        self.label = label
        timer = DispatchSource.makeTimerSource(queue: queue)
        let interval: DispatchTimeInterval = interactive ? .milliseconds(200) : .seconds(10)
        timer.schedule(deadline: .now() + (interactive ? .milliseconds(500) : .seconds(10)), repeating: interval)
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    private func draw() {
        let done = counter.completed, total = max(counter.total, 1)
        let rate = Double(done) / max(elapsed, 1e-9)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let text = "\(label) \(Terminal.count(done))/\(Terminal.count(total)) " +
            "\(Terminal.count(Int(rate))) img/s, \(Int(remaining.rounded())) s left"
        if interactive {
            let width = 30, filled = width * done / total
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            Terminal.status("\r[\(bar)] \(text)\u{1B}[K")
            drawn = true
        } else {
            Terminal.status(text + "\n")
        }
    }

    /// Stops and clears the bar; returns the elapsed seconds.
    @discardableResult
    func finish() -> Double {
        timer.cancel()
        queue.sync { if drawn { Terminal.status("\r\u{1B}[K") } }
        return elapsed
    }
}
