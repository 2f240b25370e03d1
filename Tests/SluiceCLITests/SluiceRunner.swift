import Foundation
import XCTest

/// Runs the built `sluice` executable and captures what it prints.
struct SluiceRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `sluice` built beside the test bundle (swift build --build-tests builds both).
    static func executable() throws -> URL {
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for folder in candidates {
            let url = folder.appendingPathComponent("sluice")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("sluice executable not found beside the tests (build with swift build --build-tests)")
    }

    static func run(_ arguments: [String], executable: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try executable ?? self.executable()
        process.arguments = arguments
        // The test's own environment (minus scheduler variables) plus the given ones.
        var base = ProcessInfo.processInfo.environment
        for key in ["RANK", "WORLD_SIZE", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_ID",
                    "JOB_COMPLETION_INDEX"] { base[key] = nil }
        process.environment = base.merging(environment) { $1 }
        // stderr goes to a file, so neither stream can fill up and block the process.
        let errorPath = NSTemporaryDirectory() + "sluice-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errors.close()
        let errorData = FileManager.default.contents(atPath: errorPath) ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData, as: UTF8.self))
    }
}
