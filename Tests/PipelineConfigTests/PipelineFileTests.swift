import ImageTransforms
import PipelineConfig
import TestSupport
import XCTest

final class PipelineFileTests: XCTestCase {
    func testShippedPipelinesLoadAndCheck() throws {
        for name in ["fashion-mnist", "cifar10", "cifar10-autoaugment", "photos"] {
            let file = try PipelineFile.load(Fixtures.root.appendingPathComponent("pipelines/\(name).yaml").path)
            XCTAssertEqual(file.splits, ["train", "test"], name)
            let channels = file.color == .gray ? 1 : 3
            for split in file.splits {
                let shapes = try file.chain(split).shapes(from: .image(height: 28, width: 28, channels: channels))
                guard case .tensor(let c, _, _)? = shapes.last else { return XCTFail("\(name) \(split) does not end in a tensor") }
                XCTAssertEqual(c, channels)
            }
        }
    }

    private func error(_ yaml: String) -> PipelineError? {
        do {
            _ = try PipelineFile.parse(yaml, path: "test.yaml")
            return nil
        } catch {
            return error
        }
    }

    func testAMistypedFileNameSuggestsTheFileMeant() {
        let folder = Fixtures.root.appendingPathComponent("pipelines").path
        XCTAssertThrowsError(try PipelineFile.load(folder + "/fashion-mnist.yml")) { error in
            XCTAssertEqual("\(error)", "\(folder)/fashion-mnist.yml: no such pipeline file: did you mean '\(folder)/fashion-mnist.yaml'?")
        }
        XCTAssertThrowsError(try PipelineFile.load(folder + "/nothing-like-it.yaml")) { error in
            XCTAssertTrue("\(error)".hasSuffix(": no such pipeline file"), "\(error)")
        }
    }

    func testUnknownKeysAndOpsNameTheKeyAndItsPlace() throws {
        let misspelt = error("""
            version: 1
            transforms:
              train:
                - random_crop: {size: 32, paddin: 4}
            """)
        XCTAssertEqual(misspelt?.keyPath, "transforms.train[0].random_crop.paddin")
        XCTAssertEqual(misspelt?.line, 4)
        XCTAssertTrue(misspelt?.description.contains("unknown key 'paddin': did you mean 'padding'?") ?? false, "\(String(describing: misspelt))")
        let op = error("version: 1\ntransforms:\n  train:\n    - to_float: {}\n    - sharpen: {p: 1}\n")
        XCTAssertEqual(op?.line, 5)
        XCTAssertTrue(op?.message.contains("unknown op 'sharpen' (expected one of: resize, center_crop") ?? false, op?.message ?? "")
        let typo = error("version: 1\ntransforms:\n  train:\n    - horizontal_flp: {}\n")
        XCTAssertTrue(typo?.message.contains("unknown op 'horizontal_flp': did you mean 'horizontal_flip'?") ?? false, typo?.message ?? "")
        let layer = error("version: 1\ntransforms: {train: [to_float: {}]}\nmodel: [conv2: {filters: 2, kernel: 3}]\n")
        XCTAssertTrue(layer?.message.contains("unknown layer 'conv2': did you mean 'conv2d'?") ?? false, layer?.message ?? "")
        XCTAssertEqual(error("version: 1\ntransforms: {train: []}\nloaders: {}\n")?.keyPath, "loaders")
        XCTAssertNotNil(error("version: 2\ntransforms: {train: []}\n"))
        XCTAssertNotNil(error("transforms: {train: []}\n"))   // version is required
    }

