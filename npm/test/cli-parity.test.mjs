// validateManifest gives exactly the object of the Rust CLI's `upkit validate --json`, for every
// shared fixture manifest (and with a trusted key, for the key_mismatch warnings).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { validateManifest } from '../lib/node.mjs';
import { npmRoot, realWorld, realWorldFiles, repoRoot, tauri } from './paths.mjs';

const binary = join(repoRoot, 'target/debug/upkit');
const paths = realWorldFiles.map((f) => join(realWorld, f));
const pubkeyPath = join(tauri, 'keys/secret.key.pub');
let unavailable = null;

function loud(message) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n!!! SKIPPED: ${message}\n${bar}\n`);
}

before(() => {
  const build = spawnSync('cargo', ['build', '-q', '-p', 'upkit', '--bin', 'upkit'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0 || !existsSync(binary)) {
    unavailable = `the Rust CLI could not be built, so validateManifest is NOT compared with \`upkit validate --json\`:\n${build.stderr}`;
    loud(unavailable);
  }
});

function cli(args) {
  const run = spawnSync(binary, ['validate', '--json', ...args], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `upkit validate exited ${run.status}: ${run.stderr}`);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

describe('validateManifest equals `upkit validate --json`', () => {
  test('every real-world manifest', (t) => {
    if (unavailable) return t.skip(unavailable);
    const reports = cli(paths);
    assert.equal(reports.length, paths.length);
    reports.forEach((expected, i) => {
      const actual = validateManifest(readFileSync(paths[i]), { file: paths[i] });
      assert.deepEqual(actual, expected, realWorldFiles[i]);
    });
  });

  test('every real-world manifest, with a trusted key', (t) => {
    if (unavailable) return t.skip(unavailable);
    const pubkey = readFileSync(pubkeyPath, 'utf8');
    const reports = cli(['--pubkey', pubkey, ...paths]);
    reports.forEach((expected, i) => {
      const actual = validateManifest(readFileSync(paths[i]), { file: paths[i], pubkey });
      assert.deepEqual(actual, expected, realWorldFiles[i]);
    });
    assert.ok(reports.some((r) => r.warnings.some((w) => w.code === 'key_mismatch')));
  });

  test('odd manifests (array forms, null platforms, duplicates, bad dates)', (t) => {
    if (unavailable) return t.skip(unavailable);
    for (const body of oddBodies) {
      const run = spawnSync(binary, ['validate', '--json', '-'], { input: body, encoding: 'utf8' });
      const expected = JSON.parse(run.stdout.trim());
      assert.deepEqual(validateManifest(body, { file: '-' }), expected, body);
    }
  });
});

describe('npx upkit-validate prints what `upkit validate` prints', () => {
  const bin = join(npmRoot, 'bin/upkit-validate.mjs');
  const run = (command, args) => spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  test('the same diagnostics, hints and summaries, and the same exit status', (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(tmpdir(), 'upkit-validate-'));
    const odd = oddBodies.map((body, i) => {
      const file = join(dir, `odd-${i}.json`);
      writeFileSync(file, body);
      return file;
    });
    const long = join(dir, 'long-line.json');
    writeFileSync(long, `{"version": "1.0.0", "notes": "${'é'.repeat(150)}", "url": "http://e.com/a",\t"signature": 5}`);
    for (const args of [[...paths, ...odd, long], ['--strict', paths[0], odd[3]]]) {
      const rust = run(binary, ['validate', ...args]);
      const js = run(process.execPath, [bin, ...args]);
      assert.equal(js.stdout, rust.stdout);
      assert.match(js.stdout, /\n {2}= hint: /);
      assert.equal(js.status, rust.status);
    }
  });

  test('an unreadable file is an invalid report, and an error on stderr', (t) => {
    if (unavailable) return t.skip(unavailable);
    const missing = join(tmpdir(), 'upkit-no-such-manifest.json');
    const rust = run(binary, ['validate', '--json', missing]);
    const js = run(process.execPath, [bin, '--json', missing]);
    assert.equal(js.status, 1);
    assert.equal(rust.status, 1);
    const [expected, actual] = [rust, js].map((r) => JSON.parse(r.stdout));
    assert.match(actual.errors[0].message, new RegExp(`^cannot read ${missing}: ENOENT`));
    assert.equal(js.stderr, `error: ${actual.errors[0].message}\n`);
    actual.errors[0].message = expected.errors[0].message;
    assert.deepEqual(Object.entries(actual), Object.entries(expected), 'the same fields in the same order');
  });
});

// Manifests Tauri reads oddly: array forms, null platforms, duplicates, bad dates, trailing text.
const oddBodies = [
  '["1.0.0", null, null, null, "https://e.com/a", "sig"]',
  '{"version": "1.0.0", "platforms": null, "url": "http://e.com/a", "signature": ""}',
  '{"version": "1.0.0", "name": "1.0.0", "platforms": {}}',
  '{"version": "1.0.0", "pub_date": "2026-01-01", "platforms": {"darwin-universal": ["https://e.com/a", "s"]}}',
  '{"version": "1.0.0",\n "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "https://e.com/a.sig"}}}',
  '{"version": "01.0.0"}',
  '{"version": "1.0.0", "platforms": {"linux-x86_64": null}} trailing',
];
