// The Node CommonJS entry (`require('upkit')`): wasm-bindgen's nodejs build, instantiated
// synchronously when required.
'use strict';
const wasm = require('../dist/node/upkit_wasm.js');

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
    if (this.#inner === undefined) {
      const error = new Error('the verifier has been freed');
      error.code = 'verifier_freed';
      throw error;
    }
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
