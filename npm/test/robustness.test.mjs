// The package at its edges: inputs of any size, wrong types, a freed verifier, `upkit/web`
// initialised without an argument, the CLI's stdout errors, `bundleType: 'unknown'`. Every
// failure is an Error with a `code`, never a bare `RuntimeError: unreachable` (which, besides,
// left a little of the module's stack behind each time, so that after some hundreds every call
// failed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { describe, test } from 'node:test';

import * as esm from '../lib/node.mjs';
import { launchChromium, serveStatic } from './browser.mjs';
import { TAURI, npmRoot, repoRoot, tauriText, tauri, withData } from './paths.mjs';

const cjs = createRequire(import.meta.url)('../lib/node.cjs');
const entries = { esm, cjs };

// The core tests' throw-away minisign key (in the repository): a prehashed signature, and a
// legacy (`Ed`) one.
const minisign = join(repoRoot, 'core/tests/data/minisign');
const key = readFileSync(join(minisign, 'key.pub'), 'utf8');
const keyId = '3C736F5F26C4AD87';
const payloadSig = readFileSync(join(minisign, 'payload.txt.nofile.sig'), 'utf8');
const legacy = {
  key,
  sig: readFileSync(join(minisign, 'payload.txt.sig'), 'utf8'),
  data: readFileSync(join(minisign, 'payload.txt')),
  options: { allowLegacy: true, version: '1.0.0' },
};
// A valid manifest without warnings.
const goodManifest = JSON.stringify({
  version: '1.0.0',
  notes: 'First release',
  pub_date: '2026-07-02T10:00:51Z',
  platforms: { 'windows-x86_64': { url: 'https://dl.example.com/1.0.0/App_1.0.0_x64-setup.exe', signature: payloadSig } },
}, null, 2);
/** `goodManifest` in a file. */
function goodManifestFile() {
  const file = join(mkdtempSync(join(tmpdir(), 'upkit-good-')), 'latest.json');
  writeFileSync(file, goodManifest);
  return file;
}
const optional = { requireSignedVersion: false };
const LEGACY_LIMIT = 2 ** 30;
const MANIFEST_LIMIT = 8 * 2 ** 20;
const legacyTooLarge = (bytes) =>
  `a legacy signature is checked with every byte in memory, and ${bytes} bytes is over the limit of ${LEGACY_LIMIT}: re-sign the file with a current signer`;
const manifestTooLarge = `the manifest is larger than the limit of ${MANIFEST_LIMIT} bytes`;
const notDocument =
  'the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value (a plain object or array)';
const client = { currentVersion: '0.1.0', target: 'linux', arch: 'x86_64' };
const dynamic = '{"version": "1.0.0", "url": "https://e.com/a", "signature": ""}';

/** Asserts that `fn` throws an UpkitError with `code` and `message`. */
function throwsCode(fn, code, message) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof esm.UpkitError, 'an UpkitError');
    assert.ok(error instanceof Error, 'an Error');
    assert.deepEqual({ code: error.code, message: error.message }, { code, message });
    return true;
  });
}

describe('bytes of any size are read a window at a time', () => {
  test('4 GiB (Node\'s largest Uint8Array): every byte is hashed, none skipped', () => {
    // Its length is 0 as a u32: the whole-array copy failed with a bare RangeError; reading
    // windows by that length would skip every byte.
    throwsCode(() => esm.verifySignature(new Uint8Array(2 ** 32), payloadSig, key, optional), 'signature_mismatch',
      `file does not match its signature by key ${keyId}: its bytes differ from the signed ones (4294967296 bytes read)`);
  });

  test('a verifier takes a chunk of more than 2 GiB (it trapped on the copy)', () => {
    const verifier = esm.createVerifier(payloadSig, key, optional);
    verifier.update(new Uint8Array(2 ** 31 + 1));
    assert.equal(verifier.bytes, 2 ** 31 + 1);
    throwsCode(() => verifier.finish(), 'signature_mismatch',
      `file does not match its signature by key ${keyId}: its bytes differ from the signed ones (2147483649 bytes read)`);
  });

  withData([TAURI], 'the windows start at a view\'s offset; an ArrayBuffer is read whole', () => {
    const random = readFileSync(join(tauri, 'files/random-256KiB.bin'));
    const randomSig = tauriText('sigs/nopass/random-256KiB.bin.version-2.1.0.sig');
    const nopass = tauriText('keys/nopass.key.pub');
    for (const [name, upkit] of Object.entries(entries)) {
      test(name, () => {
        const larger = new Uint8Array(random.length + 100_000).fill(0xff);
        larger.set(random, 3);
        const view = larger.subarray(3, 3 + random.length);
        assert.equal(upkit.verifySignature(view, randomSig, nopass, { version: '2.1.0' }).bytes, random.length);
        const buffer = random.buffer.slice(random.byteOffset, random.byteOffset + random.length);
        assert.equal(upkit.verifySignature(buffer, randomSig, nopass, { version: '2.1.0' }).bytes, random.length);
        const verifier = upkit.createVerifier(randomSig, nopass, { version: '2.1.0' });
        verifier.update(view.subarray(0, 70_000));
        verifier.update(view.subarray(70_000));
        assert.equal(verifier.finish().bytes, random.length);
      });
    }
  });
});