    /// An op with no fields may be written as its bare name, as in the lists of torchvision's
    /// Compose: the same transforms as with `{}`; a bare unknown name is an error that says which
    /// op was meant, and an op that needs fields says which.
    func testBareOpNamesAreOpsWithNoFields() throws {
        let bare = try PipelineFile.parse("version: 1\ntransforms:\n  train:\n    - random_autocontrast\n    - to_float\n"
                                          + "batch_transforms:\n  train:\n    - cutmix\n", path: "t.yaml")
        let braces = try PipelineFile.parse("version: 1\ntransforms:\n  train:\n    - random_autocontrast: {}\n    - to_float: {}\n"
                                            + "batch_transforms:\n  train:\n    - cutmix: {}\n", path: "t.yaml")
        XCTAssertEqual(try bare.chain("train").transforms.map(\.description), try braces.chain("train").transforms.map(\.description))
        XCTAssertEqual(try bare.chain("train").transforms.count, 2)
        XCTAssertEqual(bare.batchTransforms["train"], braces.batchTransforms["train"])
        XCTAssertEqual(bare.batchTransforms["train"]?.mixes.count, 1)
        let layers = try PipelineFile.parse("version: 1\ntransforms: {train: [to_float]}\nmodel: [flatten, dense: {units: 10}]\n", path: "t.yaml")
        XCTAssertEqual(layers.model?.count, 2)
        XCTAssertEqual(layers.modelPlaces.first?.line, 3)
        let typo = error("version: 1\ntransforms:\n  train:\n    - to_flot\n")
        XCTAssertEqual(typo?.line, 4)
        XCTAssertTrue(typo?.message.contains("unknown op 'to_flot': did you mean 'to_float'?") ?? false, typo?.message ?? "")
        let needsFields = error("version: 1\ntransforms:\n  train:\n    - random_crop\n")
        XCTAssertEqual(needsFields?.line, 4)
        XCTAssertTrue(needsFields?.message.contains("size") ?? false, needsFields?.message ?? "")
    }

    func testBadValuesAreRejectedWhenTheFileIsRead() {
        let cases = [
            "- random_crop: {size: -3}",
            "- horizontal_flip: {p: 1.5}",
            "- normalize: {mean: [0.5, 0.5], std: [0.5]}",
            "- normalize: {mean: [0.5], std: [0]}",
            "- pad: {padding: [1, 2, 3]}",
            "- resize: {size: [10, 20], max_size: 30}",
            "- random_erasing: {scale: [0.5, 0.1]}",
            "- resize: {size: 10, interpolation: cubic}",
            "- pad: {padding: 2, fill: 300}",
            "- gaussian_blur: {kernel_size: 4}",
            "- gaussian_blur: {kernel_size: [3, 5, 7]}",
            "- gaussian_blur: {kernel_size: 3, sigma: [2, 1]}",
            "- gaussian_blur: {sigma: 1}",
            "- random_rotation: {degrees: -10}",
            "- random_rotation: {degrees: 10, interpolation: lanczos}",
            "- random_rotation: {degrees: 10, center: [1, 2, 3]}",
            "- random_affine: {degrees: 0, translate: [0.5, 1.5]}",
            "- random_affine: {degrees: 0, scale: [0, 1]}",
            "- random_affine: {degrees: 0, shear: [1, 2, 3]}",
            "- random_affine: {degrees: 0, shear: 95}",
            "- random_affine: {translate: [0.1, 0.1]}",
            "- auto_augment: {policy: cifar100}",
            "- rand_augment: {magnitude: 31}",
            "- rand_augment: {num_ops: -1}",
            "- trivial_augment_wide: {num_magnitude_bins: 1}",
        ]
        for item in cases {
            let problem = error("version: 1\ntransforms:\n  train:\n    \(item)\n")
            XCTAssertNotNil(problem, item)
            XCTAssertEqual(problem?.line, 4, item)
        }
    }

