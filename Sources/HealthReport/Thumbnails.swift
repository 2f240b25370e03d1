import DatasetSources
import Foundation
import ImageCodecs
import ImageTransforms
import TensorCore

/// The report's thumbnails: each image the page shows, decoded again (JPEGs at a reduced DCT
/// scale), shrunk to fit `side` x `side` and saved as a JPEG in the report folder's `thumbs`.
struct Thumbnails {
    static let side = 112

    /// Thumbnails of `names` (by position in the report's image list) in `folder`/thumbs, made
    /// on `workers` threads: the relative file of each one that could be read.
    static func make(_ names: [Int: String], in folder: String, workers: Int) -> [Int: String] {
        let positions = names.keys.sorted()
        // IDX files named by records are read once, for every worker.
        var idxSets: [String: IDXImageSet] = [:]
        for name in names.values {
            guard let (path, _) = record(name), idxSets[path] == nil, let set = try? IDXImageSet(imagesPath: path) else { continue }
            idxSets[path] = set
        }
        let files = ParallelWork.map(positions.count, threads: workers, state: { _ in Thumbnails(folder: folder, idxSets: idxSets) }) { maker, item in
            maker.file(for: positions[item], name: names[positions[item]]!)
        }
        var made: [Int: String] = [:]
        for (position, file) in zip(positions, files) { made[position] = file }
        return made
    }

    private let folder: String
    private let decoder = ImageDecoder(options: DecodeOptions(draftShorterSide: Thumbnails.side))
    private let idxSets: [String: IDXImageSet]
    private var image = Image<UInt8>()
    private var small = Image<UInt8>()
    private var scratch = Image<UInt8>()

    private init(folder: String, idxSets: [String: IDXImageSet]) {
        self.folder = folder
        self.idxSets = idxSets
    }

    /// The IDX file and record of a name "IDX-FILE record N".
    private static func record(_ name: String) -> (String, Int)? {
        guard let range = name.range(of: " record ", options: .backwards), let record = Int(name[range.upperBound...]) else { return nil }
        return (String(name[..<range.lowerBound]), record)
    }

    /// The thumbnail of image `position` named `name` (a file, or "IDX-FILE record N"); nil
    /// when it can no longer be read (a report merged elsewhere, a file since removed).
    private mutating func file(for position: Int, name: String) -> String? {
        guard load(name) else { return nil }
        let scale = Double(Self.side) / Double(max(image.width, image.height))
        if scale < 1 {
            let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
            Resize.resize(image, height: height, width: width, interpolation: .bilinear, into: &small, scratch: &scratch)
        } else {
            small = image
        }
        let relative = "thumbs/\(position).jpg"
        var options = ImageEncoder.JPEGOptions()
        options.quality = 88
        guard let bytes = try? ImageEncoder.jpeg(small, options: options),
              FileManager.default.createFile(atPath: folder + "/" + relative, contents: Data(bytes)) else { return nil }
        return relative
    }

    private mutating func load(_ name: String) -> Bool {
        if let (path, record) = Self.record(name), let set = idxSets[path] {
            guard record >= 0, record < set.count else { return false }
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