describe('legacy signatures: at most 1 GiB, with a code', () => {
  test('one-shot: verified under the limit, refused over it (after the policy)', () => {
    assert.equal(esm.verifySignature(legacy.data, legacy.sig, legacy.key, legacy.options).algorithm, 'legacy');
    const over = new Uint8Array(LEGACY_LIMIT + 1);
    throwsCode(() => esm.verifySignature(over, legacy.sig, legacy.key, legacy.options), 'invalid_argument',
      legacyTooLarge(LEGACY_LIMIT + 1));
    throwsCode(() => cjs.verifySignature(over, legacy.sig, legacy.key, legacy.options), 'invalid_argument',
      legacyTooLarge(LEGACY_LIMIT + 1));
    throwsCode(() => esm.verifySignature(over, legacy.sig, legacy.key, { version: '1.0.0' }), 'legacy_refused',
      'legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures');
  });

  test('streaming: the total counts; a refused chunk is not fed and the verifier goes on', () => {
    const verifier = esm.createVerifier(legacy.sig, legacy.key, legacy.options);
    verifier.update(legacy.data.subarray(0, 5));
    throwsCode(() => verifier.update(new Uint8Array(LEGACY_LIMIT - 4)), 'invalid_argument', legacyTooLarge(LEGACY_LIMIT + 1));
    assert.equal(verifier.bytes, 5);
    verifier.update(legacy.data.subarray(5));
    assert.equal(verifier.finish().bytes, legacy.data.length);
  });

  test('a thousand refusals leave the module working (each trap used to leak its stack)', () => {
    const huge = new Uint8Array(2 ** 31);
    const verifier = esm.createVerifier(legacy.sig, legacy.key, legacy.options);
    for (let i = 0; i < 1000; i++) {
      throwsCode(() => verifier.update(huge), 'invalid_argument', legacyTooLarge(2 ** 31));
    }
    verifier.update(legacy.data);
    assert.equal(verifier.finish().algorithm, 'legacy');
    assert.equal(esm.compareVersions('1.0.0', '1.0.1'), -1);
  });
});

describe('manifests: at most 8 MiB', () => {
  test('every manifest function refuses a larger body with invalid_argument, at once', () => {
    const huge = new Uint8Array(700 * 2 ** 20);
    for (const body of [huge, huge.buffer, new Uint8Array(MANIFEST_LIMIT + 1), ' '.repeat(MANIFEST_LIMIT + 1),
      'é'.repeat(MANIFEST_LIMIT / 2 + 1), new Array(Math.floor(MANIFEST_LIMIT / 5) + 1)]) {
      for (const upkit of Object.values(entries)) {
        throwsCode(() => upkit.validateManifest(body), 'invalid_argument', manifestTooLarge);
        throwsCode(() => upkit.parseManifest(body), 'invalid_argument', manifestTooLarge);
        throwsCode(() => upkit.formatReport(body), 'invalid_argument', manifestTooLarge);
        throwsCode(() => upkit.resolveUpdate(body, client), 'invalid_argument', manifestTooLarge);
      }
    }
  });

  test('a body of 8 MiB exactly is read', () => {
    const head = '{"version": "1.0.0", "url": "https://e.com/a", "signature": "", "notes": "';
    const body = Buffer.from(`${head}${'a'.repeat(MANIFEST_LIMIT - head.length - 2)}"}`);
    assert.equal(body.length, MANIFEST_LIMIT);
    assert.equal(esm.validateManifest(body).valid, true);
  });

  test('upkit-validate reports a larger file as unreadable and goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upkit-large-'));
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(MANIFEST_LIMIT + 1, ' '));
    const good = goodManifestFile();
    const human = spawnSync(process.execPath, ['bin/upkit-validate.mjs', big, good], { cwd: npmRoot, encoding: 'utf8' });
    assert.equal(human.status, 1);
    assert.equal(human.stderr, `error: cannot read ${big}: ${manifestTooLarge}\n`);
    assert.match(human.stdout, /: valid static manifest, 1 platform, version 1\.0\.0 \(0 errors, 0 warnings\)\n$/);
    const json = spawnSync(process.execPath, ['bin/upkit-validate.mjs', '--json', big], { cwd: npmRoot, encoding: 'utf8' });
    assert.equal(json.status, 1);
    assert.deepEqual(JSON.parse(json.stdout).errors, [
      { code: 'unreadable', message: `cannot read ${big}: ${manifestTooLarge}`, path: '', line: 0, column: 0 },
    ]);
  });
});

