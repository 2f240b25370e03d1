import DatasetSources
import Foundation
import Glibc
import TestSupport
import XCTest

final class DatasetListingTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.removeTemporary(folder) }

    private func touch(_ relative: String) throws {
        let path = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data([1]))
    }

    func testClassPerFolderIsSortedLikeImageFolder() throws {
        let dataset = try Dataset.listing([Fixtures.sample("fashion-mnist/train")])
        XCTAssertEqual(dataset.count, 100)
        XCTAssertEqual(dataset.classes.count, 10)
        XCTAssertEqual(dataset.classes.first, "0_tshirt_top")
        XCTAssertEqual(dataset.classes.last, "9_ankle_boot")
        guard case .file(let path, let label) = dataset.sample(at: 0) else { return XCTFail("expected a file") }
        XCTAssertEqual(label, 0)
        XCTAssertTrue(path.hasSuffix("0_tshirt_top/00001.png"), path)
        guard case .file(_, let last) = dataset.sample(at: 99) else { return XCTFail("expected a file") }
        XCTAssertEqual(last, 9)
    }

    func testWalkOrderHiddenFilesAndOtherFiles() throws {
        for name in ["b/2.png", "b/10.PNG", "a/x.jpg", "a/sub/y.jpeg", "a/.hidden.png", ".git/z.png", "readme.txt", "top.png"] {
            try touch(name)
        }
        let dataset = try Dataset.listing([folder])
        XCTAssertEqual(dataset.classes, [])   // the root holds an image: not class-per-folder
        let paths = (0..<dataset.count).map { index -> String in
            if case .file(let path, _) = dataset.sample(at: index) { return String(path.dropFirst(folder.count + 1)) }
            return ""
        }
        // sorted(os.walk()): by folder, then by name (bytes: "10.PNG" < "2.png").
        XCTAssertEqual(paths, ["top.png", "a/x.jpg", "a/sub/y.jpeg", "b/10.PNG", "b/2.png"])
        XCTAssertEqual(dataset.otherFiles, 1)
    }

    func testSymlinkLoopsAndImageNamedFoldersAreReportedNotFollowed() throws {
        try touch("cats/a.png")
        XCTAssertEqual(symlink(folder + "/cats", folder + "/cats/again"), 0)   // cats/again -> cats
        XCTAssertEqual(symlink(folder + "/self.png", folder + "/cats/self.png"), 0)
        XCTAssertEqual(symlink("self", folder + "/cats/self"), 0)   // points at itself
        try FileManager.default.createDirectory(atPath: folder + "/cats/folder.jpg", withIntermediateDirectories: true)
        let dataset = try Dataset.listing([folder])
        XCTAssertEqual(dataset.count, 1)
        let failures = Dictionary(uniqueKeysWithValues: dataset.listingFailures.map { (String($0.path.dropFirst(folder.count + 1)), $0.kind) })
        XCTAssertEqual(failures["cats/again"], "symlink_loop")
        XCTAssertEqual(failures["cats/self"], "symlink_loop")
        XCTAssertEqual(failures["cats/self.png"], "unreadable")   // dangling
        XCTAssertEqual(failures["cats/folder.jpg"], "not_a_file")
    }

    func testFileListWithLabelsCommentsAndRelativePaths() throws {
        try touch("images/one.png")
        try touch("images/with space.png")
        let list = folder + "/list.txt"
        try """
            # a comment
            images/one.png cat

            images/with space.png
            \(folder)/images/one.png dog
            """.write(toFile: list, atomically: true, encoding: .utf8)
        let dataset = try Dataset.listing([list])
        XCTAssertEqual(dataset.count, 3)
        XCTAssertEqual(dataset.classes, ["cat", "dog"])
        guard case .file(let first, let label) = dataset.sample(at: 0),
              case .file(let second, let none) = dataset.sample(at: 1) else { return XCTFail("expected files") }
        XCTAssertEqual(first, folder + "/images/one.png")
        XCTAssertEqual(label, 0)
        XCTAssertEqual(second, folder + "/images/with space.png")
        XCTAssertNil(none)
        XCTAssertEqual(dataset.sample(at: 2).label, 1)
    }

    func testMissingPathIsAUsageError() {
        XCTAssertThrowsError(try Dataset.listing([folder + "/nope"])) { error in
            XCTAssertEqual(error as? DatasetError, .notFound(folder + "/nope"))
        }
    }

    func testFIFOGivenAsAPathDoesNotHang() throws {
        let fifo = folder + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let dataset = try Dataset.listing([fifo])
        XCTAssertEqual(dataset.count, 1)   // listed; decoding reports it as a FIFO
    }

    func testListingAHundredThousandFilesIsFast() throws {
        for index in 0..<100_000 {
            let sub = folder + "/c\(index % 10)"
            if index < 10 { try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true) }
            FileManager.default.createFile(atPath: sub + "/\(index).png", contents: nil)
        }
        let start = Date()
        let dataset = try Dataset.listing([folder])
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(dataset.count, 100_000)
        XCTAssertEqual(dataset.classes.count, 10)
        print("listing 100,000 files took \(String(format: "%.2f", seconds)) s (debug build)")
    }
}

