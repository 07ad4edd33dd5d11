#!/usr/bin/env bash
# Builds Tessera's embed client (crate `embed/`) into target/site/: `embed.js` (the ES module
# partners import) and `embed/tessera_embed.<hash>.wasm` (content-addressed, cached for good).
# Size-optimised: the `embed-release` profile, short import and export names
# (scripts/shorten-embed-imports.py), then wasm-opt -Oz (binaryen 116) and the glue minified by
# terser (scripts/tools/).
# Usage: scripts/build-embed.sh [site-dir]   (default: target/site)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
site=${1:-$repo/target/site}
export PATH="$HOME/.cargo/bin:$PATH"
work=$repo/target/embed

cd "$repo"
# core and alloc rebuilt for this profile with panics that abort at once (`-Cpanic=immediate-abort`):
# the prebuilt core formats every panic message, which keeps the formatting machinery and the
# panic strings in the wasm even though this client's panic handler prints nothing (-1.7 KB gzip).
# Those two flags are unstable on the pinned stable compiler (RUSTC_BOOTSTRAP); when rust-src is
# missing or the compiler refuses them, the client is built the ordinary way, a little larger.
built=
if [[ "${TESSERA_EMBED_PLAIN_STD:-}" != 1 ]] \
  && rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  if RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-reference-types" \
    cargo build --locked -p embed --lib --target wasm32-unknown-unknown --profile embed-release \
    -Z build-std=core,alloc; then
    built=1
  else
    echo "warning: building the embed client with the prebuilt core instead (larger)" >&2
  fi
fi
if [[ -z "$built" ]]; then
  cargo build --locked -p embed --lib --target wasm32-unknown-unknown --profile embed-release
fi
rm -rf "$work" && mkdir -p "$work"
wasm-bindgen --target web --encode-into always --no-typescript --out-dir "$work" \
  target/wasm32-unknown-unknown/embed-release/tessera_embed.wasm
# Short import and export names in the wasm and its glue (wasm-bindgen's hashed names do not
# compress); the exports the glue never uses are dropped, so wasm-opt removes what they kept.
cp "$work/tessera_embed_bg.wasm" "$work/short.wasm"
python3 "$repo/scripts/shorten-embed-imports.py" "$work/short.wasm" "$work/tessera_embed.js"
# The features rustc's wasm32 target uses today; wasm-opt must be told it may keep them.
if [[ "${TESSERA_EMBED_NO_WASM_OPT:-}" == 1 ]]; then
  cp "$work/short.wasm" "$work/opt.wasm"   # only for trying things out quickly
else
  wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    -o "$work/opt.wasm" "$work/short.wasm"
fi

hash=$(sha256sum "$work/opt.wasm" | cut -c1-16)
wasm_name="tessera_embed.$hash.wasm"
mkdir -p "$site/embed"
rm -f "$site"/embed/tessera_embed.*.wasm*
cp "$work/opt.wasm" "$site/embed/$wasm_name"
# The glue finds its wasm next to itself by default; point it at the content-addressed name.
grep -q "'tessera_embed_bg.wasm'" "$work/tessera_embed.js" \
  || { echo "error: the wasm-bindgen glue no longer names tessera_embed_bg.wasm; update $0" >&2; exit 1; }
sed "s|'tessera_embed_bg.wasm'|'embed/$wasm_name'|" "$work/tessera_embed.js" > "$work/embed.js"
# Minified (an ES module: its exports keep their names). The import object's functions become
# arrow functions and methods: the wasm only calls them.
"$repo/scripts/tools/node_modules/.bin/terser" "$work/embed.js" --module --ecma 2020 \
  --compress passes=3,unsafe_arrows=true,unsafe_methods=true --mangle -o "$site/embed.js"
echo "embed client: $site/embed.js + $site/embed/$wasm_name"
