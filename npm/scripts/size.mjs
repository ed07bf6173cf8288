#!/usr/bin/env node
// The size budget: each built .wasm at most 100 KB (102400 bytes) gzipped (level 9).
// Prints the sizes; exits 1 above the budget.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET = 100 * 1024;
const npmRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let over = false;
for (const build of ['web', 'node']) {
  const file = join(npmRoot, 'dist', build, 'upkit_wasm_bg.wasm');
  if (!existsSync(file)) {
    console.error(`size: ${file} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  const bytes = readFileSync(file);
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  const verdict = gzipped <= BUDGET ? 'within' : 'OVER';
  console.log(
    `size: dist/${build}/upkit_wasm_bg.wasm ${bytes.length} bytes, ${gzipped} bytes gzipped ` +
      `(${(gzipped / 1024).toFixed(1)} KiB; budget ${BUDGET / 1024} KiB: ${verdict})`,
  );
  over ||= gzipped > BUDGET;
}
if (over) {
  console.error('size: the .wasm is over the 100 KB gzipped budget');
  process.exit(1);
}
