import CSluiceKernels
import DatasetSources
import ImageCodecs
import Synchronization
import TensorCore

/// Measures a dataset in parallel: each Dispatch worker has its own decoder, image buffers and
/// accumulator, takes chunks of samples from a shared counter, and the partial accumulators are
/// merged at the end. Integer totals make the result identical for any number of workers.
public struct StatisticsRunner: Sendable {
    public var color: ColorMode
    public var workers: Int
    public var decode: DecodeOptions
    /// Stop at the first bad file (`--on-error fail`) instead of reporting it and carrying on.
    public var stopOnError: Bool
    /// Also measure each image for the health checks (`StatisticsAccumulator.health`).
    public var health: Bool

    public init(color: ColorMode = .auto, workers: Int = 2, decode: DecodeOptions = DecodeOptions(), stopOnError: Bool = false,
                health: Bool = false) {
        self.color = color
        self.workers = max(1, workers)
        self.decode = decode
        self.stopOnError = stopOnError
        self.health = health
    }

    /// The outcome: the accumulator, and under `stopOnError` the first failure by sample order.
    public struct Outcome: Sendable {
        public var accumulator: StatisticsAccumulator
        public var stoppedAt: StatisticsAccumulator.Failure?
    }

    public func run(_ dataset: Dataset, progress: ProgressCounter? = nil) -> Outcome {
        let decodeOptions = {   // gray images are measured once and replicated if needed
            var options = decode
            options.color = .auto
            return options
        }()
        // Small chunks: a worker left alone with the last big chunk idles the other core; an
        // atomic increment costs ~0.1 µs against >= 10 µs to decode even a 28x28 PNG.
        let chunk = Swift.max(1, Swift.min(4, dataset.count / (workers * 256)))
        let chunks = (dataset.count + chunk - 1) / chunk
        let firstFailure = Atomic<Int>(Int.max)
        let measurers = ParallelWork.forEach(chunks, threads: workers, state: { _ in
            Measurer(color: color, decode: decodeOptions, classes: dataset.classes, health: health)
        }) { measurer, index in
            let start = index * chunk
            if stopOnError && start > firstFailure.load(ordering: .relaxed) { return false }
            for sample in start..<Swift.min(start + chunk, dataset.count) {
                if !measurer.measure(dataset, sample) && stopOnError {
                    firstFailure.min(sample, ordering: .relaxed)
                    return false
                }
                progress?.add()
            }
            return true
        }
        var accumulator = StatisticsAccumulator(color: color)
        if health { accumulator.health = StatisticsAccumulator.HealthRecords() }
        accumulator.otherFiles = dataset.otherFiles
        for name in dataset.classes { accumulator.classes[name] = 0 }
        accumulator.failed = dataset.listingFailures.map(StatisticsAccumulator.Failure.init)
        var failures: [(sample: Int, failure: StatisticsAccumulator.Failure)] = []
        for var measurer in measurers {
            measurer.finishTallies()
            // Exact integer merges cannot fail; colour modes are equal by construction.
            try? accumulator.merge(measurer.accumulator)
            failures += measurer.failures
        }
        failures.sort { $0.sample < $1.sample }
        let stoppedAt = stopOnError ? (accumulator.failed.first ?? failures.first?.failure) : nil   // listing first
        accumulator.failed = (accumulator.failed + failures.map(\.failure)).sorted()
        return Outcome(accumulator: accumulator, stoppedAt: stoppedAt)
    }
}

/// One worker's state: decoder, reusable buffers, partial accumulator.
private struct Measurer {
    let color: ColorMode
    let decoder: ImageDecoder
    let classes: [String]
    var image = Image<UInt8>()
    var converted = Image<UInt8>()
    var accumulator: StatisticsAccumulator
    var failures: [(sample: Int, failure: StatisticsAccumulator.Failure)] = []
    /// Images per format (`ImageFormat` order, then IDX) and per label, turned into the
    /// accumulator's dictionaries once, at the end.
    var formatCounts = [Int](repeating: 0, count: ImageFormat.allCases.count + 1)
    var labelCounts: [Int] = []
    var healthMeasurer: HealthMeasurer?