describe('manifest arguments that are not documents', () => {
  class Release {
    version = '1.0.0';
  }
  const buffer = new ArrayBuffer(8);
  const refused = {
    DataView: new DataView(buffer),
    Int8Array: new Int8Array(buffer),
    Uint16Array: new Uint16Array(buffer),
    Float64Array: new Float64Array(buffer),
    SharedArrayBuffer: new SharedArrayBuffer(8),
    Map: new Map([['version', '1.0.0']]),
    Set: new Set(),
    Date: new Date(0),
    'a class instance': new Release(),
    'a String object': new String(dynamic),
    RegExp: /x/,
  };
  for (const [name, value] of Object.entries(refused)) {
    test(`${name}: invalid_argument`, () => {
      for (const upkit of Object.values(entries)) {
        throwsCode(() => upkit.validateManifest(value), 'invalid_argument', notDocument);
        throwsCode(() => upkit.parseManifest(value), 'invalid_argument', notDocument);
        throwsCode(() => upkit.resolveUpdate(value, client), 'invalid_argument', notDocument);
      }
    });
  }

  test('plain objects (any realm, or without a prototype), arrays and other JSON values are read as before', () => {
    const parsed = JSON.parse(dynamic);
    const bare = Object.assign(Object.create(null), parsed);
    const foreign = vm.runInNewContext(`(${dynamic})`);
    for (const body of [parsed, bare, foreign]) assert.equal(esm.parseManifest(body).url, 'https://e.com/a');
    assert.equal(esm.validateManifest([]).errors[0].code, 'invalid_length');
    for (const [body, found] of [[null, 'null'], [42, 'integer `42`'], [true, 'boolean `true`']]) {
      assert.equal(esm.validateManifest(body).errors[0].message, `the manifest must be an object, found ${found}`);
    }
    // Bytes in shared memory, through a Uint8Array, are bytes.
    const shared = new Uint8Array(new SharedArrayBuffer(dynamic.length));
    shared.set(Buffer.from(dynamic));
    assert.equal(esm.parseManifest(shared).shape, 'dynamic');
  });

  test('the bytes to verify: other views are refused too', () => {
    throwsCode(() => esm.verifySignature(new DataView(buffer), payloadSig, key), 'invalid_argument',
      'the data must be a Uint8Array, an ArrayBuffer or a string');
    throwsCode(() => esm.createVerifier(payloadSig, key, optional).update(new Int8Array(4)), 'invalid_argument',
      'the chunk must be a Uint8Array, an ArrayBuffer or a string');
  });
});

describe('a freed verifier', () => {
  for (const [name, upkit] of Object.entries(entries)) {
    test(`${name}: free() twice is fine; any other use after it is verifier_freed`, () => {
      const verifier = upkit.createVerifier(payloadSig, key, optional);
      verifier.free();
      verifier.free();
      throwsCode(() => verifier.update(new Uint8Array(1)), 'verifier_freed', 'the verifier has been freed');
      throwsCode(() => verifier.bytes, 'verifier_freed', 'the verifier has been freed');
      throwsCode(() => verifier.keyId, 'verifier_freed', 'the verifier has been freed');
      throwsCode(() => verifier.finish(), 'verifier_freed', 'the verifier has been freed');
    });

    test(`${name}: [Symbol.dispose] is free(), so \`using\` and an explicit free() can meet`, () => {
      const verifier = upkit.createVerifier(payloadSig, key, optional);
      assert.equal(verifier[Symbol.dispose], verifier.free);
      verifier.update(Buffer.from('x'));
      assert.equal(verifier.keyId, keyId);
      verifier.free();
      verifier[Symbol.dispose]();
      const finished = upkit.createVerifier(payloadSig, key, optional);
      assert.throws(() => finished.finish(), { code: 'signature_mismatch' });
      finished[Symbol.dispose]();
      finished.free();
    });
  }
});

