import Foundation

/// Messages to the user: errors and progress on stderr, results on stdout.
enum Terminal {
    static func error(_ message: String) {
        fflush(nil)   // every C stream, stdout included
        FileHandle.standardError.write(Data("sluice: \(message)\n".utf8))
    }

    /// Progress and summaries; stdout is flushed first so the two streams do not interleave.
    static func status(_ message: String) {
        fflush(nil)   // every C stream, stdout included
        FileHandle.standardError.write(Data(message.utf8))
    }

    /// 12345 -> "12,345".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    static func fixed(_ value: Double, _ places: Int = 4) -> String {
        String(format: "%.\(places)f", value)
    }
}