    init(color: ColorMode, decode: DecodeOptions, classes: [String], health: Bool) {
        self.color = color
        self.decoder = ImageDecoder(options: decode)
        self.classes = classes
        self.accumulator = StatisticsAccumulator(color: color)
        if health {
            healthMeasurer = HealthMeasurer()
            accumulator.health = StatisticsAccumulator.HealthRecords()
        }
    }

    /// Measures sample `index`; false if it failed (and was recorded).
    mutating func measure(_ dataset: Dataset, _ index: Int) -> Bool {
        let sample = dataset.sample(at: index)
        switch sample {
        case .file(let path, let label):
            do {
                let info = try decoder.decodeFile(path, into: &image)
                add(image, format: ImageFormat.allCases.firstIndex(of: info.format)!, label: label, dataset, index)
                return true
            } catch {
                failures.append((index, StatisticsAccumulator.Failure(error)))
                return false
            }
        case .record(let part, let record, let label):
            guard dataset.copyRecord(part: part, record: record, into: &image) else { return false }
            add(image, format: ImageFormat.allCases.count, label: label, dataset, index)
            return true
        }
    }

    private mutating func add(_ image: Image<UInt8>, format: Int, label: Int?, _ dataset: Dataset, _ index: Int) {
        formatCounts[format] += 1
        if let label, label >= 0 {
            if label >= labelCounts.count { labelCounts += Array(repeating: 0, count: label + 1 - labelCounts.count) }
            labelCounts[label] += 1
        }
        let converting = color == .gray && image.channels == 3
        if converting { ColorConversion.rgbToGray(image, into: &converted) }
        let measured = converting ? converted : image
        let moments: PixelMoments
        if healthMeasurer != nil {
            let className = label.map { $0 >= 0 && $0 < classes.count ? classes[$0] : String($0) }
            let record = healthMeasurer!.measure(image, path: dataset.name(of: index), index: dataset.listingIndex(of: index),
                                                 className: className)
            accumulator.health!.images.append(record)
            // The histogram gives the moments; a converted image needs its own.
            if converting {
                var counts = [UInt64](repeating: 0, count: 256)
                measured.pixels.withUnsafeBufferPointer { sl_histogram($0.baseAddress!, measured.pixelCount, 1, &counts, nil, nil) }
                for value in 0..<256 { accumulator.health!.grayHistogram[value] += counts[value] }
                moments = measured.pixels.withUnsafeBufferPointer { PixelMoments(samples: $0, channels: 1) }
            } else {
                let counts = healthMeasurer!.histogram
                if image.channels == 1 {
                    for value in 0..<256 { accumulator.health!.grayHistogram[value] += counts[value] }
                } else {
                    for value in 0..<768 { accumulator.health!.rgbHistogram[value] += counts[value] }
                }
                // Summing 256 bins a channel costs more than the pixels of a small image.
                moments = image.pixelCount >= 4096 ? healthMeasurer!.moments(channels: image.channels)
                    : image.pixels.withUnsafeBufferPointer { PixelMoments(samples: $0, channels: image.channels) }
            }
        } else {
            moments = measured.pixels.withUnsafeBufferPointer { PixelMoments(samples: $0, channels: measured.channels) }
        }
        accumulator.add(moments, width: image.width, height: image.height)
    }

    mutating func finishTallies() {
        let names = ImageFormat.allCases.map(\.rawValue) + ["idx"]
        for (index, count) in formatCounts.enumerated() where count > 0 { accumulator.formats[names[index]] = count }
        for (label, count) in labelCounts.enumerated() where count > 0 {
            accumulator.classes[label < classes.count ? classes[label] : String(label), default: 0] += count
        }
    }
}
