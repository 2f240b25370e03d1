import Foundation
import Glibc

enum SystemInfo {
    static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}
