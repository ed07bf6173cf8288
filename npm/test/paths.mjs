// Where things are, for every test.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const npmRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(npmRoot, '..');
// CI lays `shared/` beside the checkout.
export const vectors = resolve(repoRoot, '../shared/vectors');
export const tauri = join(vectors, 'tauri-cli');
export const realWorld = join(vectors, 'real-world-manifests');

/** Every real-world manifest file name. */
export const realWorldFiles = readdirSync(realWorld).filter((f) => f.endsWith('.json')).sort();

/** The three that Tauri (plugin 2.14.1) refuses, and the code upkit gives each. */
export const refused = {
  'Imzl-zl__xhs-updates__update_latest.json': 'byte_order_mark',
  'ClavisPass__ClavisPass__updater.json': 'missing_field',
  'VirxEC__rlbot_gui_rust__docs_latest__first-version.json': 'invalid_url',
};
