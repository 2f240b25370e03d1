import CSluiceKernels
import Glibc
import TensorCore
import XCTest

/// The bulk normals of `gaussian_noise` and `random_erasing(value: random)`: a standard normal
/// distribution, independent values, and the same bits from a key whatever the call shape.
final class BulkNormalsTests: XCTestCase {
    func normals(_ count: Int, seed: UInt64 = 7) -> [Float] {
        var generator = SampleRNG(seed: seed, epoch: 0, index: 0)
        var values = [Float](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        return values
    }

    func testMomentsTailsAndShapeAreThoseOfTheStandardNormal() {
        let n = 400_000
        let z = normals(n).map(Double.init)
        XCTAssertFalse(z.contains { !$0.isFinite })
        let mean = z.reduce(0, +) / Double(n)
        let moments = (2...4).map { k in z.reduce(0) { $0 + pow($1 - mean, Double(k)) } / Double(n) }
        // Standard errors at n = 400k: mean 0.0016, variance 0.0022, skewness 0.0039, kurtosis 0.0077.
        XCTAssertEqual(mean, 0, accuracy: 0.008)
        XCTAssertEqual(moments[0], 1, accuracy: 0.011)
        XCTAssertEqual(moments[1] / pow(moments[0], 1.5), 0, accuracy: 0.02)
        XCTAssertEqual(moments[2] / (moments[0] * moments[0]), 3, accuracy: 0.04)
        // Kolmogorov-Smirnov against the normal CDF (critical value 1.95 / sqrt(n) at 0.1%).
        let sorted = z.sorted()
        var distance = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            distance = max(distance, abs(cdf - Double(i) / Double(n)), abs(cdf - Double(i + 1) / Double(n)))
        }
        XCTAssertLessThan(distance, 1.95 / Double(n).squareRoot())
        // Both tails, beyond 2 and 3 sigma (expected 4.55% and 0.27%).
        XCTAssertEqual(Double(z.filter { abs($0) > 2 }.count) / Double(n), 0.0455, accuracy: 0.0015)
        XCTAssertEqual(Double(z.filter { abs($0) > 3 }.count) / Double(n), 0.0027, accuracy: 0.0004)
    }

    func testNeighbouringValuesAreUncorrelated() {
        // Box-Muller makes values in pairs (k and k + 8 of each sixteen share a radius) and the
        // lanes run side by side: neither the values nor their squares may be correlated.
        let n = 160_000
        let z = normals(n, seed: 11).map(Double.init)
        for lag in [1, 4, 8, 16] {
            let pairs = (0..<(n - lag))
            let product = pairs.reduce(0) { $0 + z[$1] * z[$1 + lag] } / Double(pairs.count)
            let squares = pairs.reduce(0) { $0 + (z[$1] * z[$1] - 1) * (z[$1 + lag] * z[$1 + lag] - 1) } / Double(pairs.count) / 2
            XCTAssertEqual(product, 0, accuracy: 0.013, "lag \(lag)")   // 5 standard errors
            XCTAssertEqual(squares, 0, accuracy: 0.013, "lag \(lag): squares")
        }
    }

    func testAKeyGivesTheSameValuesWhateverTheCount() {
        let long = normals(1000)
        for count in [0, 1, 7, 15, 16, 17, 31, 100, 999] {
            XCTAssertEqual(normals(count), Array(long.prefix(count)), "count \(count)")
        }
        XCTAssertNotEqual(normals(64, seed: 8), Array(long.prefix(64)))
    }

    func testEveryCallTakesOneDraw() {
        for count in [0, 5, 3072] {
            var filled = SampleRNG(seed: 1, epoch: 2, index: 3), reference = filled
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBufferPointer { filled.fillNormal($0) }
            _ = reference.next()
            XCTAssertEqual(filled.next(), reference.next(), "count \(count)")
        }
    }

    func testAddedNoiseIsTheInputPlusMeanPlusSigmaTimesTheNormals() {
        for (count, clip) in [(3072, false), (3072, true), (37, false), (5, true)] {
            let input = (0..<count).map { Float($0 % 97) / 96 }
            var noised = input
            var adding = SampleRNG(seed: 5, epoch: 1, index: UInt64(count)), filling = adding
            noised.withUnsafeMutableBufferPointer { adding.addNormal(to: $0, mean: 0.01, sigma: 0.2, clip: clip) }
            var z = [Float](repeating: 0, count: count)
            z.withUnsafeMutableBufferPointer { filling.fillNormal($0) }
            let expected = zip(input, z).map { x, z -> Float in
                let value = x + Float(0.01).addingProduct(0.2, z)
                return clip ? min(max(value, 0), 1) : value
            }
            XCTAssertEqual(noised, expected, "count \(count), clip \(clip)")
            if clip && count > 100 { XCTAssertTrue(noised.contains(0) && noised.contains(1), "values clipped at both ends") }
        }
    }
}

/// The kernel's values are part of the reproducibility contract: every build (AVX2 with FMA, or
/// AVX-512 where the CPU has it; SSE2 with software fmaf elsewhere) and machine must give these
/// bits. The hashes were checked with each of those three code paths.
final class BulkNormalBitsTests: XCTestCase {
    func fnv1a(_ values: [Float]) -> UInt64 {
        values.reduce(0xcbf2_9ce4_8422_2325) { hash, value in
            (0..<4).reduce(hash) { ($0 ^ UInt64((value.bitPattern >> (8 * $1)) & 0xFF)) &* 0x100_0000_01b3 }
        }
    }

    func testTheValuesAreTheSameInEveryBuild() {
        var normals = [Float](repeating: 0, count: 4099)
        normals.withUnsafeMutableBufferPointer { sl_fill_normal($0.baseAddress, 4099, 12345) }
        XCTAssertEqual(String(fnv1a(normals), radix: 16), "3b3aebdd031c767f")
        var noised = (0..<4099).map { Float($0 % 256) / 255 }
        noised.withUnsafeMutableBufferPointer { sl_add_normal($0.baseAddress, 4099, 0.05, 0.3, 1, 777) }
        XCTAssertEqual(String(fnv1a(noised), radix: 16), "dd0971b162f92223")
    }
}