    /// An op in the wrong place is an error of the file, at the op's line and key path
    /// (counted from 0, as every key path); a size only the images tell fails when they do.
    func testAWrongChainFailsBeforeAnyImageIsRead() throws {
        XCTAssertThrowsError(try PipelineFile.parse("""
            version: 1
            transforms:
              train:
                - to_float: {}
                - horizontal_flip: {}
            """, path: "test.yaml")) { error in
            let located = error as? PipelineError
            XCTAssertEqual(located?.line, 5)
            XCTAssertEqual(located?.keyPath, "transforms.train[1]")
            XCTAssertTrue(located?.message.contains("place it before to_float") ?? false, "\(error)")
        }
        let crop = try PipelineFile.parse("version: 1\ntransforms: {train: [random_crop: {size: 40}]}\n", path: "t.yaml")
        XCTAssertThrowsError(try crop.chain("train").shapes(from: .image(height: 32, width: 32, channels: 3))) { error in
            XCTAssertTrue("\(error)".contains("transform 0 (random_crop)"), "\(error)")
        }
    }

    func testJSONIsAcceptedAndDefaultsFollowTorchvision() throws {
        let file = try PipelineFile.parse("""
            {"version": 1, "seed": 7, "transforms": {"train": [{"random_resized_crop": {"size": 8}}, {"to_float": {}}, {"random_erasing": {}}]}}
            """, path: "test.json")
        XCTAssertEqual(file.seed, 7)
        let chain = try file.chain("train")
        let crop = try XCTUnwrap(chain.transforms[0] as? RandomResizedCropTransform)
        XCTAssertEqual(crop.scale, 0.08...1)
        XCTAssertEqual(crop.ratio, (3.0 / 4)...(4.0 / 3))
        let erasing = try XCTUnwrap(chain.transforms[2] as? RandomErasingTransform)
        XCTAssertEqual(erasing.p, 0.5)
        XCTAssertEqual(erasing.scale, 0.02...0.33)
        XCTAssertEqual(erasing.ratio, 0.3...3.3)
        XCTAssertEqual(erasing.value, .constant([0]))
        XCTAssertThrowsError(try file.chain("test"))
    }

    /// The geometry and blur ops read torchvision's parameter forms.
    func testBlurRotationAndAffineFollowTorchvisionsForms() throws {
        let file = try PipelineFile.parse("""
            version: 1
            transforms:
              train:
                - gaussian_blur: {kernel_size: [7, 3], sigma: 1.5}
                - gaussian_blur: {kernel_size: 5}
                - random_rotation: {degrees: 30, interpolation: bilinear, expand: true, center: [4, 5.5], fill: [1, 2, 3]}
                - random_affine: {degrees: [-5, 10], translate: [0.1, 0.2], scale: [0.9, 1.1], shear: 8}
                - random_affine: {degrees: 0, shear: [-1, 2, 3, 4]}
            """, path: "test.yaml")
        let chain = try file.chain("train")
        let blur = try XCTUnwrap(chain.transforms[0] as? GaussianBlurTransform)
        XCTAssertEqual([blur.kernelWidth, blur.kernelHeight], [7, 3])
        XCTAssertEqual(blur.sigma, 1.5...1.5)
        XCTAssertFalse(blur.isRandom)
        XCTAssertEqual(try XCTUnwrap(chain.transforms[1] as? GaussianBlurTransform).sigma, 0.1...2.0)
        let rotation = try XCTUnwrap(chain.transforms[2] as? RandomRotationTransform)
        XCTAssertEqual(rotation.degrees, -30...30)
        XCTAssertEqual(rotation.filter, .bilinear)
        XCTAssertTrue(rotation.expand)
        XCTAssertEqual(rotation.center?.x, 4)
        XCTAssertEqual(rotation.center?.y, 5.5)
        XCTAssertEqual(rotation.fill, [1, 2, 3])
        let affine = try XCTUnwrap(chain.transforms[3] as? RandomAffineTransform)
        XCTAssertEqual(affine.degrees, -5...10)
        XCTAssertEqual(affine.translate?.x, 0.1)
        XCTAssertEqual(affine.translate?.y, 0.2)
        XCTAssertEqual(affine.scale, 0.9...1.1)
        XCTAssertEqual(affine.shear?.x, -8...8)
        XCTAssertNil(affine.shear?.y)
        XCTAssertEqual(affine.filter, .nearest)
        let sheared = try XCTUnwrap(chain.transforms[4] as? RandomAffineTransform)
        XCTAssertEqual(sheared.shear?.x, -1...2)
        XCTAssertEqual(sheared.shear?.y, 3...4)
        XCTAssertEqual(try chain.shapes(from: .image(height: 20, width: 30, channels: 3)).last, .image(height: nil, width: nil, channels: 3))
        let policies = try PipelineFile.parse("""
            version: 1
            transforms:
              train:
                - auto_augment: {policy: cifar10, interpolation: bilinear, fill: [1, 2, 3]}
                - rand_augment: {}
                - rand_augment: {num_ops: 1, magnitude: 5, num_magnitude_bins: 11}
                - trivial_augment_wide: {num_magnitude_bins: 21}
                - auto_augment: {}
            """, path: "test.yaml").chain("train").transforms
        let auto = try XCTUnwrap(policies[0] as? AutoAugmentTransform)
        XCTAssertEqual(auto.policy, .cifar10)
        XCTAssertEqual(auto.filter, .bilinear)
        XCTAssertEqual(auto.fill, [1, 2, 3])
        let rand = try XCTUnwrap(policies[1] as? RandAugmentTransform)
        XCTAssertEqual([rand.numOps, rand.magnitude, rand.bins], [2, 9, 31])
        XCTAssertEqual(rand.filter, .nearest)
        let custom = try XCTUnwrap(policies[2] as? RandAugmentTransform)
        XCTAssertEqual([custom.numOps, custom.magnitude, custom.bins], [1, 5, 11])
        XCTAssertEqual(try XCTUnwrap(policies[3] as? TrivialAugmentWideTransform).bins, 21)
        XCTAssertEqual(try XCTUnwrap(policies[4] as? AutoAugmentTransform).policy, .imagenet)
    }