/** Runs an ES module source with Node; its stdout as JSON. */
function runModule(source) {
  const dir = mkdtempSync(join(tmpdir(), 'upkit-web-'));
  writeFileSync(join(dir, 'main.mjs'), source);
  const result = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const webEntry = JSON.stringify(pathToFileURL(join(npmRoot, 'lib/web.js')).href);

describe('upkit/web without an argument', () => {
  test('in Node, initSync() and init() read the .wasm from disk', () => {
    for (const call of ['web.initSync()', 'await web.init()']) {
      assert.deepEqual(runModule(`
        const web = await import(${webEntry});
        ${call};
        console.log(JSON.stringify(web.compareVersions('1.0.0', '1.0.1')));`), -1);
    }
  });

  test('where the file cannot be read, both fail with invalid_argument (not a TypeError)', () => {
    assert.deepEqual(runModule(`
      process.getBuiltinModule = undefined; // a runtime that cannot read files (Node before 20.16)
      const web = await import(${webEntry});
      const out = {};
      try { web.initSync(); } catch (e) { out.sync = [e.code, e.message]; }
      await web.init().catch((e) => { out.async = [e.code, e.message]; });
      const { readFileSync } = await import('node:fs');
      web.initSync(readFileSync(new URL('../dist/web/upkit_wasm_bg.wasm', ${webEntry})));
      out.after = web.compareVersions('1.0.1', '1.0.0');
      console.log(JSON.stringify(out));`), {
      sync: ['invalid_argument', 'initSync() cannot read the .wasm file here: pass its bytes or a compiled WebAssembly.Module'],
      async: ['invalid_argument', 'init() cannot read the .wasm file here: pass its bytes or a compiled WebAssembly.Module'],
      after: 1,
    });
  });
});

describe('upkit/web given something that is not the module', () => {
  test('init() and initSync() fail with init_failed and the cause; a file: URL is read from disk', () => {
    const wasmUrl = pathToFileURL(join(npmRoot, 'dist/web/upkit_wasm_bg.wasm')).href;
    assert.deepEqual(runModule(`
      const web = await import(${webEntry});
      const out = {};
      // V8's own words are its cause's; the message is ours around them.
      const failure = (e) => [e.code, e.message.replace(e.cause.message, '<cause>'), e.cause.constructor.name];
      try { web.initSync(new Uint8Array(3)); } catch (e) { out.sync = failure(e); }
      await web.init(new Uint8Array(3)).catch((e) => { out.bytes = failure(e); });
      await web.init(new URL('file:///nonexistent/upkit.wasm')).catch((e) => { out.missing = [e.code, e.cause?.code]; });
      try { web.compareVersions('1.0.0', '1.0.1'); } catch (e) { out.before = e.code; }
      await web.init(${JSON.stringify(wasmUrl)});
      out.after = web.compareVersions('1.0.0', '1.0.1');
      console.log(JSON.stringify(out));`), {
      sync: ['init_failed', 'cannot load the upkit WebAssembly module: <cause>', 'CompileError'],
      bytes: ['init_failed', 'cannot load the upkit WebAssembly module: <cause>', 'CompileError'],
      missing: ['init_failed', 'ENOENT'],
      before: 'not_initialized',
      after: -1,
    });
  });
});

describe('upkit/web in a browser (headless Chromium)', () => {
  test('initSync() without bytes is invalid_argument; init() fetches; a verifier frees once; every error an UpkitError', async () => {
    const server = await serveStatic(npmRoot, {
      '/index.html': ['text/html; charset=utf-8', `<!doctype html>
<link rel="icon" href="data:,">
<script type="module">
  import * as web from '/lib/web.js';
  const out = {};
  const kind = (e) => [e instanceof web.UpkitError, e instanceof Error, e.name, e.code];
  try { web.initSync(); } catch (e) { out.sync = [e.code, e.message]; }
  try { web.compareVersions('1.0.0', '1.0.1'); } catch (e) { out.before = kind(e); }
  await web.init(new Uint8Array(3)).catch((e) => { out.failed = [...kind(e), e.cause?.constructor.name]; });
  await web.init();
  const verifier = web.createVerifier(${JSON.stringify(payloadSig)}, ${JSON.stringify(key)}, { requireSignedVersion: false });
  try { verifier.finish(); } catch (e) { out.mismatch = kind(e); }
  verifier.free();
  verifier.free();
  try { verifier.update(new Uint8Array(1)); } catch (e) { out.freed = kind(e); }
  try { web.parseManifest('{"version": 1, "url": "https://e.com/a", "signature": ""}'); } catch (e) { out.manifest = [...kind(e), e.path, e.line, e.column]; }
  try { web.renderEndpoint('https://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', variables: { 'a b': '' } }); } catch (e) { out.template = kind(e); }
  try { web.resolveUpdate('{}', 'linux'); } catch (e) { out.argument = kind(e); }
  out.compare = web.compareVersions('1.0.0', '1.0.1');
  document.body.dataset.result = JSON.stringify(out);
</script>`],
    });
    const browser = await launchChromium();
    try {
      await browser.page.goto(`${server.base}/index.html`);
      const result = await browser.page.waitForSelector('body[data-result]', { state: 'attached' });
      assert.deepEqual(JSON.parse(await result.getAttribute('data-result')), {
        sync: ['invalid_argument', 'initSync() needs the .wasm bytes or a compiled WebAssembly.Module here (or use await init())'],
        before: [true, true, 'UpkitError', 'not_initialized'],
        failed: [true, true, 'UpkitError', 'init_failed', 'CompileError'],
        mismatch: [true, true, 'UpkitError', 'signature_mismatch'],
        freed: [true, true, 'UpkitError', 'verifier_freed'],
        manifest: [true, true, 'UpkitError', 'invalid_type', '/version', 1, 13],
        template: [true, true, 'UpkitError', 'invalid_variable'],
        argument: [true, true, 'UpkitError', 'invalid_argument'],
        compare: -1,
      });
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
      server.close();
    }
  });
});

describe('upkit-validate when stdout fails, as upkit validate', () => {
  const manifest = goodManifestFile();
  // About 300 KB of reports: more than a pipe holds.
  const files = Array(2500).fill(manifest);

  test('a closed pipe (| head) ends it quietly, with the status a shell sees of upkit validate (141)', () => {
    const result = spawnSync('bash', ['-c', 'node bin/upkit-validate.mjs "$@" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"', 'bash', ...files], {
      cwd: npmRoot,
      encoding: 'utf8',
    });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '141\n');
  });

  test('another write error: `error: cannot write to stdout: ...` and status 2', { skip: !existsSync('/dev/full') }, () => {
    const result = spawnSync('bash', ['-c', 'node bin/upkit-validate.mjs "$@" >/dev/full', 'bash', manifest], {
      cwd: npmRoot,
      encoding: 'utf8',
    });
    assert.equal(result.stderr, 'error: cannot write to stdout: ENOSPC: no space left on device, write\n');
    assert.equal(result.status, 2);
  });
});

