import Foundation
import ImageTransforms
import TensorCore
import TestSupport
import XCTest

/// Our random parameter draws follow torchvision's distributions: two-sample
/// Kolmogorov-Smirnov tests against 20,000 torchvision draws per transform (golden samples),
/// rejecting at p < 0.001, as the golden README prescribes.
final class ParameterDistributionTests: XCTestCase {
    private var golden: GoldenCases!

    override func setUpWithError() throws { golden = try GoldenCases() }

    /// The two-sample KS statistic of `a` and `b`.
    static func ksStatistic(_ a: [Double], _ b: [Double]) -> Double {
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, largest = 0.0
        while i < x.count && j < y.count {
            let value = min(x[i], y[j])
            while i < x.count && x[i] == value { i += 1 }
            while j < y.count && y[j] == value { j += 1 }
            largest = max(largest, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return largest
    }

    /// The critical KS distance at significance 0.001 (asymptotic: c = sqrt(-ln(alpha / 2) / 2)).
    static func ksCritical(_ n: Int, _ m: Int) -> Double {
        (-log(0.001 / 2) / 2).squareRoot() * (Double(n + m) / Double(n * m)).squareRoot()
    }

    private func compare(_ ours: [[Int]], _ theirs: [[Int]], columns: [String], _ label: String) {
        func column(_ rows: [[Int]], _ k: Int) -> [Double] { rows.map { Double($0[k]) } }
        var series: [(String, [Double], [Double])] = columns.indices.map { (columns[$0], column(ours, $0), column(theirs, $0)) }
        let h = columns.firstIndex(of: "h") ?? columns.firstIndex(of: "height")!
        let w = columns.firstIndex(of: "w") ?? columns.firstIndex(of: "width")!
        series.append(("h*w", ours.map { Double($0[h] * $0[w]) }, theirs.map { Double($0[h] * $0[w]) }))
        series.append(("h/w", ours.map { Double($0[h]) / Double(max($0[w], 1)) }, theirs.map { Double($0[h]) / Double(max($0[w], 1)) }))
        let critical = Self.ksCritical(ours.count, theirs.count)
        for (name, a, b) in series {
            let statistic = Self.ksStatistic(a, b)
            XCTAssertLessThan(statistic, critical, "\(label) \(name): KS D = \(statistic) >= \(critical)")
        }
    }

    private func samples(_ entry: [String: Any]) throws -> [[Int]] {
        let file = try golden.array(entry["samples"] as! String)
        let values = file.int64
        return stride(from: 0, to: values.count, by: 4).map { row in (0..<4).map { Int(values[row + $0]) } }
    }

    func testRandomErasingBoxesFollowTorchvision() throws {
        let cases = golden.cases("sample_params").filter { $0["transform"] as? String == "RandomErasing" }
        XCTAssertEqual(cases.count, 3)
        for entry in cases {
            let params = entry.params
            let shape = params["image_chw"] as! [Int]
            let scale = params["scale"] as! [Double], ratio = params["ratio"] as! [Double]
            let theirs = try samples(entry)
            var noErase = 0
            let ours: [[Int]] = (0..<theirs.count).map { index in
                var generator = SampleRNG(seed: 7, epoch: 0, index: UInt64(index))
                guard let box = RandomParameters.erasingBox(height: shape[1], width: shape[2], scale: scale[0]...scale[1],
                                                            ratio: ratio[0]...ratio[1], using: &generator) else {
                    noErase += 1
                    return [0, 0, shape[1], shape[2]]   // torchvision's "no erase" row
                }
                return [box.top, box.left, box.height, box.width]
            }
            compare(ours, theirs, columns: entry["columns"] as! [String], entry.id)
            let expected = entry["no_erase_fraction"] as! Double
            let bound = ((entry["tolerance"] as? [String: Any])?["no_erase_fraction_abs"] as? Double) ?? 0.01
            XCTAssertEqual(Double(noErase) / Double(ours.count), expected, accuracy: bound, entry.id)
        }
    }

    func testRandomResizedCropBoxesFollowTorchvision() throws {
        let entry = try XCTUnwrap(golden.cases("sample_params").first { $0["transform"] as? String == "RandomResizedCrop" })
        let theirs = try samples(entry)
        let ours: [[Int]] = (0..<theirs.count).map { index in
            var generator = SampleRNG(seed: 11, epoch: 3, index: UInt64(index))
            let box = RandomParameters.resizedCropBox(height: 375, width: 500, scale: 0.08...1, ratio: (3.0 / 4)...(4.0 / 3), using: &generator)
            return [box.top, box.left, box.height, box.width]
        }
        compare(ours, theirs, columns: entry["columns"] as! [String], entry.id)
    }

    func testRandomCropOffsetsAreUniformLikeTorchvision() throws {
        let entry = try XCTUnwrap(golden.cases("sample_params").first { $0["transform"] as? String == "RandomCrop" })
        let theirs = try samples(entry)
        var counts = Array(repeating: Array(repeating: 0, count: 9), count: 2)
        let ours: [[Int]] = (0..<theirs.count).map { index in
            var generator = SampleRNG(seed: 1, epoch: 1, index: UInt64(index))
            let offset = RandomParameters.cropOffset(paddedHeight: 40, paddedWidth: 40, height: 32, width: 32, using: &generator)
            counts[0][offset.top] += 1
            counts[1][offset.left] += 1
            return [offset.top, offset.left, 32, 32]
        }
        compare(ours, theirs, columns: entry["columns"] as! [String], entry.id)
        // Chi-square against the uniform law over the 9 offsets (8 degrees of freedom;
        // 26.12 is the 0.001 critical value).
        for histogram in counts {
            let expected = Double(ours.count) / 9
            let chiSquare = histogram.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
            XCTAssertLessThan(chiSquare, 26.12, "offset histogram \(histogram)")
        }
    }

    /// The KS test can fail: a shifted distribution is rejected.
    func testTheKSTestRejectsADifferentDistribution() throws {
        let entry = try XCTUnwrap(golden.cases("sample_params").first { $0["transform"] as? String == "RandomCrop" })
        let theirs = try samples(entry).map { Double($0[0]) }
        let shifted = (0..<theirs.count).map { index -> Double in
            var generator = SampleRNG(seed: 1, epoch: 1, index: UInt64(index))
            return Double(generator.integer(upTo: 7))   // 0...7 instead of 0...8
        }
        XCTAssertGreaterThan(Self.ksStatistic(shifted, theirs), Self.ksCritical(shifted.count, theirs.count))
    }

    func testGaussianNoiseStatisticsOnFloatInput() throws {
        let cases = golden.cases("gaussian_noise_stats").filter { $0.params["input_dtype"] as? String == "float32" }
        XCTAssertEqual(cases.count, 3)
        var base = Tensor()
        for entry in cases {
            FloatOps.toFloat(try golden.input(entry), into: &base)
            let mean = Float(entry.params["mean"] as! Double), sigma = Float(entry.params["sigma"] as! Double)
            var unclipped = base, clipped = base
            var generator = SampleRNG(seed: 5, epoch: 0, index: 0)
            FloatOps.gaussianNoise(&unclipped, mean: mean, sigma: sigma, clip: false, using: &generator)
            generator = SampleRNG(seed: 5, epoch: 0, index: 1)
            FloatOps.gaussianNoise(&clipped, mean: mean, sigma: sigma, clip: true, using: &generator)
            let n = Double(base.count)
            let deltas = zip(unclipped.values, base.values).map { Double($0 - $1) }
            let deltaMean = deltas.reduce(0, +) / n
            let deltaStd = (deltas.reduce(0) { $0 + ($1 - deltaMean) * ($1 - deltaMean) } / n).squareRoot()
            let statistics: [String: Double] = [
                "mean_of_delta_unclipped": deltaMean,
                "std_of_delta_unclipped": deltaStd,
                "fraction_clipped_low": Double(clipped.values.filter { $0 == 0 }.count) / n,
                "fraction_clipped_high": Double(clipped.values.filter { $0 == 1 }.count) / n,
                "mean_of_output_clipped": clipped.values.reduce(0.0) { $0 + Double($1) } / n,
            ]
            let expected = entry["expected_theoretical"] as! [String: Double]
            let bounds = (entry["tolerance"] as! [String: Any])["abs_bounds"] as! [String: Double]
            for (key, value) in statistics {
                guard let target = expected[key], let bound = bounds[key] else { continue }
                XCTAssertEqual(value, target, accuracy: bound, "\(entry.id) \(key)")
            }
        }
    }
}
