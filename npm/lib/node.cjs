// The Node CommonJS entry (`require('upkit')`): wasm-bindgen's nodejs build, instantiated
// synchronously when required. Its errors are `UpkitError`s, the class of lib/error.js (built
// into dist/error.cjs): the same object as `import { UpkitError } from 'upkit'` gives.
'use strict';
const { UpkitError } = require('../dist/error.cjs');
const wasm = require('../dist/node/upkit_wasm.js');

wasm.setErrorClass(UpkitError);

/**
 * A streaming verification, as in web.js (keep the two in step): `free()` is idempotent and a use
 * after it is a `verifier_freed`.
 */
class Verifier {
  #inner;

  constructor(inner) {
    this.#inner = inner;
  }

  #live() {
    if (this.#inner === undefined) throw new UpkitError('the verifier has been freed', { code: 'verifier_freed' });
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

module.exports = {
  UpkitError,
  init: () => Promise.resolve(),
  initSync: () => {},
  validateManifest: wasm.validateManifest,
  formatReport: wasm.formatReport,
  parseManifest: wasm.parseManifest,
  resolveUpdate: wasm.resolveUpdate,
  renderEndpoint: wasm.renderEndpoint,
  compareVersions: wasm.compareVersions,
  verifySignature: wasm.verifySignature,
  createVerifier: (...args) => new Verifier(wasm.createVerifier(...args)),
  inspectSignature: wasm.inspectSignature,
  inspectPublicKey: wasm.inspectPublicKey,
};
