// The browser (and bundler) entry: call `init()` once, then use the functions.
//
//   import { init, validateManifest } from 'upkit';
//   await init();                       // fetches upkit_wasm_bg.wasm next to the package
//   const report = validateManifest(text);
//
// `init(input)` also takes a URL, a `Response`, bytes or a compiled `WebAssembly.Module`;
// `initSync(bytes | module)` instantiates synchronously. Without an argument, where the .wasm is
// a local file (`file:` URL) and the runtime can read files (Node 20.16+, Deno, Bun), both read
// it from disk (`init()` reads any `file:` URL it is given so); `initSync()` anywhere else, and
// `init()` on a `file:` URL that cannot be read, fail with `invalid_argument`. A module that
// cannot be fetched or instantiated fails with `init_failed`.
//
// Every error thrown is an `UpkitError` (lib/error.js): the module's own (it is given the class
// once instantiated) and this file's.
import initWasm, * as wasm from '../dist/web/upkit_wasm.js';
import { UpkitError } from './error.js';

export { UpkitError };

let ready = false;
let pending;

function coded(code, message) {
  return new UpkitError(message, { code });
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
 * The bytes of a `file:` URL, read where the runtime can (`process.getBuiltinModule`: Node
 * 20.16+, Deno, Bun; `fetch` cannot read files there); elsewhere an `invalid_argument` naming
 * `call`. A file that cannot be read throws the file system's error.
 */
function readLocal(url, call) {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (!fs) {
    throw coded('invalid_argument',
      `${call} cannot read the .wasm file here: pass its bytes or a compiled WebAssembly.Module`);
  }
  return fs.readFileSync(url);
}

/** A `file:` URL given as a `URL` or a string, else `undefined`. */
function fileUrl(input) {
  if (input instanceof URL) return input.protocol === 'file:' ? input : undefined;
  return typeof input === 'string' && input.startsWith('file:') ? new URL(input) : undefined;
}

/**
 * An error of loading the module (a failed fetch or read, bytes that are not this module) as an
 * `init_failed`, the original as its `cause`; `readLocal`'s `invalid_argument` is kept.
 */
function loadFailed(error) {
  if (error?.code === 'invalid_argument') return error;
  return new UpkitError(`cannot load the upkit WebAssembly module: ${error?.message ?? error}`,
    { code: 'init_failed', cause: error });
}

/** Marks the module ready, once it has the class to make its errors with. */
function instantiated() {
  wasm.setErrorClass(UpkitError);
  ready = true;
}

const packaged = () => new URL('../dist/web/upkit_wasm_bg.wasm', import.meta.url);

/** Loads and instantiates the WebAssembly module; resolves once every function can be called. */
export function init(input) {
  if (ready) return Promise.resolve();
  pending ??= Promise.resolve()
    .then(() => {
      const source = input ?? packaged();
      const file = fileUrl(source);
      return initWasm({ module_or_path: file ? readLocal(file, 'init()') : source });
    })
    .then(
      instantiated,
      (error) => {
        pending = undefined;
        throw loadFailed(error);
      },
    );
  return pending;
}

/** Instantiates the WebAssembly module synchronously from its bytes or a compiled module. */
export function initSync(module) {
  if (ready) return;
  if (module === undefined || module === null) {
    const file = fileUrl(packaged());
    if (!file) {
      throw coded('invalid_argument',
        'initSync() needs the .wasm bytes or a compiled WebAssembly.Module here (or use await init())');
    }
    module = readLocal(file, 'initSync()');
  }
  try {
    wasm.initSync({ module });
  } catch (error) {
    throw loadFailed(error);
  }
  instantiated();
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
