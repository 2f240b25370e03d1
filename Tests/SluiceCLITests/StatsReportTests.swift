import Foundation
import ImageCodecs
import TensorCore
import TestSupport
import XCTest

/// `sluice stats --report DIR`: the page and its JSON, ranks merged, and the page in a browser.
final class StatsReportTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.removeTemporary(folder) }

    /// Two classes of textured images, plus a dark one and an exact copy in class "cat".
    private func makeDataset() throws -> String {
        let root = folder + "/data"
        for (label, seeds) in [("cat", 1...5), ("dog", 11...14)] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(label)", withIntermediateDirectories: true)
            for seed in seeds {
                let image = SyntheticImages.noise(width: 48 + seed, height: 40, channels: 3, seed: UInt64(seed))
                try Data(ImageEncoder.png(image)).write(to: URL(fileURLWithPath: "\(root)/\(label)/\(seed).png"))
            }
        }
        var dark = SyntheticImages.noise(width: 50, height: 40, channels: 3, seed: 99)
        for index in dark.pixels.indices { dark.pixels[index] /= 16 }
        try Data(ImageEncoder.png(dark)).write(to: URL(fileURLWithPath: "\(root)/cat/dark.png"))
        try FileManager.default.copyItem(atPath: "\(root)/cat/1.png", toPath: "\(root)/cat/copy-of-1.png")
        return root
    }

    private func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func testReportOfAFolderWithClasses() throws {
        let data = try makeDataset(), report = folder + "/report"
        let result = try SluiceRunner.run(["stats", data, "--report", report])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("report              \(report)/index.html"), result.stdout)
        let page = try String(contentsOfFile: report + "/index.html", encoding: .utf8)
        for id in ["summary", "intensities", "sizes", "classes", "failed", "exact_duplicates", "near_duplicates", "dark", "light",
                   "blurry", "low_information", "odd_aspect_ratio", "odd_size", "grayscale"] {
            XCTAssertTrue(page.contains("<section id=\"\(id)\">"), id)
        }
        XCTAssertGreaterThanOrEqual(page.components(separatedBy: "<svg").count - 1, 4)   // histogram, sizes, ratios, classes
        // Every thumbnail the page shows is a file beside it; nothing points off the disk.
        let sources = page.components(separatedBy: "<img src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertGreaterThanOrEqual(sources.count, 11)   // 8 in the class grids, then the flagged ones
        for source in sources {
            XCTAssertTrue(source.hasPrefix("thumbs/"), source)
            XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/" + source), source)
        }
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))

        let json = try json(report + "/report.json")
        let issues = try XCTUnwrap(json["issues"] as? [String: [String]])
        XCTAssertEqual(issues["dark"], ["\(data)/cat/dark.png"])
        XCTAssertEqual(json["exact_duplicates"] as? [[String]], [["\(data)/cat/1.png", "\(data)/cat/copy-of-1.png"]])
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 11)
        for image in images {
            for key in ["path", "width", "height", "scores", "class"] { XCTAssertNotNil(image[key], key) }
            XCTAssertEqual((image["scores"] as? [String: Double])?.count, 9)
        }
        XCTAssertEqual((json["summary"] as? [String: Any])?["classes"] as? [String: Int], ["cat": 7, "dog": 4])
    }

    /// Ranks measured apart with --checks, merged with --report: the report of one run.
    func testRanksMergedGiveTheReportOfOneRun() throws {
        let data = try makeDataset()
        let one = try SluiceRunner.run(["stats", data, "--report", folder + "/one"])
        XCTAssertEqual(one.status, 0, one.stderr)
        var parts: [String] = []
        for rank in 0..<3 {
            let part = folder + "/part-\(rank).json"
            let result = try SluiceRunner.run(["stats", data, "--checks", "--rank", "\(rank)", "--world-size", "3", "--json", part])
            XCTAssertEqual(result.status, 0, result.stderr)
            parts.append(part)
        }
        let merged = try SluiceRunner.run(["stats", "merge"] + parts.reversed() + ["--report", folder + "/merged"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        for file in ["report.json", "index.html"] {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(folder)/one/\(file)"), FileManager.default.contents(atPath: "\(folder)/merged/\(file)"), file)
        }
        let thumbnails = try FileManager.default.contentsOfDirectory(atPath: folder + "/one/thumbs").sorted()
        XCTAssertEqual(thumbnails, try FileManager.default.contentsOfDirectory(atPath: folder + "/merged/thumbs").sorted())
        for name in thumbnails {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(folder)/one/thumbs/\(name)"), FileManager.default.contents(atPath: "\(folder)/merged/thumbs/\(name)"))
        }
    }

    func testMistakesSayWhatToDo() throws {
        let data = try makeDataset()
        let plain = folder + "/plain.json"
        XCTAssertEqual(try SluiceRunner.run(["stats", data, "--json", plain]).status, 0)
        let merge = try SluiceRunner.run(["stats", "merge", plain, "--report", folder + "/r"])
        XCTAssertEqual(merge.status, 64)
        XCTAssertTrue(merge.stderr.contains("measure with --checks"), merge.stderr)
        let blocked = folder + "/a-file"
        XCTAssertTrue(FileManager.default.createFile(atPath: blocked, contents: Data()))
        let result = try SluiceRunner.run(["stats", data, "--report", blocked])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("cannot create the report folder \(blocked)"), result.stderr)
    }

    /// The page in headless Chromium (Debian's package, installed by `make test`): no console
    /// message, no network request from the page, and a screenshot with something on it.
    func testPageLoadsInHeadlessChromiumWithNoNetwork() throws {
        let chromium = URL(fileURLWithPath: "/usr/bin/chromium")
        guard FileManager.default.isExecutableFile(atPath: chromium.path) else {
            throw XCTSkip("chromium is not installed (make test installs it)")
        }
        let report = folder + "/report", shot = folder + "/page.png", netLog = folder + "/net.json"
        XCTAssertEqual(try SluiceRunner.run(["stats", try makeDataset(), "--report", report]).status, 0)
        let result = try SluiceRunner.run(
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--user-data-dir=\(folder)/profile", "--window-size=1200,3000", "--enable-logging=stderr",
             "--v=0", "--log-net-log=\(netLog)", "--screenshot=\(shot)", "file://\(report)/index.html"],
            executable: chromium)
        XCTAssertEqual(result.status, 0, result.stderr)
        let console = result.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertEqual(console, [], "console messages")
        // Requests of the page carry its file:// origin in their isolation key; Chromium's own
        // background requests do not.
        let log = try json(netLog)
        let names = try XCTUnwrap((log["constants"] as? [String: Any])?["logEventTypes"] as? [String: Int])
        let start = try XCTUnwrap(names["URL_REQUEST_START_JOB"])
        let events = try XCTUnwrap(log["events"] as? [[String: Any]])
        let fromPage = events.compactMap { event -> String? in
            guard event["type"] as? Int == start, let parameters = event["params"] as? [String: Any],
                  (parameters["network_isolation_key"] as? String)?.hasPrefix("file://") == true,
                  let url = parameters["url"] as? String, !url.hasPrefix("file:") else { return nil }
            return url
        }
        XCTAssertEqual(fromPage, [], "network requests from the page")
        let image = try ImageDecoder().decode([UInt8](Data(contentsOf: URL(fileURLWithPath: shot))))
        XCTAssertEqual(image.width, 1200)
        let distinct = Set(image.pixels)
        XCTAssertGreaterThan(distinct.count, 64, "a blank screenshot")
        let dark = stride(from: 0, to: image.pixels.count, by: image.channels).filter { image.pixels[$0] < 100 }.count
        XCTAssertGreaterThan(dark, 1000, "no text or chart drawn")
    }
}
