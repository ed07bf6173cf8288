// Types of the npm package `upkit`: the upkit Rust core (Tauri v2 updater protocol) as
// WebAssembly. Every function runs the Rust core; errors are `UpkitError`s with a stable `code`.
//
// Field names: what comes from the wire format keeps its wire name (`pub_date`, and the
// `validateManifest` report is exactly the object of `upkit validate --json`); everything else
// is camelCase.
//
// Numbers: byte counts, sizes and timestamps are 64-bit integers in the core and JS numbers
// here, exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); a larger one (only a manifest's
// `size` or a signature's `timestamp` can be: they are written by someone else) comes rounded
// to the nearest number. Columns count Unicode code points (characters), not UTF-16 code units:
// for text with characters outside the Basic Multilingual Plane (emoji...), a column is not a
// JS string index.

/**
 * A manifest body: its text or bytes (byte-exact diagnostics), or an already parsed JSON value
 * (a plain object or array, `null`, a number, a boolean). At most 8 MiB (8388608 bytes of UTF-8,
 * or of JSON text for a parsed value), eight times the native updater's limit: a larger body is
 * an `invalid_argument` ("the manifest is larger than the limit of 8388608 bytes"), as is any
 * other object (a `DataView`, another typed array, a `SharedArrayBuffer`, a `Map`, a class
 * instance...), rather than a misleading report.
 */
export type ManifestInput = string | Uint8Array | ArrayBuffer | JsonValue;

/**
 * Bytes to verify: a `Uint8Array` (a Node `Buffer` too), an `ArrayBuffer`, or a string (UTF-8).
 * Other views (`DataView`, `Int8Array`...) are an `invalid_argument`. An array is read 64 KiB at
 * a time, so memory stays flat whatever its size under a prehashed signature; a legacy one is
 * checked with every byte in the module's memory, at most 1 GiB (1073741824 bytes, in all for a
 * `Verifier`): more is an `invalid_argument`.
 */
export type BytesInput = Uint8Array | ArrayBuffer | string;

/** Any JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Operating systems of the protocol. */
export type Os = 'linux' | 'darwin' | 'windows';
/** CPU architectures of the protocol. */
export type Arch = 'x86_64' | 'i686' | 'aarch64' | 'armv7' | 'riscv64';
/** Installers (Tauri's bundle types). */
export type BundleType = 'appimage' | 'deb' | 'rpm' | 'app' | 'msi' | 'nsis';
/** A client's bundle type: an installer, or `'unknown'`, the same as none (`{{bundle_type}}`'s value then). */
export type ClientBundleType = BundleType | 'unknown';

/** The stable codes of the problems that make Tauri refuse a manifest. */
export type ManifestErrorCode =
  | 'byte_order_mark'
  | 'json_syntax'
  | 'invalid_type'
  | 'invalid_length'
  | 'missing_field'
  | 'duplicate_field'
  | 'invalid_version'
  | 'invalid_pub_date'
  | 'invalid_url'
  | 'missing_url'
  | 'missing_signature';

/** The stable codes of lint warnings: what Tauri accepts but is almost surely a mistake. */
export type ManifestWarningCode =
  | 'insecure_url'
  | 'url_in_signature'
  | 'secret_key_in_signature'
  | 'empty_signature'
  | 'invalid_signature'
  | 'legacy_signature'
  | 'key_mismatch'
  | 'mixed_key_ids'
  | 'signed_version_mismatch'
  | 'signed_file_mismatch'
  | 'reused_signature'
  | 'unknown_platform'
  | 'url_version_mismatch'
  | 'artifact_mismatch'
  | 'invalid_size'
  | 'missing_pub_date'
  | 'future_pub_date'
  | 'no_platforms'
  | 'array_manifest'
  | 'array_platform_entry'
  | 'null_platforms'
  | 'name_alias'
  | 'unknown_field'
  | 'ignored_field'
  | 'duplicate_key'
  | 'escaped_newline';

