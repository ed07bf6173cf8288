#!/usr/bin/env bash
# Makes the Tauri CLI test vectors with the real Tauri CLI, laid out as shared/vectors/tauri-cli
# (see its README): keys/{secret,nopass}.key(.pub), files/{payload.txt,random-256KiB.bin,
# empty.bin}, sigs/<key>/<file>.sig and sigs/<key>/<file>.version-2.1.0.sig.
#
#   scripts/tauri-vectors.sh [OUT_DIR]     (default: target/vectors/tauri-cli)
#
# The CLI is `@tauri-apps/cli` at exactly $TAURI_CLI_VERSION, installed from npm into
# target/tauri-cli (skipped when that version is there); nothing else uses the network. OUT_DIR
# is made in a temporary directory beside it and renamed at the end, so a killed run leaves no
# half-made OUT_DIR; a complete one (its stamp file names this CLI version) is left as it is.
set -euo pipefail

TAURI_CLI_VERSION=2.12.5
STAMP_NAME=.tauri-cli-version

# OUT_DIR as given, relative to the caller's directory; the default, relative to the project.
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/target/vectors/tauri-cli}")
stamp_text="@tauri-apps/cli@$TAURI_CLI_VERSION"

if [ -f "$out/$STAMP_NAME" ] && [ "$(cat "$out/$STAMP_NAME")" = "$stamp_text" ]; then
  echo "Tauri CLI vectors: $out is there (made by $stamp_text)"
  exit 0
fi

prefix=$root/target/tauri-cli
tauri=$prefix/node_modules/.bin/tauri
if [ "$("$tauri" --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
  echo "installing $stamp_text from npm into $prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "$stamp_text"
  if [ "$("$tauri" --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
    echo "error: $tauri is not tauri-cli $TAURI_CLI_VERSION after the install" >&2
    exit 1
  fi
fi

parent=$(dirname "$out")
name=$(basename "$out")
mkdir -p "$parent"
# What a run killed outright (SIGKILL) left behind; younger ones may be another run's.
find "$parent" -maxdepth 1 -name ".$name.partial.*" -mmin +10 -exec rm -rf {} + 2>/dev/null || true
tmp=$(mktemp -d "$parent/.$name.partial.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp" "$tmp.old"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "making the Tauri CLI vectors in $out with $stamp_text"
# Only what is passed here: no key or password from the caller's environment.
unset TAURI_SIGNING_PRIVATE_KEY TAURI_SIGNING_PRIVATE_KEY_PATH TAURI_SIGNING_PRIVATE_KEY_PASSWORD

mkdir -p "$tmp/keys" "$tmp/files" "$tmp/sigs/secret" "$tmp/sigs/nopass" "$tmp/work"
printf 'upkit test payload\n' >"$tmp/files/payload.txt"
head -c 262144 /dev/urandom >"$tmp/files/random-256KiB.bin"
: >"$tmp/files/empty.bin"

password() { if [ "$1" = secret ]; then echo 'correct horse'; else echo ''; fi; }

for key in secret nopass; do
  "$tauri" signer generate --ci -w "$tmp/keys/$key.key" -p "$(password "$key")" >/dev/null
  for file in payload.txt random-256KiB.bin empty.bin; do
    # `signer sign` writes FILE.sig beside FILE: sign a copy, then move the signature.
    cp "$tmp/files/$file" "$tmp/work/$file"
    "$tauri" signer sign -f "$tmp/keys/$key.key" -p "$(password "$key")" "$tmp/work/$file" >/dev/null
    mv "$tmp/work/$file.sig" "$tmp/sigs/$key/$file.sig"
    "$tauri" signer sign -f "$tmp/keys/$key.key" -p "$(password "$key")" --app-version 2.1.0 \
      "$tmp/work/$file" >/dev/null
    mv "$tmp/work/$file.sig" "$tmp/sigs/$key/$file.version-2.1.0.sig"
  done
done
rm -rf "$tmp/work"

# Every file the README lists, none empty but empty.bin.
for f in keys/{secret,nopass}.key{,.pub} files/{payload.txt,random-256KiB.bin} \
  sigs/{secret,nopass}/{payload.txt,random-256KiB.bin,empty.bin}{,.version-2.1.0}.sig; do
  [ -s "$tmp/$f" ] || { echo "error: the Tauri CLI did not write $f" >&2; exit 1; }
done
printf '%s' "$stamp_text" >"$tmp/$STAMP_NAME"

# In place at once: an old or incomplete OUT_DIR is moved aside first, then removed.
if [ -e "$out" ]; then
  mv "$out" "$tmp.old"
fi
mv "$tmp" "$out"
rm -rf "$tmp.old"
echo "Tauri CLI vectors: made $out"
