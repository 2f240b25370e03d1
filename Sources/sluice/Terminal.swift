import Foundation
import TensorCore

/// Messages to the user: errors and progress on stderr, results on stdout.
enum Terminal {
    /// One line per error: control characters in it (from a file name, say) are escaped.
    static func error(_ message: String) {
        fflush(nil)   // every C stream, stdout included
        FileHandle.standardError.write(Data("sluice: \(message.escapingControlCharacters)\n".utf8))
    }

    /// Progress and summaries; stdout is flushed first so the two streams do not interleave.
    static func status(_ message: String) {
        fflush(nil)   // every C stream, stdout included
        FileHandle.standardError.write(Data(message.utf8))
    }

    /// 12345 -> "12,345".
    static func count(_ value: Int) -> String { value.groupedDigits }

    static func fixed(_ value: Double, _ places: Int = 4) -> String {
        String(format: "%.\(places)f", value)
    }
}
