// swift-tools-version:6.0
import PackageDescription

/// Layers, each importing only from the layers below it (docs/ARCHITECTURE.md has the same table):
/// 0 C targets (system libraries, CSluiceCodecs, CSluiceKernels, CSluiceBLAS, CSluiceABI)
/// 1 TensorCore, Safetensors, ModelSpec
/// 2 ImageCodecs, ImageTransforms, Drawing, TensorShards, Trainer
/// 3 DatasetSources, PipelineConfig, PreviewGrid
/// 4 DataPipeline, DatasetStatistics
/// 5 SluiceBenchmarks, SluiceABI, HealthReport, FuzzTargets, sluice-fuzz
/// 6 sluice
// Release: no overflow checks in pixel loops, and AVX2 code for them (x86-64-v3, "haswell").
let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release))]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "ImageCodecs", targets: ["ImageCodecs"]),
        .library(name: "DatasetStatistics", targets: ["DatasetStatistics"]),
        // The C ABI (Sources/CSluiceABI/include/sluice.h) as libSluiceABI.so: the Python package's core.
        .library(name: "SluiceABI", type: .dynamic, targets: ["SluiceABI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Layer 0: system libraries (pkg-config; Debian packages named for apt).
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Layer 0: setjmp-based wrappers (libjpeg and libpng report errors by longjmp), and the
        // PNG fast path on libdeflate.
        .target(
            name: "CSluiceCodecs",
            dependencies: ["CJPEG", "CPNG", "CZlib", "CDeflate"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Layer 0: OpenBLAS opened at run time (so its kernel can be chosen first: BLASLibrary),
        // and the CPUID facts the choice reads.
        .target(name: "CSluiceBLAS", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("dl")]),
        // Layer 0: the C ABI's header, its option defaults and per-thread error message.
        .target(name: "CSluiceABI", cSettings: [.unsafeFlags(["-O2"])]),
        // Layer 0: numeric kernels (bulk normals, to_float, resize). Fused multiply-adds only
        // where the code asks for them, so every build gives the same bits; AVX2 and FMA as the
        // release Swift targets (haswell), in debug builds too, so that the tests run the
        // kernels (and their AVX-512 variants, where the CPU has it) that release builds ship.
        .target(
            name: "CSluiceKernels",
            cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off", "-Wno-psabi", "-mavx2", "-mfma"])],
            linkerSettings: [.linkedLibrary("m")]   // fmaf, where the build has no FMA instruction
        ),
        // Layer 1
        .target(name: "TensorCore", dependencies: ["CSluiceKernels"], swiftSettings: optimize),
        .target(name: "Safetensors", swiftSettings: optimize),
        // The model and train blocks as plain descriptions, with the layers' shape rules.
        .target(name: "ModelSpec", swiftSettings: optimize),
        // Layer 2
        .target(name: "ImageCodecs", dependencies: ["TensorCore", "CSluiceCodecs", "CZlib"], swiftSettings: optimize),
        .target(name: "ImageTransforms", dependencies: ["TensorCore", "CSluiceKernels"], swiftSettings: optimize),
        .target(name: "Drawing", dependencies: ["TensorCore"], swiftSettings: optimize),
        .target(name: "TensorShards", dependencies: ["Safetensors"], swiftSettings: optimize),
        // The trainer: layers, losses, optimizers; meets the pipeline only in TensorCore's Batch.
        // Optimised in debug builds too: `make test` trains a real model for its accuracy bar.
        .target(name: "Trainer", dependencies: ["TensorCore", "ModelSpec", "CSluiceBLAS", "CSluiceKernels", "Safetensors"],
                swiftSettings: optimize + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Layer 3: datasets listed without decoding, pipeline files, preview grids.
        .target(name: "DatasetSources", dependencies: ["TensorCore", "ImageCodecs", "TensorShards"], swiftSettings: optimize),
        .target(name: "PipelineConfig", dependencies: ["ImageTransforms", "ImageCodecs", "ModelSpec", "Yams"], swiftSettings: optimize),
        .target(name: "PreviewGrid", dependencies: ["TensorCore", "Drawing"], swiftSettings: optimize),
        // Layer 4: the feeder of batches, and the statistics.
        .target(name: "DataPipeline", dependencies: ["TensorCore", "ImageCodecs", "ImageTransforms", "DatasetSources", "PipelineConfig", "TensorShards"], swiftSettings: optimize),
        .target(name: "DatasetStatistics", dependencies: ["TensorCore", "ImageCodecs", "ImageTransforms", "DatasetSources", "CSluiceKernels"], swiftSettings: optimize),
        // Layer 5: the suites of `sluice bench`.
        .target(
            name: "SluiceBenchmarks",
            dependencies: ["DataPipeline", "DatasetSources", "DatasetStatistics", "ImageCodecs", "ImageTransforms", "ModelSpec", "PipelineConfig", "TensorCore", "TensorShards", "Trainer"],
            swiftSettings: optimize
        ),
        // Layer 5: the dataset health report (an HTML page and its JSON) of `sluice stats --report`.
        .target(name: "HealthReport", dependencies: ["DatasetStatistics", "DatasetSources", "ImageCodecs", "ImageTransforms", "TensorCore"],
                swiftSettings: optimize),
        // Layer 6
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceBenchmarks", "HealthReport", "ModelSpec", "TensorCore", "ImageCodecs", "ImageTransforms", "DatasetSources", "DatasetStatistics", "PipelineConfig", "DataPipeline", "Trainer", "Safetensors", "Drawing", "PreviewGrid", "TensorShards",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimize
        ),
        // Layer 5: the C ABI over the feeder, one sample's transforms and the statistics.
        .target(
            name: "SluiceABI",
            dependencies: ["CSluiceABI", "DataPipeline", "DatasetStatistics", "DatasetSources", "PipelineConfig", "ImageCodecs", "ImageTransforms", "TensorCore", "TensorShards"],
            swiftSettings: optimize
        ),
        // Layer 5: the parsers of untrusted bytes as fuzz targets, and `sluice-fuzz`, which runs
        // them under libFuzzer (`make fuzz`: built with -sanitize=fuzzer -D FUZZING) or replays files.
        .target(name: "FuzzTargets", dependencies: ["ImageCodecs", "ImageTransforms", "PipelineConfig", "Safetensors", "TensorCore", "TensorShards"]),
        .executableTarget(name: "sluice-fuzz", dependencies: ["FuzzTargets"]),
        // Tests
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport",
                swiftSettings: [.unsafeFlags(["-O"])]),  // hashing golden images in debug builds
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs", "TensorCore", "TestSupport"]),
        .testTarget(name: "ImageTransformsTests", dependencies: ["ImageTransforms", "ImageCodecs", "TensorCore", "CSluiceKernels", "TestSupport"]),
        .testTarget(name: "PipelineConfigTests", dependencies: ["PipelineConfig", "ImageTransforms", "ModelSpec", "Trainer", "TestSupport"]),
        .testTarget(name: "DataPipelineTests", dependencies: ["DataPipeline", "DatasetSources", "ImageCodecs", "ImageTransforms", "PipelineConfig", "TensorCore", "TestSupport"]),
        .testTarget(name: "DatasetSourcesTests", dependencies: ["DatasetSources", "TestSupport"]),
        .testTarget(name: "DatasetStatisticsTests", dependencies: ["DatasetStatistics", "DatasetSources", "ImageCodecs", "TestSupport"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "ModelSpec", "Safetensors", "TensorCore", "TestSupport"]),
        .testTarget(name: "TensorShardsTests", dependencies: ["TensorShards", "TestSupport"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TensorCore", "TestSupport"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["TestSupport", "ImageCodecs", "Safetensors", "TensorShards", "DatasetSources"]),
    ]
)
