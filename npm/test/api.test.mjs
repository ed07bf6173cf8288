// The package API from Node ESM, over the Tauri CLI vectors and the real-world manifests (see
// paths.mjs: tests that need them are skipped, saying so, where they are absent). Every function
// runs the Rust core.
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import * as upkit from '../lib/node.mjs';
import { REAL_WORLD, TAURI, keyId, realWorld, realWorldFiles, refused, tauri, withData } from './paths.mjs';

const key = (name) => readFileSync(join(tauri, 'keys', `${name}.key.pub`), 'utf8');
const file = (name) => readFileSync(join(tauri, 'files', name));
const sig = (keyName, name) => readFileSync(join(tauri, 'sigs', keyName, `${name}.sig`), 'utf8');

/** Asserts that `fn` throws an UpkitError with `code` (and `message` when given). */
function throwsCode(fn, code, message) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof upkit.UpkitError, 'an UpkitError');
    assert.ok(error instanceof Error, 'an Error');
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

withData([REAL_WORLD], 'real-world manifests', () => {
  for (const name of realWorldFiles) {
    const body = readFileSync(join(realWorld, name));
    test(name, () => {
      const report = upkit.validateManifest(body, { file: name });
      assert.equal(report.file, name);
      if (name in refused) {
        assert.equal(report.valid, false);
        assert.equal(report.errors[0].code, refused[name]);
        throwsCode(() => upkit.parseManifest(body), refused[name]);
        return;
      }
      assert.equal(report.valid, true, JSON.stringify(report.errors));
      const manifest = upkit.parseManifest(body);
      // The same version, notes, date and entries as the JSON says (normalised).
      const json = JSON.parse(body.toString('utf8'));
      assert.equal(manifest.version, (json.version ?? json.name).replace(/^v+/, ''));
      assert.equal(manifest.notes, json.notes ?? null);
      assert.equal(manifest.pub_date === null, json.pub_date == null);
      if (manifest.shape === 'static') {
        assert.deepEqual(Object.keys(manifest.platforms).sort(), Object.keys(json.platforms).sort());
        for (const [k, entry] of Object.entries(manifest.platforms)) {
          assert.equal(entry.signature, json.platforms[k].signature);
          assert.equal(entry.url, new URL(json.platforms[k].url).href);
          assert.deepEqual(report.platforms[k], { url: entry.url, signature: entry.signature, size: entry.size });
        }
      }
    });
  }

  test('the three refused ones have precise diagnostics', () => {
    const bom = readFileSync(join(realWorld, 'Imzl-zl__xhs-updates__update_latest.json'));
    const error = (() => {
      try {
        upkit.parseManifest(bom);
      } catch (e) {
        return e;
      }
    })();
    assert.deepEqual(
      { code: error.code, path: error.path, line: error.line, column: error.column },
      { code: 'byte_order_mark', path: '', line: 1, column: 1 },
    );
    const empty = upkit.validateManifest(
      readFileSync(join(realWorld, 'VirxEC__rlbot_gui_rust__docs_latest__first-version.json')),
    );
    // Every bad entry is reported, each at its line and column.
    assert.deepEqual(empty.errors.map((e) => [e.code, e.path, e.line, e.column]), [
      ['invalid_url', '/platforms/darwin-aarch64/url', 7, 15],
      ['invalid_url', '/platforms/darwin-intel/url', 11, 15],
      ['invalid_url', '/platforms/windows-x86_64/url', 15, 15],
    ]);
  });
});

describe('formatReport', () => {
  test('formatReport prints the report as `upkit validate` does, hints included', () => {
    const body = '{"version": "1.0.0", "platforms": {}}';
    assert.equal(upkit.formatReport(body, { file: 'latest.json' }), [
      'warning[missing_pub_date]: the manifest has no `pub_date`',
      ' --> latest.json:1:1',
      '  |',
      '1 | {"version": "1.0.0", "platforms": {}}',
      '  | ^',
      '  = path: /pub_date',
      '  = hint: add the release date, e.g. `"pub_date": "2026-11-29T09:30:00Z"`',
      '',
      'warning[no_platforms]: `/platforms` is empty, so no client gets this update',
      ' --> latest.json:1:35',
      '  |',
      '1 | {"version": "1.0.0", "platforms": {}}',
      '  |                                   ^',
      '  = path: /platforms',
      '',
      'latest.json: valid static manifest, 0 platforms, version 1.0.0 (0 errors, 2 warnings)',
      '',
    ].join('\n'));
    assert.match(upkit.formatReport(body, { strict: true }),
      /\nmanifest: valid static manifest, 0 platforms, version 1\.0\.0 \(0 errors, 2 warnings\); warnings fail under --strict\n$/);
    throwsCode(() => upkit.formatReport(body, { strict: 'yes' }), 'invalid_argument', 'options.strict must be a boolean');
    throwsCode(() => upkit.formatReport(body, { json: true }), 'invalid_argument',
      'options.json is not an option here (known: file, pubkey, strict)');
  });
});

