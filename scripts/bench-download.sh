#!/usr/bin/env bash
# The download benchmark the project keeps (not a timed test).
#
# For 512 MiB and 1 GiB artifacts served by a loopback static server (Python's http.server),
# it measures in the same run:
#   - `upkit download` (release build): wall time and peak RSS (must stay under 32 MiB);
#   - `curl -o` of the same file, then `minisign -V` of it (Debian's minisign), one after the other;
#   - `upkit verify` on the 1 GiB file against `minisign -V` and `b2sum`.
# Each measurement runs RUNS times (default 3); the table shows every run and the median.
#
#   scripts/bench-download.sh            # sizes 512 and 1024 MiB
#   SIZES="64" RUNS=1 scripts/bench-download.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"512 1024"}
RUNS=${RUNS:-3}
RSS_LIMIT_KIB=$((32 * 1024))

need() { command -v "$1" >/dev/null || { echo "missing: $1 ($2)" >&2; exit 1; }; }
if ! command -v minisign >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get install -y -qq minisign time >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq minisign time >/dev/null; }
fi
need minisign "apt-get install minisign"
need curl "apt-get install curl"
need b2sum "coreutils"
need python3 "python3"

echo "building upkit (release)" >&2
cargo build -q --release -p upkit --bin upkit
UPKIT=$PWD/target/release/upkit

WORK=$(mktemp -d "${TMPDIR:-/tmp}/upkit-bench.XXXXXX")
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/www" "$WORK/out"

# A throw-away key; Tauri's format is base64 of minisign's text files.
minisign -G -W -f -p "$WORK/k.pub" -s "$WORK/k.key" >/dev/null
PUBKEY=$(base64 -w0 "$WORK/k.pub")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The static server: Python's http.server answering with sendfile(2), so that the server costs
# almost no CPU on this 2-core machine (SERVER=stock uses plain `python3 -m http.server`, whose
# copy loop takes most of a core and so competes with the client being measured).
if [ "${SERVER:-sendfile}" = stock ]; then
  python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
else
  python3 - "$PORT" "$WORK/www" >/dev/null 2>&1 <<'PY' &
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        outputfile.flush()
        self.connection.sendfile(source)
port, directory = int(sys.argv[1]), sys.argv[2]
handler = functools.partial(Handler, directory=directory)
http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
PY
fi
SERVER_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; python3 -c 'import time; time.sleep(0.1)'; done

for mib in $SIZES; do
  f="app-$mib.bin"
  echo "making a signed ${mib} MiB artifact" >&2
  head -c "${mib}M" /dev/urandom >"$WORK/www/$f"
  printf '' | minisign -S -s "$WORK/k.key" -m "$WORK/www/$f" -x "$WORK/www/$f.minisig" \
    -t "$(printf 'timestamp:%s\tfile:%s\tversion:2.0.0' "$(date +%s)" "$f")" >/dev/null
  sig=$(base64 -w0 "$WORK/www/$f.minisig")
  cat >"$WORK/www/latest-$mib.json" <<EOF
{"version": "2.0.0", "platforms": {"linux-x86_64": {"url": "http://127.0.0.1:$PORT/$f", "signature": "$sig"}}}
EOF
done

# `timed OUT CMD...`: runs CMD under /usr/bin/time, appends "wall_seconds max_rss_kib" to OUT.
timed() {
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  cat "$WORK/t" >>"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$1" '{print $c}' "$2"; }
runs() { col "$1" "$2" | tr '\n' ' '; }

printf '\nmachine: %s cores, %s; files on %s; server %s; load average %s\n' "$(nproc)" "$(uname -sr)" \
  "$(df --output=fstype "$WORK" | tail -1)" "${SERVER:-sendfile}" "$(cut -d' ' -f1-3 /proc/loadavg)"
fail=0
for mib in $SIZES; do
  f="app-$mib.bin"
  rm -f "$WORK"/r.*
  for _ in $(seq "$RUNS"); do
    rm -f "$WORK/out/$f"
    timed "$WORK/r.upkit" "$UPKIT" download --endpoint "http://127.0.0.1:$PORT/latest-$mib.json" \
      --pubkey "$PUBKEY" --current-version 1.0.0 --target linux --arch x86_64 --bundle-type unknown \
      --insecure-transport --out "$WORK/out" --json
    cmp -s "$WORK/out/$f" "$WORK/www/$f" || { echo "upkit download produced a different file" >&2; exit 1; }
    rm -f "$WORK/out/$f"
    timed "$WORK/r.curl" curl -s -o "$WORK/out/$f" "http://127.0.0.1:$PORT/$f"
    timed "$WORK/r.minisign" minisign -V -p "$WORK/k.pub" -m "$WORK/out/$f" -x "$WORK/www/$f.minisig"
    rm -f "$WORK/out/$f"
  done
  paste -d' ' <(col 1 "$WORK/r.curl") <(col 1 "$WORK/r.minisign") | awk '{print $1 + $2}' >"$WORK/r.sum"
  paste -d' ' <(col 1 "$WORK/r.curl") <(col 1 "$WORK/r.minisign") | awk '{print ($1 > $2 ? $1 : $2)}' >"$WORK/r.max"
  up=$(col 1 "$WORK/r.upkit" | median)
  rss=$(col 2 "$WORK/r.upkit" | sort -n | tail -1)
  sum=$(median <"$WORK/r.sum")
  slower=$(median <"$WORK/r.max")
  printf '\n== %s MiB, %s runs (seconds; median in brackets)\n' "$mib" "$RUNS"
  printf '  upkit download          %s [%s]  peak RSS %s KiB (max of runs)\n' "$(runs 1 "$WORK/r.upkit")" "$up" "$rss"
  printf '  curl -o                 %s [%s]\n' "$(runs 1 "$WORK/r.curl")" "$(col 1 "$WORK/r.curl" | median)"
  printf '  minisign -V             %s [%s]\n' "$(runs 1 "$WORK/r.minisign")" "$(col 1 "$WORK/r.minisign" | median)"
  printf '  curl + minisign         %s [%s]\n' "$(tr '\n' ' ' <"$WORK/r.sum")" "$sum"
  ratio=$(awk -v a="$up" -v b="$slower" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
  printf '  upkit / slower of the two alone: %sx (stretch goal <= 1.15)\n' "$ratio"
  if [ "$rss" -ge "$RSS_LIMIT_KIB" ]; then echo "  FAIL: peak RSS ${rss} KiB >= ${RSS_LIMIT_KIB} KiB"; fail=1; fi
  if awk -v a="$up" -v b="$sum" 'BEGIN {exit !(a > b)}'; then echo "  FAIL: upkit download slower than curl + minisign"; fail=1; fi
done

# Verification alone, on the largest file.
big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
f="$WORK/www/app-$big.bin"
rm -f "$WORK"/v.*
for _ in $(seq "$RUNS"); do
  timed "$WORK/v.upkit" "$UPKIT" verify "$f" --pubkey "$PUBKEY" --signature "$(base64 -w0 "$f.minisig")"
  timed "$WORK/v.minisign" minisign -V -p "$WORK/k.pub" -m "$f" -x "$f.minisig"
  timed "$WORK/v.b2sum" b2sum "$f"
done
printf '\n== verify %s MiB (seconds; median in brackets)\n' "$big"
for t in upkit minisign b2sum; do
  printf '  %-22s  %s [%s]  peak RSS %s KiB\n' "$t" "$(runs 1 "$WORK/v.$t")" "$(col 1 "$WORK/v.$t" | median)" \
    "$(col 2 "$WORK/v.$t" | sort -n | tail -1)"
done
exit $fail
