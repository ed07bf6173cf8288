#!/usr/bin/env node
// Builds the package from the workspace:
//   cargo build -p upkit-wasm --target wasm32-unknown-unknown --profile release-wasm
//   wasm-bindgen --target web    -> dist/web   (ESM: browsers, bundlers, and Node's `import`)
//   wasm-bindgen --target nodejs -> dist/node  (CommonJS: Node's `require`)
//   wasm-opt -Oz --converge --strip-producers (npm `binaryen`; Debian's wasm-opt corrupts
//   wasm-bindgen output)
//   lib/error.js as CommonJS -> dist/error.cjs (for lib/node.cjs), lib/index.d.ts -> dist/index.d.cts
// wasm-bindgen and wasm-opt are skipped when the cargo output did not change since the last build.
//
// UPKIT_WASM_BUILD_STD=1 (opt-in, needs the nightly toolchain with rust-src) rebuilds std for
// size instead: `cargo +nightly build -Z build-std=std,panic_abort -Z
// build-std-features=optimize_for_size` with `-Cpanic=immediate-abort`, into target/wasm-build-std
// (about 10% smaller gzipped: 192.1 KiB against 213.6 KiB, measured 2026-12-01).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const npmRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(npmRoot, '..');
const dist = join(npmRoot, 'dist');
const buildStd = process.env.UPKIT_WASM_BUILD_STD === '1';
// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the workspace, where cargo runs)
// when set, as cargo itself takes it.
const cargoTarget = process.env.CARGO_TARGET_DIR ? resolve(repoRoot, process.env.CARGO_TARGET_DIR) : join(repoRoot, 'target');
const targetDir = buildStd ? join(repoRoot, 'target/wasm-build-std') : cargoTarget;
const input = join(targetDir, 'wasm32-unknown-unknown/release-wasm/upkit_wasm.wasm');
const wasmOpt = join(npmRoot, 'node_modules/.bin/wasm-opt');
const outputs = {
  web: join(dist, 'web'),
  node: join(dist, 'node'),
};

function run(cmd, args, options = {}) {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: repoRoot, ...options });
}

function wasmBindgenVersionPinned() {
  const lock = readFileSync(join(repoRoot, 'Cargo.lock'), 'utf8');
  const match = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!match) throw new Error('wasm-bindgen is not in Cargo.lock');
  return match[1];
}

function checkWasmBindgen() {
  const pinned = wasmBindgenVersionPinned();
  let installed;
  try {
    installed = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1];
  } catch {
    throw new Error(
      `wasm-bindgen CLI not found: install it with \`cargo install wasm-bindgen-cli --version ${pinned}\``,
    );
  }
  if (installed !== pinned) {
    throw new Error(
      `wasm-bindgen CLI ${installed} does not match the wasm-bindgen ${pinned} of Cargo.lock: ` +
        `install it with \`cargo install wasm-bindgen-cli --version ${pinned}\``,
    );
  }
}

/**
 * lib/error.js as a CommonJS module: the same source, its one `export { UpkitError };` made
 * `module.exports`. It has no imports, and must keep it so.
 */
function errorAsCommonJs(source) {
  const exportLine = /^export \{ UpkitError \};$/m;
  if (!exportLine.test(source) || /^\s*(import|export)\b/m.test(source.replace(exportLine, ''))) {
    throw new Error('lib/error.js must have no imports and one export, the line `export { UpkitError };`');
  }
  return `// Built from lib/error.js by scripts/build.mjs: edit that file.\n'use strict';\n${
    source.replace(exportLine, 'module.exports = { UpkitError };')}`;
}

function main() {
  const cargo = ['build', '-p', 'upkit-wasm', '--target', 'wasm32-unknown-unknown', '--profile', 'release-wasm'];
  if (buildStd) {
    run('cargo', ['+nightly', ...cargo, '--target-dir', targetDir,
      '-Z', 'build-std=std,panic_abort', '-Z', 'build-std-features=optimize_for_size'], {
      env: { ...process.env, RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort' },
    });
  } else {
    run('cargo', cargo);
  }
  const hash = createHash('sha256')
    .update(readFileSync(input))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex');
  const stamp = join(dist, '.stamp');
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === hash &&
    Object.values(outputs).every((dir) => existsSync(join(dir, 'upkit_wasm_bg.wasm')));
  if (!fresh) {
    checkWasmBindgen();
    if (!existsSync(wasmOpt)) throw new Error('wasm-opt not found: run `npm install` in npm/ first');
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    for (const [target, dir] of Object.entries({ web: outputs.web, nodejs: outputs.node })) {
      run('wasm-bindgen', ['--target', target, '--no-typescript', '--out-dir', dir, input]);
      const wasm = join(dir, 'upkit_wasm_bg.wasm');
      // `--converge` repeats -Oz until it stops shrinking; the producers section is metadata.
      run(wasmOpt, ['-Oz', '--converge', '--strip-producers', wasm, '-o', wasm]);
    }
    // The package is `"type": "module"`; the nodejs output is CommonJS.
    writeFileSync(join(outputs.node, 'package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(stamp, hash);
  }
  // Types for `require`: the same declarations, as a CommonJS declaration file.
  copyFileSync(join(npmRoot, 'lib/index.d.ts'), join(dist, 'index.d.cts'));
  writeFileSync(join(dist, 'error.cjs'), errorAsCommonJs(readFileSync(join(npmRoot, 'lib/error.js'), 'utf8')));
  for (const [name, dir] of Object.entries(outputs)) {
    const bytes = readFileSync(join(dir, 'upkit_wasm_bg.wasm'));
    const gz = gzipSync(bytes, { level: 9 }).length;
    console.error(`${name}: upkit_wasm_bg.wasm ${bytes.length} bytes, ${gz} bytes gzipped`);
  }
}

try {
  main();
} catch (error) {
  console.error(`build failed: ${error.message}`);
  process.exit(1);
}
