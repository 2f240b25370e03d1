# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Each installs the system packages it needs (when missing) before building.

SHELL := /bin/bash
APT_PACKAGES := slurm-wlm munge pkg-config libjpeg-dev libpng-dev libdeflate-dev libopenblas0 zlib1g-dev dataset-fashion-mnist \
  python3-venv python3-numpy python3-pytest python3-torch
FASHION_MNIST := /usr/share/datasets/fashion-mnist
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SLUICE := .build/release/sluice
PHOTOS ?= samples/photos

.PHONY: run test test-sanitize fuzz fuzz-replay build deps python-deps bench install clean

## run: build release and run the main job: dataset statistics of samples/ and Fashion-MNIST,
## the plan of the Fashion-MNIST pipeline, a preview of its augmentations, and 3 epochs of
## training the course notes' MNIST CNN on the full Fashion-MNIST, ending with test accuracy
run: build
	$(SLUICE) stats samples/
	$(SLUICE) stats pipelines/fashion-mnist.yaml --split train
	$(SLUICE) describe pipelines/fashion-mnist.yaml
	$(SLUICE) preview --pipeline pipelines/fashion-mnist.yaml --output runs/fashion-mnist-preview.png
	$(SLUICE) train --pipeline pipelines/fashion-mnist.yaml --epochs 3 --output runs/fashion-mnist --force

## test: build and run the whole test suite: Swift (XCTest), the Python package (pytest), then
## stats and shard job arrays on a one-node Slurm cluster (examples/scale-out/slurm/test.sh)
# The health report's page is checked in headless Chromium.
test: APT_PACKAGES += chromium
test: deps python-deps
	swift build --build-tests
	swift test --skip-build --disable-swift-testing   # every test is XCTest
	$(TEST_VENV)/bin/pip install -q ./python
	cd python/tests && SLUICE_CLI=$(CURDIR)/.build/debug/sluice $(CURDIR)/$(TEST_VENV)/bin/python -m pytest -q
	SLUICE=$(CURDIR)/.build/debug/sluice examples/scale-out/slurm/test.sh   # job arrays on a one-node Slurm cluster

## test-sanitize: the whole Swift test suite under AddressSanitizer (+ UndefinedBehaviorSanitizer
## for the C code), then the feeder, preview, shard and trainer tests under ThreadSanitizer;
## any report fails the run (suppressions, with their reasons: Tests/sanitizers/)
SANITIZE_SUITES := DataPipelineTests|PreviewCommandTests|ShardCommandTests|ShardFormatTests|TrainerTests|DatasetStatisticsTests
test-sanitize: deps python-deps
	swift build --build-tests --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined --scratch-path .build-asan
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  swift test --skip-build --disable-swift-testing --sanitize=address --scratch-path .build-asan
	swift build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/Tests/sanitizers/tsan.supp" \
	  swift test --skip-build --disable-swift-testing --sanitize=thread --scratch-path .build-tsan --filter '$(SANITIZE_SUITES)' \
	    --skip testMemoryStaysFlat   # resident memory there includes ThreadSanitizer's shadow memory

## fuzz: each parser under libFuzzer with AddressSanitizer (optimised build) for FUZZ_SECONDS (default 60) a
## target, starting from Tests/Fixtures/fuzz/TARGET; a finding stops the run and is saved as
## .fuzz/crashers/TARGET-... (add it to Tests/Fixtures/fuzz/crashers/ with the fix)
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_TARGETS := jpeg png png-differential idx safetensors shard-index pipeline
# swiftc keeps only its last -sanitize= flag, and SwiftPM writes its two in either order, so
# Swift code would sometimes get ASan without coverage: -sanitize=address,fuzzer comes last.
fuzz: deps
	swift build -c release --product sluice-fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=address,fuzzer -Xswiftc -DFUZZING \
	  -Xcc -fsanitize=fuzzer-no-link --scratch-path .build-fuzz
	@mkdir -p .fuzz/crashers
	@for target in $(FUZZ_TARGETS); do \
	  dict=""; case $$target in jpeg) dict=-dict=Tests/Fixtures/fuzz/jpeg.dict;; png*) dict=-dict=Tests/Fixtures/fuzz/png.dict;; \
	    pipeline) dict=-dict=Tests/Fixtures/fuzz/pipeline.dict;; esac; \
	  mkdir -p .fuzz/corpus/$$target; echo "fuzz $$target for $(FUZZ_SECONDS) s"; \
	  SLUICE_FUZZ_TARGET=$$target ASAN_OPTIONS=detect_leaks=0 .build-fuzz/release/sluice-fuzz .fuzz/corpus/$$target \
	    Tests/Fixtures/fuzz/$$target $$dict -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -malloc_limit_mb=2048 \
	    -timeout=10 -print_final_stats=1 $(FUZZ_FLAGS) -artifact_prefix=.fuzz/crashers/$$target- 2>&1 | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss|INFO: Loaded|finding|==[0-9]+==ERROR|SUMMARY)" ; \
	  test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz $$target: finding saved under .fuzz/crashers/"; exit 1; }; \
	done

## fuzz-replay: replay every seed corpus and saved crasher through the fuzz targets (no libFuzzer)
fuzz-replay: deps
	swift build --product sluice-fuzz
	@for target in $(FUZZ_TARGETS); do .build/debug/sluice-fuzz $$target Tests/Fixtures/fuzz/$$target || exit 1; done

## bench: decode, stats, transform, feeder and training throughput, release build
bench: build
	$(SLUICE) bench --suite stats --photos $(PHOTOS)
	$(SLUICE) bench --suite transforms --photos $(PHOTOS)
	$(SLUICE) bench --suite pipeline --pipeline pipelines/fashion-mnist.yaml
	$(SLUICE) bench --suite pipeline --pipeline pipelines/fashion-mnist.yaml --set fashion-png
	$(SLUICE) bench --suite pipeline --pipeline pipelines/cifar10.yaml --set small-png --photos $(PHOTOS)
	$(SLUICE) bench --suite pipeline --pipeline pipelines/cifar10.yaml --set small-jpeg --photos $(PHOTOS)
	$(SLUICE) bench --suite pipeline --pipeline pipelines/photos.yaml --set photos --photos $(PHOTOS)
	$(SLUICE) bench --suite train

build: deps
	swift build -c release

## install: the release build as $(PREFIX)/bin/sluice, with bash completion (PREFIX=/usr/local)
PREFIX ?= /usr/local
install: build
	install -D -m 755 $(SLUICE) $(DESTDIR)$(PREFIX)/bin/sluice
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(SLUICE) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice

deps:
	@missing=""; for package in $(APT_PACKAGES); do \
	  dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The CLI tests check the statistics against a float64 NumPy computation, and read tensor
# shards with the safetensors package; the Python package's tests run in the same virtual
# environment: Debian's Python with its NumPy, pytest and (CPU) PyTorch, plus safetensors.
TEST_VENV := .venv-test
python-deps:
	@python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
	@$(TEST_VENV)/bin/python -c "import numpy, safetensors, pytest, torch" 2>/dev/null || \
	  { rm -rf $(TEST_VENV) && /usr/bin/python3 -m venv --system-site-packages $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q safetensors; }

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz .fuzz
