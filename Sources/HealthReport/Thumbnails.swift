import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore

/// The report's thumbnails: each image the page shows, decoded again (JPEGs at a reduced DCT
/// scale), shrunk to fit `side` x `side` and saved as a PNG in the report folder.
struct Thumbnails {
    static let side = 112

    private let folder: String
    private let decoder = ImageDecoder(options: DecodeOptions(draftShorterSide: Thumbnails.side))
    private var idxSets: [String: IDXImageSet?] = [:]
    private var image = Image<UInt8>()
    private var small = Image<UInt8>()
    private var scratch = Image<UInt8>()
    /// Relative file of each image written so far, by position in the report's image list.
    private(set) var files: [Int: String] = [:]

    /// `folder` is the report's; thumbnails go to its `thumbs` subfolder.
    init(folder: String) {
        self.folder = folder
    }

    /// The thumbnail of image `position` named `name` (a file, or "IDX-FILE record N"); nil
    /// when it can no longer be read (a report merged elsewhere, a file since removed).
    mutating func file(for position: Int, name: String) -> String? {
        if let done = files[position] { return done }
        guard load(name) else { return nil }
        let scale = Double(Self.side) / Double(max(image.width, image.height))
        if scale < 1 {
            let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
            Resize.resize(image, height: height, width: width, interpolation: .bilinear, into: &small, scratch: &scratch)
        } else {
            small = image
        }
        let relative = "thumbs/\(position).png"
        guard let bytes = try? ImageEncoder.png(small, compressionLevel: 6),
              FileManager.default.createFile(atPath: folder + "/" + relative, contents: Data(bytes)) else { return nil }
        files[position] = relative
        return relative
    }

    private mutating func load(_ name: String) -> Bool {
        if let range = name.range(of: " record ", options: .backwards), let record = Int(name[range.upperBound...]) {
            let path = String(name[..<range.lowerBound])
            if idxSets[path] == nil { idxSets[path] = .some(try? IDXImageSet(imagesPath: path)) }
            guard let set = idxSets[path] ?? nil, record >= 0, record < set.count else { return false }
            image.reshape(width: set.width, height: set.height, channels: set.channels)
            set.withRecord(record) { bytes in
                image.pixels.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: bytes.baseAddress!, count: bytes.count) }
            }
            return true
        }
        do {
            _ = try decoder.decodeFile(name, into: &image)
            return image.width > 0 && image.height > 0
        } catch {
            return false
        }
    }
}
