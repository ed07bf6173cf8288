#!/usr/bin/env bash
# The npm package's whole check, as CI runs it: install the dev dependencies (skipped when
# node_modules matches package-lock.json), build (skips wasm-bindgen and wasm-opt when the
# cargo output did not change), print the size against the budget, then `npm test` (Node
# suites, CLI parity, packed tarball, headless Chromium, tsc, wasm-bindgen-test, size budget).
# Idempotent; run it from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
status=0
node scripts/size.mjs || status=1
npm test || status=1
exit $status
