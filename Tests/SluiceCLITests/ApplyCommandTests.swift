import Foundation
import TestSupport
import XCTest

final class ApplyCommandTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.removeTemporary(folder) }

    private let images = ["fashion-mnist/test/3_dress/00013.png", "photos/chelsea.jpg", "photos/snake-grayscale.png"].map(Fixtures.sample)

    private func apply(_ arguments: [String], into name: String) throws -> SluiceRunner.Result {
        try SluiceRunner.run(["apply", "--pipeline", Fixtures.root.appendingPathComponent("pipelines/cifar10.yaml").path]
                             + arguments + images + ["--output", folder + "/" + name])
    }

    private func output(_ name: String, _ index: Int) throws -> NumPyFile {
        try NumPyFile(path: folder + "/\(name)/" + String(format: "%05d.npy", index))
    }

    func testSameSeedEpochAndIndexGiveTheSameBytes() throws {
        XCTAssertEqual(try apply(["--epoch", "3", "--index", "10"], into: "a").status, 0)
        XCTAssertEqual(try apply(["--epoch", "3", "--index", "10", "--png"], into: "b").status, 0)
        XCTAssertEqual(try apply(["--epoch", "3", "--index", "11"], into: "c").status, 0)
        for index in images.indices {
            let a = try output("a", index), b = try output("b", index)
            XCTAssertEqual(a.shape, [3, 32, 32])
            XCTAssertEqual(a.float32, b.float32)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/b/" + String(format: "%05d.png", index)))
        }
        XCTAssertNotEqual(try output("a", 0).float32, try output("c", 0).float32)   // sample 10 vs 11
        // The same image as the same sample (11 of epoch 3) gives the same bytes in any run.
        let single = try SluiceRunner.run(["apply", "--pipeline", Fixtures.root.appendingPathComponent("pipelines/cifar10.yaml").path,
                                           "--epoch", "3", "--index", "11", images[1], "--output", folder + "/d"])
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertEqual(try output("d", 0).float32, try output("a", 1).float32)
    }

    func testOutputBeforeToFloatIsUInt8HWC() throws {
        let pipeline = folder + "/crop.yaml"
        try "version: 1\ntransforms:\n  train:\n    - center_crop: {size: [5, 7]}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try SluiceRunner.run(["apply", "--pipeline", pipeline, images[1], "--output", folder + "/u8"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let file = try NumPyFile(path: folder + "/u8/00000.npy")
        XCTAssertEqual(file.shape, [5, 7, 3])
        XCTAssertEqual(file.uint8.count, 105)
    }

    func testAWrongChainExits64BeforeReadingImages() throws {
        let pipeline = folder + "/wrong.yaml"
        try "version: 1\ntransforms:\n  train:\n    - to_float: {}\n    - horizontal_flip: {}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try SluiceRunner.run(["apply", "--pipeline", pipeline, folder + "/missing.png", "--output", folder + "/x"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("wrong.yaml:5:") && result.stderr.contains("transforms.train[1]")
                      && result.stderr.contains("place it before to_float"), result.stderr)
        let typo = try SluiceRunner.run(["describe", Fixtures.fixture("missing.yaml")])
        XCTAssertEqual(typo.status, 64)
    }

    func testDescribeShowsEveryShippedPipeline() throws {
        for name in ["fashion-mnist", "cifar10", "photos"] {
            let result = try SluiceRunner.run(["describe", Fixtures.root.appendingPathComponent("pipelines/\(name).yaml").path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("split train"), result.stdout)
            XCTAssertTrue(result.stdout.contains("float32 ["), result.stdout)
        }
    }

    func testAnImageTheChainCannotTakeIsReportedAndTheOthersWritten() throws {
        let pipeline = folder + "/crop.yaml"
        try "version: 1\ntransforms:\n  train:\n    - random_crop: {size: 40}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let result = try SluiceRunner.run(["apply", "--pipeline", pipeline, images[0], images[1], "--output", folder + "/mixed"])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains("skipped \(images[0]): random_crop"), result.stderr)   // 28x28 < 40
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/mixed/00000.npy"))
        XCTAssertEqual(try NumPyFile(path: folder + "/mixed/00001.npy").shape, [40, 40, 3])
    }
}
