#!/usr/bin/env bash
# The memory benchmark of tauri-plugin-upkit (kept here, not a timed test): one update of SIZE MiB
# (default 512) through the plugin's `download` command in the mock app (tauri/app's
# examples/bench_download.rs: `check`, then `download` over Tauri's IPC), served by a loopback
# static server (Python's http.server). It prints the process's peak RSS (VmHWM) and the time,
# then the same for the official tauri-plugin-updater (the example built against it with only the
# dependency line changed, as scripts/tauri-official-check.sh does), unless OFFICIAL=0.
#
#   scripts/bench-tauri-download.sh             # 512 MiB, both plugins
#   SIZE=64 OFFICIAL=0 scripts/bench-tauri-download.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-512}
OFFICIAL=${OFFICIAL:-1}
OFFICIAL_VERSION=${OFFICIAL_VERSION:-2.14.1}

cargo build -q -p upkit --bin upkit
OUT=${CARGO_TARGET_DIR:-$PWD/target}
UPKIT=$OUT/debug/upkit
(cd tauri && cargo build -q --locked -p upkit-tauri-app --example bench_download)
OURS=$OUT/debug/examples/bench_download

WORK=$(mktemp -d "${TMPDIR:-/tmp}/upkit-tauri-bench.XXXXXX")
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/www"
artifact="$WORK/www/app_1.1.0_amd64.AppImage"
{ printf '\177ELF'; head -c $((SIZE * 1024 * 1024 - 4)) /dev/urandom; } >"$artifact"
"$UPKIT" keygen -o "$WORK/key" --no-password >/dev/null
"$UPKIT" sign "$artifact" -k "$WORK/key" --app-version 1.1.0 >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target=$(case "$(uname -m)" in x86_64) echo linux-x86_64 ;; aarch64) echo linux-aarch64 ;; esac)
cat >"$WORK/www/latest.json" <<JSON
{"version": "1.1.0", "platforms": {"$target": {"url": "http://127.0.0.1:$port/app_1.1.0_amd64.AppImage",
 "signature": "$(cat "$artifact.sig")"}}}
JSON
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
SERVER_PID=$!
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/latest.json')" 2>/dev/null; do :; done

export BENCH_ENDPOINT="http://127.0.0.1:$port/latest.json" BENCH_PUBKEY="$(cat "$WORK/key.pub")"
echo "tauri-plugin-upkit, $SIZE MiB through the download command: $("$OURS")"

if [ "$OFFICIAL" = 1 ]; then
  app=target/tauri-official-bench
  rm -rf "$app" && mkdir -p "$app"
  cp -r tauri/app/src tauri/app/examples tauri/app/build.rs tauri/app/tauri.conf.json \
    tauri/app/capabilities tauri/app/icons tauri/app/dist "$app/"
  sed -e "s|^tauri-plugin-updater = { package = \"tauri-plugin-upkit\", path = \"..\" }$|tauri-plugin-updater = \"=$OFFICIAL_VERSION\"|" \
    -e "s|path = \"../../native\"|path = \"$PWD/native\"|" tauri/app/Cargo.toml >"$app/Cargo.toml"
  printf '\n[workspace]\n' >>"$app/Cargo.toml"
  cp tauri/Cargo.lock "$app/Cargo.lock"
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" cargo build -q --manifest-path "$app/Cargo.toml" --example bench_download
  echo "tauri-plugin-updater $OFFICIAL_VERSION, the same: $("$OUT/debug/examples/bench_download")"
fi
