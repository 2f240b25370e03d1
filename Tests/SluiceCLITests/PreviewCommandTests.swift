import Foundation
import ImageCodecs
import TestSupport
import XCTest

final class PreviewCommandTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
        // Two classes of one image each: sample 0 is a/..., sample 1 is b/... (sorted names).
        for (name, source) in [("a_dress", "fashion-mnist/test/3_dress/00013.png"), ("b_boot", "fashion-mnist/test/9_ankle_boot/00000.png")] {
            try FileManager.default.createDirectory(atPath: folder + "/data/" + name, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixtures.sample(source), toPath: folder + "/data/\(name)/0.png")
        }
        try """
            version: 1
            seed: 11
            data: {train: {folder: \(folder)/data}}
            decode: {color: gray}
            transforms:
              train:
                - random_crop: {size: 28, padding: 3}
                - horizontal_flip: {}
                - to_float: {}
                - normalize: {mean: [0.5], std: [0.25]}
                - random_erasing: {p: 0.7}
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func preview(workers: Int, name: String) throws -> [UInt8] {
        let result = try SluiceRunner.run(["preview", "--pipeline", folder + "/p.yaml", "--samples", "2", "--variants", "3", "--scale", "1",
                                           "--workers", "\(workers)", "--output", folder + "/" + name])
        XCTAssertEqual(result.status, 0, result.stderr)
        return Array(try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + name)))
    }

    func testTheGridIsTheSameBytesForAnyWorkerCount() throws {
        let one = try preview(workers: 1, name: "1.png")
        XCTAssertEqual(one, try preview(workers: 2, name: "2.png"))
        XCTAssertEqual(one, try preview(workers: 8, name: "8.png"))
    }

    /// Tile (row r, column k + 1) is exactly what `sluice apply --epoch k --index r` writes for
    /// that sample: the preview shows what training gets.
    func testTilesAreWhatApplyGivesForTheSameSampleAndEpoch() throws {
        let grid = try ImageDecoder(options: DecodeOptions(color: .rgb)).decode(try preview(workers: 2, name: "grid.png"))
        // Cells 28 wide, 2-pixel padding; a 12-pixel title band, then rows of 28 + 14 (caption) + 2.
        XCTAssertEqual(grid.width, 2 + 4 * 30)
        XCTAssertEqual(grid.height, 12 + 2 + 2 * 44)
        let images = [folder + "/data/a_dress/0.png", folder + "/data/b_boot/0.png"]
        for row in 0..<2 {
            for epoch in 0..<3 {
                let result = try SluiceRunner.run(["apply", "--pipeline", folder + "/p.yaml", "--epoch", "\(epoch)", "--index", "\(row)",
                                                   images[row], "--png", "--output", folder + "/apply-\(row)-\(epoch)"])
                XCTAssertEqual(result.status, 0, result.stderr)
                let tile = try ImageDecoder(options: DecodeOptions(color: .gray)).decode(
                    Array(try XCTUnwrap(FileManager.default.contents(atPath: folder + "/apply-\(row)-\(epoch)/00000.png"))))
                let left = 2 + (epoch + 1) * 30, top = 14 + row * 44
                var cut: [UInt8] = []
                for y in 0..<28 { for x in 0..<28 { cut.append(grid.pixels[((top + y) * grid.width + left + x) * 3]) } }
                XCTAssertEqual(cut, tile.pixels, "row \(row), epoch \(epoch)")
            }
        }
    }

    func testAMissingSplitIsAUsageError() throws {
        let result = try SluiceRunner.run(["preview", "--pipeline", folder + "/p.yaml", "--split", "test", "--output", folder + "/x.png"])
        XCTAssertEqual(result.status, 64)
    }
}
