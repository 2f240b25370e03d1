import Foundation

/// The dataset health checks, with cleanvision 0.3.7's scores and default thresholds: a score is
/// in [0, 1], lower is worse, and an image is flagged when its score is below the threshold.
public enum HealthCheck: String, CaseIterable, Codable, Sendable {
    case exactDuplicates = "exact_duplicates"
    case nearDuplicates = "near_duplicates"
    case dark
    case light
    case blurry
    case lowInformation = "low_information"
    case oddAspectRatio = "odd_aspect_ratio"
    case oddSize = "odd_size"
    case grayscale

    /// The check in one sentence, for the report.
    public var definition: String {
        switch self {
        case .exactDuplicates: "Images whose decoded pixels are identical (same size, channels and values)."
        case .nearDuplicates: "Images with the same perceptual hash (phash, 64 bits) that are not all exact duplicates of each other."
        case .dark: "The 99th percentile of pixel brightness is below 0.32: nearly the whole image is dark."
        case .light: "The 5th percentile of pixel brightness is above 0.95: nearly the whole image is bright."
        case .blurry: "Few edges: 1 - exp(-0.01 x std of the edge filter on a 64-pixel gray copy), plus a term for spread-out histograms, is below 0.29."
        case .lowInformation: "The histogram's entropy is below 3 bits: few distinct values, such as a nearly blank image."
        case .oddAspectRatio: "The shorter side is under 0.35 of the longer one."
        case .oddSize: "sqrt(width x height) lies far (more than 3 interquartile ranges) outside the dataset's middle half."
        case .grayscale: "Stored with one channel (gray), at any bit depth."
        }
    }

    /// Flagged below this score (odd_size: 1 when every image has the same size).
    var threshold: Double {
        switch self {
        case .exactDuplicates, .nearDuplicates, .grayscale: 1
        case .dark: 0.32
        case .light: 0.05
        case .blurry: 0.29
        case .lowInformation: 0.3
        case .oddAspectRatio: 0.35
        case .oddSize: 0.5
        }
    }
}

/// The checks' outcome over a dataset's images (in `images` order, which callers keep sorted by
/// path so that any partition of the dataset gives the same findings).
public struct HealthFindings: Sendable {
    /// scores[check][i]: image i's score for the check.
    public var scores: [HealthCheck: [Double]]
    /// The flagged images of each check, worst (lowest score) first, then by position.
    public var flagged: [HealthCheck: [Int]]
    /// Sets of exact and near duplicates, each in image order, the sets by their first image.
    public var exactDuplicates: [[Int]]
    public var nearDuplicates: [[Int]]

    public init(_ images: [ImageHealth]) {
        var scores: [HealthCheck: [Double]] = [:]
        scores[.dark] = images.map(\.brightness99)
        scores[.light] = images.map { 1 - $0.brightness5 }
        scores[.oddAspectRatio] = images.map { Swift.min(Double($0.width) / Double($0.height), Double($0.height) / Double($0.width)) }
        scores[.lowInformation] = images.map { Swift.min(0.1 * $0.entropy, 1) }
        scores[.blurry] = images.map { image in
            let blur = 1 - exp(-image.edgeStd * 0.01)
            let spread = 1 - exp(-image.histogramStd * 0.01)
            return Swift.min(blur + (spread <= 0.18 ? 0 : spread), 1)
        }
        scores[.grayscale] = images.map { $0.grayscale ? 0 : 1 }
        let (sizeScores, sizeThreshold) = Self.sizeScores(images)
        scores[.oddSize] = sizeScores

        exactDuplicates = Self.groups(images.indices.map { images[$0].digest })
        let exactSets = Set(exactDuplicates)
        nearDuplicates = Self.groups(images.indices.map { ImageHealth.hex(images[$0].phash) }).filter { !exactSets.contains($0) }
        for (check, sets) in [(HealthCheck.exactDuplicates, exactDuplicates), (.nearDuplicates, nearDuplicates)] {
            var values = [Double](repeating: 1, count: images.count)
            for set in sets { for index in set { values[index] = 1 / Double(set.count) } }
            scores[check] = values
        }

        var flagged: [HealthCheck: [Int]] = [:]
        for check in HealthCheck.allCases {
            let values = scores[check]!
            let threshold = check == .oddSize ? sizeThreshold : check.threshold
            flagged[check] = values.indices.filter { values[$0] < threshold }.sorted { (values[$0], $0) < (values[$1], $1) }
        }
        self.scores = scores
        self.flagged = flagged
    }

    /// Sets of two or more positions sharing a key, by first position.
    private static func groups(_ keys: [String]) -> [[Int]] {
        var members: [String: [Int]] = [:]
        var order: [String] = []
        for (index, key) in keys.enumerated() {
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(index)
        }
        return order.compactMap { members[$0]!.count > 1 ? members[$0] : nil }
    }

    /// cleanvision's odd_size: distance of sqrt(area) from the middle of [Q1 - 3 IQR, Q3 + 3 IQR],
    /// over that range's width (or over the middle when every size is equal), clipped to [0, 1].
    private static func sizeScores(_ images: [ImageHealth]) -> ([Double], Double) {
        guard !images.isEmpty else { return ([], 0.5) }
        let sizes = images.map { Double($0.width).squareRoot() * Double($0.height).squareRoot() }
        let sorted = sizes.sorted()
        let q1 = percentile(sorted, 25), q3 = percentile(sorted, 75)
        let spread = q3 - q1
        let low = q1 - 3 * spread, high = q3 + 3 * spread
        let middle = (low + high) / 2, gap = high - low
        let (norm, threshold) = gap > 0 ? (gap, 0.5) : (middle, 1.0)
        return (sizes.map { 1 - Swift.min(Swift.max(abs($0 - middle) / norm, 0), 1) }, threshold)
    }

    /// NumPy's default (linear) percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let place = Double(sorted.count - 1) * (p / 100)
        let below = Int(place.rounded(.down)), above = Swift.min(below + 1, sorted.count - 1)
        let t = place - Double(below), difference = sorted[above] - sorted[below]
        return t >= 0.5 ? sorted[above] - difference * (1 - t) : sorted[below] + difference * t
    }
}
