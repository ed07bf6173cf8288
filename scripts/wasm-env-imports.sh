#!/usr/bin/env bash
# Checks that the wasm build of upkit-core (linked into the upkit-wasm cdylib) imports nothing
# from `env`: no C code, no libc, no unresolved symbol. Fails on any `env` import.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p upkit-wasm --target wasm32-unknown-unknown --profile release-wasm
wasm=target/wasm32-unknown-unknown/release-wasm/upkit_wasm.wasm
files=("$wasm")
# The packaged builds too, when they exist.
for f in npm/dist/web/upkit_wasm_bg.wasm npm/dist/node/upkit_wasm_bg.wasm; do
  [ -f "$f" ] && files+=("$f")
done
node npm/scripts/wasm-imports.mjs "${files[@]}"
