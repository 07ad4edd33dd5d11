#!/usr/bin/env bash
# `make bench`: every benchmark, on SQLite and then on a throwaway PostgreSQL, release builds,
# one table at the end (target/bench/report.md and report.json). Not part of `make test`.
# Each benchmark appends one JSON line per figure to $TESSERA_BENCH_OUT
# (server/benches/common/mod.rs, end2end/bench/); scripts/bench-report.py makes the table.
# Environment: GROWTH_SIZES (default 10000,1000000), REDEMPTIONS, CLIENTS, SECONDS, OPEN_RATE,
# BROWSER_RUNS (see each benchmark's header).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$repo/target/bench
mkdir -p "$out"
export TESSERA_BENCH_OUT=$out/results.jsonl
: > "$TESSERA_BENCH_OUT"
export RUST_LOG=${RUST_LOG:-warn}
started=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }

step "building the benchmarks (release)"
cargo bench --locked -p engine -p server --no-run

# Each Rust benchmark measures SQLite and then, with TESSERA_TEST_DATABASE_URL set by
# with-postgres.sh, PostgreSQL, in the same process. Every run names both packages, as the build
# above did: cargo unifies features per invocation, so a smaller selection would build again.
for bench in redemption_throughput pages load growth; do
  step "cargo bench --bench $bench"
  scripts/with-postgres.sh cargo bench --locked -p engine -p server --bench "$bench"
done

step "browser figures (the release server in Debian's Chromium)"
(cd end2end && TESSERA_BIN="$repo/target/release/tessera" npx playwright test --config playwright.bench.config.ts)

step "bundle sizes over the wire"
node scripts/bench-sizes.mjs target/site end2end/node_modules/persona/dist/persona.js >> "$TESSERA_BENCH_OUT"

python3 scripts/bench-report.py "$TESSERA_BENCH_OUT" "$out"
echo "make bench took $(( $(date +%s) - started )) s; table: target/bench/report.md"
