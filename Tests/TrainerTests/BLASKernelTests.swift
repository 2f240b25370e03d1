import Foundation
import Trainer
import XCTest

final class BLASKernelTests: XCTestCase {
    func testChoiceFollowsTheInstructionSets() {
        // The Xeon OpenBLAS 0.3.21 does not know (family 6, model 207), and a VM that hides the model.
        let xeon = CPUFeatures(vendor: .intel, family: 6, model: 207, avx2: true, fma: true, avx512: true, avx512BF16: true)
        XCTAssertEqual(BLASKernel.best(for: xeon), "SkylakeX")
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .intel, avx2: true, fma: true, avx512: true)), "SkylakeX")
        // Zen 4 (family 25) has AVX-512; Zen 2 and 3 have AVX2 and FMA only.
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .amd, family: 25, model: 17, avx2: true, fma: true, avx512: true, avx512BF16: true)), "SkylakeX")
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .amd, family: 25, model: 1, avx2: true, fma: true)), "Zen")
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .intel, family: 6, model: 63, avx2: true, fma: true)), "Haswell")
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .other("CentaurHauls"), avx2: true, fma: true)), "Haswell")
        // AVX-512 in the CPU but not saved by the OS arrives here as avx512 false.
        XCTAssertEqual(BLASKernel.best(for: CPUFeatures(vendor: .intel, avx2: true, fma: true, avx512: false)), "Haswell")
        // Without AVX2 and FMA, OpenBLAS's own table decides.
        XCTAssertNil(BLASKernel.best(for: CPUFeatures(vendor: .intel, family: 6, model: 45)))
        XCTAssertNil(BLASKernel.best(for: CPUFeatures(vendor: .amd, avx2: true, fma: false)))
    }

    /// On this machine: OpenBLAS runs the kernel the choice names (or the user's), and the
    /// environment is left as it was.
    func testTheLoadedKernelIsTheChosenOne() throws {
        let userChoice = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        let library = try BLASLibrary.load()
        XCTAssertEqual(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], userChoice)
        XCTAssertTrue(library.configuration.hasPrefix("OpenBLAS "), library.configuration)
        XCTAssertTrue(FileManager.default.fileExists(atPath: library.path), library.path)
        if let userChoice {
            XCTAssertEqual(library.requestedBy, .user)
            XCTAssertEqual(library.kernel.lowercased(), userChoice.lowercased())
        } else if let chosen = BLASKernel.best(for: .current) {
            XCTAssertEqual(library.requestedBy, .sluice)
            XCTAssertEqual(library.kernel.lowercased(), chosen.lowercased(), library.summary)
        } else {
            XCTAssertEqual(library.requestedBy, .openBLAS)
        }
        XCTAssertEqual(try BLASLibrary.load(), library)
    }

    /// The CPUID reading agrees with the kernel's own view of the CPU (/proc/cpuinfo flags).
    func testFeaturesMatchTheKernelsFlags() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no flags line in /proc/cpuinfo")
        }
        let flags = Set(line.split(separator: " ").map(String.init))
        let cpu = CPUFeatures.current
        XCTAssertEqual(cpu.avx2, flags.contains("avx2"))
        XCTAssertEqual(cpu.fma, flags.contains("fma"))
        XCTAssertEqual(cpu.avx512, ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains))
        XCTAssertEqual(cpu.avx512BF16, flags.contains("avx512_bf16"))
    }
}
