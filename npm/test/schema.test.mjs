// The JSON Schema shipped in the package (`upkit/latest.schema.json`) against the real-world
// manifests and against the core's verdict on hand-written cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import Ajv from 'ajv';

import { validateManifest } from '../lib/node.mjs';
import { REAL_WORLD, npmRoot, realWorld, realWorldFiles, refused, withData } from './paths.mjs';

const schema = JSON.parse(readFileSync(join(npmRoot, 'schema/latest.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

withData([REAL_WORLD], 'latest.schema.json: real-world manifests', () => {
  for (const name of realWorldFiles) {
    test(name, () => {
      const text = readFileSync(join(realWorld, name), 'utf8');
      if (refused[name] === 'byte_order_mark') {
        // Not JSON for serde (nor for JSON.parse in strict readers): nothing for a schema to see.
        assert.equal(text.charCodeAt(0), 0xfeff);
        return;
      }
      const ok = validate(JSON.parse(text));
      // Stricter than the core on `size` only: what the core ignores with `invalid_size` (one
      // app's `"size": 0`), the schema refuses.
      const badSize = validateManifest(text).warnings.some((w) => w.code === 'invalid_size');
      assert.equal(ok, !(name in refused) && !badSize, JSON.stringify(validate.errors));
    });
  }

  test('the refused ones fail where the core says', () => {
    validate(JSON.parse(readFileSync(join(realWorld, 'ClavisPass__ClavisPass__updater.json'), 'utf8')));
    assert.ok(validate.errors.some((e) => e.instancePath === '/platforms/windows-x86_64' && e.params.missingProperty === 'signature'));
    validate(JSON.parse(readFileSync(join(realWorld, 'VirxEC__rlbot_gui_rust__docs_latest__first-version.json'), 'utf8')));
    assert.ok(validate.errors.some((e) => e.instancePath === '/platforms/darwin-aarch64/url'));
  });
});

describe('latest.schema.json', () => {
  const entry = { url: 'https://e.com/a.tar.gz', signature: 's' };
  const cases = [
    { version: 'v1.0.0', platforms: { 'linux-x86_64': entry } },
    { version: '1.0.0-rc.1+b7', pub_date: '2026-01-01T00:00:00.123+02:00', notes: null, platforms: {} },
    { version: '1.0.0', pub_date: null, platforms: null, url: 'https://e.com/a', signature: '' },
    { name: '1.0.0', url: 'https://e.com/a', signature: 's' },
    { version: '1.0.0', platforms: { 'linux-x86_64': { ...entry, size: 12 } } },
    { version: '1.0.0', unknown: [1, 2], platforms: { x: entry } },
    { version: '1.0', platforms: {} },
    { version: 'V1.0.0', platforms: {} },
    { version: '01.0.0', platforms: {} },
    { version: 1, platforms: {} },
    { version: '1.0.0', name: '1.0.0', platforms: {} },
    { platforms: {} },
    { version: '1.0.0' },
    { version: '1.0.0', platforms: null, url: 'https://e.com/a' },
    { version: '1.0.0', pub_date: '2026-01-01', platforms: {} },
    { version: '1.0.0', pub_date: '2026-01-01T00:00:00', platforms: {} },
    { version: '1.0.0', notes: 5, platforms: {} },
    { version: '1.0.0', platforms: { 'linux-x86_64': null } },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: 'https://e.com/a' } } },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: 'a.tar.gz', signature: 's' } } },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: '', signature: 's' } } },
    { version: '1.0.0', platforms: {}, url: 5 },
    // null sizes, and a static manifest's ignored top-level fields: accepted without a warning.
    { version: '1.0.0', platforms: { 'linux-x86_64': { ...entry, size: null } } },
    { version: '1.0.0', size: null, platforms: {} },
    { version: '1.0.0', url: 'https://e.com/a', signature: 's', size: null },
    { version: '1.0.0', url: null, signature: null, platforms: {} },
    { version: '1.0.0', url: 'https://e.com/a', signature: null, platforms: {} },
    { version: '1.0.0', size: -1, platforms: {} },
    { version: '1.0.0', size: 'big', platforms: {} },
    // ...but a dynamic manifest needs them.
    { version: '1.0.0', url: null, signature: 's' },
    { version: '1.0.0', url: 'https://e.com/a', signature: null },
    { version: '1.0.0', platforms: null, url: null, signature: null },
    { version: '1.0.0', platforms: {}, signature: 5 },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: null, signature: 's' } } },
    // URL parsing strips leading and trailing spaces and C0 controls.
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: '  https://e.com/a.tar.gz  ', signature: 's' } } },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: '\u0001\thttps://e.com/a.tar.gz\n', signature: 's' } } },
    { version: '1.0.0', url: ' https://e.com/a ', signature: 's' },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: '   ', signature: 's' } } },
    { version: '1.0.0', platforms: { 'linux-x86_64': { url: ' a.tar.gz', signature: 's' } } },
  ];
  for (const value of cases) {
    const text = JSON.stringify(value);
    test(`agrees with the core: ${text}`, () => {
      const core = validateManifest(text);
      // `size` is an upkit extension: the core ignores a bad one (with a warning); the schema is stricter.
      assert.equal(validate(value), core.valid, JSON.stringify({ schema: validate.errors, core: core.errors }));
      assert.ok(core.warnings.every((w) => w.code !== 'invalid_size'));
    });
  }

  // The choice where the core only warns: a `size` that is not a positive integer is ignored
  // with an `invalid_size` warning; the schema refuses it, so that an editor flags it as it is typed.
  // (`1.0` and `1e3` are integers to JSON Schema; the core, reading the text, warns about them.)
  const badSizes = [
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": -1}}}', false],
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": 0}}}', false],
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": 1.5}}}', false],
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": "12"}}}', false],
    ['{"version": "1.0.0", "url": "https://e.com/a", "signature": "s", "size": -1}', false],
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": 1.0}}}', true],
    ['{"version": "1.0.0", "platforms": {"linux-x86_64": {"url": "https://e.com/a", "signature": "s", "size": 1e3}}}', true],
  ];
  for (const [text, schemaAccepts] of badSizes) {
    test(`a size the core ignores with a warning, the schema ${schemaAccepts ? 'accepts' : 'refuses'}: ${text}`, () => {
      const core = validateManifest(text);
      assert.equal(core.valid, true);
      assert.deepEqual(core.warnings.filter((w) => w.code === 'invalid_size').length, 1);
      assert.equal(validate(JSON.parse(text)), schemaAccepts, JSON.stringify(validate.errors));
    });
  }
});
