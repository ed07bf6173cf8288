// validateManifest gives exactly the object of the Rust CLI's `upkit validate --json`, for every
// shared fixture manifest (and with a trusted key, for the key_mismatch warnings).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { validateManifest } from '../lib/node.mjs';
import { realWorld, realWorldFiles, repoRoot, tauri } from './paths.mjs';

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
    const bodies = [
      '["1.0.0", null, null, null, "https://e.com/a", "sig"]',
      '{"version": "1.0.0", "platforms": null, "url": "http://e.com/a", "signature": ""}',
      '{"version": "1.0.0", "name": "1.0.0", "platforms": {}}',
      '{"version": "1.0.0", "pub_date": "2026-01-01", "platforms": {"darwin-universal": ["https://e.com/a", "s"]}}',
      '{"version": "1.0.0",\n "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "https://e.com/a.sig"}}}',
      '{"version": "01.0.0"}',
      '{"version": "1.0.0", "platforms": {"linux-x86_64": null}} trailing',
    ];
    for (const body of bodies) {
      const run = spawnSync(binary, ['validate', '--json', '-'], { input: body, encoding: 'utf8' });
      const expected = JSON.parse(run.stdout.trim());
      assert.deepEqual(validateManifest(body, { file: '-' }), expected, body);
    }
  });
});
