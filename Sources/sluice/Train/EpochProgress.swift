import Dispatch
import Foundation

/// The Keras-like line of one epoch: a redrawn bar on a terminal, the final line only otherwise.
/// `Epoch 3/10  938/938 [==============================] 24s 26ms/step - loss: 0.3012 - ...`
final class EpochProgress {
    private let epoch: Int, epochs: Int, batches: Int
    private let start = DispatchTime.now()
    private let interactive = SystemInfo.stderrIsTerminal
    private var lastDraw: UInt64 = 0

    init(epoch: Int, epochs: Int, batches: Int) {
        self.epoch = epoch
        self.epochs = epochs
        self.batches = batches
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// After each training batch: redraws at most 5 times a second.
    func update(batch: Int, loss: Double) {
        guard interactive else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 200_000_000 || batch == batches else { return }
        lastDraw = now
        Terminal.status("\r" + line(batch: batch, fields: [("loss", loss)]) + "\u{1B}[K")
    }

    /// The epoch's final line, on stdout.
    func finish(fields: [(String, Double)]) {
        if interactive { Terminal.status("\r\u{1B}[K") }
        print(line(batch: batches, fields: fields))
        fflush(nil)   // a log file sees each epoch as it ends
    }

    private func line(batch: Int, fields: [(String, Double)]) -> String {
        let width = 30
        let filled = batches > 0 ? width * batch / batches : width
        let bar = String(repeating: "=", count: filled) + String(repeating: ".", count: width - filled)
        let perStep = batch > 0 ? elapsed / Double(batch) * 1000 : 0
        let values = fields.map { " - \($0.0): \(Terminal.fixed($0.1))" }.joined()
        return "Epoch \(epoch)/\(epochs)  \(batch)/\(batches) [\(bar)] \(Int(elapsed.rounded()))s \(Int(perStep.rounded()))ms/step\(values)"
    }
}
