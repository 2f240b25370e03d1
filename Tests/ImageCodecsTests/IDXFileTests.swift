import Foundation
import ImageCodecs
import TestSupport
import XCTest

final class IDXFileTests: XCTestCase {
    private func idx(_ dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 8, UInt8(dimensions.count)]
        for value in dimensions { bytes += bigEndian(UInt32(value)) }
        return bytes + payload
    }

    func testPlainAndGzipFilesReadTheSame() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let payload = (0..<(3 * 4 * 5)).map { UInt8($0 % 256) }
        let plain = folder + "/images-idx3-ubyte"
        try Data(idx([3, 4, 5], payload: payload)).write(to: URL(fileURLWithPath: plain))
        let file = try IDXFile.read(plain)
        XCTAssertEqual(file.dimensions, [3, 4, 5])
        XCTAssertEqual(file.recordSize, 20)
        XCTAssertEqual(file.data, payload)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        XCTAssertEqual(try IDXFile.read(plain + ".gz").data, payload)
    }

    func testLyingHeadersAndTruncatedGzipAreErrors() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let short = folder + "/short"
        try Data(idx([1000, 28, 28], payload: [1, 2, 3])).write(to: URL(fileURLWithPath: short))
        XCTAssertThrowsError(try IDXFile.read(short)) { error in
            XCTAssertTrue("\(error)".contains("header promises 784000 bytes"), "\(error)")
        }
        let notIDX = folder + "/float"
        try Data([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: notIDX))
        XCTAssertThrowsError(try IDXFile.read(notIDX))
        let fashion = try Fixtures.fashionMNIST("t10k-labels-idx1-ubyte.gz")
        let whole = try Data(contentsOf: URL(fileURLWithPath: fashion))
        let truncated = folder + "/truncated.gz"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try IDXFile.read(truncated)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertEqual(try IDXFile.read(fashion).count, 10_000)
    }
}
