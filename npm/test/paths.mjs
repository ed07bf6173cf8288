// Where things are, for every test, and how a test says it did not run.
//
// Data outside the repository, found as the Rust tests find it (the `upkit-fixtures` crate):
// - the Tauri CLI vectors (laid out as `shared/vectors/tauri-cli`): `$UPKIT_TAURI_VECTORS` when
//   set, else `target/vectors/tauri-cli` (made by `scripts/tauri-vectors.sh` with the real Tauri
//   CLI), else `../shared/vectors/tauri-cli` beside the checkout. Made afresh, they have their
//   own key ids, timestamps and base64: tests read those facts from the files (`keyId`,
//   `timestamp` below: what the Tauri CLI wrote, decoded with Node's base64, not upkit's);
// - the real-world manifests (other people's files, read where they are, never copied in):
//   `$UPKIT_VECTORS/real-world-manifests` when `UPKIT_VECTORS` is set, else
//   `../shared/vectors/real-world-manifests`.
// A test that needs absent data is skipped with a reason naming what is missing and how to get
// it (`withData`), and the line `skipped: <test>: <why>` is appended to the file `$UPKIT_SKIPPED`
// names, when set; under `CI=true` the test fails instead.
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const npmRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(npmRoot, '..');
/** Cargo's target directory, as cargo takes it: `$CARGO_TARGET_DIR` (relative to the workspace) or `target/`. */
export const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(repoRoot, process.env.CARGO_TARGET_DIR)
  : join(repoRoot, 'target');
const sharedVectors = resolve(repoRoot, '../shared/vectors');

const isDir = (path) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};
const env = (name) => (process.env[name] ? process.env[name] : undefined);

/** The Tauri CLI vectors' folder, or `null`; `tauriMissing` says why. */
export let tauri = null;
export let tauriMissing = null;
{
  const hint = 'run scripts/tauri-vectors.sh, or lay shared/ beside the checkout';
  const given = env('UPKIT_TAURI_VECTORS');
  const made = join(repoRoot, 'target/vectors/tauri-cli');
  const shared = join(sharedVectors, 'tauri-cli');
  if (given !== undefined) {
    if (isDir(given)) tauri = resolve(given);
    else tauriMissing = `no Tauri CLI vectors: UPKIT_TAURI_VECTORS is ${given}, which is not a directory (${hint})`;
  } else {
    tauri = [made, shared].find(isDir) ?? null;
    tauriMissing = tauri ? null
      : `no Tauri CLI vectors: neither ${made} nor ${shared} is there, and UPKIT_TAURI_VECTORS is not set (${hint})`;
  }
}

/** The real-world manifests' folder, or `null`; `realWorldMissing` says why. */
export let realWorld = null;
export let realWorldMissing = null;
{
  const given = env('UPKIT_VECTORS');
  const dir = given !== undefined ? join(resolve(given), 'real-world-manifests') : join(sharedVectors, 'real-world-manifests');
  if (isDir(dir)) realWorld = dir;
  else {
    realWorldMissing = `no real-world manifests: ${dir}${given !== undefined ? ' (from UPKIT_VECTORS)' : ''} is not there ` +
      '(lay shared/ beside the checkout, or set UPKIT_VECTORS)';
  }
}

/** What `withData` can need. */
export const TAURI = 'tauri';
export const REAL_WORLD = 'real-world';
const missing = { [TAURI]: tauriMissing, [REAL_WORLD]: realWorldMissing };

/** Every real-world manifest file name (none when they are absent). */
export const realWorldFiles = realWorld ? readdirSync(realWorld).filter((f) => f.endsWith('.json')).sort() : [];

/** The three that Tauri (plugin 2.14.1) refuses, and the code upkit gives each. */
export const refused = {
  'Imzl-zl__xhs-updates__update_latest.json': 'byte_order_mark',
  'ClavisPass__ClavisPass__updater.json': 'missing_field',
  'VirxEC__rlbot_gui_rust__docs_latest__first-version.json': 'invalid_url',
};

/**
 * `describe` (or `test`, with `{ kind: test }`) for what needs `needs` (`TAURI`, `REAL_WORLD`):
 * as given when the data is there; else one test of that name that is skipped saying why (its
 * `skipped: ...` line appended to `$UPKIT_SKIPPED`), or, under `CI=true`, fails saying so.
 */
export function withData(needs, name, fn, { kind = describe } = {}) {
  const why = needs.map((need) => missing[need]).filter(Boolean);
  if (why.length === 0) return kind(name, fn);
  const line = `skipped: npm/test/${basename(process.argv[1] ?? '?')}: ${name}: ${why.join('; ')}`;
  if (process.env.CI === 'true') {
    return test(name, () => {
      throw new Error(`${line} (missing data fails under CI=true)`);
    });
  }
  const list = env('UPKIT_SKIPPED');
  if (list !== undefined) {
    try {
      appendFileSync(list, `${line}\n`);
    } catch (error) {
      console.error(`warning: cannot append to UPKIT_SKIPPED (${list}): ${error.message}`);
    }
  }
  return test(name, { skip: line }, () => {});
}

/** The text of a file of the Tauri CLI vectors (`keys/secret.key.pub`...). */
export const tauriText = (file) => readFileSync(join(tauri, file), 'utf8');

/** The minisign text inside the base64 of a key or signature file, decoded by Node. */
const decoded = (file) => Buffer.from(tauriText(file).trim(), 'base64').toString('utf8');

/** The key id the Tauri CLI wrote in `keys/<key>.key.pub`'s comment (`minisign public key: <ID>`). */
export function keyId(key) {
  const text = decoded(`keys/${key}.key.pub`);
  const id = text.match(/^untrusted comment: minisign public key: ([0-9A-F]{16})\n/)?.[1];
  if (!id) throw new Error(`keys/${key}.key.pub: no \`minisign public key: <ID>\` comment: ${JSON.stringify(text)}`);
  return id;
}

/** The `timestamp:` the Tauri CLI wrote in a signature's trusted comment (`sigs/secret/payload.txt.sig`). */
export function timestamp(file) {
  const text = decoded(file);
  const value = text.match(/^trusted comment: (?:.*\t)?timestamp:(\d+)(?:\t|$)/m)?.[1];
  if (!value) throw new Error(`${file}: no timestamp in its trusted comment: ${JSON.stringify(text)}`);
  return Number(value);
}
