#!/usr/bin/env node
// Fails when a .wasm imports anything from the `env` module (an unresolved C or libc symbol:
// the wasm build of upkit-core must import nothing from `env`). Prints every import module.
//   node scripts/wasm-imports.mjs FILE.wasm...
import { readFileSync } from 'node:fs';

let failed = false;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: wasm-imports.mjs FILE.wasm...');
  process.exit(2);
}
for (const file of files) {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(file)));
  const modules = [...new Set(imports.map((i) => i.module))].sort();
  const env = imports.filter((i) => i.module === 'env');
  console.log(`${file}: ${imports.length} imports from ${modules.join(', ') || 'nothing'}`);
  if (env.length > 0) {
    failed = true;
    console.error(`${file} imports from env: ${env.map((i) => `${i.name} (${i.kind})`).join(', ')}`);
  }
}
process.exit(failed ? 1 : 0);
