// The Node CommonJS entry (`require('upkit')`): wasm-bindgen's nodejs build, instantiated
// synchronously when required.
'use strict';
const wasm = require('../dist/node/upkit_wasm.js');

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
  createVerifier: wasm.createVerifier,
  inspectSignature: wasm.inspectSignature,
  inspectPublicKey: wasm.inspectPublicKey,
};
