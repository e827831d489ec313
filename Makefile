# StreetWarden: `make run` and `make test` are the two set-up commands (see README.md).
SHELL := /bin/bash
BIN := .build/release/streetwarden
DB ?= streetwarden.sqlite
DEB_PACKAGES := libavcodec-dev libavformat-dev libswscale-dev libavutil-dev pkg-config ffmpeg \
                libsqlite3-dev sqlite3 fonts-noto-cjk chromium python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON ?= python3
VENV := .venv
# The Swift runtime and Foundation are linked into the binary: it starts ~25 ms faster (fewer
# shared objects to load and bind) and runs on machines that have FFmpeg but no Swift toolchain.
RELEASE_BUILD := swift build -c release --product streetwarden --static-swift-stdlib

.PHONY: deps build run test clips train bench clean fuzz

## deps: install the Debian packages the build and tests need, when missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

## build: the optimized binary at .build/release/streetwarden.
build: deps
	$(RELEASE_BUILD)

## clips: the bundled sample clips (generated from project-made content, see clips/README.md).
clips: build
	@if [ -x clips/make_clips.sh ]; then clips/make_clips.sh; fi

## run: analyze the sample clips with the default model into an embedded SQLite file and print the cases.
run: clips
	@if $(BIN) help analyze >/dev/null 2>&1; then \
	  $(BIN) analyze clips/generated/*.mp4 --db $(DB) --config clips/samples.yaml && $(BIN) cases list --db $(DB); \
	else \
	  for f in clips/generated/*.mp4; do $(BIN) bench decode "$$f" --mode keyframes; done; \
	fi

## test: the whole test suite.
test: deps
	$(RELEASE_BUILD)
	swift test

## train: reproduce the default model from ../shared/data (CPU, PyTorch from PyPI).
train: deps
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r training/requirements.txt
	$(VENV)/bin/python training/train.py --no-experiments
	$(VENV)/bin/python training/small_targets.py --json models/small-targets.json
	$(VENV)/bin/python training/model_card.py
	$(VENV)/bin/python Tests/NNTests/Fixtures/make_default_golden.py
	$(VENV)/bin/python training/train.py --only-experiments

## fuzz: libFuzzer + ASan on the model loader for FUZZ_SECONDS (see Fuzz/README.md).
FUZZ_SECONDS ?= 60
FUZZ_BUILD := .build-fuzz
fuzz:
	swift build --target NN --build-path $(FUZZ_BUILD) -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
	mkdir -p $(FUZZ_BUILD)/corpus
	$(PYTHON) Fuzz/make_seed.py Tests/NNTests/Fixtures/ops_zoo $(FUZZ_BUILD)/corpus/ops_zoo
	$(PYTHON) Fuzz/make_seed.py Tests/NNTests/Fixtures/tiny_fastestdet $(FUZZ_BUILD)/corpus/tiny_fastestdet
	swiftc -sanitize=fuzzer,address -parse-as-library -I $(FUZZ_BUILD)/debug/Modules \
	  -Xcc -fmodule-map-file=$(FUZZ_BUILD)/debug/CPUFeatures.build/module.modulemap -Xcc -ISources/CPUFeatures/include \
	  Fuzz/ModelFuzzer.swift $(FUZZ_BUILD)/debug/{Kernels,KernelsAVX2,KernelsAVX512,KernelsDispatch,CPUFeatures,NN}.build/*.o \
	  -o $(FUZZ_BUILD)/model-fuzzer
	$(FUZZ_BUILD)/model-fuzzer -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -max_len=400000 $(FUZZ_BUILD)/corpus

clean:
	rm -rf .build
