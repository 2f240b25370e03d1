import Foundation
import Glibc
import TestSupport
import XCTest

final class StatsCommandTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func testBadFilesAreEachReportedOnceAndTheRunSucceeds() throws {
        let bad = Fixtures.files(under: Fixtures.sample("bad"))
        let output = folder + "/stats.json"
        let result = try SluiceRunner.run(["stats", Fixtures.sample("bad"), Fixtures.sample("fashion-mnist/test"), "--json", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("sluice: skipped ") }
        XCTAssertEqual(lines.count, bad.count)
        for path in bad {
            XCTAssertEqual(lines.filter { $0.hasPrefix("sluice: skipped \(path): ") }.count, 1, path)
        }
        let report = try json(output)
        let failed = try XCTUnwrap(report["failed"] as? [[String: String]])
        XCTAssertEqual(Set(failed.compactMap { $0["path"] }), Set(bad))
        XCTAssertTrue(failed.allSatisfy { !($0["error"] ?? "").isEmpty })
        XCTAssertEqual(report["images"] as? Int, 50)   // the good files only
        XCTAssertEqual(report["channels"] as? Int, 1)
        for key in ["pixels", "mean", "std", "min", "max", "per_image_std_mean", "width", "height", "formats", "classes"] {
            XCTAssertNotNil(report[key], key)
        }
    }

    /// File names are data too: one that is not UTF-8 is reported (not "no such file"), one with
    /// a newline cannot forge a second line on stderr, a link loop given by name says so.
    func testHostileFileNamesAreReportedPlainly() throws {
        let images = folder + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        let good = try Data(contentsOf: URL(fileURLWithPath: Fixtures.files(under: Fixtures.sample("fashion-mnist/test"))[0]))
        try good.write(to: URL(fileURLWithPath: images + "/good.png"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: images + "/forged\nsluice: skipped x.png: fake.png"))
        let raw = Array((images + "/").utf8) + [0xFF, 0xFE, 0x80] + Array(".png".utf8) + [0]
        let descriptor = raw.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        close(descriptor)
        let result = try SluiceRunner.run(["stats", images])
        XCTAssertEqual(result.status, 0, result.stderr)
        let skipped = result.stderr.split(separator: "\n").filter { $0.hasPrefix("sluice: skipped ") }
        XCTAssertEqual(skipped.count, 2, result.stderr)
        XCTAssertTrue(skipped.contains { $0.hasPrefix("sluice: skipped \(images)/forged\\nsluice: skipped x.png: fake.png: ") }, result.stderr)
        XCTAssertTrue(skipped.contains { $0.contains("\u{FFFD}") && $0.hasSuffix("the name is not valid UTF-8; rename the file") }, result.stderr)
        // A link loop named directly.
        XCTAssertEqual(symlink(folder + "/loop", folder + "/loop"), 0)
        let loop = try SluiceRunner.run(["stats", folder + "/loop"])
        XCTAssertEqual(loop.status, 64)
        XCTAssertTrue(loop.stderr.contains("\(folder)/loop: symbolic link loop"), loop.stderr)
    }

