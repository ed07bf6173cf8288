// The browser (and bundler) entry: call `init()` once, then use the functions.
//
//   import { init, validateManifest } from 'upkit';
//   await init();                       // fetches upkit_wasm_bg.wasm next to the package
//   const report = validateManifest(text);
//
// `init(input)` also takes a URL, a `Response`, bytes or a compiled `WebAssembly.Module`;
// `initSync(bytes | module)` instantiates synchronously.
import initWasm, * as wasm from '../dist/web/upkit_wasm.js';

let ready = false;
let pending;

function notInitialized(name) {
  const error = new Error(`upkit is not initialised: await init() before calling ${name}()`);
  error.code = 'not_initialized';
  return error;
}

function guard(name, fn) {
  return (...args) => {
    if (!ready) throw notInitialized(name);
    return fn(...args);
  };
}

/** Loads and instantiates the WebAssembly module; resolves once every function can be called. */
export function init(input) {
  if (ready) return Promise.resolve();
  pending ??= initWasm({
    module_or_path: input ?? new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url),
  }).then(
    () => {
      ready = true;
    },
    (error) => {
      pending = undefined;
      throw error;
    },
  );
  return pending;
}

/** Instantiates the WebAssembly module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  if (ready) return;
  wasm.initSync({ module });
  ready = true;
}

export const validateManifest = guard('validateManifest', wasm.validateManifest);
export const formatReport = guard('formatReport', wasm.formatReport);
export const parseManifest = guard('parseManifest', wasm.parseManifest);
export const resolveUpdate = guard('resolveUpdate', wasm.resolveUpdate);
export const renderEndpoint = guard('renderEndpoint', wasm.renderEndpoint);
export const compareVersions = guard('compareVersions', wasm.compareVersions);
export const verifySignature = guard('verifySignature', wasm.verifySignature);
export const createVerifier = guard('createVerifier', wasm.createVerifier);
export const inspectSignature = guard('inspectSignature', wasm.inspectSignature);
export const inspectPublicKey = guard('inspectPublicKey', wasm.inspectPublicKey);
