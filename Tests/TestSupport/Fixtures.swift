import Foundation
import XCTest

/// Locations of the repository's sample files and a scratch folder per test.
public enum Fixtures {
    /// The repository root (this file is Tests/TestSupport/Fixtures.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `samples/<relative>`.
    public static func sample(_ relative: String) -> String {
        root.appendingPathComponent("samples").appendingPathComponent(relative).path
    }

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
    }

    /// `file` of the Debian dataset-fashion-mnist package (e.g. `train-images-idx3-ubyte.gz`);
    /// skips the test when the package is missing.
    public static func fashionMNIST(_ file: String) throws -> String {
        let path = "/usr/share/datasets/fashion-mnist/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        return path
    }

    /// A new empty temporary folder, removed by the caller with `removeTemporary`.
    public static func temporaryFolder(_ label: String = "sluice-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func removeTemporary(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every regular file under `folder`, sorted, as paths.
    public static func files(under folder: String) -> [String] {
        let base = URL(fileURLWithPath: folder)
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: folder) else { return [] }
        return names.sorted().map { base.appendingPathComponent($0).path }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}