    func testNormalizeReadsASluiceStatsFile() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { Fixtures.removeTemporary(folder) }
        let stats = folder + "/stats.json"
        try #"{"images": 3, "mean": [0.25, 0.5, 0.75], "std": [0.1, 0.2, 0.4], "channels": 3}"#
            .write(toFile: stats, atomically: true, encoding: .utf8)
        let file = try PipelineFile.parse("version: 1\ntransforms:\n  train:\n    - to_float: {}\n    - normalize: {stats: \(stats)}\n", path: "t.yaml")
        let normalize = try XCTUnwrap(file.chain("train").transforms[1] as? NormalizeTransform)
        XCTAssertEqual(normalize.mean, [0.25, 0.5, 0.75])
        XCTAssertEqual(normalize.std, [0.1, 0.2, 0.4])
        let missing = try? PipelineFile.parse("version: 1\ntransforms: {train: [normalize: {stats: \(folder)/none.json}]}\n", path: "t.yaml")
        XCTAssertNil(missing)
        XCTAssertThrowsError(try PipelineFile.parse("version: 1\ntransforms: {train: [normalize: {stats: \(stats), mean: [1], std: [1]}]}\n", path: "t.yaml"))
    }
}

extension PipelineFileTests {
    func testDraftNeedsAShorterSideResizeFirst() throws {
        let file = try PipelineFile.parse("version: 1\ndecode: {draft: true}\ntransforms: {train: [resize: {size: 64}, to_float: {}]}\n", path: "t.yaml")
        XCTAssertEqual(file.decodeOptions(split: "train").draftShorterSide, 64)
        XCTAssertThrowsError(try PipelineFile.parse("version: 1\ndecode: {draft: true}\ntransforms: {train: [to_float: {}]}\n", path: "t.yaml"))
        XCTAssertNil(try PipelineFile.parse("version: 1\ntransforms: {train: [resize: {size: 64}]}\n", path: "t.yaml")
            .decodeOptions(split: "train").draftShorterSide)
    }
}
