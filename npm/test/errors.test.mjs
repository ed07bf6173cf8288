// `UpkitError`: every error of every function family is an instance of it (and of `Error`), with
// the same `code`, message and properties as before the class, from `import` (`upkit`,
// `upkit/web`) and `require`; and it is one class, whichever entry point loaded first, although
// `import` and `require` load two instances of the WebAssembly module. No fixture data needed:
// the signatures are the core tests' (in the repository).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

import * as esm from '../lib/node.mjs';
import * as web from '../lib/web.js';
import { npmRoot, repoRoot } from './paths.mjs';

const cjs = createRequire(import.meta.url)('../lib/node.cjs');
web.initSync(); // the same module instance as lib/node.mjs's: already instantiated, or now
const entries = { 'upkit (import)': esm, 'upkit (require)': cjs, 'upkit/web': web };

const minisign = join(repoRoot, 'core/tests/data/minisign');
const legacy = {
  key: readFileSync(join(minisign, 'key.pub'), 'utf8'),
  sig: readFileSync(join(minisign, 'payload.txt.sig'), 'utf8'),
  data: readFileSync(join(minisign, 'payload.txt')),
  options: { allowLegacy: true, version: '1.0.0' },
};
const client = { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64' };
const manifestError = '{"version": 1, "url": "https://e.com/a", "signature": ""}';

/**
 * One case per kind of error, by function family: [what, call, expected]. `expected` has the
 * `code`, the `message` (pinned elsewhere too) and, for manifest errors, `path`, `line` and
 * `column`: exactly the error's own enumerable properties, in order, besides the message.
 */
const cases = [
  ['manifest: parseManifest', (u) => u.parseManifest(manifestError), {
    code: 'invalid_type', path: '/version', line: 1, column: 13,
  }],
  ['manifest: parseManifest of bytes that are not UTF-8', (u) => u.parseManifest(Buffer.from('{"notes": "\xff"}', 'latin1')), {
    code: 'json_syntax', path: '', line: 1, column: 12,
  }],
  ['manifest: resolveUpdate', (u) => u.resolveUpdate(manifestError, client), {
    code: 'invalid_type', path: '/version', line: 1, column: 13,
  }],
  ['manifest: validateManifest with a key that does not decode', (u) => u.validateManifest('{}', { pubkey: 'AAAA' }), {
    code: 'invalid_public_key',
  }],
  ['manifest: formatReport with a wrong option', (u) => u.formatReport('{}', { strict: 'yes' }), {
    code: 'invalid_argument', message: 'options.strict must be a boolean',
  }],
  ['signature: verifySignature, a legacy signature refused', (u) => u.verifySignature(legacy.data, legacy.sig, legacy.key, { version: '1.0.0' }), {
    code: 'legacy_refused',
    message: 'legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures',
  }],
  ['signature: verifySignature, other bytes', (u) => u.verifySignature(Buffer.from('other'), legacy.sig, legacy.key, legacy.options), {
    code: 'signature_mismatch',
  }],
  ['signature: verifySignature, not a signature', (u) => u.verifySignature(legacy.data, 'AAAA', legacy.key), {
    code: 'invalid_signature',
  }],
  ['signature: createVerifier, another version signed', (u) => u.createVerifier(legacy.sig, legacy.key, { ...legacy.options, version: '2.0.0' }), {
    code: 'signed_version_mismatch', message: 'signed version 1.0.0 differs from the announced version 2.0.0',
  }],
  ['signature: Verifier.finish, other bytes', (u) => {
    const verifier = u.createVerifier(legacy.sig, legacy.key, legacy.options);
    verifier.update(Buffer.from('other'));
    return verifier.finish();
  }, { code: 'signature_mismatch' }],
  ['signature: Verifier.update after finish()', (u) => {
    const verifier = u.createVerifier(legacy.sig, legacy.key, legacy.options);
    verifier.update(legacy.data);
    verifier.finish();
    return verifier.update(legacy.data);
  }, { code: 'verifier_finished', message: 'the verifier has already finished' }],
  ['signature: a Verifier after free()', (u) => {
    const verifier = u.createVerifier(legacy.sig, legacy.key, legacy.options);
    verifier.free();
    return verifier.bytes;
  }, { code: 'verifier_freed', message: 'the verifier has been freed' }],
  ['signature: inspectSignature', (u) => u.inspectSignature('AAAA'), { code: 'invalid_signature' }],
  ['signature: inspectPublicKey', (u) => u.inspectPublicKey('AAAA'), { code: 'invalid_public_key' }],
  ['template: renderEndpoint, a relative URL', (u) => u.renderEndpoint('/latest.json', client), {
    code: 'invalid_endpoint', message: 'invalid endpoint `/latest.json`: relative URL without a base',
  }],
  ['template: renderEndpoint, http', (u) => u.renderEndpoint('http://e.com/', client), {
    code: 'insecure_endpoint',
  }],
  ['template: renderEndpoint, a bad variable', (u) => u.renderEndpoint('https://e.com/', { ...client, variables: { 'a b': 'x' } }), {
    code: 'invalid_variable', message: 'invalid template variable name `a b`: use letters, digits and `_` only',
  }],
  ['version: compareVersions', (u) => u.compareVersions('1.0', '1.0.0'), {
    code: 'invalid_version', message: 'invalid version `1.0`: unexpected end of input while parsing minor version number',
  }],
  ['target: resolveUpdate, an unknown OS', (u) => u.resolveUpdate('{}', { ...client, target: 'macos' }), {
    code: 'unknown_os', message: 'unknown os `macos`: expected one of linux, darwin, windows',
  }],
  ['invalid argument: validateManifest', (u) => u.validateManifest(new Map()), { code: 'invalid_argument' }],
  ['invalid argument: parseManifest', (u) => u.parseManifest(undefined), {
    code: 'invalid_argument', message: 'the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value',
  }],
  ['invalid argument: formatReport', (u) => u.formatReport(new Date()), { code: 'invalid_argument' }],
  // A Proxy of a Uint8Array passes `instanceof`, but the array's methods throw a TypeError on it.
  ['invalid argument: parseManifest of a Proxy of a Uint8Array', (u) => u.parseManifest(new Proxy(Buffer.from('{}'), {})), {
    code: 'invalid_argument',
    message: 'the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value (a plain object or array)',
  }],
  ['invalid argument: resolveUpdate', (u) => u.resolveUpdate('{}', 'linux'), {
    code: 'invalid_argument', message: 'options must be an object',
  }],
  ['invalid argument: renderEndpoint', (u) => u.renderEndpoint(42, client), { code: 'invalid_argument' }],
  ['invalid argument: compareVersions', (u) => u.compareVersions(1, '1.0.0'), {
    code: 'invalid_argument', message: 'the first version must be a string',
  }],
  ['invalid argument: verifySignature', (u) => u.verifySignature(42, 'x', 'k'), {
    code: 'invalid_argument', message: 'the data must be a Uint8Array, an ArrayBuffer or a string',
  }],
  ['invalid argument: verifySignature of a Proxy of a Uint8Array', (u) => u.verifySignature(new Proxy(legacy.data, {}), legacy.sig, legacy.key), {
    code: 'invalid_argument', message: 'the data must be a Uint8Array, an ArrayBuffer or a string',
  }],
  ['invalid argument: createVerifier', (u) => u.createVerifier(legacy.sig, 42), {
    code: 'invalid_argument', message: 'the public keys must be a string or an array of strings',
  }],
  ['invalid argument: Verifier.update', (u) => u.createVerifier(legacy.sig, legacy.key, legacy.options).update(new Int8Array(2)), {
    code: 'invalid_argument', message: 'the chunk must be a Uint8Array, an ArrayBuffer or a string',
  }],
  ['invalid argument: inspectSignature', (u) => u.inspectSignature(null), { code: 'invalid_argument' }],
  ['invalid argument: inspectPublicKey', (u) => u.inspectPublicKey(null), { code: 'invalid_argument' }],
];

/** The error `fn` throws. */
function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('no error thrown');
}

