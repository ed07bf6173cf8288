#!/usr/bin/env bash
# The validation benchmark the project keeps (not a timed test): peak memory and wall time of
# `upkit validate` (release build) and of the npm package's `validateManifest` (Node) on large
# generated manifests, each written to stress one part of the validator:
#   platforms   40,000 platform entries, each with a bad signature (120,000 diagnostics)
#   numbers     a 2,000,000-number array in an unknown field
#   fields      300,000 unknown top-level fields
#   objects     400,000 one-member objects in an unknown field
# Each line: the file, its size, then peak RSS (and RSS per byte of input) and seconds.
#
#   scripts/bench-validate.sh            # CLI (human and --json output) and Node
#   NODE=0 scripts/bench-validate.sh     # CLI only
#   UPKIT=/path/to/upkit NODE=0 scripts/bench-validate.sh   # another build, to compare
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
if [ -z "${UPKIT:-}" ]; then
  echo "building upkit (release)" >&2
  cargo build -q --release -p upkit --bin upkit
  UPKIT=$PWD/target/release/upkit
fi
if [ "${NODE:-1}" = 1 ]; then
  echo "building the npm package" >&2
  (cd npm && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; } && npm run -s build >/dev/null 2>&1)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/upkit-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
def write(name, doc):
    with open(f"{work}/{name}.json", "w") as f:
        json.dump(doc, f)
write("platforms", {"version": "1.0.0", "platforms": {
    f"linux-x{i}": {"url": f"https://example.com/a{i}.tar.gz", "signature": "bad"}
    for i in range(40_000)}})
write("numbers", {"version": "1.0.0", "extra": [1] * 2_000_000, "platforms": {}})
fields = {"version": "1.0.0", "platforms": {}}
fields.update({f"k{i}": i for i in range(300_000)})
write("fields", fields)
write("objects", {"version": "1.0.0", "platforms": {}, "x": [{"a": "b"}] * 400_000})
PY

measure() { # label file command...
  local label=$1 file=$2
  shift 2
  local size kib secs
  size=$(stat -c %s "$file")
  /usr/bin/time -o "$WORK/time" -f '%M %e' "$@" >/dev/null 2>&1 || true
  read -r kib secs <"$WORK/time"
  awk -v l="$label" -v f="$(basename "$file")" -v s="$size" -v k="$kib" -v t="$secs" \
    'BEGIN { printf "%-16s %-15s %5.1f MB  peak %6.1f MB (%3.0f x)  %5.2f s\n", l, f, s/1e6, k*1024/1e6, k*1024/s, t }'
}

for f in "$WORK"/*.json; do
  measure "upkit validate" "$f" "$UPKIT" validate "$f"
  measure "  --json" "$f" "$UPKIT" validate --json "$f"
  if [ "${NODE:-1}" = 1 ]; then
    measure "validateManifest" "$f" node --input-type=module -e "
      import { readFileSync } from 'node:fs';
      import { validateManifest } from '$PWD/npm/lib/node.mjs';
      validateManifest(readFileSync(process.argv[1]));" "$f"
  fi
done
