/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    /// Row-major: `counts[truth * classes + prediction]`.
    public private(set) var counts: [Int]

    public init(classes: Int) {
        self.classes = classes
        counts = Array(repeating: 0, count: classes * classes)
    }

    /// A matrix with these counts (`classes` x `classes`, row-major); nil when they do not fit.
    public init?(classes: Int, counts: [Int]) {
        guard classes >= 1, counts.count == classes * classes, counts.allSatisfy({ $0 >= 0 }) else { return nil }
        self.classes = classes
        self.counts = counts
    }

    public mutating func add(truth: Int, prediction: Int) {
        counts[truth * classes + prediction] += 1
    }

    public subscript(truth: Int, prediction: Int) -> Int { counts[truth * classes + prediction] }

    public var total: Int { counts.reduce(0, +) }
    public var correct: Int { (0..<classes).reduce(0) { $0 + self[$1, $1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// The rows, for JSON output.
    public var rows: [[Int]] { (0..<classes).map { Array(counts[($0 * classes)..<(($0 + 1) * classes)]) } }
}
