import Foundation
import ImageCodecs

/// Images from an IDX file (`[count, rows, columns]` gray or `[count, rows, columns, channels]`)
/// with their labels when a labels file is given or found beside it.
public struct IDXImageSet: Sendable {
    public let images: IDXFile
    public let labels: [UInt8]?
    public let labelsPath: String?

    public var count: Int { images.count }
    public var height: Int { images.dimensions[1] }
    public var width: Int { images.dimensions[2] }
    public var channels: Int { images.dimensions.count == 4 ? images.dimensions[3] : 1 }

    /// Loads `imagesPath` and `labelsPath`, or the labels file beside the images when its name
    /// follows MNIST's convention (`*-images-idx3-ubyte*` -> `*-labels-idx1-ubyte*`).
    public init(imagesPath: String, labelsPath: String? = nil) throws(ImageFileError) {
        let images = try IDXFile.read(imagesPath)
        let dimensions = images.dimensions
        guard dimensions.count == 3 || (dimensions.count == 4 && [1, 3].contains(dimensions[3])) else {
            throw ImageFileError(path: imagesPath, reason: .malformed(
                "IDX dimensions \(dimensions) are not images [count, rows, columns(, 1 or 3 channels)]"))
        }
        self.images = images
        let labelFile = labelsPath ?? Self.siblingLabels(of: imagesPath)
        if let labelFile {
            let labels = try IDXFile.read(labelFile)
            guard labels.dimensions.count == 1, labels.count == images.count else {
                throw ImageFileError(path: labelFile, reason: .malformed(
                    "labels \(labels.dimensions) do not match \(images.count) images of \(imagesPath)"))
            }
            self.labels = labels.data
        } else {
            self.labels = nil
        }
        self.labelsPath = labelFile
    }

    /// The conventional labels file next to an images file, if it exists.
    static func siblingLabels(of imagesPath: String) -> String? {
        let folder = (imagesPath as NSString).deletingLastPathComponent
        let name = (imagesPath as NSString).lastPathComponent
        for (images, labels) in [("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1"), ("images", "labels")] {
            guard name.contains(images) else { continue }
            let candidate = (folder as NSString).appendingPathComponent(name.replacingOccurrences(of: images, with: labels))
            if candidate != imagesPath && FileManager.default.isReadableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The bytes of record `index`: `[rows, columns, channels]` in HWC order.
    public func withRecord<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let size = images.recordSize
        return try images.data.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[(index * size)..<((index + 1) * size)]))
        }
    }
}
