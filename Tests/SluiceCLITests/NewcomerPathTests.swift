import Foundation
import TestSupport
import XCTest

/// What a person does on the first day: every command with its outputs under folders that do
/// not exist yet, a pipeline of their own kept beside its data, and the mistakes people make,
/// each caught by `describe` before training and refused by `train` with what to do next.
final class NewcomerPathTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    /// mydata/{train,val}/{cats,dogs} of real photos and mydata/pipeline.yaml naming them
    /// relative to itself; `edit` changes the text.
    private func makeProject(_ edit: (String) -> String = { $0 }) throws -> String {
        let photos = ["cats": ["chelsea.jpg", "coffee.jpg", "astronaut.jpg"], "dogs": ["rocket.jpg", "egret.jpg", "snake.jpg"]]
        for (label, names) in photos {
            for split in ["train", "val"] {
                let target = "\(folder)/mydata/\(split)/\(label)"
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                for name in split == "train" ? names : [names[0]] {
                    try FileManager.default.copyItem(atPath: Fixtures.sample("photos/\(name)"), toPath: "\(target)/\(name)")
                }
            }
        }
        let text = """
            version: 1
            decode: {color: rgb}
            data:
              train: {folder: train}
              test: {folder: val}
            transforms:
              train:
                - resize: {size: 40}
                - random_crop: {size: 32}
                - to_float: {}
              test:
                - resize: {size: 40}
                - center_crop: {size: 32}
                - to_float: {}
            model:
              - conv2d: {filters: 4, kernel: 3}
              - relu: {}
              - global_avg_pool: {}
              - dense: {units: 2}
            train: {epochs: 1}
            """
        let path = "\(folder)/mydata/pipeline.yaml"
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func run(_ arguments: [String]) throws -> SluiceRunner.Result {
        try SluiceRunner.run(arguments)
    }

    func testEveryCommandWritesUnderFoldersThatDoNotExistYet() throws {
        let pipeline = try makeProject()
        let out = "\(folder)/not/yet"
        let commands: [([String], String)] = [
            (["stats", "\(folder)/mydata/train", "--json", "\(out)/stats/stats.json"], "\(out)/stats/stats.json"),
            (["describe", pipeline], ""),
            (["preview", "--pipeline", pipeline, "--samples", "2", "--variants", "2", "--output", "\(out)/preview/grid.png"], "\(out)/preview/grid.png"),
            (["apply", "--pipeline", pipeline, Fixtures.sample("photos/chelsea.jpg"), "--output", "\(out)/apply"], "\(out)/apply/00000.npy"),
            (["shard", "--pipeline", pipeline, "--split", "test", "--output", "\(out)/shards", "--rank", "0", "--world-size", "2"],
             "\(out)/shards/index-rank-00000.json"),
            (["shard", "--pipeline", pipeline, "--split", "test", "--output", "\(out)/shards", "--rank", "1", "--world-size", "2"],
             "\(out)/shards/index-rank-00001.json"),
            (["shard", "merge", "\(out)/shards", "--output", "\(out)/merged"], "\(out)/merged/index.json"),
            (["shard", "verify", "\(out)/merged"], ""),
            (["train", "--pipeline", pipeline, "--output", "\(out)/runs/first"], "\(out)/runs/first/model.safetensors"),
        ]
        for (arguments, made) in commands {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments.prefix(2)): \(result.stderr)")
            if !made.isEmpty { XCTAssertTrue(FileManager.default.fileExists(atPath: made), "\(arguments.prefix(2)) made no \(made)") }
        }
        // A file where a folder is needed is a usage error that names it.
        try "x".write(toFile: "\(folder)/taken", atomically: true, encoding: .utf8)
        let blocked = try run(["stats", "\(folder)/mydata/train", "--json", "\(folder)/taken/stats.json"])
        XCTAssertEqual(blocked.status, 64, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("taken"), blocked.stderr)
    }

    func testDescribeCatchesWhatTrainWouldRefuse() throws {
        let cases: [(String, (String) -> String, String)] = [
            ("a misspelled source", { $0.replacingOccurrences(of: "{folder: train}", with: "{folder: trian}") }, "trian"),
            ("a crop larger than the images", { $0.replacingOccurrences(of: "random_crop: {size: 32}", with: "random_crop: {size: 64}") },
             "crop 64x64 is larger"),
            ("another size for validation", { $0.replacingOccurrences(of: "center_crop: {size: 32}", with: "center_crop: {size: 24}") },
             "the validation split gives [3, 24, 24] per sample, train gives [3, 32, 32]"),
            ("fewer units than labels", { $0.replacingOccurrences(of: "dense: {units: 2}", with: "dense: {units: 1}") }, "give it 2 units"),
            ("channels left open", { $0.replacingOccurrences(of: "decode: {color: rgb}", with: "decode: {color: auto}") },
             "set decode: {color: rgb}"),
        ]
        for (name, edit, expected) in cases {
            Fixtures.removeTemporary("\(folder)/mydata")
            let pipeline = try makeProject(edit)
            let described = try run(["describe", pipeline])
            XCTAssertEqual(described.status, 64, "\(name): describe must fail")
            XCTAssertTrue(described.stderr.contains(expected), "\(name): \(described.stderr)")
            let trained = try run(["train", "--pipeline", pipeline, "--output", "\(folder)/run"])
            XCTAssertNotEqual(trained.status, 0, "\(name): train must refuse too")
            XCTAssertFalse(RunFiles.present(in: "\(folder)/run"), "\(name): a refused run leaves no run files")
        }
    }

    /// With pad_if_needed off and images that decode, but a chain no image fits, every sample
    /// fails: train stops with the first reason instead of a NaN loss, and leaves no run.
    func testTrainStopsWhenEverySampleFails() throws {
        let pipeline = try makeProject {
            $0.replacingOccurrences(of: "random_crop: {size: 32}", with: "random_crop: {size: 64}")
                .replacingOccurrences(of: "center_crop: {size: 32}", with: "center_crop: {size: 64}")
        }
        let trained = try run(["train", "--pipeline", pipeline, "--output", "\(folder)/run"])
        XCTAssertEqual(trained.status, 64, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("no sample of the train split could be used") && trained.stderr.contains("crop 64x64"),
                      trained.stderr)
        XCTAssertFalse(trained.stderr.contains("internal error"), trained.stderr)
        XCTAssertFalse(RunFiles.present(in: "\(folder)/run"))
    }

    func testARunIsNeverOverwrittenOrResumedWithOtherSettings() throws {
        let pipeline = try makeProject()
        let output = "\(folder)/run"
        XCTAssertEqual(try run(["train", "--pipeline", pipeline, "--output", output]).status, 0)
        let weights = FileManager.default.contents(atPath: "\(output)/model.safetensors")
        let again = try run(["train", "--pipeline", pipeline, "--output", output])
        XCTAssertEqual(again.status, 64)
        XCTAssertTrue(again.stderr.contains("already holds a run") && again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: "\(output)/model.safetensors"), weights, "the first run is untouched")
        let changed = try run(["train", "--pipeline", pipeline, "--output", output, "--epochs", "2", "--resume", "--train-samples", "4"])
        XCTAssertEqual(changed.status, 64)
        XCTAssertTrue(changed.stderr.contains("--train-samples: was not set, now 4"), changed.stderr)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(output)/run.json"))) as? [String: Any])
        XCTAssertNotNil(manifest["train_samples"])
        XCTAssertNotNil(manifest["val_samples"])
        XCTAssertEqual(try run(["train", "--pipeline", pipeline, "--output", output, "--epochs", "2", "--resume"]).status, 0)
        let forced = try run(["train", "--pipeline", pipeline, "--output", output, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let lines = try String(contentsOfFile: "\(output)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "--force starts over")
    }

    /// `apply --sample N` is sample N of the split as training sees it: the same bytes as the
    /// image itself given with --index N, and index.tsv names where each output came from.
    func testApplyTakesSamplesOfTheSplitByIndex() throws {
        let pipeline = try makeProject()
        // Sorted listing: cats/astronaut, cats/chelsea, cats/coffee, dogs/egret, dogs/rocket, ...
        let bySample = try run(["apply", "--pipeline", pipeline, "--epoch", "2", "--sample", "4", "--output", "\(folder)/a"])
        XCTAssertEqual(bySample.status, 0, bySample.stderr)
        let byPath = try run(["apply", "--pipeline", pipeline, "--epoch", "2", "--index", "4", "\(folder)/mydata/train/dogs/rocket.jpg",
                              "--output", "\(folder)/b"])
        XCTAssertEqual(byPath.status, 0, byPath.stderr)
        let sampled = FileManager.default.contents(atPath: "\(folder)/a/sample-00004.npy")
        XCTAssertNotNil(sampled)
        XCTAssertEqual(sampled, FileManager.default.contents(atPath: "\(folder)/b/00000.npy"))
        let index = try String(contentsOfFile: "\(folder)/a/index.tsv", encoding: .utf8)
        XCTAssertTrue(index.contains("sample-00004.npy\t\(folder)/mydata/train/dogs/rocket.jpg\t4\t2\t1"), index)
        let outside = try run(["apply", "--pipeline", pipeline, "--sample", "6", "--output", "\(folder)/c"])
        XCTAssertEqual(outside.status, 64)
        XCTAssertTrue(outside.stderr.contains("has 6 samples"), outside.stderr)
    }

    func testStatsOnAFolderWithoutImagesIsAUsageError() throws {
        try FileManager.default.createDirectory(atPath: "\(folder)/empty/sub", withIntermediateDirectories: true)
        try "notes".write(toFile: "\(folder)/empty/sub/readme.txt", atomically: true, encoding: .utf8)
        let result = try run(["stats", "\(folder)/empty"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("no images in"), result.stderr)
    }
}

/// The files `sluice train` writes into its output folder.
private enum RunFiles {
    static func present(in folder: String) -> Bool {
        ["model.safetensors", "checkpoint.safetensors", "metrics.jsonl", "summary.txt", "run.json"].contains {
            FileManager.default.fileExists(atPath: "\(folder)/\($0)")
        }
    }
}
