import DatasetSources
import Foundation
import ImageCodecs
import TensorCore

/// The image sets the decode and stats suites run on, written once to a cache folder:
/// - `fashion-png`: the first 10,000 Fashion-MNIST training images as 28x28 gray PNGs;
/// - `small-jpeg`: 10,000 CIFAR-like 32x32 JPEGs (quality 90): random square crops of the
///   photos, box-averaged by an integer factor, like the peers' `make_test_images.py`;
/// - `small-png`: the same 32x32 images as PNGs (the pipeline suite's CIFAR-recipe set);
/// - `photos`: the benchmark photos themselves (JPEG, longest side <= 800 px).
public struct BenchSets {
    public let cache: String
    public let photosFolder: String
    public let fashionImages: String
    /// Hears what is being written (a set is made once, which takes a while).
    public let announce: @Sendable (String) -> Void

    public init(cache: String, photosFolder: String, fashionImages: String, announce: @escaping @Sendable (String) -> Void = { _ in }) {
        (self.cache, self.photosFolder, self.fashionImages, self.announce) = (cache, photosFolder, fashionImages, announce)
    }

    public struct BenchSet {
        public var name: String
        public var files: [String]
    }

    public static let count = 10_000

    /// The sets of the decode and stats suites.
    public func prepare() throws -> [BenchSet] {
        let photoFiles = try photos()
        return [
            BenchSet(name: "28x28 PNG (Fashion-MNIST)", files: try fashionPNG()),
            BenchSet(name: "32x32 JPEG", files: try smallJPEG(photoFiles)),
            BenchSet(name: "photo JPEG (<=800 px)", files: photoFiles),
        ]
    }

    /// The names `--set` takes.
    public enum Name: String, CaseIterable, Sendable {
        case fashionPNG = "fashion-png", smallPNG = "small-png", smallJPEG = "small-jpeg", photos
    }

    /// The folder of one set (the photos' own folder for `photos`), written first if needed.
    public func folder(of name: Name) throws -> String {
        switch name {
        case .fashionPNG: _ = try fashionPNG()
        case .smallPNG: _ = try smallPNG(try photos())
        case .smallJPEG: _ = try smallJPEG(try photos())
        case .photos: return photosFolder
        }
        return cache + "/" + name.rawValue
    }

    private func photos() throws -> [String] {
        let photos: Dataset
        do { photos = try Dataset.listing([photosFolder]) } catch {
            throw BenchmarkError("\(error.description) (--photos names a folder of JPEG photos)")
        }
        let files = (0..<photos.count).compactMap { index -> String? in
            if case .file(let path, _) = photos.sample(at: index) { return path }
            return nil
        }
        guard !files.isEmpty else { throw BenchmarkError("no photos under \(photosFolder)") }
        return files
    }

    private func folder(_ name: String, make: (String) throws -> Void) throws -> [String] {
        let path = cache + "/" + name
        let marker = path + "/.complete"
        if !FileManager.default.fileExists(atPath: marker) {
            announce("bench: writing \(path) (once)")
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try make(path)
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
        }
        return try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
    }

    private func fashionPNG() throws -> [String] {
        try folder("fashion-png") { path in
            let set = try IDXImageSet(imagesPath: fashionImages)
            for index in 0..<min(Self.count, set.count) {
                let image = set.withRecord(index) { Image(width: set.width, height: set.height, channels: 1, pixels: Array($0)) }
                try Data(ImageEncoder.png(image)).write(to: URL(fileURLWithPath: path + String(format: "/%05d.png", index)))
            }
        }
    }

    private func smallJPEG(_ photos: [String]) throws -> [String] {
        try smallSet("small-jpeg", photos, suffix: "jpg") { try ImageEncoder.jpeg($0) }
    }

    private func smallPNG(_ photos: [String]) throws -> [String] {
        try smallSet("small-png", photos, suffix: "png") { try ImageEncoder.png($0) }
    }

    private func smallSet(_ name: String, _ photos: [String], suffix: String, encode: (Image<UInt8>) throws -> [UInt8]) throws -> [String] {
        try folder(name) { path in
            for (index, thumbnail) in try thumbnails(photos).enumerated() {
                try Data(encode(thumbnail)).write(to: URL(fileURLWithPath: path + String(format: "/%05d.", index) + suffix))
            }
        }
    }

    /// The CIFAR-like 32x32 images: random square crops of the photos, box-averaged by an
    /// integer factor (the same for every run).
    private func thumbnails(_ photos: [String]) throws -> [Image<UInt8>] {
        var random = SplitMix(seed: 2026)
        let decoder = ImageDecoder(options: DecodeOptions(color: .rgb))
        var photo = Image<UInt8>()
        return try (0..<Self.count).map { index in
            if index % 40 == 0 { _ = try decoder.decodeFile(photos[random.below(photos.count)], into: &photo) }
            let factor = 1 + random.below(min(5, min(photo.width, photo.height) / 32))
            let side = 32 * factor
            let left = random.below(photo.width - side + 1), top = random.below(photo.height - side + 1)
            var thumbnail = Image<UInt8>(width: 32, height: 32, channels: 3)
            for y in 0..<32 {
                for x in 0..<32 {
                    for channel in 0..<3 {
                        var total = 0
                        for dy in 0..<factor {
                            for dx in 0..<factor { total += Int(photo[top + y * factor + dy, left + x * factor + dx, channel]) }
                        }
                        thumbnail[y, x, channel] = UInt8((total + factor * factor / 2) / (factor * factor))
                    }
                }
            }
            return thumbnail
        }
    }
}

/// SplitMix64, for the benchmark sets' reproducible crops.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}