    func testOnErrorFailExitsWith65NamingTheFile() throws {
        let result = try SluiceRunner.run(["stats", Fixtures.sample("bad"), "--on-error", "fail"])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains(Fixtures.sample("bad/empty.png") + ": empty file"), result.stderr)
    }

    func testUsageErrorsExitWith64() throws {
        XCTAssertEqual(try SluiceRunner.run(["stats", folder + "/missing"]).status, 64)
        XCTAssertEqual(try SluiceRunner.run(["stats", Fixtures.sample("good"), "--color", "purple"]).status, 64)
        XCTAssertEqual(try SluiceRunner.run(["stats", Fixtures.sample("good"), "--workers", "0"]).status, 64)
        let help = try SluiceRunner.run(["stats", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--on-error"), help.stdout)
    }

    func testMergeOfPartsEqualsTheWholeRun() throws {
        let parts = ["fashion-mnist/train", "fashion-mnist/test", "good", "bad"].map(Fixtures.sample)
        _ = try SluiceRunner.run(["stats"] + parts + ["--json", folder + "/whole.json"])
        var partFiles: [String] = []
        for (index, part) in parts.enumerated() {
            partFiles.append(folder + "/part\(index).json")
            XCTAssertEqual(try SluiceRunner.run(["stats", part, "--json", partFiles.last!]).status, 0)
        }
        let merged = try SluiceRunner.run(["stats", "merge"] + partFiles + ["--json", folder + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        var whole = try json(folder + "/whole.json"), combined = try json(folder + "/merged.json")
        // Timing; class roots and the inputs named differ per part.
        for key in ["seconds", "images_per_second", "classes", "exact", "inputs"] {
            whole[key] = nil
            combined[key] = nil
        }
        XCTAssertEqual(NSDictionary(dictionary: whole), NSDictionary(dictionary: combined))
        let mismatch = try SluiceRunner.run(["stats", Fixtures.sample("good"), "--color", "gray", "--json", folder + "/gray.json"])
        XCTAssertEqual(mismatch.status, 0)
        XCTAssertEqual(try SluiceRunner.run(["stats", "merge", partFiles[0], folder + "/gray.json"]).status, 64)
    }

    func testFashionMNISTPrintsPublishedFiguresAndAgreesWithNumPy() throws {
        let images = try Fixtures.fashionMNIST("train-images-idx3-ubyte.gz")
        let output = folder + "/fashion.json"
        let result = try SluiceRunner.run(["stats", images, "--json", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("mean                0.2860"), result.stdout)
        XCTAssertTrue(result.stdout.contains("std                 0.3530"), result.stdout)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", Fixtures.fixture("numpy_stats.py"), images]
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else { throw XCTSkip("python3 with numpy is not available (make test installs it)") }
        let numpy = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sluice = try json(output)
        XCTAssertEqual(sluice["images"] as? Int, numpy["images"] as? Int)
        XCTAssertEqual(sluice["pixels"] as? Int, numpy["pixels"] as? Int)
        for key in ["mean", "std", "per_image_std_mean"] {
            assertClose(try XCTUnwrap(sluice[key] as? [Double]), try XCTUnwrap(numpy[key] as? [Double]), atol: 1e-6, key)
        }
    }

    func testAPipelineFileIsMeasuredThroughItsSplitSource() throws {
        let pipeline = folder + "/p.yaml"
        try """
            version: 1
            data:
              train: {folder: \(Fixtures.sample("fashion-mnist/train"))}
              test: {folder: \(Fixtures.sample("fashion-mnist/test"))}
            decode: {color: rgb}
            transforms: {train: [], test: []}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try SluiceRunner.run(["stats", pipeline, "--split", "test", "--json", folder + "/s.json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try json(folder + "/s.json")
        XCTAssertEqual(report["images"] as? Int, 50)
        XCTAssertEqual(report["channels"] as? Int, 3)   // the file's decode colour
        let gray = try SluiceRunner.run(["stats", pipeline, "--color", "gray", "--json", folder + "/g.json"])
        XCTAssertEqual(gray.status, 0, gray.stderr)
        XCTAssertEqual(try json(folder + "/g.json")["images"] as? Int, 100)
        XCTAssertEqual(try json(folder + "/g.json")["channels"] as? Int, 1)
        XCTAssertEqual(try SluiceRunner.run(["stats", pipeline, "--split", "val"]).status, 64)
    }

    func testRanksMergeToExactlyTheWholeRun() throws {
        let inputs = ["fashion-mnist", "good", "bad", "photos/snake.png"].map(Fixtures.sample)
        XCTAssertEqual(try SluiceRunner.run(["stats"] + inputs + ["--json", folder + "/whole.json"]).status, 0)
        var parts: [String] = []
        for rank in 0..<3 {
            parts.append(folder + "/rank\(rank).json")
            // Rank 1 takes its place from the environment, as under torchrun; rank 2 as a task of a
            // Slurm job step (`srun -n 3`), whose batch script's own SLURM_PROCID would not count.
            let result = switch rank {
            case 1: try SluiceRunner.run(["stats"] + inputs + ["--json", parts[rank]], environment: ["RANK": "1", "WORLD_SIZE": "3"])
            case 2: try SluiceRunner.run(["stats"] + inputs + ["--json", parts[rank]],
                                         environment: ["SLURM_PROCID": "2", "SLURM_NTASKS": "3", "SLURM_STEP_ID": "0"])
            default: try SluiceRunner.run(["stats"] + inputs + ["--rank", "\(rank)", "--world-size", "3", "--json", parts[rank]])
            }
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        // A batch script (no step) with several tasks is one process: it measures everything.
        let batch = try SluiceRunner.run(["stats"] + inputs + ["--json", folder + "/batch.json"], environment: ["SLURM_PROCID": "0", "SLURM_NTASKS": "3"])
        XCTAssertEqual(batch.status, 0, batch.stderr)
        XCTAssertEqual(try json(folder + "/batch.json")["images"] as? Int, try json(folder + "/whole.json")["images"] as? Int)
        XCTAssertNotEqual(try json(parts[0])["images"] as? Int, try json(folder + "/whole.json")["images"] as? Int)
        XCTAssertEqual(try SluiceRunner.run(["stats", "merge"] + parts + ["--json", folder + "/merged.json"]).status, 0)
        var whole = try json(folder + "/whole.json"), merged = try json(folder + "/merged.json")
        for key in ["seconds", "images_per_second"] { whole[key] = nil; merged[key] = nil }
        XCTAssertEqual(NSDictionary(dictionary: merged), NSDictionary(dictionary: whole))
        XCTAssertEqual(try SluiceRunner.run(["stats"] + inputs + ["--rank", "3", "--world-size", "3"]).status, 64)
        XCTAssertEqual(try SluiceRunner.run(["stats"] + inputs, environment: ["SLURM_ARRAY_TASK_ID": "x"]).status, 64)
    }

    /// Parts of a pipeline file whose `classes:` names its labels merge with those names, and
    /// parts named otherwise are not merged with them.
    func testMergedPartsKeepThePipelinesClassNames() throws {
        let pipeline = folder + "/named.yaml"
        try """
            version: 1
            data:
              test: {idx: {images: \(try Fixtures.fashionMNIST("t10k-images-idx3-ubyte.gz")), labels: \(try Fixtures.fashionMNIST("t10k-labels-idx1-ubyte.gz"))}}
            classes: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]
            transforms: {test: [to_float: {}]}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SluiceRunner.run(["stats", pipeline, "--split", "test", "--json", folder + "/whole.json"]).status, 0)
        for rank in 0..<2 {
            let result = try SluiceRunner.run(["stats", pipeline, "--split", "test", "--rank", "\(rank)", "--world-size", "2", "--json", folder + "/part\(rank).json"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try SluiceRunner.run(["stats", "merge", folder + "/part0.json", folder + "/part1.json", "--json", folder + "/merged.json"]).status, 0)
        var whole = try json(folder + "/whole.json"), merged = try json(folder + "/merged.json")
        XCTAssertEqual((merged["classes"] as? [String: Int])?["Ankle boot"], 1000)
        for key in ["seconds", "images_per_second"] { whole[key] = nil; merged[key] = nil }
        XCTAssertEqual(NSDictionary(dictionary: merged), NSDictionary(dictionary: whole))
        let folderPart = folder + "/folder.json"
        XCTAssertEqual(try SluiceRunner.run(["stats", Fixtures.sample("fashion-mnist/test"), "--json", folderPart]).status, 0)
        let mixed = try SluiceRunner.run(["stats", "merge", folder + "/part0.json", folderPart])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertTrue(mixed.stderr.contains("merge parts of one pipeline file"), mixed.stderr)
    }
}
