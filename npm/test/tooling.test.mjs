// Build-level checks: the size budget, no `env` imports, the TypeScript types, and the
// wasm-bindgen tests of upkit-wasm under Node (which print the tests that did not run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { npmRoot, repoRoot, targetDir } from './paths.mjs';
import { BUDGET, BUILDS, measure } from '../scripts/size.mjs';

function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd: npmRoot, ...options });
}

describe('build', () => {
  for (const build of BUILDS) {
    test(`size budget: dist/${build}/upkit_wasm_bg.wasm at most ${BUDGET / 1024} KiB gzipped`, () => {
      const { gzipped, line } = measure(build);
      console.log(line);
      assert.ok(gzipped <= BUDGET, `${gzipped} bytes gzipped is over the budget of ${BUDGET} bytes`);
    });
  }

  test('no import from `env` (cargo output and both packaged builds)', () => {
    const files = [
      join(targetDir, 'wasm32-unknown-unknown/release-wasm/upkit_wasm.wasm'),
      join(repoRoot, 'target/wasm-build-std/wasm32-unknown-unknown/release-wasm/upkit_wasm.wasm'),
      join(npmRoot, 'dist/web/upkit_wasm_bg.wasm'),
      join(npmRoot, 'dist/node/upkit_wasm_bg.wasm'),
    ].filter((file) => existsSync(file));
    assert.ok(files.length >= 3);
    const result = run(process.execPath, ['scripts/wasm-imports.mjs', ...files]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    for (const file of files) {
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(file)));
      assert.ok(imports.every((i) => i.module !== 'env'));
    }
  });

  test('the checker fails on an `env` import', () => {
    // (module (import "env" "memcpy" (func)))
    const wasm = Buffer.from('0061736d01000000010401600000020e0103656e76066d656d6370790000', 'hex');
    const file = join(npmRoot, 'test-results', 'env-import.wasm');
    mkdirSync(join(npmRoot, 'test-results'), { recursive: true });
    writeFileSync(file, wasm);
    const result = run(process.execPath, ['scripts/wasm-imports.mjs', file]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /imports from env: memcpy \(function\)/);
  });

  test('tsc --noEmit over the typed usage files (ESM and CJS)', () => {
    const result = run(join(npmRoot, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'test/types']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  test('wasm-bindgen-test tests of upkit-wasm under Node', () => {
    const result = run('cargo', ['test', '-p', 'upkit-wasm', '--target', 'wasm32-unknown-unknown'], {
      cwd: repoRoot,
      env: { ...process.env, CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner' },
    });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /test result: ok\. [1-9][0-9]* passed; 0 failed/);
    // The tests that did not run, for want of data (also in $UPKIT_SKIPPED, when set).
    for (const line of result.stderr.split('\n').filter((l) => l.startsWith('skipped: '))) console.log(line);
  });
});
