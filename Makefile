# StreetWarden: `make run` and `make test` are the two set-up commands (see README.md).
SHELL := /bin/bash
BIN := .build/release/streetwarden
DB ?= streetwarden.sqlite
DEB_PACKAGES := libavcodec-dev libavformat-dev libswscale-dev libavutil-dev pkg-config ffmpeg \
                libsqlite3-dev sqlite3 fonts-noto-cjk chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON ?= python3
VENV := .venv

.PHONY: deps build run test clips train bench clean

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
	swift build -c release --product streetwarden

## clips: the bundled sample clips (generated from project-made content, see clips/README.md).
clips: build
	@if [ -x clips/make_clips.sh ]; then clips/make_clips.sh; fi

## run: analyze the sample clips with the default model into an embedded SQLite file and print the cases.
run: clips
	@if $(BIN) help analyze >/dev/null 2>&1; then \
	  $(BIN) analyze clips/generated/*.mp4 --db $(DB) && $(BIN) cases list --db $(DB); \
	else \
	  for f in clips/generated/*.mp4; do $(BIN) bench decode "$$f" --mode keyframes; done; \
	fi

## test: the whole test suite.
test: deps
	swift build -c release --product streetwarden
	swift test

## train: reproduce the default model from ../shared/data (CPU, PyTorch from PyPI).
train: deps
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r training/requirements.txt
	$(VENV)/bin/python training/train.py

clean:
	rm -rf .build
