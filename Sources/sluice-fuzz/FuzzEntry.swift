import FuzzTargets
import Foundation

// Built two ways (`make fuzz` and `make fuzz-replay`):
// - with -sanitize=fuzzer and -D FUZZING, libFuzzer provides main and calls
//   LLVMFuzzerTestOneInput; the target comes from SLUICE_FUZZ_TARGET;
// - without, `sluice-fuzz TARGET FILE|FOLDER...` replays inputs (a corpus, a crasher) and exits
//   1 on a finding.

#if FUZZING
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SLUICE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("SLUICE_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let finding = target.run(bytes) {
        FileHandle.standardError.write(Data("finding: \(finding)\n".utf8))
        abort()   // libFuzzer saves the input as a crasher
    }
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            print("usage: sluice-fuzz TARGET FILE|FOLDER...   (TARGET: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(64)
        }
        var inputs: [String] = []
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                print("sluice-fuzz: \(path): no such file or folder")
                exit(64)
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                inputs += names.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                inputs.append(path)
            }
        }
        var findings = 0
        for input in inputs {
            guard let data = FileManager.default.contents(atPath: input) else { continue }
            for bytes in target.everyWay(Array(data)) {
                if let finding = target.run(bytes) {
                    print("\(input): \(finding)")
                    findings += 1
                    break
                }
            }
        }
        print("sluice-fuzz \(target.rawValue): \(inputs.count) inputs, \(findings) findings")
        exit(findings == 0 ? 0 : 1)
    }
}
#endif