extension DatasetListingTests {
    func testADamagedImageGivenByNameIsAnImageNotAFileList() throws {
        let path = Fixtures.sample("bad/pngsuite-corrupted/xcrn0g04.png")   // signature damaged
        let dataset = try Dataset.listing([path])
        XCTAssertEqual(dataset.count, 1)
        guard case .file(let listed, _) = dataset.sample(at: 0) else { return XCTFail("expected a file") }
        XCTAssertEqual(listed, path)
    }
}

extension DatasetListingTests {
    /// Binary files that are neither images nor IDX are not read as file lists: a plain IDX file
    /// with a bad magic number says so, and a few stray bytes do not become a path.
    func testBinaryFilesAreNotFileLists() throws {
        var idx = Data([0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2])   // element type 0x0D: float
        idx.append(Data([1, 2, 3, 4]))
        let badMagic = folder + "/train-images-idx3-ubyte"
        FileManager.default.createFile(atPath: badMagic, contents: idx)
        let tiny = folder + "/stray"
        FileManager.default.createFile(atPath: tiny, contents: Data([0, 7, 1]))
        let binary = folder + "/blob.bin"
        FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x80, 0x01, 0x02]))
        let dataset = try Dataset.listing([badMagic, tiny, binary])
        XCTAssertEqual(dataset.count, 0)
        let reasons = Dictionary(uniqueKeysWithValues: dataset.listingFailures.map { ($0.path, $0.message) })
        XCTAssertEqual(reasons[badMagic], "not a valid IDX file: element type 0xd is not unsigned byte")
        XCTAssertEqual(reasons[tiny]?.hasPrefix("not a valid IDX file"), true, "\(reasons)")
        XCTAssertEqual(reasons[binary]?.contains("binary data"), true, "\(reasons)")
    }

    func testStridedViewsCoverEverySampleOnce() throws {
        let dataset = try Dataset.listing([Fixtures.sample("fashion-mnist"), Fixtures.sample("bad")])
        func paths(_ view: Dataset) -> [String] {
            (0..<view.count).map { index in
                if case .file(let path, _) = view.sample(at: index) { return path }
                return ""
            }
        }
        for world in 1...4 {
            let views = (0..<world).map { dataset.strided(rank: $0, worldSize: world) }
            let covered = views.flatMap(paths)
            XCTAssertEqual(covered.sorted(), paths(dataset).sorted(), "world \(world)")
            XCTAssertEqual(views.map(\.listingFailures.count).reduce(0, +), dataset.listingFailures.count)
        }
        XCTAssertEqual(paths(dataset.strided(rank: 1, worldSize: 3).strided(rank: 0, worldSize: 2)),
                       stride(from: 1, to: dataset.count, by: 6).map { paths(dataset)[$0] })
    }
}
