# Tessera: `make run` to try it, `make test` to check it. Both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

# cargo-leptos builds debug code with `--cfg erase_components`; plain cargo commands use the same
# flags so that they reuse its build output instead of compiling everything a second time.
LEPTOS_DEBUG_RUSTFLAGS := --cfg erase_components
CARGO_AS_LEPTOS := RUSTFLAGS="$(LEPTOS_DEBUG_RUSTFLAGS)" cargo

# A clean checkout (CI) gains nothing from incremental compilation, which would write gigabytes
# of caches next to the build.
ifdef CI
export CARGO_INCREMENTAL := 0
endif

ADDR ?= 127.0.0.1:3000
DEMO_SITE_ADDR ?= 127.0.0.1:3002
DATABASE_URL ?= sqlite://data/tessera.db

.NOTPARALLEL:
.PHONY: help run test bench tools build-release build-debug lint test-rust test-postgres test-e2e

help:
	@echo "make run    build (release) and start Tessera on http://$(ADDR) with SQLite under data/"
	@echo "make test   formatting, clippy, Rust tests and Playwright end-to-end tests"
	@echo "make bench  every benchmark on SQLite and PostgreSQL, one table in target/bench/report.md"

run: build-release
	@echo
	@./target/release/tessera demo --database-url $(DATABASE_URL) --public-url http://$(ADDR) --demo-site-url http://$(DEMO_SITE_ADDR)
	@echo
	@echo "Tessera is starting, with a partner's demo page on http://$(DEMO_SITE_ADDR). Open one of the links above (Ctrl-C stops both)."
	@echo
	./target/release/tessera demo-site --addr $(DEMO_SITE_ADDR) --tessera-url http://$(ADDR) --database-url $(DATABASE_URL) & site=$$!; \
	  trap 'kill $$site 2>/dev/null' EXIT; \
	  ./target/release/tessera serve --addr $(ADDR) --database-url $(DATABASE_URL)

build-release:
	@scripts/ensure-tools.sh build release
	cargo leptos build --release
	scripts/build-embed.sh
	./target/release/tessera precompress target/site

# The Rust tests run before the debug build because `cargo test` relinks target/debug/tessera with
# the dev-dependencies' features; the end-to-end tests must run the binary cargo-leptos built.
test: lint test-rust build-debug test-e2e
	@echo "All tests passed."

# Every benchmark on SQLite and PostgreSQL, release builds, one table: target/bench/report.md
# (and report.json). Not part of `make test`; about 85 minutes with the default sizes (GROWTH_SIZES).
bench: build-release
	@scripts/ensure-tools.sh e2e
	scripts/bench.sh

tools:
	@scripts/ensure-tools.sh build e2e

lint:
	cargo fmt --all --check
	$(CARGO_AS_LEPTOS) clippy --locked -p domain -p engine -p app -p server -p embed --all-targets -- -D warnings
	@scripts/ensure-tools.sh build
	$(CARGO_AS_LEPTOS) clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings
	# Alone: with the frontend in the same build, wasm-bindgen's `std` would meet the embed
	# client's own panic handler.
	$(CARGO_AS_LEPTOS) clippy --locked -p embed --target wasm32-unknown-unknown -- -D warnings

# The embed client is always built small (its own profile and wasm-opt): tests measure what
# partners download.
build-debug:
	@scripts/ensure-tools.sh build release
	cargo leptos build
	scripts/build-embed.sh
	./target/debug/tessera precompress target/site

# The suites run twice: on SQLite, then on a throwaway PostgreSQL server (Debian's, installed when
# missing), where the multi-instance tests run too. Both runs name the same packages: cargo unifies
# dependency features per invocation, so a smaller selection would build and link everything a
# second time (twice the disk and a second link of every test binary).
RUST_TEST_PACKAGES := -p domain -p engine -p app -p server -p embed
test-rust:
	$(CARGO_AS_LEPTOS) test --locked $(RUST_TEST_PACKAGES)
	scripts/with-postgres.sh env RUSTFLAGS="$(LEPTOS_DEBUG_RUSTFLAGS)" cargo test --locked $(RUST_TEST_PACKAGES)

# Only the PostgreSQL half of test-rust.
test-postgres:
	scripts/with-postgres.sh env RUSTFLAGS="$(LEPTOS_DEBUG_RUSTFLAGS)" cargo test --locked $(RUST_TEST_PACKAGES)

test-e2e:
	@scripts/ensure-tools.sh e2e
	cd end2end && npx playwright test