/** Asserts that `error` is an UpkitError of every entry point, with exactly `expected`'s properties. */
function isUpkitError(error, expected) {
  for (const [name, upkit] of Object.entries(entries)) {
    assert.ok(error instanceof upkit.UpkitError, `instanceof UpkitError of ${name}`);
  }
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'UpkitError');
  assert.equal(error.constructor, esm.UpkitError);
  assert.ok(error.stack.startsWith(`UpkitError: ${error.message}\n`), error.stack);
  const { message, ...properties } = expected;
  if (message !== undefined) assert.equal(error.message, message);
  assert.equal(typeof error.message, 'string');
  assert.deepEqual(Object.entries(error), Object.entries(properties));
  assert.equal('cause' in error, false);
}

describe('UpkitError', () => {
  test('one class: the same object from every entry point, and the realm\'s', () => {
    assert.equal(typeof esm.UpkitError, 'function');
    assert.equal(cjs.UpkitError, esm.UpkitError);
    assert.equal(web.UpkitError, esm.UpkitError);
    assert.equal(globalThis[Symbol.for('upkit.UpkitError@1')], esm.UpkitError);
    assert.equal(Object.getPrototypeOf(esm.UpkitError.prototype), Error.prototype);
  });

  for (const [name, upkit] of Object.entries(entries)) {
    describe(`every error of ${name}`, () => {
      for (const [what, call, expected] of cases) {
        test(what, () => isUpkitError(thrown(() => call(upkit)), expected));
      }
    });
  }

  test('it can be made, and is what the package makes', () => {
    const cause = new RangeError('x');
    const made = new esm.UpkitError('a message', { code: 'invalid_type', path: '/a', line: 2, column: 3, cause });
    assert.deepEqual(Object.entries(made), [['code', 'invalid_type'], ['path', '/a'], ['line', 2], ['column', 3]]);
    assert.equal(made.cause, cause);
    assert.equal(String(made), 'UpkitError: a message');
    assert.deepEqual(Object.keys(new cjs.UpkitError('m', { code: 'internal' })), ['code']);
  });
});

