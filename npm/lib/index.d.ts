// Types of the npm package `upkit`: the upkit Rust core (Tauri v2 updater protocol) as
// WebAssembly. Every function runs the Rust core; errors are `UpkitError`s with a stable `code`.
//
// Field names: what comes from the wire format keeps its wire name (`pub_date`, and the
// `validateManifest` report is exactly the object of `upkit validate --json`); everything else
// is camelCase.

/** A manifest body: its text or bytes (byte-exact diagnostics), or an already parsed JSON value. */
export type ManifestInput = string | Uint8Array | ArrayBuffer | JsonValue;

/** Bytes to verify: a `Uint8Array` (a Node `Buffer` too), an `ArrayBuffer`, or a string (UTF-8). */
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
  | 'verifier_finished';

/** Every `code` an `UpkitError` can carry. */
export type ErrorCode =
  | ManifestErrorCode
  | VerifyErrorCode
  | 'invalid_argument'
  | 'not_initialized'
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

/** What every function throws: an `Error` with a stable `code`. */
export interface UpkitError extends Error {
  code: ErrorCode;
  /** Manifest errors: the RFC 6901 JSON pointer of the offending value (`""`: the whole body). */
  path?: string;
  /** Manifest errors: the 1-based line. */
  line?: number;
  /** Manifest errors: the 1-based column, in characters. */
  column?: number;
}

/** One diagnostic of a manifest report. */
export interface Diagnostic<Code extends string> {
  code: Code;
  message: string;
  /** The RFC 6901 JSON pointer of the value concerned. */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters. */
  column: number;
}

/** A platform entry as the report shows it. */
export interface ReportPlatform {
  url: string;
  signature: string;
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
  /** The exact artifact size in bytes (an upkit extension), when given. */
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
  /** How the app was installed, when known. */
  bundleType?: BundleType | null;
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
  /** Extra placeholders (`{{channel}}`...); values are percent-encoded. */
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

/** A streaming verification: `update(chunk)` as bytes arrive, then `finish()` once. */
export interface Verifier {
  update(chunk: BytesInput): void;
  /** Bytes fed so far. */
  readonly bytes: number;
  /** The id of the key that verifies (undefined once finished). */
  readonly keyId: string | undefined;
  /** Throws `signature_mismatch` when the bytes are not the signed ones. */
  finish(): Verified;
  /** Frees the WebAssembly memory now rather than at garbage collection. */
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

/** Loads the WebAssembly module (browsers; in Node it is loaded on import and this resolves at once). */
export function init(input?: InitInput): Promise<void>;
/** Instantiates the WebAssembly module synchronously from its bytes or a compiled module. */
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
/** Verifies bytes against a signature with one trusted public key or several. */
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
