import Foundation
import TestSupport
import XCTest

/// `sluice train` on real Fashion-MNIST (the dataset-fashion-mnist package) with the shipped
/// recipe and the course notes' MNIST CNN.
final class TrainCommandTests: XCTestCase {
    private var folder = ""
    private let recipe = Fixtures.root.appendingPathComponent("pipelines/fashion-mnist.yaml").path

    override func setUpWithError() throws {
        _ = try Fixtures.fashionMNIST("train-images-idx3-ubyte.gz")
        folder = try Fixtures.temporaryFolder()
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func metrics(_ run: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: folder + "/\(run)/metrics.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// One pass over half of the training set must classify held-out test images far above
    /// chance (10%): > 80%.
    func testOnePassOverASubsetReachesTheAccuracyBar() throws {
        let result = try SluiceRunner.run(["train", "--pipeline", recipe, "--epochs", "1", "--train-samples", "30000",
                                           "--val-samples", "2000", "--output", folder + "/run"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try metrics("run")
        XCTAssertEqual(lines.count, 1)
        for key in ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "images_per_second"] {
            XCTAssertNotNil(lines[0][key], "metrics.jsonl lacks \(key)")
        }
        let accuracy = try XCTUnwrap(lines[0]["val_accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.80, result.stdout)
        XCTAssertTrue(result.stdout.contains("Epoch 1/1"), result.stdout)
        let summary = try String(contentsOfFile: folder + "/run/summary.txt", encoding: .utf8)
        XCTAssertTrue(summary.contains("total parameters 220,234"), summary)
        for name in ["model.safetensors", "checkpoint.safetensors", "curves.png", "confusion.png", "run.json", "confusion.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/run/" + name), name)
        }
        let confusion = try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: folder + "/run/confusion.json"))) as? [String: Any])
        let counts = try XCTUnwrap(confusion["counts"] as? [[Int]])
        XCTAssertEqual(counts.count, 10)
        XCTAssertEqual(counts.joined().reduce(0, +), 2000)
    }

    /// Training 2 epochs, and training 1 then resuming for the second, give the same bytes:
    /// order, augmentation and dropout depend on (seed, epoch, index) only.
    func testResumingGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let common = ["train", "--pipeline", recipe, "--train-samples", "640", "--val-samples", "320"]
        let whole = try SluiceRunner.run(common + ["--epochs", "2", "--output", folder + "/whole"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let first = try SluiceRunner.run(common + ["--epochs", "1", "--output", folder + "/parts"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try SluiceRunner.run(common + ["--epochs", "2", "--resume", "--output", folder + "/parts"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("resuming"), second.stdout)
        for name in ["checkpoint.safetensors", "model.safetensors"] {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/whole/" + name),
                           FileManager.default.contents(atPath: folder + "/parts/" + name), name)
        }
        let wholeMetrics = try metrics("whole"), partMetrics = try metrics("parts")
        XCTAssertEqual(partMetrics.count, 2)
        XCTAssertEqual(wholeMetrics.map { $0["val_loss"] as? Double }, partMetrics.map { $0["val_loss"] as? Double })
        let again = try SluiceRunner.run(common + ["--epochs", "2", "--resume", "--output", folder + "/parts"])
        XCTAssertEqual(again.status, 64, "nothing left to train is a usage error")
    }

    /// SIGTERM (preemption) and SIGKILL at random moments of a run that checkpoints every 4
    /// steps: resumed, it ends with the bytes and the metrics of an uninterrupted run.
    func testRunsStoppedOrKilledMidEpochResumeToTheSameWeights() throws {
        let common = ["train", "--pipeline", recipe, "--train-samples", "1280", "--val-samples", "320", "--epochs", "2"]
        let whole = try SluiceRunner.run(common + ["--output", folder + "/whole"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        var random = SystemRandomNumberGenerator()
        for (signal, name) in [(SIGTERM, "term"), (SIGKILL, "kill")] {
            let run = folder + "/" + name, delay = Int.random(in: 0...400, using: &random)
            let process = Process()
            process.executableURL = try SluiceRunner.executable()
            process.arguments = common + ["--output", run, "--checkpoint-every", "4"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first mid-epoch checkpoint, then a random moment of the run.
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: run + "/checkpoint.safetensors") && process.isRunning && Date() < deadline {
                usleep(2_000)
            }
            usleep(useconds_t(delay * 1000))
            XCTAssertTrue(process.isRunning, "\(name): the run ended before the signal (after \(delay) ms)")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, signal == SIGTERM ? 143 : SIGKILL, "\(name) after \(delay) ms")
            let resumed = try SluiceRunner.run(common + ["--output", run, "--checkpoint-every", "4", "--resume"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertTrue(resumed.stdout.contains("resuming"), resumed.stdout)
            for file in ["checkpoint.safetensors", "model.safetensors"] {
                XCTAssertEqual(FileManager.default.contents(atPath: folder + "/whole/" + file), FileManager.default.contents(atPath: run + "/" + file),
                               "\(name) after \(delay) ms: \(file)")
            }
            for key in ["train_loss", "train_accuracy", "val_loss", "val_accuracy"] {
                XCTAssertEqual(try metrics("whole").map { $0[key] as? Double }, try metrics(name).map { $0[key] as? Double }, "\(name): \(key)")
            }
        }
    }

    func testModelErrorsNameTheLayerAndExit64() throws {
        let pipeline = folder + "/bad.yaml"
        try """
            version: 1
            transforms:
              train:
                - center_crop: {size: 28}
                - to_float: {}
            decode: {color: gray}
            model:
              - conv2d: {filters: 4, kernel: 3}
              - dense: {units: 10}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let described = try SluiceRunner.run(["describe", pipeline])
        XCTAssertEqual(described.status, 64)
        XCTAssertTrue(described.stderr.contains("bad.yaml:9:") && described.stderr.contains("model[1].dense")
                      && described.stderr.contains("add 'flatten: {}'"), described.stderr)
        try "version: 1\ntransforms: {train: [to_float: {}]}\nmodel: [conv2d: {filters: 4, kernal: 3}]\n"
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let typo = try SluiceRunner.run(["train", "--pipeline", pipeline])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("unknown key 'kernal'"), typo.stderr)
    }

    func testDescribeShowsTheReferenceParameterCounts() throws {
        for (name, count) in [("fashion-mnist", "220,234"), ("cifar10", "528,054")] {
            let result = try SluiceRunner.run(["describe", Fixtures.root.appendingPathComponent("pipelines/\(name).yaml").path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("total parameters \(count)"), result.stdout)
        }
    }
}