/** Runs a script with Node (`type` `mjs` or `cjs`); its stdout as JSON. */
function run(source, type = 'mjs') {
  const result = spawnSync(process.execPath, [`--input-type=${type === 'mjs' ? 'module' : 'commonjs'}`, '-e', source], {
    cwd: npmRoot,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const url = (file) => JSON.stringify(pathToFileURL(join(npmRoot, file)).href);

describe('UpkitError whichever entry point loads first', () => {
  // The errors of both WebAssembly instances (`import`'s web build, `require`'s nodejs build).
  const check = `
    const same = [esm.UpkitError === cjs.UpkitError, web.UpkitError === cjs.UpkitError];
    const errors = [() => esm.compareVersions('x', '1.0.0'), () => cjs.compareVersions('x', '1.0.0'),
      () => web.parseManifest('[]'), () => cjs.parseManifest('[]')].map((f) => { try { f(); } catch (e) { return e; } });
    const instances = errors.map((e) => [e instanceof esm.UpkitError, e instanceof cjs.UpkitError, e.code]);
    console.log(JSON.stringify({ same, instances }));`;
  const expected = {
    same: [true, true],
    instances: [
      [true, true, 'invalid_version'], [true, true, 'invalid_version'],
      [true, true, 'invalid_length'], [true, true, 'invalid_length'],
    ],
  };

  test('require first, then import', () => {
    assert.deepEqual(run(`
      const cjs = require('./lib/node.cjs');
      (async () => {
        const esm = await import(${url('lib/node.mjs')});
        const web = await import(${url('lib/web.js')});
        ${check}
      })();`, 'cjs'), expected);
  });

  test('upkit/web first (initialised), then require', () => {
    assert.deepEqual(run(`
      import { createRequire } from 'node:module';
      const web = await import(${url('lib/web.js')});
      await web.init();
      const cjs = createRequire(${url('lib/node.cjs')})('./node.cjs');
      const esm = await import(${url('lib/node.mjs')});
      ${check}`), expected);
  });
});

describe('UpkitError of loading the module (upkit/web)', () => {
  test('not_initialized, init_failed (with its cause), invalid_argument where files cannot be read', () => {
    const out = run(`
      process.getBuiltinModule = undefined; // a runtime that cannot read files (Node before 20.16)
      const web = await import(${url('lib/web.js')});
      const describe = (e) => [e instanceof web.UpkitError, e instanceof Error, e.name, e.code, Object.keys(e), 'cause' in e,
        e.cause?.constructor.name ?? null];
      const out = {};
      try { web.compareVersions('1.0.0', '1.0.0'); } catch (e) { out.before = describe(e); }
      try { web.initSync(); } catch (e) { out.sync = describe(e); }
      await web.init().catch((e) => { out.async = describe(e); });
      try { web.initSync(new Uint8Array(3)); } catch (e) { out.bytes = describe(e); }
      await web.init(new Uint8Array(3)).catch((e) => { out.promise = describe(e); });
      console.log(JSON.stringify(out));`);
    assert.deepEqual(out, {
      before: [true, true, 'UpkitError', 'not_initialized', ['code'], false, null],
      sync: [true, true, 'UpkitError', 'invalid_argument', ['code'], false, null],
      async: [true, true, 'UpkitError', 'invalid_argument', ['code'], false, null],
      bytes: [true, true, 'UpkitError', 'init_failed', ['code'], true, 'CompileError'],
      promise: [true, true, 'UpkitError', 'init_failed', ['code'], true, 'CompileError'],
    });
  });
});
