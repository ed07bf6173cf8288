#!/usr/bin/env bash
# Type-checks the native crate for the Windows and macOS targets, so that their code paths
# (ShellExecuteW, renamex_np through rustix, cfg'd modules) compile on every run even though they
# only execute on those systems. TLS goes through `native-tls` there: ring and aws-lc need a C
# cross compiler, native-tls type-checks on a stock machine (see shared/toolchain.md).
#
# Usage: scripts/cross-check.sh [TARGET...]   (default: the four targets below)
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(x86_64-pc-windows-msvc x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin)
fi

installed="$(rustup target list --installed)"
for target in "${targets[@]}"; do
  if ! grep -qx "$target" <<<"$installed"; then
    rustup target add "$target"
  fi
done

for target in "${targets[@]}"; do
  echo "cross-check: $target"
  cargo check -p upkit --no-default-features --features native-tls,cli --target "$target"
done
echo "cross-check: ${#targets[@]} targets passed"
