// The diagnostic codes of the TypeScript types are exactly the core's: read from
// core/src/manifest/mod.rs (`code_names!`), so that the two cannot drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { npmRoot, repoRoot } from './paths.mjs';

const core = readFileSync(join(repoRoot, 'core/src/manifest/mod.rs'), 'utf8');
const types = readFileSync(join(npmRoot, 'lib/index.d.ts'), 'utf8');

/** The names of `code_names!(Type { Variant => "name", ... });`, in order. */
function coreNames(type) {
  const block = core.match(new RegExp(`code_names!\\(${type} \\{([^}]*)\\}\\);`));
  assert.ok(block, `no code_names!(${type} ...) in core/src/manifest/mod.rs`);
  return [...block[1].matchAll(/=>\s*"([^"]*)"/g)].map((m) => m[1]);
}

/** The string literals of `export type Type = | 'a' | 'b';`, in order. */
function typeNames(type) {
  const block = types.match(new RegExp(`export type ${type} =([^;]*);`));
  assert.ok(block, `no type ${type} in lib/index.d.ts`);
  return [...block[1].matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

describe('index.d.ts lists the core codes', () => {
  test('ManifestErrorCode: the names of ErrorCode', () => {
    assert.ok(coreNames('ErrorCode').length >= 11);
    assert.deepEqual(typeNames('ManifestErrorCode'), coreNames('ErrorCode'));
  });

  test('ManifestWarningCode: the names of WarningCode', () => {
    assert.ok(coreNames('WarningCode').length >= 25);
    assert.deepEqual(typeNames('ManifestWarningCode'), coreNames('WarningCode'));
  });
});