describe('numbers and columns, as documented', () => {
  test('columns count code points, not UTF-16 units', () => {
    const prefix = '{"notes": "😀😀", "version": ';
    try {
      esm.parseManifest(`${prefix}5, "url": "https://e.com/a", "signature": ""}`);
      assert.fail('no error');
    } catch (error) {
      assert.equal(error.code, 'invalid_type');
      assert.equal(error.column, [...prefix].length + 1);
      assert.equal(error.column, prefix.length - 1);
    }
  });

  test('sizes are exact up to 2^53 - 1, rounded above', () => {
    const entry = (size) => `{"version": "1.0.0", "url": "https://e.com/a", "signature": "", "size": ${size}}`;
    assert.equal(esm.parseManifest(entry('9007199254740991')).size, Number.MAX_SAFE_INTEGER);
    assert.equal(esm.parseManifest(entry('9007199254740993')).size, 2 ** 53);
  });
});

describe('bundleType: \'unknown\' is no bundle type, as upkit check --bundle-type unknown', () => {
  const manifest = {
    version: '2.0.0',
    platforms: {
      'linux-x86_64': { url: 'https://e.com/a.AppImage', signature: 's1' },
      'linux-x86_64-deb': { url: 'https://e.com/a.deb', signature: 's2' },
    },
  };
  for (const [name, upkit] of Object.entries(entries)) {
    test(name, () => {
      const unknown = upkit.resolveUpdate(manifest, { ...client, bundleType: 'unknown' });
      assert.deepEqual(unknown, upkit.resolveUpdate(manifest, client));
      assert.equal(unknown.platform_key, 'linux-x86_64');
      assert.deepEqual(upkit.resolveUpdate({ ...manifest, platforms: {} }, { ...client, bundleType: 'unknown' }).keys,
        ['linux-x86_64']);
      assert.equal(upkit.renderEndpoint('https://e.com/{{bundle_type}}', { ...client, bundleType: 'unknown' }),
        'https://e.com/unknown');
      throwsCode(() => upkit.resolveUpdate(manifest, { ...client, bundleType: 'Unknown' }), 'unknown_bundle_type',
        'unknown bundle type `Unknown`: expected one of appimage, deb, rpm, app, msi, nsis, unknown');
    });
  }
});
