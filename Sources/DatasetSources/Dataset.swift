import ImageCodecs
import TensorShards
import TensorCore

/// The samples of a dataset, listed without decoding: image files from folders and file
/// lists, and records of IDX files, in a fixed order. Sample `i` is the same for every run.
public struct Dataset: Sendable {
    public struct FileEntry: Sendable, Equatable {
        public var path: String
        public var label: Int?
        public init(path: String, label: Int? = nil) {
            self.path = path
            self.label = label
        }
    }

    /// A contiguous run of samples of one kind.
    public enum Part: Sendable {
        case files([FileEntry])
        case idx(IDXImageSet)
        /// Images stored by `sluice shard` (already through the deterministic prefix).
        case shards(ShardSet)

        var count: Int {
            switch self {
            case .files(let entries): entries.count
            case .idx(let set): set.count
            case .shards(let set): set.count
            }
        }
    }

    /// Where sample `i` comes from.
    public enum Sample: Sendable {
        case file(path: String, label: Int?)
        /// Record `record` of `parts[part]`, an IDX image set or a shard set.
        case record(part: Int, record: Int, label: Int?)

        public var label: Int? {
            switch self {
            case .file(_, let label), .record(_, _, let label): label
            }
        }
    }

    public let parts: [Part]
    /// Class names indexed by label (sorted folder names, or "0", "1", ... for numeric labels).
    public let classes: [String]
    /// Problems met while listing (unreadable folders, symlink loops, broken IDX files).
    public let listingFailures: [ImageFileError]
    /// Files skipped while walking folders because their extension is not an image's.
    public let otherFiles: Int
    private let offsets: [Int]
    /// When set, this dataset is the view of these indices of `parts` (see `strided`).
    let selection: [Int]?

    public init(parts: [Part], classes: [String] = [], listingFailures: [ImageFileError] = [], otherFiles: Int = 0) {
        self.init(parts: parts, classes: classes, listingFailures: listingFailures, otherFiles: otherFiles, selection: nil)
    }

    init(parts: [Part], classes: [String], listingFailures: [ImageFileError], otherFiles: Int, selection: [Int]?) {
        self.parts = parts
        self.classes = classes
        self.listingFailures = listingFailures
        self.otherFiles = otherFiles
        var offsets = [0]
        for part in parts { offsets.append(offsets.last! + part.count) }
        self.offsets = offsets
        self.selection = selection
    }

    public var count: Int { selection?.count ?? offsets.last! }

    public func sample(at position: Int) -> Sample {
        precondition(position >= 0 && position < count, "sample index \(position) out of 0..<\(count)")
        let index = selection?[position] ?? position
        // The part whose range holds index: the last offset <= index.
        var low = 0, high = parts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if offsets[middle] <= index { low = middle } else { high = middle - 1 }
        }
        let local = index - offsets[low]
        switch parts[low] {
        case .files(let entries):
            return .file(path: entries[local].path, label: entries[local].label)
        case .idx(let set):
            return .record(part: low, record: local, label: set.labels.map { Int($0[local]) })
        case .shards(let set):
            let label = set.labels[local]
            return .record(part: low, record: local, label: label >= 0 ? Int(label) : nil)
        }
    }

    /// How messages and reports name sample `position`: its file, "IDX-FILE record N" or
    /// "SHARD-FOLDER sample N".
    public func name(of position: Int) -> String {
        switch sample(at: position) {
        case .file(let path, _): path
        case .record(let part, let record, _):
            if let set = shardSet(part) { "\(set.folder) sample \(record)" } else { "\(idxSet(part)?.images.path ?? "IDX") record \(record)" }
        }
    }

    /// The shard set of `parts[part]` (for `.record` samples).
    public func shardSet(_ part: Int) -> ShardSet? {
        if case .shards(let set) = parts[part] { return set }
        return nil
    }

    /// The IDX set of `parts[part]` (for `.record` samples).
    public func idxSet(_ part: Int) -> IDXImageSet? {
        if case .idx(let set) = parts[part] { return set }
        return nil
    }
}

extension Dataset {
    /// Copies record `record` of `parts[part]` (an IDX set or a shard set) into `image`.
    /// False when the part holds files, not records.
    public func copyRecord(part: Int, record: Int, into image: inout Image<UInt8>) -> Bool {
        switch parts[part] {
        case .files: return false
        case .idx(let set):
            image.reshape(width: set.width, height: set.height, channels: set.channels)
            set.withRecord(record) { bytes in
                image.pixels.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: bytes.baseAddress!, count: bytes.count) }
            }
        case .shards(let set):
            let shape = set.index.imageShape
            image.reshape(width: shape[1], height: shape[0], channels: shape[2])
            set.withRecord(record) { bytes in
                image.pixels.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
            }
        }
        return true
    }
}
