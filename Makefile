# Tessera: `make run` to try it, `make test` to check it. Both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

ADDR ?= 127.0.0.1:3000
DATABASE_URL ?= sqlite://data/tessera.db

.PHONY: help run test tools build-release build-debug lint test-rust test-e2e

help:
	@echo "make run    build (release) and start Tessera on http://$(ADDR) with SQLite under data/"
	@echo "make test   formatting, clippy, Rust tests and Playwright end-to-end tests"

run: build-release
	@echo
	@echo "Tessera is starting. Open http://$(ADDR)/ in your browser (Ctrl-C stops it)."
	@echo
	./target/release/tessera serve --addr $(ADDR) --database-url $(DATABASE_URL)

build-release:
	@scripts/ensure-tools.sh build release
	cargo leptos build --release

test: lint build-debug test-rust test-e2e
	@echo "All tests passed."

tools:
	@scripts/ensure-tools.sh build e2e

lint:
	cargo fmt --all --check
	cargo clippy --locked -p engine -p app -p server --all-targets -- -D warnings
	@scripts/ensure-tools.sh build
	cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

# One debug build serves the Rust tests and the end-to-end tests.
build-debug:
	@scripts/ensure-tools.sh build
	cargo leptos build

test-rust:
	cargo test --locked -p engine -p app -p server

test-e2e:
	@scripts/ensure-tools.sh e2e
	cd end2end && npx playwright test
