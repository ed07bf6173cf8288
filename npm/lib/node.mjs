// The Node ESM entry: the web build, instantiated synchronously from the .wasm next to it on
// first use, so that every function works right after `import` (no top-level side effect, so
// `sideEffects: false` holds for bundlers too). `init()` is there and resolves at once.
import { readFileSync } from 'node:fs';
import { UpkitError } from './error.js';
import * as web from './web.js';

export { UpkitError };

let loaded = false;

function load() {
  if (!loaded) {
    let bytes;
    try {
      bytes = readFileSync(new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url));
    } catch (error) {
      throw new UpkitError(`cannot load the upkit WebAssembly module: ${error.message}`, { code: 'init_failed', cause: error });
    }
    web.initSync(bytes);
    loaded = true;
  }
}

function ready(fn) {
  return (...args) => {
    load();
    return fn(...args);
  };
}

/** Instantiates the module now (it is otherwise instantiated on first use). */
export function init() {
  try {
    load();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Instantiates the module now, synchronously. */
export function initSync() {
  load();
}

export const validateManifest = ready(web.validateManifest);
export const formatReport = ready(web.formatReport);
export const parseManifest = ready(web.parseManifest);
export const resolveUpdate = ready(web.resolveUpdate);
export const renderEndpoint = ready(web.renderEndpoint);
export const compareVersions = ready(web.compareVersions);
export const verifySignature = ready(web.verifySignature);
export const createVerifier = ready(web.createVerifier);
export const inspectSignature = ready(web.inspectSignature);
export const inspectPublicKey = ready(web.inspectPublicKey);
