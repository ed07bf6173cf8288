// Typed usage of `upkit/web`: the same declarations, the class included.
import { UpkitError, init, initSync, parseManifest, type ErrorCode } from 'upkit/web';

await init(new URL('https://example.com/upkit_wasm_bg.wasm'));
initSync(new Uint8Array(0));

let code: ErrorCode | undefined;
try {
  parseManifest('{}');
} catch (error) {
  if (error instanceof UpkitError) code = error.code;
}

export { code };
