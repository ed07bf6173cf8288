// validateManifest gives exactly the object of the Rust CLI's `upkit validate --json`, for every
// real-world manifest (and with a trusted key, for the key_mismatch warnings) and odd ones.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { validateManifest } from '../lib/node.mjs';
import { REAL_WORLD, TAURI, npmRoot, realWorld, realWorldFiles, repoRoot, targetDir, tauri, tauriText, withData } from './paths.mjs';

const binary = join(targetDir, 'debug/upkit');
const paths = realWorldFiles.map((f) => join(realWorld, f));
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

withData([REAL_WORLD], 'validateManifest equals `upkit validate --json`: real-world manifests', () => {
  test('every real-world manifest', (t) => {
    if (unavailable) return t.skip(unavailable);
    const reports = cli(paths);
    assert.equal(reports.length, paths.length);
    reports.forEach((expected, i) => {
      const actual = validateManifest(readFileSync(paths[i]), { file: paths[i] });
      assert.deepEqual(actual, expected, realWorldFiles[i]);
    });
  });

  withData([TAURI], 'every real-world manifest, with a trusted key', (t) => {
    if (unavailable) return t.skip(unavailable);
    const pubkey = tauriText('keys/secret.key.pub');
    const reports = cli(['--pubkey', pubkey, ...paths]);
    reports.forEach((expected, i) => {
      const actual = validateManifest(readFileSync(paths[i]), { file: paths[i], pubkey });
      assert.deepEqual(actual, expected, realWorldFiles[i]);
    });
    assert.ok(reports.some((r) => r.warnings.some((w) => w.code === 'key_mismatch')));
  }, { kind: test });
});

describe('validateManifest equals `upkit validate --json`', () => {
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
    for (const args of [[...odd, long], ['--strict', odd[0], odd[3]]]) {
      const rust = run(binary, ['validate', ...args]);
      const js = run(process.execPath, [bin, ...args]);
      assert.equal(js.stdout, rust.stdout);
      assert.match(js.stdout, /\n {2}= hint: /);
      assert.equal(js.status, rust.status);
    }
  });

  withData([REAL_WORLD], 'the same for every real-world manifest, with --strict and --json too', (t) => {
    if (unavailable) return t.skip(unavailable);
    for (const args of [paths, ['--strict', ...paths], ['--json', ...paths]]) {
      const rust = run(binary, ['validate', ...args]);
      const js = run(process.execPath, [bin, ...args]);
      assert.equal(js.stdout, rust.stdout);
      assert.equal(js.status, rust.status);
    }
  }, { kind: test });

  test('--json prints the same bytes (integer-like platform keys, a size over 2^53)', (t) => {
    if (unavailable) return t.skip(unavailable);
    const dir = mkdtempSync(join(tmpdir(), 'upkit-validate-'));
    const file = join(dir, 'keys.json');
    const entry = (size) => ({ url: 'https://e.com/a', signature: 'x', size });
    writeFileSync(file, JSON.stringify({
      version: '1.0.0', platforms: { 2: entry(1), 10: entry(9007199254740993), b: entry(3) },
    }).replace('9007199254740992', '9007199254740993'));
    const rust = run(binary, ['validate', '--json', file]);
    const js = run(process.execPath, [bin, '--json', file]);
    assert.match(rust.stdout, /"platforms":\{"10":\{[^}]*"size":9007199254740993\},"2":/);
    assert.equal(js.stdout, rust.stdout);
    assert.equal(js.status, rust.status);
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

withData([TAURI], 'npx upkit-validate --pubkey reads keys as `upkit validate --pubkey` does', () => {
  const bin = join(npmRoot, 'bin/upkit-validate.mjs');
  const run = (command, args) => {
    const { status, stdout, stderr } = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { status, stdout, stderr };
  };
  const pubkeyPath = join(tauri, 'keys/secret.key.pub');
  const key = tauriText('keys/secret.key.pub').trim();
  const dir = mkdtempSync(join(tmpdir(), 'upkit-pubkey-'));
  const file = (name, body) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  // Signed by the other key: the trusted `secret` key gives key_mismatch warnings.
  const signature = tauriText('sigs/nopass/payload.txt.version-2.1.0.sig');
  const manifest = file('latest.json', JSON.stringify({
    version: '2.1.0',
    pub_date: '2026-11-01T12:00:00Z',
    platforms: {
      'linux-x86_64': { url: 'https://dl.example.com/payload.txt', signature },
      'windows-x86_64': { url: 'https://dl.example.com/payload.txt', signature },
    },
  }, null, 2));
  // Tauri's form is the base64 of minisign's .pub text (a comment line, then the key line).
  const minisign = Buffer.from(key, 'base64').toString('utf8');
  const cases = {
    "a file in Tauri's form": pubkeyPath,
    'a file in Tauri\'s form, with spaces and line breaks around': file('padded.pub', `\n  ${key} \n`),
    "a file in minisign's form": file('minisign.pub', `${minisign.trim()}\n`),
    'the key itself, with spaces around': `  ${key}\n`,
    'the key itself, in minisign\'s form (refused: only a file may hold that)': minisign,
    'a directory': dir,
    'a missing file': join(dir, 'missing.pub'),
    'neither a file nor a key': 'not-a-key',
    "a file in minisign's form that does not decode": file('bad.pub', 'untrusted comment: x\nAAAA\n'),
    'a file in Tauri\'s form that does not decode': file('bad-base64.pub', 'AAAA'),
    'a file with a byte order mark': file('bom.pub', `\ufeff${key}`),
    'a file that is not UTF-8': file('latin1.pub', Buffer.from([0x41, 0xff])),
    'a file over 64 KiB': file('large.pub', Buffer.alloc(64 * 1024 + 1, ' ')),
  };
  for (const [name, pubkey] of Object.entries(cases)) {
    test(name, (t) => {
      if (unavailable) return t.skip(unavailable);
      const args = ['validate', '--pubkey', pubkey, manifest];
      assert.deepEqual(run(process.execPath, [bin, ...args.slice(1)]), run(binary, args));
    });
  }

  test('the messages', (t) => {
    if (unavailable) return t.skip(unavailable);
    const stderr = (pubkey) => {
      const js = run(process.execPath, [bin, '--pubkey', pubkey, manifest]);
      assert.equal(js.status, 2);
      assert.equal(js.stdout, '');
      return js.stderr;
    };
    assert.equal(stderr(dir), `error: cannot read ${dir}: not a regular file\n`);
    assert.equal(stderr(cases['a missing file']), `error: cannot read ${cases['a missing file']}: no such file, and not a key either\n`);
    assert.equal(stderr('not-a-key'),
      'error: invalid public key: public key is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x2d at offset 3\n');
    assert.equal(stderr(cases["a file in minisign's form that does not decode"]),
      `error: invalid public key in ${cases["a file in minisign's form that does not decode"]}: public key is not a minisign public key: line 2 decodes to 3 bytes, expected 42\n`);
    assert.equal(stderr(cases['a file that is not UTF-8']), `error: cannot read ${cases['a file that is not UTF-8']}: not UTF-8 text\n`);
    assert.equal(stderr(cases['a file over 64 KiB']), `error: cannot read ${cases['a file over 64 KiB']}: 65537 bytes, more than the 65536 read here\n`);
    const ok = run(process.execPath, [bin, '--pubkey', cases["a file in minisign's form"], manifest]);
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /\[key_mismatch\]/);
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
