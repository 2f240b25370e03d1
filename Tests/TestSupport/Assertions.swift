import XCTest

/// Checks that two arrays have the same count, then that every element is within
/// `atol + rtol * |expected|`; reports the first offending index and the largest difference.
public func assertClose<T: BinaryFloatingPoint>(
    _ actual: [T], _ expected: [T], rtol: T = 0, atol: T = 0, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != expected \(expected.count) \(message)", file: file, line: line)
        return
    }
    var worst: T = 0
    var firstBad: Int?
    for index in actual.indices {
        let difference = abs(actual[index] - expected[index])
        worst = max(worst, difference)
        if difference > atol + rtol * abs(expected[index]) && firstBad == nil { firstBad = index }
    }
    if let firstBad {
        XCTFail("element \(firstBad): \(actual[firstBad]) vs \(expected[firstBad]); max difference \(worst) \(message)",
                file: file, line: line)
    }
}

/// The same for integer samples (uint8 images compared as signed differences).
public func assertClose<T: BinaryInteger>(
    _ actual: [T], _ expected: [T], maxAbs: Int, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != expected \(expected.count) \(message)", file: file, line: line)
        return
    }
    var worst = 0
    var differing = 0
    for index in actual.indices {
        let difference = abs(Int(actual[index]) - Int(expected[index]))
        worst = max(worst, difference)
        if difference > maxAbs { differing += 1 }
    }
    if differing > 0 {
        XCTFail("\(differing) of \(actual.count) elements differ by more than \(maxAbs) (max \(worst)) \(message)",
                file: file, line: line)
    }
}
