import Foundation
import Safetensors
import Trainer

/// The outputs of one training run (docs/TRAINING.md): `model.safetensors` (best weights),
/// `checkpoint.safetensors` (the last epoch's weights and optimizer state, for `--resume`),
/// `metrics.jsonl`, `summary.txt`, `run.json`, `curves.png`, `confusion.png`.
/// Files are written to a temporary name and renamed, so a killed run leaves whole files.
struct RunFolder {
    let path: String

    init(path: String) throws {
        self.path = path
        try OutputFile.makeFolder(path)
    }

    /// A folder that is only read.
    init(existing path: String) {
        self.path = path
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        let target = file(name), temporary = target + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw CommandFailure.internal("cannot write \(temporary)")
        }
        guard rename(temporary, target) == 0 else { throw CommandFailure.internal("cannot rename \(temporary) to \(target)") }
    }

    func write(_ name: String, text: String) throws { try write(name, Array(text.utf8)) }

    /// What a run writes: a fresh run (`--force`) removes them first, so no file of an old run
    /// stays beside the new one's.
    static let runFiles = ["model.safetensors", "checkpoint.safetensors", "metrics.jsonl", "summary.txt", "run.json",
                           "curves.png", "confusion.png", "confusion.json"]

    /// Whether `path` holds a run that has finished at least one epoch.
    static func holdsRun(_ path: String) -> Bool {
        ["checkpoint.safetensors", "model.safetensors", "metrics.jsonl"].contains {
            FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent($0))
        }
    }

    func removeRunFiles() {
        for name in Self.runFiles { try? FileManager.default.removeItem(atPath: file(name)) }
    }

    /// The folder's `run.json`, if it has a readable one.
    func readManifest() -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: file("run.json")) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Non-finite losses (a diverged run) are written as the strings "NaN", "Infinity".
    static let nonFinite = (positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    func writeMetrics(_ records: [EpochRecord]) throws {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: Self.nonFinite.positiveInfinity,
                                                                      negativeInfinity: Self.nonFinite.negativeInfinity, nan: Self.nonFinite.nan)
        encoder.outputFormatting = [.sortedKeys]
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try write("metrics.jsonl", text: lines.map { $0 + "\n" }.joined())
    }

    func readMetrics() -> [EpochRecord] {
        guard let text = try? String(contentsOfFile: file("metrics.jsonl"), encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: Self.nonFinite.positiveInfinity,
                                                                        negativeInfinity: Self.nonFinite.negativeInfinity, nan: Self.nonFinite.nan)
        return text.split(separator: "\n").compactMap { try? decoder.decode(EpochRecord.self, from: Data($0.utf8)) }
    }

    func writeWeights(_ model: Model, name: String, metadata: [String: String]) throws {
        try write(name, SafetensorsFile(entries: model.weightEntries, metadata: metadata).encoded())
    }

    func read(_ name: String) throws -> SafetensorsFile {
        guard let data = FileManager.default.contents(atPath: file(name)) else {
            throw CommandFailure.usage("cannot read \(file(name)): nothing to resume (train without --resume first)")
        }
        do { return try SafetensorsFile(decoding: Array(data)) } catch { throw CommandFailure.usage("\(file(name)): \(error)") }
    }
}
