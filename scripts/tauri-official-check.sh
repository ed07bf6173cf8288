#!/usr/bin/env bash
# Builds the Tauri test app (tauri/app) against the official tauri-plugin-updater, with only its
# dependency line changed: the app's code compiles against both plugins (docs/tauri.md shows the
# diff). The copy lives in target/tauri-official-app and shares the repository's target/.
#   scripts/tauri-official-check.sh [VERSION]     (default: the 2.14.x the plugin follows)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-2.14.1}
app=target/tauri-official-app
rm -rf "$app"
mkdir -p "$app"
cp -r tauri/app/src tauri/app/build.rs tauri/app/tauri.conf.json tauri/app/capabilities \
  tauri/app/icons tauri/app/dist "$app/"
# The one line, and nothing else of the app's code: the dev-dependencies (its tests) and the
# workspace around it stay behind.
sed -e "s|^tauri-plugin-updater = { package = \"tauri-plugin-upkit\", path = \"..\" }$|tauri-plugin-updater = \"=$version\"|" \
  -e '/^\[dev-dependencies\]/,$d' tauri/app/Cargo.toml >"$app/Cargo.toml"
grep -q "^tauri-plugin-updater = \"=$version\"$" "$app/Cargo.toml" ||
  { echo "the dependency line of tauri/app/Cargo.toml was not found" >&2; exit 1; }
printf '\n[workspace]\n' >>"$app/Cargo.toml"
# Start from the plugin's lock, so that Tauri and its dependencies are the builds already there.
cp tauri/Cargo.lock "$app/Cargo.lock"
diff -u tauri/app/Cargo.toml "$app/Cargo.toml" || true
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" cargo build --manifest-path "$app/Cargo.toml" --bin upkit-tauri-app
echo "the app's code builds against tauri-plugin-updater $version"
