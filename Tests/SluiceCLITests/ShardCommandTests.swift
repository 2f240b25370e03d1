import DatasetSources
import Foundation
import Safetensors
import TensorShards
import TestSupport
import XCTest

/// `sluice shard` on real data: Fashion-MNIST's test split (IDX) and sample PNGs.
final class ShardCommandTests: XCTestCase {
    private var folder = ""
    private let recipe = Fixtures.root.appendingPathComponent("pipelines/fashion-mnist.yaml").path

    override func setUpWithError() throws {
        _ = try Fixtures.fashionMNIST("t10k-images-idx3-ubyte.gz")
        folder = try Fixtures.temporaryFolder()
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func shard(_ output: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> SluiceRunner.Result {
        try SluiceRunner.run(["shard", "--pipeline", recipe, "--split", "test", "--samples-per-shard", "1500", "--output", output] + extra,
                             environment: environment)
    }

    private func index(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path + "/index.json"))) as? [String: Any])
    }

    func testVerifyAndTrainingNameACorruptedShard() throws {
        let result = try shard(folder + "/s")
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = try index(folder + "/s")
        XCTAssertEqual((written["shards"] as? [Any])?.count, 7)   // 10,000 samples by 1,500
        XCTAssertEqual((written["mean"] as? [Double])?.first ?? 0, 0.2868, accuracy: 5e-5)   // Fashion-MNIST test set
        XCTAssertEqual(try SluiceRunner.run(["shard", "verify", folder + "/s"]).status, 0)
        // Flip one bit in the pixels of shard 4.
        let victim = folder + "/s/shard-00000-00004.safetensors"
        var bytes = Array(try XCTUnwrap(FileManager.default.contents(atPath: victim)))
        bytes[bytes.count / 2] ^= 0x04
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        let verify = try SluiceRunner.run(["shard", "verify", folder + "/s"])
        XCTAssertEqual(verify.status, 65)
        XCTAssertTrue(verify.stderr.contains("shard-00000-00004.safetensors: tensor 'images' is corrupted"), verify.stderr)
        XCTAssertTrue(verify.stderr.contains("6 of 7 shards intact"), verify.stderr)
        let train = try SluiceRunner.run(["train", "--pipeline", recipe, "--shards", folder + "/s", "--epochs", "1", "--output", folder + "/run"])
        XCTAssertEqual(train.status, 65)
        XCTAssertTrue(train.stderr.contains("shard-00000-00004.safetensors"), train.stderr)
        // A rerun rewrites the damaged shard and keeps the others.
        let rerun = try shard(folder + "/s")
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("(1 written, 6 kept)"), rerun.stdout)
        XCTAssertEqual(try SluiceRunner.run(["shard", "verify", folder + "/s"]).status, 0)
    }

    /// Training and previews read shards with the same determinism contract: the same weights
    /// and the same PNG as from the IDX files they were made from.
    func testTrainingAndPreviewsFromShardsEqualThoseFromTheSource() throws {
        let made = try SluiceRunner.run(["shard", "--pipeline", recipe, "--split", "train", "--output", folder + "/train"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let common = ["train", "--pipeline", recipe, "--epochs", "1", "--train-samples", "640", "--val-samples", "256"]
        XCTAssertEqual(try SluiceRunner.run(common + ["--output", folder + "/idx"]).status, 0)
        let fromShards = try SluiceRunner.run(common + ["--shards", folder + "/train", "--output", folder + "/shards"])
        XCTAssertEqual(fromShards.status, 0, fromShards.stderr)
        XCTAssertNotNil(FileManager.default.contents(atPath: folder + "/idx/model.safetensors"))
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/idx/model.safetensors"),
                       FileManager.default.contents(atPath: folder + "/shards/model.safetensors"))
        let text = try String(contentsOfFile: recipe, encoding: .utf8)
        let shardRecipe = text.replacingOccurrences(of: "  train: {idx: {images: /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz,\n                labels: /usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz}}",
                                                    with: "  train: {shards: \(folder)/train}")
        XCTAssertNotEqual(shardRecipe, text, "the recipe's train source moved; update this test")
        try shardRecipe.write(toFile: folder + "/shards.yaml", atomically: true, encoding: .utf8)
        for (pipeline, name) in [(recipe, "idx.png"), (folder + "/shards.yaml", "shards.png")] {
            let result = try SluiceRunner.run(["preview", "--pipeline", pipeline, "--samples", "3", "--variants", "3", "--output", folder + "/" + name])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/idx.png"), FileManager.default.contents(atPath: folder + "/shards.png"))
    }

    /// Four ranks as four processes (configured as torchrun would, by RANK/WORLD_SIZE) write
    /// the same shards as one process, and the merged index equals the single run's, but for
    /// which rank wrote each file.
    func testFourRanksMergeToWhatOneProcessWrites() throws {
        XCTAssertEqual(try shard(folder + "/single").status, 0)
        let executable = try SluiceRunner.executable()
        let processes = try (0..<4).map { rank -> Process in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["shard", "--pipeline", recipe, "--split", "test", "--samples-per-shard", "1500", "--output", folder + "/ranks", "--workers", "1"]
            process.environment = ProcessInfo.processInfo.environment.merging(["RANK": "\(rank)", "WORLD_SIZE": "4"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes {
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/ranks/index.json"), "ranks write partial indexes only")
        let merge = try SluiceRunner.run(["shard", "merge", folder + "/ranks"])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        for number in 0..<7 {
            let one = FileManager.default.contents(atPath: folder + "/single/shard-00000-0000\(number).safetensors")
            let four = FileManager.default.contents(atPath: folder + "/ranks/shard-0000\(number % 4)-0000\(number).safetensors")
            XCTAssertNotNil(one)
            XCTAssertEqual(one, four, "shard \(number)")
        }
        func normalized(_ index: [String: Any]) throws -> NSDictionary {
            var copy = index
            copy["ranks"] = nil
            copy["world_size"] = nil
            copy["shards"] = try XCTUnwrap(index["shards"] as? [[String: Any]]).map { shard -> [String: Any] in
                var entry = shard
                entry["file"] = nil
                entry["rank"] = nil
                return entry
            }
            return copy as NSDictionary
        }
        XCTAssertEqual(try normalized(try index(folder + "/single")), try normalized(try index(folder + "/ranks")))
        XCTAssertEqual(try SluiceRunner.run(["shard", "verify", folder + "/ranks"]).status, 0)
    }

    /// SIGKILL at random moments never leaves a shard that looks whole but is not, nor an
    /// index; the rerun completes and equals an uninterrupted run.
    func testKilledRunsLeaveNothingThatLooksCompleteAndTheRerunFinishes() throws {
        let arguments = ["shard", "--pipeline", recipe, "--split", "train", "--samples-per-shard", "3000", "--workers", "1", "--output"]
        XCTAssertEqual(try SluiceRunner.run(arguments + [folder + "/clean"]).status, 0)
        let executable = try SluiceRunner.executable()
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for attempt in 0..<6 {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + [folder + "/killed"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 20_000...(150_000 + 50_000 * UInt32(attempt)), using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/killed")) ?? []
            if names.contains("index.json") {
                // Written last, by a run that finished: it lists every shard, and they verify.
                XCTAssertEqual((try index(folder + "/killed")["shards"] as? [Any])?.count, 20)
                XCTAssertEqual(try SluiceRunner.run(["shard", "verify", folder + "/killed"]).status, 0)
            }
            for name in names where name.hasSuffix(".safetensors") {
                // A file with a shard's name is whole: its header, sizes and checksums hold.
                let bytes = Array(try XCTUnwrap(FileManager.default.contents(atPath: folder + "/killed/" + name)))
                let file = try SafetensorsFile(decoding: bytes)
                for entry in file.entries {
                    XCTAssertEqual(file.metadata["crc32c_" + entry.name], "\(CRC32C.checksum(entry.bytes))", name)
                }
            }
        }
        XCTAssertGreaterThan(interrupted, 0, "no run was killed before it ended")
        let finish = try SluiceRunner.run(arguments + [folder + "/killed"])
        XCTAssertEqual(finish.status, 0, finish.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/killed").sorted()
        XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: folder + "/clean").sorted(), "no partial files left")
        for name in names {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/killed/" + name),
                           FileManager.default.contents(atPath: folder + "/clean/" + name), name)
        }
    }

    /// Python reads the shards with the safetensors package (checking shapes, labels and every
    /// CRC-32C), and their pixels are what `sluice apply` gives for the same images.
    func testPythonReadsTheShardsAndTheyMatchApply() throws {
        let python = Fixtures.root.appendingPathComponent(".venv-test/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no .venv-test with safetensors (make test creates it)")
        }
        let pipeline = folder + "/photos.yaml"
        try """
            version: 1
            data: {train: {folder: \(Fixtures.sample("fashion-mnist/train"))}}
            decode: {color: rgb}
            transforms:
              train:
                - resize: {size: [20, 24]}
                - horizontal_flip: {}
                - to_float: {}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try SluiceRunner.run(["shard", "--pipeline", pipeline, "--samples-per-shard", "40", "--output", folder + "/s"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // `apply` with the stored transform only (the resize) gives the uint8 images the shards hold.
        try "version: 1\ntransforms:\n  train:\n    - resize: {size: [20, 24]}\n".write(toFile: folder + "/resize.yaml", atomically: true, encoding: .utf8)
        let dataset = try Dataset.listing([.path(Fixtures.sample("fashion-mnist/train"))])
        var arguments = [folder + "/s"]
        for index in [0, 17, dataset.count - 1] {
            guard case .file(let path, _) = dataset.sample(at: index) else { return XCTFail("not a file") }
            let applied = try SluiceRunner.run(["apply", "--pipeline", folder + "/resize.yaml", "--output", folder + "/a\(index)", path])
            XCTAssertEqual(applied.status, 0, applied.stderr)
            arguments.append("\(index)=\(folder)/a\(index)/00000.npy")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.fixture("shards/read_shards.py")] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("ok \(dataset.count) samples"), text)
    }
}