withData([TAURI], 'signatures (Tauri CLI vectors)', () => {
  const keys = { secret: key('secret'), nopass: key('nopass') };
  const other = { secret: 'nopass', nopass: 'secret' };
  const files = readdirSync(join(tauri, 'files')).sort();

  test('key ids: the ones the Tauri CLI wrote in the keys\' comments', () => {
    assert.equal(upkit.inspectPublicKey(keys.secret).keyId, keyId('secret'));
    assert.equal(upkit.inspectPublicKey(keys.nopass).keyId, keyId('nopass'));
    assert.notEqual(keyId('secret'), keyId('nopass'));
  });

  for (const keyName of Object.keys(keys)) {
    for (const name of files) {
      test(`${keyName}/${name}: verifies with its key, fails with the other`, () => {
        const data = file(name);
        const plain = sig(keyName, name);
        const info = upkit.inspectSignature(plain);
        assert.equal(info.keyId, upkit.inspectPublicKey(keys[keyName]).keyId);
        assert.equal(info.algorithm, 'prehashed');
        assert.equal(info.trustedComment.file, name);
        assert.equal(info.trustedComment.version, null);

        const verified = upkit.verifySignature(data, plain, keys[keyName], {
          requireSignedVersion: false,
        });
        assert.equal(verified.bytes, data.length);
        throwsCode(() => upkit.verifySignature(data, plain, keys[keyName]), 'signed_version_missing');
        throwsCode(
          () => upkit.verifySignature(data, plain, keys[other[keyName]], { requireSignedVersion: false }),
          'key_id_mismatch',
          `signature was made with key ${info.keyId}, but the trusted key is ${upkit.inspectPublicKey(keys[other[keyName]]).keyId}`,
        );

        const bound = sig(keyName, `${name}.version-2.1.0`);
        assert.equal(upkit.verifySignature(data, bound, keys[keyName], { version: '2.1.0' }).trustedComment.version, '2.1.0');
        throwsCode(
          () => upkit.verifySignature(data, bound, keys[keyName], { version: '2.1.1' }),
          'signed_version_mismatch',
          'signed version 2.1.0 differs from the announced version 2.1.1',
        );
        // Bound to 2.1.0 whether or not a signed version is required.
        throwsCode(
          () => upkit.verifySignature(data, bound, keys[keyName], { version: '2.2.0', requireSignedVersion: false }),
          'signed_version_mismatch',
        );
        const tampered = Buffer.concat([data, Buffer.from('x')]);
        throwsCode(
          () => upkit.verifySignature(tampered, bound, keys[keyName], { version: '2.1.0' }),
          'signature_mismatch',
          `file does not match its signature by key ${info.keyId}: its bytes differ from the signed ones (${tampered.length} bytes read)`,
        );
      });
    }
  }

  test('streaming from a Node stream, in odd chunk sizes', async () => {
    const verifier = upkit.createVerifier(sig('nopass', 'random-256KiB.bin.version-2.1.0'), [keys.secret, keys.nopass], {
      version: '2.1.0',
      fileName: 'random-256KiB.bin',
    });
    assert.equal(verifier.keyId, keyId('nopass'));
    for await (const chunk of createReadStream(join(tauri, 'files/random-256KiB.bin'), { highWaterMark: 7777 })) {
      verifier.update(chunk);
    }
    assert.equal(verifier.bytes, 256 * 1024);
    const verified = verifier.finish();
    assert.equal(verified.trustedComment.file, 'random-256KiB.bin');
    throwsCode(() => verifier.finish(), 'verifier_finished', 'the verifier has already finished');
    throwsCode(() => verifier.update(new Uint8Array(1)), 'verifier_finished');
    assert.equal(verifier.bytes, 256 * 1024); // still the count fed, after finish()
  });

  test('checks that need no bytes fail at createVerifier', () => {
    throwsCode(
      () => upkit.createVerifier(sig('secret', 'payload.txt.version-2.1.0'), keys.secret, { version: '2.1.0', fileName: 'other.txt' }),
      'file_name_mismatch',
      'signed file name `payload.txt` differs from the expected `other.txt`',
    );
    throwsCode(() => upkit.createVerifier('AAAA', keys.secret), 'invalid_signature');
    throwsCode(() => upkit.createVerifier(sig('secret', 'payload.txt'), 'nope'), 'invalid_public_key');
    throwsCode(() => upkit.createVerifier(sig('secret', 'payload.txt'), 42), 'invalid_argument',
      'the public keys must be a string or an array of strings');
    throwsCode(() => upkit.createVerifier(sig('secret', 'payload.txt'), keys.secret, { version: '2.1.0', strict: true }), 'invalid_argument',
      'options.strict is not an option here (known: version, requireSignedVersion, allowLegacy, fileName)');
    throwsCode(() => upkit.createVerifier(sig('secret', 'payload.txt'), keys.secret, { allowLegacy: 1 }), 'invalid_argument',
      'options.allowLegacy must be a boolean');
  });
});

