#!/usr/bin/env bash
# Installs, when missing, the tools Tessera's build and tests need; quiet when all are present.
# Usage: scripts/ensure-tools.sh [build] [e2e] [release]
#   build    wasm32 target, cargo-leptos, wasm-bindgen-cli (matching Cargo.lock)
#   e2e      Debian's chromium and the npm packages of end2end/
#   release  wasm-opt (binaryen 116; cargo-leptos needs it for --release builds), terser (npm, for
#            the embed client's glue) and rust-src (the embed client's own core)
# Versions are pinned here so that every machine builds with the same tools (see README).
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
WASM_OPT_VERSION=0.116.1
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
run_or_die() {
  local what=$1; shift
  "$@" || die "could not install $what (command: $*). Fix the cause shown above and run make again."
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown Rust target"
    run_or_die "the wasm32 target" rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if [[ "$(cargo leptos --version 2>/dev/null)" != *" $CARGO_LEPTOS_VERSION"* ]]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores, once)"
    run_or_die "cargo-leptos" cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
}

ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$repo/Cargo.lock")
  [[ -n "$want" ]] || die "could not read the wasm-bindgen version from Cargo.lock"
  if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want"* ]]; then
    say "installing wasm-bindgen-cli $want (matches Cargo.lock; a few minutes, once)"
    # Not --locked: its lock file names a crate version the registry mirror lacks.
    run_or_die "wasm-bindgen-cli" cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

# The embed client rebuilds core and alloc with panics that abort at once (scripts/build-embed.sh).
ensure_rust_src() {
  if ! rustup component list --installed | grep -q '^rust-src'; then
    say "adding the rust-src component (the embed client's size-optimised core)"
    run_or_die "rust-src" rustup component add rust-src
  fi
}

ensure_wasm_opt() {
  if [[ "$(wasm-opt --version 2>/dev/null)" != *"version 116"* ]]; then
    say "installing wasm-opt (binaryen 116) from the crate registry (about 8 minutes, once)"
    run_or_die "wasm-opt" cargo install wasm-opt --version "$WASM_OPT_VERSION" --locked --force
  fi
}

ensure_chromium() {
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian's chromium for the end-to-end tests"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    run_or_die "chromium (apt-get update)" "${sudo[@]}" apt-get update -qq
    run_or_die "chromium" env DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium
  fi
}

ensure_npm_packages() {
  local stamp="$repo/end2end/node_modules/.tessera-lock-sha256" want
  want=$(sha256sum "$repo/end2end/package-lock.json" | cut -d' ' -f1)
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    say "installing the end-to-end test packages (npm ci; no browser is downloaded)"
    (cd "$repo/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
      || die "could not install the npm packages of end2end/ (npm ci failed above)"
    echo "$want" > "$stamp"
  fi
}

ensure_js_build_tools() {
  local stamp="$repo/scripts/tools/node_modules/.tessera-lock-sha256" want
  want=$(sha256sum "$repo/scripts/tools/package-lock.json" | cut -d' ' -f1)
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    say "installing the build's JavaScript tools (terser, for the embed client's glue)"
    (cd "$repo/scripts/tools" && npm ci --no-audit --no-fund --loglevel=error) \
      || die "could not install the npm packages of scripts/tools/ (npm ci failed above)"
    echo "$want" > "$stamp"
  fi
}

for group in "$@"; do
  case "$group" in
    build) ensure_wasm_target; ensure_cargo_leptos; ensure_wasm_bindgen ;;
    e2e) ensure_chromium; ensure_npm_packages ;;
    release) ensure_wasm_opt; ensure_js_build_tools; ensure_rust_src ;;
    *) die "unknown tool group '$group' (expected build, e2e or release)" ;;
  esac
done
