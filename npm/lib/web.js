// The browser (and bundler) entry: call `init()` once, then use the functions.
//
//   import { init, validateManifest } from 'upkit';
//   await init();                       // fetches upkit_wasm_bg.wasm next to the package
//   const report = validateManifest(text);
//
// `init(input)` also takes a URL, a `Response`, bytes or a compiled `WebAssembly.Module`;
// `initSync(bytes | module)` instantiates synchronously. Without an argument, where the .wasm is
// a local file (`file:` URL) and the runtime can read files (Node 20.16+, Deno, Bun), both read
// it from disk; `initSync()` anywhere else, and `init()` on a `file:` URL that cannot be read,
// fail with `invalid_argument`.
import initWasm, * as wasm from '../dist/web/upkit_wasm.js';

let ready = false;
let pending;

function coded(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

function notInitialized(name) {
  return coded('not_initialized', `upkit is not initialised: await init() before calling ${name}()`);
}

function guard(name, fn) {
  return (...args) => {
    if (!ready) throw notInitialized(name);
    return fn(...args);
  };
}

/**
 * The .wasm's bytes when it is a local file this runtime can read (`process.getBuiltinModule`:
 * Node 20.16+, Deno, Bun), `undefined` when it is not a file, or an `invalid_argument` thrown
 * naming `call` when it is a file that cannot be read from here.
 */
function localWasm(call) {
  const url = new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url);
  if (url.protocol !== 'file:') return undefined;
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (!fs) {
    throw coded('invalid_argument',
      `${call} cannot read the .wasm file here: pass its bytes or a compiled WebAssembly.Module`);
  }
  return fs.readFileSync(url);
}

/** Loads and instantiates the WebAssembly module; resolves once every function can be called. */
export function init(input) {
  if (ready) return Promise.resolve();
  pending ??= Promise.resolve()
    .then(() => initWasm({
      module_or_path: input ?? localWasm('init()') ??
        new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url),
    }))
    .then(
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
  module ??= localWasm('initSync()');
  if (module === undefined) {
    throw coded('invalid_argument',
      'initSync() needs the .wasm bytes or a compiled WebAssembly.Module here (or use await init())');
  }
  wasm.initSync({ module });
  ready = true;
}

/**
 * A streaming verification (`Verifier` in index.d.ts): the module's verifier, which throws
 * without a `code` once freed, wrapped so that `free()` is idempotent (it is also
 * `[Symbol.dispose]`, so `using` and an explicit `free()` can meet) and a use after `free()` is
 * a `verifier_freed`. node.cjs has the same class, over the CommonJS build.
 */
class Verifier {
  #inner;

  constructor(inner) {
    this.#inner = inner;
  }

  #live() {
    if (this.#inner === undefined) throw coded('verifier_freed', 'the verifier has been freed');
    return this.#inner;
  }

  update(chunk) {
    this.#live().update(chunk);
  }

  get bytes() {
    return this.#live().bytes;
  }

  get keyId() {
    return this.#live().keyId;
  }

  finish() {
    return this.#live().finish();
  }

  free() {
    const inner = this.#inner;
    this.#inner = undefined;
    inner?.free();
  }
}
if (Symbol.dispose) Verifier.prototype[Symbol.dispose] = Verifier.prototype.free;

export const validateManifest = guard('validateManifest', wasm.validateManifest);
export const formatReport = guard('formatReport', wasm.formatReport);
export const parseManifest = guard('parseManifest', wasm.parseManifest);
export const resolveUpdate = guard('resolveUpdate', wasm.resolveUpdate);
export const renderEndpoint = guard('renderEndpoint', wasm.renderEndpoint);
export const compareVersions = guard('compareVersions', wasm.compareVersions);
export const verifySignature = guard('verifySignature', wasm.verifySignature);
export const createVerifier = guard('createVerifier', (...args) => new Verifier(wasm.createVerifier(...args)));
export const inspectSignature = guard('inspectSignature', wasm.inspectSignature);
export const inspectPublicKey = guard('inspectPublicKey', wasm.inspectPublicKey);
