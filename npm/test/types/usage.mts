// Typed usage of the package from ESM: `tsc --noEmit -p test/types` must pass.
import {
  compareVersions,
  createVerifier,
  formatReport,
  init,
  inspectPublicKey,
  inspectSignature,
  parseManifest,
  renderEndpoint,
  resolveUpdate,
  validateManifest,
  verifySignature,
  UpkitError,
  type ErrorCode,
  type Manifest,
  type Resolution,
  type UpkitErrorOptions,
  type ValidationReport,
  type Verified,
} from 'upkit';

await init();

const report: ValidationReport = validateManifest('{"version": "1.0.0"}', { file: 'latest.json', pubkey: ['k'] });
const lines: number[] = report.errors.map((e) => e.line);
const firstWarning: string | undefined = report.warnings[0]?.code;
const valid: boolean = report.valid;
const printed: string = formatReport('{"version": "1.0.0"}', { file: 'latest.json', strict: true });

const manifest: Manifest = parseManifest(new Uint8Array([123, 125]));
if (manifest.shape === 'static') {
  const urls: string[] = Object.values(manifest.platforms).map((p) => p.url);
  void urls;
} else {
  const url: string = manifest.url;
  void url;
}

const resolution: Resolution = resolveUpdate(manifest === null ? '' : '{}', {
  currentVersion: '1.0.0',
  target: 'linux',
  arch: 'x86_64',
  bundleType: 'appimage',
  allowDowngrades: false,
});
if (resolution.update) {
  const size: number | null = resolution.size;
  void size;
} else if (resolution.reason === 'no_platform') {
  const keys: string[] = resolution.keys;
  void keys;
}

// `'unknown'` is no bundle type, as for `upkit check`.
resolveUpdate('{}', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', bundleType: 'unknown' });
// @ts-expect-error: bundle types are checked
resolveUpdate('{}', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64', bundleType: 'exe' });

const url: string = renderEndpoint('https://e.com/{{target}}', {
  currentVersion: '1.0.0',
  target: 'darwin',
  arch: 'aarch64',
  variables: { channel: 'beta' },
});
const order: -1 | 0 | 1 = compareVersions('1.0.0', '1.0.1');

const verified: Verified = verifySignature(new Uint8Array(0), 'sig', ['k1', 'k2'], { version: '1.0.0' });
const verifier = createVerifier('sig', 'key', { requireSignedVersion: false, fileName: 'a.tar.gz' });
verifier.update(new Uint8Array(4));
const fed: number = verifier.bytes;
const proof: Verified = verifier.finish();
verifier.free();
verifier.free();
const freed: ErrorCode = 'verifier_freed';
const keyId: string = inspectPublicKey('k').keyId;
const signedVersion: string | null = inspectSignature('s').trustedComment.version;

try {
  compareVersions('x', 'y');
} catch (error) {
  // @ts-expect-error: a caught value is `unknown` until narrowed
  void error.code;
  if (error instanceof UpkitError) {
    // `instanceof` narrows: the code, and the location of manifest errors.
    const code: ErrorCode = error.code;
    const line: number | undefined = error.line;
    const path: string | undefined = error.path;
    const column: number | undefined = error.column;
    const cause: unknown = error.cause;
    const message: string = error.message;
    const asError: Error = error;
    void [code, line, path, column, cause, message, asError];
    // @ts-expect-error: `code` is one of the documented codes
    const other: 'nope' = error.code;
    void other;
  }
}

const options: UpkitErrorOptions = { code: 'invalid_type', path: '/version', line: 1, column: 13 };
const made: UpkitError = new UpkitError('a message', options);
const wrapped = new UpkitError('cannot load', { code: 'init_failed', cause: new Error('x') });
// @ts-expect-error: codes are checked
void new UpkitError('a message', { code: 'nope' });
// @ts-expect-error: the code is required
void new UpkitError('a message', {});
void [made, wrapped];

// @ts-expect-error: the OS names are checked
resolveUpdate('{}', { currentVersion: '1.0.0', target: 'macos', arch: 'x86_64' });
// @ts-expect-error: currentVersion is required
renderEndpoint('https://e.com/', { target: 'linux', arch: 'x86_64' });

export { lines, firstWarning, valid, url, order, verified, fed, proof, freed, keyId, signedVersion };
