import DatasetSources
import DatasetStatistics
import Foundation
import TestSupport
import XCTest

/// The health checks against cleanvision 0.3.7's answers on the sample images
/// (Tests/Fixtures/cleanvision/*.json, written by bench/peer_cleanvision.py --answers-only).
///
/// Images Pillow opens as mode "L" or "RGB" get cleanvision's scores to 1e-9 and its flags. The
/// other modes differ by design (docs/HEALTH.md): cleanvision measures a palette image's indices,
/// a 1-bit image as 0/1 and a 16-bit one as 0-65535, where Sluice measures the decoded colours.
final class CleanvisionAgreementTests: XCTestCase {
    private struct Answers: Decodable {
        struct Image: Decodable {
            var mode: String
            var issues: [String]
            var scores: [String: Double]
        }
        var images: [String: Image]
        var exact_duplicates: [[String]]
        var near_duplicates: [[String]]
        var unreadable: [String]
    }

    private func check(_ set: String, sameImages: Bool) throws {
        let answers = try JSONDecoder().decode(Answers.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.fixture("cleanvision/\(set).json"))))
        let folder = Fixtures.sample(set)
        let records = try XCTUnwrap(StatisticsRunner(health: true).run(try Dataset.listing([folder])).accumulator.health).images
        let names = records.map { String($0.path.dropFirst(folder.count + 1)) }
        let findings = HealthFindings(records)
        var compared = 0
        for (index, name) in names.enumerated() {
            guard let theirs = answers.images[name] else {
                XCTAssertTrue(answers.unreadable.contains(name), "\(name): read by Sluice only, and not listed as unreadable by cleanvision")
                continue
            }
            guard ["L", "RGB"].contains(theirs.mode) else { continue }
            compared += 1
            for check in HealthCheck.allCases where check != .oddSize || sameImages {
                let score = try XCTUnwrap(findings.scores[check])[index]
                XCTAssertEqual(score, try XCTUnwrap(theirs.scores[check.rawValue]), accuracy: 1e-9, "\(name) \(check.rawValue)")
                XCTAssertEqual(findings.flagged[check]!.contains(index), theirs.issues.contains(check.rawValue), "\(name) \(check.rawValue)")
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 10)
        func paths(_ sets: [[Int]]) -> [[String]] { sets.map { $0.map { names[$0] }.sorted() }.sorted { $0.lexicographicallyPrecedes($1) } }
        XCTAssertEqual(paths(findings.exactDuplicates), answers.exact_duplicates.sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertEqual(paths(findings.nearDuplicates), answers.near_duplicates.sorted { $0.lexicographicallyPrecedes($1) })
    }

    func testSamplePhotosGetCleanvisionsScores() throws {
        try check("photos", sameImages: true)
    }

    /// PngSuite and video frames (re-encoded copies: exact and near duplicates). cleanvision
    /// cannot score the gray + alpha file, so odd_size, relative to the whole set, is left out.
    func testSampleGoodImagesGetCleanvisionsScores() throws {
        try check("good", sameImages: false)
    }
}