describe('versions, endpoints, resolution', () => {
  test('compareVersions is Tauri\'s order', () => {
    assert.equal(upkit.compareVersions('1.0.0+2', '1.0.0+1'), 1);
    assert.equal(upkit.compareVersions('1.0.0', '1.0.0+1'), -1);
    assert.equal(upkit.compareVersions('vv1.0.0', '1.0.0'), 0);
    throwsCode(() => upkit.compareVersions('1.0', '1.0.0'), 'invalid_version',
      'invalid version `1.0`: unexpected end of input while parsing minor version number');
  });

  test('renderEndpoint, the contract example', () => {
    assert.equal(
      upkit.renderEndpoint('https://u.example.com/{{target}}/{{arch}}/{{current_version}}', {
        currentVersion: '1.0.0-beta.1+b5', target: 'linux', arch: 'x86_64',
      }),
      'https://u.example.com/linux/x86_64/1.0.0-beta.1%2Bb5',
    );
    throwsCode(() => upkit.renderEndpoint('/latest.json', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64' }),
      'invalid_endpoint', 'invalid endpoint `/latest.json`: relative URL without a base');
    throwsCode(() => upkit.renderEndpoint('https://x/', { currentVersion: '1.0.0', target: 'linux', arch: 'arm64' }),
      'unknown_arch', 'unknown arch `arm64`: expected one of x86_64, i686, aarch64, armv7, riscv64');
    // The platform is checked before the version, as `upkit serve` does (404 before 400).
    throwsCode(() => upkit.renderEndpoint('https://x/', { currentVersion: 'nope', target: 'linux', arch: 'arm64' }),
      'unknown_arch');
  });

  test('resolveUpdate: update, up to date, lookup order, downgrades', () => {
    const manifest = {
      version: 'v2.0.0',
      notes: 'n',
      pub_date: '2026-11-01T12:00:00Z',
      platforms: {
        'linux-x86_64': { url: 'https://e.com/a.AppImage', signature: 's1' },
        'linux-x86_64-deb': { url: 'https://e.com/a.deb', signature: 's2' },
      },
    };
    assert.deepEqual(upkit.resolveUpdate(manifest, { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', bundleType: 'deb' }), {
      update: true, version: '2.0.0', notes: 'n', pub_date: '2026-11-01T12:00:00Z', target: 'linux', platform_key: 'linux-x86_64-deb',
      url: 'https://e.com/a.deb', signature: 's2', size: null,
    });
    assert.equal(upkit.resolveUpdate(manifest, { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', bundleType: 'rpm' }).platform_key, 'linux-x86_64');
    assert.deepEqual(upkit.resolveUpdate(manifest, { currentVersion: '2.0.0', target: 'windows', arch: 'x86_64' }), {
      update: false, reason: 'up_to_date', message: 'the release 2.0.0 is not newer than the current version 2.0.0', version: '2.0.0',
    });
    assert.equal(upkit.resolveUpdate(manifest, { currentVersion: '3.0.0', target: 'linux', arch: 'x86_64', allowDowngrades: true }).update, true);
    assert.deepEqual(upkit.resolveUpdate(manifest, { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', customTarget: 'beta' }), {
      update: false, reason: 'no_platform', message: 'the release 2.0.0 has no platform entry for this client (tried beta)', version: '2.0.0', keys: ['beta'],
    });
    throwsCode(() => upkit.resolveUpdate('{"version": "1.0", "url": "https://e.com/a", "signature": ""}', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64' }), 'invalid_version');
  });

  test('argument errors are pinned', () => {
    throwsCode(() => upkit.parseManifest(undefined), 'invalid_argument',
      'the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value');
    throwsCode(() => upkit.parseManifest(10n), 'invalid_argument',
      'the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value');
    // Any JSON value is a manifest body; the rules refuse those that are not objects or arrays.
    throwsCode(() => upkit.parseManifest(42), 'invalid_type', 'the manifest must be an object, found integer `42` (line 1, column 1)');
    assert.deepEqual(upkit.validateManifest(null).errors, [
      { code: 'invalid_type', message: 'the manifest must be an object, found null', path: '', line: 1, column: 1 },
    ]);
    throwsCode(() => upkit.verifySignature(42, 'x', 'k'), 'invalid_argument',
      'the data must be a Uint8Array, an ArrayBuffer or a string');
    throwsCode(() => upkit.resolveUpdate('{}', 'linux'), 'invalid_argument', 'options must be an object');
    throwsCode(() => upkit.resolveUpdate('{}', ['linux']), 'invalid_argument', 'options must be an object');
    throwsCode(() => upkit.validateManifest('{}', { strict: true }), 'invalid_argument',
      'options.strict is not an option here (known: file, pubkey)');
    throwsCode(() => upkit.validateManifest('{}', { pubkey: [42] }), 'invalid_argument',
      'options.pubkey must be a string or an array of strings');
    throwsCode(() => upkit.resolveUpdate('{}', { currentVersion: 1, target: 'linux', arch: 'x86_64' }), 'invalid_argument',
      'options.currentVersion must be a string');
    throwsCode(() => upkit.resolveUpdate('{}', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', allowDowngrades: 'yes' }),
      'invalid_argument', 'options.allowDowngrades must be a boolean');
    throwsCode(() => upkit.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', variables: { channel: 1 } }),
      'invalid_argument', 'options.variables must be an object of strings');
    throwsCode(() => upkit.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', allowDowngrades: true }),
      'invalid_argument',
      'options.allowDowngrades is not an option here (known: currentVersion, target, arch, bundleType, customTarget, insecureTransport, variables)');
    throwsCode(() => upkit.resolveUpdate('{}', { currentVersion: '1.0.0', target: 'linux' }), 'invalid_argument',
      'options.arch is required');
    throwsCode(() => upkit.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', bundleType: 'exe' }),
      'unknown_bundle_type', 'unknown bundle type `exe`: expected one of appimage, deb, rpm, app, msi, nsis, unknown');
    throwsCode(() => upkit.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', variables: { 'a b': 'x' } }),
      'invalid_variable', 'invalid template variable name `a b`: use letters, digits and `_` only');
    throwsCode(() => upkit.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', variables: { current_version: '2.0.0' } }),
      'invalid_variable', 'template variable `current_version` is built in: it is filled in from the client, not set');
    const same = { version: '1.0.0', url: 'https://e.com/a', signature: '' };
    // An option set to null or undefined is an option not given.
    assert.equal(upkit.resolveUpdate(same, { currentVersion: '0.9.0', target: 'linux', arch: 'x86_64', bundleType: null, customTarget: undefined }).update, true);
    assert.deepEqual(upkit.resolveUpdate(same, { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', allowDowngrades: true }), {
      update: false, reason: 'up_to_date', message: 'the release 1.0.0 is the current version', version: '1.0.0',
    });
    assert.deepEqual(upkit.resolveUpdate({ ...same, url: 'http://e.com/a' }, { currentVersion: '0.9.0', target: 'linux', arch: 'x86_64' }), {
      update: false, reason: 'insecure_download', version: '1.0.0', url: 'http://e.com/a',
      message: 'the download URL http://e.com/a must use https; allow insecure transport to download it anyway',
    });
  });

  test('errors carry path, line and column for manifests', () => {
    try {
      upkit.parseManifest('{\n  "version": "1.0.0",\n  "url": 5,\n  "signature": ""\n}');
      assert.fail('no error');
    } catch (error) {
      assert.deepEqual({ code: error.code, path: error.path, line: error.line, column: error.column },
        { code: 'invalid_type', path: '/url', line: 3, column: 10 });
    }
  });
});

describe('a manifest as bytes or as text', () => {
  test('invalid UTF-8: refused as bytes, as Tauri does; a JS string has already lost it', () => {
    // `é` in Latin-1: the byte 0xE9, which is not UTF-8.
    const bytes = Buffer.from('{"version": "1.0.0", "notes": "caf\xe9", "url": "https://e.com/a", "signature": ""}', 'latin1');
    const refusal = [{ code: 'json_syntax', message: 'invalid JSON: invalid unicode code point', path: '', line: 1, column: 35 }];
    for (const body of [bytes, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)]) {
      assert.deepEqual(upkit.validateManifest(body).errors, refusal);
    }
    throwsCode(() => upkit.parseManifest(bytes), 'json_syntax', 'invalid JSON: invalid unicode code point (line 1, column 35)');
    // Decoded into a string first (`readFile(path, 'utf8')`, `response.text()`, `TextDecoder`),
    // the byte is already U+FFFD, and the manifest is valid.
    const text = bytes.toString('utf8');
    assert.equal(text, new TextDecoder().decode(bytes));
    assert.equal(upkit.validateManifest(text).valid, true);
    assert.equal(upkit.parseManifest(text).notes, 'caf\ufffd');
  });
});
