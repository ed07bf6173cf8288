// `UpkitError`, the class of every error the package raises: one class per realm (a page, a
// worker, a Node process), the same object from every entry point, `import` (lib/node.mjs,
// lib/web.js) and `require` (lib/node.cjs) alike, and from every copy of the package loaded
// there. The first entry point loaded defines it and leaves it on `globalThis` under
// `Symbol.for('upkit.UpkitError@1')`; the others take that one. This matters in Node, where
// `import` and `require` load two instances of the WebAssembly module (the web build and the
// nodejs build) that share nothing else: an error of either is `instanceof UpkitError` for both.
//
// The source of the class for both module systems: the build writes it as CommonJS into
// dist/error.cjs for lib/node.cjs (Node 20 cannot `require` an ES module everywhere).

/** The key of the realm's class; `@1` names its constructor's contract, which later versions keep. */
const KEY = Symbol.for('upkit.UpkitError@1');

/** The class, as every copy of the package defines it. */
function define() {
  /**
   * An error of the upkit package: an `Error` with a stable `code`; manifest errors have
   * `path`, `line` and `column`, errors with an underlying one (`init_failed`) its `cause`.
   */
  class UpkitError extends Error {
    /**
     * @param {string} message
     * @param {{ code: string, path?: string, line?: number, column?: number, cause?: unknown }} options
     */
    constructor(message, options) {
      super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
      this.code = options?.code;
      if (options?.path !== undefined) this.path = options.path;
      if (options?.line !== undefined) this.line = options.line;
      if (options?.column !== undefined) this.column = options.column;
    }
  }
  Object.defineProperty(UpkitError.prototype, 'name', {
    value: 'UpkitError',
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return UpkitError;
}

/** The realm's class: the one already there, else this copy's, left there for the others. */
function realmClass() {
  const there = globalThis[KEY];
  if (typeof there === 'function') return there;
  const made = define();
  try {
    Object.defineProperty(globalThis, KEY, { value: made, writable: false, enumerable: false, configurable: false });
  } catch {
    // A frozen global object (a hardened realm): this copy keeps its own class.
  }
  return made;
}

const UpkitError = realmClass();

export { UpkitError };
