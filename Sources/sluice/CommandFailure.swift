import ArgumentParser

/// Failures the CLI maps to exit codes (docs/CLI.md): libraries throw typed errors, only the
/// executable chooses how a process ends.
enum CommandFailure: Error, CustomStringConvertible {
    /// Bad usage or input file: exit 64.
    case usage(String)
    /// A bad sample under --on-error fail: exit 65.
    case data(String)
    /// A bug or an environment problem: exit 70.
    case `internal`(String)
    /// Stopped on request (SIGTERM) after saving what a rerun continues from: exit 143, as a
    /// process ended by SIGTERM.
    case stopped(String)

    var description: String {
        switch self {
        case .usage(let message), .data(let message), .internal(let message), .stopped(let message): message
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .data: 65
        case .internal: 70
        case .stopped: 143
        }
    }
}
