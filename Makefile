# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Each installs the system packages it needs (when missing) before building.

SHELL := /bin/bash
APT_PACKAGES := pkg-config libjpeg-dev libpng-dev libdeflate-dev libopenblas0 zlib1g-dev dataset-fashion-mnist \
  python3-venv python3-numpy python3-pytest python3-torch
FASHION_MNIST := /usr/share/datasets/fashion-mnist
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
SLUICE := .build/release/sluice
PHOTOS ?= samples/photos

.PHONY: run test build deps python-deps bench install clean

## run: build release and run the main job: dataset statistics of samples/ and Fashion-MNIST,
## the plan of the Fashion-MNIST pipeline, a preview of its augmentations, and 3 epochs of
## training the course notes' MNIST CNN on the full Fashion-MNIST, ending with test accuracy
run: build
	$(SLUICE) stats samples/
	$(SLUICE) stats pipelines/fashion-mnist.yaml --split train
	$(SLUICE) describe pipelines/fashion-mnist.yaml
	$(SLUICE) preview --pipeline pipelines/fashion-mnist.yaml --output runs/fashion-mnist-preview.png
	$(SLUICE) train --pipeline pipelines/fashion-mnist.yaml --epochs 3 --output runs/fashion-mnist --force

## test: build and run the whole test suite: Swift (XCTest), then the Python package (pytest)
test: deps python-deps
	swift build --build-tests
	swift test --skip-build --disable-swift-testing   # every test is XCTest
	$(TEST_VENV)/bin/pip install -q ./python
	cd python/tests && SLUICE_CLI=$(CURDIR)/.build/debug/sluice $(CURDIR)/$(TEST_VENV)/bin/python -m pytest -q

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
	rm -rf .build
