import Foundation
import Glibc

enum SystemInfo {
    static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

extension SystemInfo {
    /// The CPU model from /proc/cpuinfo, for benchmark reports.
    static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
