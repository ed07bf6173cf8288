// The Node ESM entry: the web build, instantiated synchronously from the file next to it, so
// that every function works right after `import` (`init()` is there and resolves at once).
import { readFileSync } from 'node:fs';
import { initSync } from './web.js';

initSync(readFileSync(new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url)));

export {
  init,
  initSync,
  validateManifest,
  parseManifest,
  resolveUpdate,
  renderEndpoint,
  compareVersions,
  verifySignature,
  createVerifier,
  inspectSignature,
  inspectPublicKey,
} from './web.js';
