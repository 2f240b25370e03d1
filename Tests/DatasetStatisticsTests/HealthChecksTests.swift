import DatasetSources
import DatasetStatistics
import Foundation
import ImageCodecs
import TensorCore
import TestSupport
import XCTest

/// Each health check on images planted to trip it (and only it, where the definitions allow),
/// among textured images of a few sizes that trip nothing.
final class HealthChecksTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func save(_ image: Image<UInt8>, _ name: String, level: Int = 6) throws {
        try Data(ImageEncoder.png(image, compressionLevel: level)).write(to: URL(fileURLWithPath: folder + "/" + name))
    }

    /// Noise with values in `range` (a narrow range: dark or light, still textured).
    private func noise(_ width: Int, _ height: Int, channels: Int = 3, seed: UInt64, range: ClosedRange<Int> = 0...255) -> Image<UInt8> {
        var image = SyntheticImages.noise(width: width, height: height, channels: channels, seed: seed)
        let span = range.upperBound - range.lowerBound + 1
        for index in image.pixels.indices { image.pixels[index] = UInt8(range.lowerBound + Int(image.pixels[index]) % span) }
        return image
    }

    private func plant() throws {
        for (index, side) in [60, 62, 64, 64, 66, 68, 70].enumerated() {
            try save(noise(side, side, seed: UInt64(index + 1)), "normal-\(index).png")
        }
        try save(noise(64, 64, seed: 20, range: 0...40), "dark.png")
        try save(noise(64, 64, seed: 21, range: 245...255), "light.png")
        try save(Image(width: 64, height: 64, channels: 3, repeating: 128), "blank.png")
        // A smooth cone, dark at the border (the edge filter keeps the border as it is) and
        // spreading its values evenly (a peaked histogram counts against blur).
        var cone = Image<UInt8>(width: 256, height: 256, channels: 3)
        let corner = (2 * 128.0 * 128.0).squareRoot()
        for y in 0..<256 {
            for x in 0..<256 {
                let r = ((Double(x) - 127.5) * (Double(x) - 127.5) + (Double(y) - 127.5) * (Double(y) - 127.5)).squareRoot()
                for c in 0..<3 { cone[y, x, c] = UInt8(max(0, 255 * (1 - r / corner)).rounded(.down)) }
            }
        }
        try save(cone, "blurry.png")
        try save(noise(100, 25, seed: 22), "wide.png")
        try save(noise(400, 400, seed: 23), "huge.png")
        try save(noise(64, 64, channels: 1, seed: 24), "gray.png")
        // The same pixels in two files (other compression), and a near copy one level brighter.
        let copy = noise(64, 64, seed: 25, range: 0...250)
        try save(copy, "copy-a.png", level: 1)
        try save(copy, "copy-b.png", level: 9)
        var brighter = copy
        for index in brighter.pixels.indices { brighter.pixels[index] += 1 }
        try save(brighter, "copy-brighter.png")
    }

    private func findings() throws -> (names: [String], findings: HealthFindings, accumulator: StatisticsAccumulator) {
        try plant()
        let accumulator = StatisticsRunner(workers: 2, health: true).run(try Dataset.listing([folder])).accumulator
        let images = try XCTUnwrap(accumulator.health).images
        return (images.map { ($0.path as NSString).lastPathComponent }, HealthFindings(images), accumulator)
    }

    func testEachCheckFlagsItsPlantedImages() throws {
        let (names, findings, _) = try findings()
        func flagged(_ check: HealthCheck) -> Set<String> { Set((findings.flagged[check] ?? []).map { names[$0] }) }
        XCTAssertEqual(flagged(.dark), ["dark.png"])
        XCTAssertEqual(flagged(.light), ["light.png"])
        XCTAssertEqual(flagged(.lowInformation), ["blank.png"])
        XCTAssertEqual(flagged(.blurry), ["blurry.png"])
        XCTAssertEqual(flagged(.oddAspectRatio), ["wide.png"])
        XCTAssertEqual(flagged(.grayscale), ["gray.png"])
        XCTAssertTrue(flagged(.oddSize).contains("huge.png"))
        XCTAssertFalse(flagged(.oddSize).contains { $0.hasPrefix("normal-") })
        XCTAssertEqual(findings.exactDuplicates.map { $0.map { names[$0] } }, [["copy-a.png", "copy-b.png"]])
        XCTAssertEqual(findings.nearDuplicates.map { $0.map { names[$0] } }, [["copy-a.png", "copy-b.png", "copy-brighter.png"]])
        XCTAssertEqual(flagged(.exactDuplicates), ["copy-a.png", "copy-b.png"])
        XCTAssertEqual(flagged(.nearDuplicates), ["copy-a.png", "copy-b.png", "copy-brighter.png"])
    }

    /// Worst first: a darker image comes before a less dark one.
    func testFlaggedImagesComeWorstFirst() throws {
        try save(noise(64, 64, seed: 30, range: 0...10), "darkest.png")
        let (names, findings, _) = try findings()
        XCTAssertEqual((findings.flagged[.dark] ?? []).map { names[$0] }, ["darkest.png", "dark.png"])
        let scores = try XCTUnwrap(findings.scores[.dark])
        XCTAssertLessThan(scores[names.firstIndex(of: "darkest.png")!], scores[names.firstIndex(of: "dark.png")!])
    }

    /// The histograms give the same moments as the direct sums: --checks changes no figure.
    func testFiguresAreTheSameWithAndWithoutChecks() throws {
        let (_, _, withChecks) = try findings()
        var figures = withChecks
        figures.health = nil
        for workers in [1, 3] {
            XCTAssertEqual(StatisticsRunner(workers: workers).run(try Dataset.listing([folder])).accumulator, figures)
        }
        for color in [ColorMode.gray, .rgb] {
            var measured = StatisticsRunner(color: color, health: true).run(try Dataset.listing([folder])).accumulator
            measured.health = nil
            XCTAssertEqual(measured, StatisticsRunner(color: color).run(try Dataset.listing([folder])).accumulator, "\(color)")
        }
    }

    /// Parts measured apart merge into the records of one run, in the same order.
    func testMergedPartsEqualOneRun() throws {
        let (_, _, whole) = try findings()
        let dataset = try Dataset.listing([folder])
        var merged: StatisticsAccumulator?
        for rank in [2, 0, 1] {
            let part = StatisticsRunner(health: true).run(dataset.strided(rank: rank, worldSize: 3)).accumulator
            if merged == nil { merged = part } else { try merged!.merge(part) }
        }
        XCTAssertEqual(merged?.health, whole.health)
        var without = StatisticsRunner().run(dataset).accumulator
        XCTAssertThrowsError(try without.merge(whole))
    }
}