/** The stable codes of signature and key errors. */
export type VerifyErrorCode =
  | 'invalid_public_key'
  | 'invalid_signature'
  | 'key_id_mismatch'
  | 'legacy_refused'
  | 'global_signature_mismatch'
  | 'signature_mismatch'
  | 'signed_version_missing'
  | 'signed_version_invalid'
  | 'signed_version_mismatch'
  | 'file_name_missing'
  | 'file_name_mismatch'
  /** `update()` or `finish()` after `finish()`. */
  | 'verifier_finished'
  /** A use of a `Verifier` after `free()`. */
  | 'verifier_freed';

/** Every `code` an `UpkitError` can carry. */
export type ErrorCode =
  | ManifestErrorCode
  | VerifyErrorCode
  | 'invalid_argument'
  | 'not_initialized'
  | 'init_failed'
  | 'unknown_os'
  | 'unknown_arch'
  | 'unknown_bundle_type'
  | 'invalid_endpoint'
  | 'insecure_endpoint'
  | 'invalid_rendered_endpoint'
  | 'invalid_variable'
  /** Fallbacks for core errors newer than this package (none today). */
  | 'check_failed'
  | 'verification_failed'
  | 'invalid_target'
  | 'invalid_template'
  | 'internal';

/** The options of the {@link UpkitError} constructor: the error's properties. */
export interface UpkitErrorOptions {
  code: ErrorCode;
  path?: string;
  line?: number;
  column?: number;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/**
 * What every function throws: an `Error` with a stable `code`, so `error instanceof UpkitError`
 * tells upkit's errors from others (and narrows the type). One class per realm: the same object
 * from `import` (`upkit`, `upkit/web`) and `require`, whose errors are instances of it alike.
 * Its `name` is `'UpkitError'`.
 */
export class UpkitError extends Error {
  constructor(message: string, options: UpkitErrorOptions);
  code: ErrorCode;
  /** Manifest errors: the RFC 6901 JSON pointer of the offending value (`""`: the whole body). */
  path?: string;
  /** Manifest errors: the 1-based line. */
  line?: number;
  /** Manifest errors: the 1-based column, in characters (Unicode code points, not UTF-16 units). */
  column?: number;
  /** `init_failed`: the error of fetching, reading or instantiating the module. */
  cause?: unknown;
}

/** One diagnostic of a manifest report. */
export interface Diagnostic<Code extends string> {
  code: Code;
  message: string;
  /** The RFC 6901 JSON pointer of the value concerned. */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters (Unicode code points, not UTF-16 units). */
  column: number;
}

/** A platform entry as the report shows it. */
export interface ReportPlatform {
  url: string;
  signature: string;
  /** The exact artifact size (upkit's `size` extension), when the entry gives a valid one. */
  size: number | null;
}

/** The per-file object of `upkit validate --json`. Manifest fields are `null` unless valid. */
export interface ValidationReport {
  file: string | null;
  /** Whether Tauri accepts the manifest (warnings do not count). */
  valid: boolean;
  format: 'static' | 'dynamic' | null;
  version: string | null;
  notes: string | null;
  pub_date: string | null;
  platforms: Record<string, ReportPlatform> | null;
  url: string | null;
  signature: string | null;
  /** A dynamic manifest's artifact size, when it gives a valid one. */
  size: number | null;
  errors: Diagnostic<ManifestErrorCode>[];
  warnings: Diagnostic<ManifestWarningCode>[];
}

/** Options of {@link validateManifest}. */
export interface ValidateOptions {
  /** The file name the report names (`file`). */
  file?: string;
  /** Trusted public keys (Tauri's `pubkey` form): warn about signatures by other keys. */
  pubkey?: string | string[];
}

/** Options of {@link formatReport}. */
export interface FormatOptions extends ValidateOptions {
  /** Warnings fail too, as with `upkit validate --strict` (it changes the summary line). */
  strict?: boolean;
}

/** A downloadable artifact. */
export interface PlatformEntry {
  /** The download URL, normalised as the WHATWG URL parser does. */
  url: string;
  /** The signature text (base64 of a minisign signature), as given. */
  signature: string;
  /** The exact artifact size in bytes (an upkit extension), when given: exact up to 2^53 - 1. */
  size: number | null;
}

interface ManifestBase {
  /** The version, leading `v`s stripped. */
  version: string;
  notes: string | null;
  /** RFC 3339. */
  pub_date: string | null;
}

/** A static manifest (`latest.json`). */
export interface StaticManifest extends ManifestBase {
  shape: 'static';
  platforms: Record<string, PlatformEntry>;
}

/** A dynamic manifest (an update server's answer). */
export interface DynamicManifest extends ManifestBase, PlatformEntry {
  shape: 'dynamic';
}

/** A parsed, valid manifest. */
export type Manifest = StaticManifest | DynamicManifest;

/** Who asks: a client's version and platform. */
export interface ClientOptions {
  /** The running app's version. */
  currentVersion: string;
  /** The OS name (what `{{target}}` renders to without a custom target). */
  target: Os;
  arch: Arch;
  /**
   * How the app was installed, when known; `'unknown'`, `null` or absent: not known (as
   * `upkit check --bundle-type unknown`), so only the `{os}-{arch}` key is tried.
   */
  bundleType?: ClientBundleType | null;
  /** A custom target: the only platform key tried, verbatim, and what `{{target}}` renders to. */
  customTarget?: string | null;
  /** Allow plain `http` URLs. */
  insecureTransport?: boolean;
}

/** Options of {@link resolveUpdate}. */
export interface ResolveOptions extends ClientOptions {
  /** Any different version is an update (Tauri's `allowDowngrades`). */
  allowDowngrades?: boolean;
}

/** Options of {@link renderEndpoint}. */
export interface RenderOptions extends ClientOptions {
  /**
   * Extra placeholders (`{{channel}}`...); values are percent-encoded. The four built-in names
   * (`current_version`, `target`, `arch`, `bundle_type`) come from the client: setting one
   * throws `invalid_variable`.
   */
  variables?: Record<string, string>;
}

/** The release a client is offered. */
export interface UpdateOffer {
  update: true;
  version: string;
  notes: string | null;
  pub_date: string | null;
  /** What `{{target}}` renders to: the OS name or the custom target (Tauri's `target`). */
  target: string;
  /** The key of the static manifest's `platforms` entry that matched; `null` for a dynamic one. */
  platform_key: string | null;
  url: string;
  signature: string;
  /** Exact up to 2^53 - 1. */
  size: number | null;
}

/** Why a client is offered nothing. */
export type NoUpdate =
  | { update: false; reason: 'up_to_date'; message: string; version: string }
  | { update: false; reason: 'no_platform'; message: string; version: string; keys: string[] }
  | { update: false; reason: 'insecure_download'; message: string; version: string; url: string };

/** The answer of {@link resolveUpdate}. */
export type Resolution = UpdateOffer | NoUpdate;

/** A signature's trusted comment. */
export interface TrustedComment {
  text: string;
  /** Seconds since 1970 (`timestamp:`), exact up to 2^53 - 1. */
  timestamp: number | null;
  file: string | null;
  version: string | null;
  /** Every `name:value` field. */
  fields: Record<string, string>;
}

/** A decoded signature. */
export interface SignatureInfo {
  /** 16 uppercase hex digits, as Tauri and minisign print it. */
  keyId: string;
  algorithm: 'prehashed' | 'legacy';
  untrustedComment: string;
  trustedComment: TrustedComment;
}

/** A decoded public key. */
export interface PublicKeyInfo {
  keyId: string;
  untrustedComment: string;
}

/** Proof that the bytes verified. */
export interface Verified {
  keyId: string;
  algorithm: 'prehashed' | 'legacy';
  trustedComment: TrustedComment;
  /** How many bytes verified. */
  bytes: number;
}

/** Options of {@link verifySignature} and {@link createVerifier}. */
export interface VerifyOptions {
  /** The version the manifest announces: a signed `version:` must equal it. */
  version?: string;
  /** Refuse signatures without a signed version (default `true`, upkit's default). */
  requireSignedVersion?: boolean;
  /** Accept legacy (`Ed`, non-prehashed) signatures (default `false`). */
  allowLegacy?: boolean;
  /** The trusted comment's `file:` must equal it. */
  fileName?: string;
}

/**
 * A streaming verification: `update(chunk)` as bytes arrive, then `finish()` once. After `free()`,
 * every member but `free()` throws `verifier_freed`.
 */
export interface Verifier {
  /**
   * Feeds the next bytes. Under a legacy signature, a chunk that would take the total over 1 GiB
   * is an `invalid_argument`, and is not fed.
   */
  update(chunk: BytesInput): void;
  /** Bytes fed so far (also after `finish()`). */
  readonly bytes: number;
  /** The id of the key that verifies (undefined once finished). */
  readonly keyId: string | undefined;
  /** Throws `signature_mismatch` when the bytes are not the signed ones. */
  finish(): Verified;
  /**
   * Frees the WebAssembly memory now rather than at garbage collection. A second call does
   * nothing. It is also the verifier's `[Symbol.dispose]` where the runtime has `Symbol.dispose`,
   * so JS `using` works, even with an explicit `free()` in the block (not declared here, so that
   * the types build without the `esnext.disposable` lib).
   */
  free(): void;
}

/** What {@link init} accepts: where to fetch the `.wasm` from, or its bytes or module. */
export type InitInput =
  | string
  | URL
  | Request
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<Response>;

/**
 * Loads the WebAssembly module. From `upkit` in Node it is loaded on first use, and this resolves
 * at once (the argument is ignored). From `upkit/web` (and in browsers): without `input`, it
 * fetches the `.wasm` next to the package, or reads it from disk when that is a `file:` URL and
 * the runtime can (Node 20.16+, Deno, Bun), as it reads any `file:` URL given; where files
 * cannot be read, a `file:` URL rejects with `invalid_argument`. A module that cannot be fetched,
 * read or instantiated rejects with `init_failed` (the original error is its `cause`), and a
 * later `init()` tries again.
 */
export function init(input?: InitInput): Promise<void>;
/**
 * Instantiates the WebAssembly module synchronously from its bytes or a compiled module. From
 * `upkit` in Node the argument is not needed (and ignored). From `upkit/web`, without `module`,
 * it reads the `.wasm` from disk where `init()` would (a `file:` URL, Node 20.16+, Deno, Bun);
 * elsewhere (browsers) it throws `invalid_argument`: pass the bytes, or `await init()`. Bytes
 * that are not this module throw `init_failed`.
 */
export function initSync(module?: BufferSource | WebAssembly.Module): void;

/** Lints a manifest: the per-file object of `upkit validate --json` (never throws for a bad manifest). */
export function validateManifest(body: ManifestInput, options?: ValidateOptions): ValidationReport;
/**
 * The report of {@link validateManifest} as `upkit validate` prints it, without colours: each
 * error and warning with its source line, a caret under the column, the JSON path and a hint,
 * then a summary line. Ends with a line break.
 */
export function formatReport(body: ManifestInput, options?: FormatOptions): string;
/** Parses a manifest with Tauri's acceptance rules; throws the first problem (with `path`, `line`, `column`). */
export function parseManifest(body: ManifestInput): Manifest;
/** What a client would be offered by a manifest, and why not when nothing. */
export function resolveUpdate(manifest: ManifestInput, options: ResolveOptions): Resolution;
/** Fills in an endpoint template's placeholders for a client. */
export function renderEndpoint(endpoint: string, options: RenderOptions): string;
/** Tauri's version order (SemVer precedence, then build metadata): -1, 0 or 1. */
export function compareVersions(a: string, b: string): -1 | 0 | 1;
/**
 * Verifies bytes against a signature with one trusted public key or several. The bytes are read a
 * window at a time: any size under a prehashed signature, at most 1 GiB under a legacy one
 * (`invalid_argument` above, after the checks that need no bytes).
 */
export function verifySignature(
  data: BytesInput,
  signature: string,
  publicKeys: string | string[],
  options?: VerifyOptions,
): Verified;
/** Starts a streaming verification; everything that does not need the bytes is checked now. */
export function createVerifier(
  signature: string,
  publicKeys: string | string[],
  options?: VerifyOptions,
): Verifier;
/** Decodes a signature (a `.sig` file's content, a manifest's `signature`). */
export function inspectSignature(signature: string): SignatureInfo;
/** Decodes a public key (Tauri's `pubkey`). */
export function inspectPublicKey(key: string): PublicKeyInfo;
