//! Update manifests: the static `latest.json` and a dynamic update server's answer.
//!
//! [`parse`] accepts exactly what the Tauri v2 updater accepts (its derive-based reading of
//! `serde_json::Value`, rule for rule), and returns the first problem otherwise. [`validate`] finds every
//! problem, adds lint [`Warning`]s for what Tauri accepts but is almost surely a mistake, and
//! returns a [`Report`] that serialises to the JSON object `upkit validate --json` prints.
//!
//! Every diagnostic carries a stable code ([`ErrorCode`], [`WarningCode`]), a message, the
//! RFC 6901 JSON pointer of the offending value and its 1-based line and column in the body
//! (the column counts characters).
//!
//! ```
//! use upkit_core::manifest::{self, ErrorCode, LintOptions, Release};
//!
//! let m = manifest::parse(br#"{"version": "v2.0.0", "url": "https://e.com/a.zip", "signature": "c2ln"}"#)
//!     .unwrap();
//! assert_eq!(m.version.to_string(), "2.0.0");
//! assert!(matches!(m.release, Release::Dynamic(_)));
//!
//! let err = manifest::parse(b"{\"url\": \"https://e.com/a.zip\", \"signature\": \"c2ln\",\n  \"version\": \"1.0\"\n}")
//!     .unwrap_err();
//! assert_eq!(err.code, ErrorCode::InvalidVersion);
//! assert_eq!((err.path.as_str(), err.line, err.column), ("/version", 2, 14));
//!
//! let report = manifest::validate(b"{\"version\": \"1.0.0\", \"platforms\": {}}", &LintOptions::default());
//! assert!(report.valid);
//! assert_eq!(report.warnings.len(), 2); // no pub_date, no platforms
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::version::Version;

mod human;
mod lint;
mod position;
mod shape;
pub mod signed;

pub use human::{Paint, Palette, printable};
pub use lint::LintOptions;

use position::{Anchor, Index, Path};

/// A parsed, valid manifest, with everything Tauri accepts in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The announced version, leading `v`s stripped.
    pub version: Version,
    /// Release notes.
    pub notes: Option<String>,
    /// Publication date.
    pub pub_date: Option<OffsetDateTime>,
    /// The static or dynamic shape.
    pub release: Release,
    /// The whole JSON document, unknown fields included.
    pub raw: serde_json::Value,
}

impl Manifest {
    /// Whether this is a static or a dynamic manifest.
    pub fn format(&self) -> Format {
        match self.release {
            Release::Static { .. } => Format::Static,
            Release::Dynamic(_) => Format::Dynamic,
        }
    }
}

/// The two shapes of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// A static manifest: one entry per platform key.
    Static {
        /// Platform key to entry.
        platforms: BTreeMap<String, Platform>,
    },
    /// An update server's answer for one client.
    Dynamic(Platform),
}

/// One downloadable artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The download URL, normalised.
    pub url: Url,
    /// The signature text (base64 of a minisign signature), as given.
    pub signature: String,
    /// The exact artifact size in bytes, when the entry has a valid `size` (an upkit extension:
    /// a positive JSON integer; in a dynamic manifest it sits beside `url`).
    pub size: Option<u64>,
}

/// The shape of a manifest, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// A `platforms` object (a `latest.json` on any web host).
    Static,
    /// Top-level `url` and `signature` (an update server's answer).
    Dynamic,
}

/// The stable codes of the problems that make Tauri refuse a manifest.
///
/// Serialised (and displayed) in snake_case, e.g. `invalid_url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body starts with a UTF-8 byte-order mark.
    ByteOrderMark,
    /// The body is not JSON: a syntax error, trailing characters, invalid UTF-8, a lone
    /// surrogate escape, a number out of `f64` range, nesting deeper than 128, an early end.
    JsonSyntax,
    /// A value has the wrong JSON type (the manifest itself not an object, a number as
    /// `version`, a `null` platform entry...).
    InvalidType,
    /// A manifest written as an array without exactly 6 elements, or a platform entry written
    /// as an array without exactly 2.
    InvalidLength,
    /// A required field is absent: `version`, or a platform entry's `url` or `signature`.
    MissingField,
    /// Both `version` and its alias `name` are present.
    DuplicateField,
    /// `version` is not SemVer 2.0 once leading `v`s are stripped.
    InvalidVersion,
    /// `pub_date` is not an RFC 3339 date-time with an offset.
    InvalidPubDate,
    /// A `url` is not an absolute URL.
    InvalidUrl,
    /// A dynamic manifest (no `platforms`, or `"platforms": null`) without `url`.
    MissingUrl,
    /// A dynamic manifest (no `platforms`, or `"platforms": null`) without `signature`.
    MissingSignature,
}

/// The stable codes of lint warnings: what Tauri accepts but is almost surely a mistake.
///
/// Serialised (and displayed) in snake_case, e.g. `insecure_url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningCode {
    /// A download URL that is not `https` (upkit refuses it unless insecure transport is on).
    InsecureUrl,
    /// `signature` holds a URL instead of the content of the `.sig` file.
    UrlInSignature,
    /// `signature` holds a minisign secret key: it must be revoked, it is public now.
    SecretKeyInSignature,
    /// `signature` is the empty string: every install will fail verification.
    EmptySignature,
    /// `signature` is not a Tauri minisign signature (base64 of the `.sig` text).
    InvalidSignature,
    /// A legacy (non-prehashed, `Ed`) signature, which upkit refuses by default.
    LegacySignature,
    /// The signature's key id is none of the given public keys' ids.
    KeyMismatch,
    /// Platform entries signed by different keys.
    MixedKeyIds,
    /// The signature's trusted comment binds another version than `version`.
    SignedVersionMismatch,
    /// The signed file (trusted comment `file:`) is another kind of artifact than the URL's.
    SignedFileMismatch,
    /// The same signature for different URLs.
    ReusedSignature,
    /// A platform key Tauri never looks up (`darwin-universal`, `macos-arm64`...).
    UnknownPlatform,
    /// The URL's file name holds another version than `version` (a stale artifact).
    UrlVersionMismatch,
    /// The URL's artifact does not suit the platform key (an `.app.tar.gz` for Windows, a
    /// `.dmg`...).
    ArtifactMismatch,
    /// A platform entry's `size` is not a positive integer; it is ignored.
    InvalidSize,
    /// No `pub_date`.
    MissingPubDate,
    /// The `pub_date` is later than the time the lint was given ([`LintOptions::now`]).
    FuturePubDate,
    /// An empty `platforms` object: no client gets an update.
    NoPlatforms,
    /// The manifest is Tauri's legacy 6-element array.
    ArrayManifest,
    /// A platform entry is written as a legacy `[url, signature]` array.
    ArrayPlatformEntry,
    /// `"platforms": null`, which makes the manifest dynamic.
    NullPlatforms,
    /// `name` is used for the version (a legacy alias of `version`).
    NameAlias,
    /// An unknown field that looks like a misspelled known one (`date` for `pub_date`).
    UnknownField,
    /// A top-level `url` or `signature` in a static manifest, which Tauri ignores.
    IgnoredField,
    /// An object has the same key twice; the last one wins.
    DuplicateKey,
    /// `notes` holds literal `\n` sequences (a double-escaped newline) and no line break.
    EscapedNewline,
}

macro_rules! code_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every code.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_names!(ErrorCode {
    ByteOrderMark => "byte_order_mark",
    JsonSyntax => "json_syntax",
    InvalidType => "invalid_type",
    InvalidLength => "invalid_length",
    MissingField => "missing_field",
    DuplicateField => "duplicate_field",
    InvalidVersion => "invalid_version",
    InvalidPubDate => "invalid_pub_date",
    InvalidUrl => "invalid_url",
    MissingUrl => "missing_url",
    MissingSignature => "missing_signature",
});

code_names!(WarningCode {
    InsecureUrl => "insecure_url",
    UrlInSignature => "url_in_signature",
    SecretKeyInSignature => "secret_key_in_signature",
    EmptySignature => "empty_signature",
    InvalidSignature => "invalid_signature",
    LegacySignature => "legacy_signature",
    KeyMismatch => "key_mismatch",
    MixedKeyIds => "mixed_key_ids",
    SignedVersionMismatch => "signed_version_mismatch",
    SignedFileMismatch => "signed_file_mismatch",
    ReusedSignature => "reused_signature",
    UnknownPlatform => "unknown_platform",
    UrlVersionMismatch => "url_version_mismatch",
    ArtifactMismatch => "artifact_mismatch",
    InvalidSize => "invalid_size",
    MissingPubDate => "missing_pub_date",
    FuturePubDate => "future_pub_date",
    NoPlatforms => "no_platforms",
    ArrayManifest => "array_manifest",
    ArrayPlatformEntry => "array_platform_entry",
    NullPlatforms => "null_platforms",
    NameAlias => "name_alias",
    UnknownField => "unknown_field",
    IgnoredField => "ignored_field",
    DuplicateKey => "duplicate_key",
    EscapedNewline => "escaped_newline",
});

/// Why a manifest was refused: one problem, where it is, and how to fix it.
///
/// Serialises to `{"code", "message", "path", "line", "column"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} (line {line}, column {column})")]
#[non_exhaustive]
pub struct ManifestError {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong, naming the JSON path.
    pub message: String,
    /// The RFC 6901 JSON pointer of the offending value (`""` is the whole body); for a
    /// missing field, where it should be.
    pub path: String,
    /// The 1-based line of the offending value (of the enclosing object for a missing field).
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
    /// How to fix it, when there is more to say than the message.
    #[serde(skip)]
    pub hint: Option<String>,
}

/// Something Tauri accepts but that is almost surely a mistake.
///
/// Serialises to `{"code", "message", "path", "line", "column"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Warning {
    /// The stable code.
    pub code: WarningCode,
    /// What looks wrong, naming the JSON path.
    pub message: String,
    /// The RFC 6901 JSON pointer of the value concerned.
    pub path: String,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
    /// How to fix it, when there is more to say than the message.
    #[serde(skip)]
    pub hint: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.message, self.line, self.column
        )
    }
}

/// A finding before it is placed in the text.
#[derive(Debug, Clone)]
pub(crate) struct Finding<C> {
    pub(crate) code: C,
    pub(crate) message: String,
    pub(crate) path: Path,
    pub(crate) anchor: Anchor,
    pub(crate) hint: Option<String>,
}

impl<C> Finding<C> {
    pub(crate) fn new(code: C, path: Path, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
            path,
            anchor: Anchor::Value,
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn at_key(mut self) -> Self {
        self.anchor = Anchor::Key;
        self
    }
}

/// Places findings in the text (in one pass) and builds the diagnostics, sorted by position
/// (line, then column; findings at the same place keep their order).
fn place<C, T>(
    findings: Vec<Finding<C>>,
    index: &Index<'_>,
    make: impl Fn(Finding<C>, position::Position) -> T,
) -> Vec<T> {
    let offsets: Vec<usize> = findings
        .iter()
        .map(|f| index.offset(&f.path, f.anchor))
        .collect();
    let positions = index.positions(&offsets);
    let keys: Vec<(usize, usize)> = positions.iter().map(|p| (p.line, p.column)).collect();
    let mut slots: Vec<Option<(Finding<C>, position::Position)>> =
        findings.into_iter().zip(positions).map(Some).collect();
    position::stable_order(&keys)
        .into_iter()
        .filter_map(|i| slots[i].take())
        .map(|(f, p)| make(f, p))
        .collect()
}

fn place_errors(findings: Vec<Finding<ErrorCode>>, index: &Index<'_>) -> Vec<ManifestError> {
    place(findings, index, |f, pos| ManifestError {
        code: f.code,
        message: f.message,
        path: f.path.to_string(),
        line: pos.line,
        column: pos.column,
        hint: f.hint,
    })
}

fn place_warnings(findings: Vec<Finding<WarningCode>>, index: &Index<'_>) -> Vec<Warning> {
    place(findings, index, |f, pos| Warning {
        code: f.code,
        message: f.message,
        path: f.path.to_string(),
        line: pos.line,
        column: pos.column,
        hint: f.hint,
    })
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads the body as JSON exactly as Tauri does (`serde_json::from_slice::<Value>`).
fn json(body: &[u8]) -> Result<Value, ManifestError> {
    serde_json::from_slice::<Value>(body).map_err(|e| {
        if body.starts_with(BOM) {
            return ManifestError {
                code: ErrorCode::ByteOrderMark,
                message: "the body starts with a UTF-8 byte-order mark, which Tauri refuses".into(),
                path: String::new(),
                line: 1,
                column: 1,
                hint: Some("save the file as UTF-8 without a byte-order mark".into()),
            };
        }
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let reason = full.strip_suffix(&suffix).unwrap_or(&full);
        let line = e.line().max(1);
        let pos = position::position_of(body, position::offset_of(body, line, e.column()));
        ManifestError {
            code: ErrorCode::JsonSyntax,
            message: format!("invalid JSON: {reason}"),
            path: String::new(),
            line: pos.line,
            column: pos.column,
            hint: None,
        }
    })
}

/// Parses a manifest body with Tauri's acceptance rules.
///
/// # Errors
/// The first problem in the body (by line and column); [`validate`] lists them all.
pub fn parse(body: &[u8]) -> Result<Manifest, ManifestError> {
    match shape::check(json(body)?) {
        Ok(manifest) => Ok(manifest),
        Err((_, errors)) => {
            let index = Index::new(body);
            Err(place_errors(errors, &index)
                .into_iter()
                .next()
                .unwrap_or_else(|| ManifestError {
                    code: ErrorCode::InvalidType,
                    message: "the manifest could not be read".into(),
                    path: String::new(),
                    line: 1,
                    column: 1,
                    hint: None,
                }))
        }
    }
}

/// One platform entry as `upkit validate --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReportPlatform {
    /// The download URL, normalised.
    pub url: String,
    /// The signature text, as given.
    pub signature: String,
    /// The exact artifact size, when the entry gives a valid one (an upkit extension).
    pub size: Option<u64>,
}

/// Everything `upkit validate` says about one manifest; serialises to the JSON object of
/// `upkit validate --json`:
/// `{"file", "valid", "format", "version", "notes", "pub_date", "platforms", "url",
/// "signature", "size", "errors", "warnings"}`.
///
/// The manifest's fields are `null` unless it is valid.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The file name, when the caller gave one ([`Report::with_file`]).
    pub file: Option<String>,
    /// Whether Tauri accepts the manifest (warnings do not count).
    pub valid: bool,
    /// Static or dynamic.
    pub format: Option<Format>,
    /// The version, normalised (no leading `v`).
    pub version: Option<String>,
    /// The release notes.
    pub notes: Option<String>,
    /// The publication date, RFC 3339.
    pub pub_date: Option<String>,
    /// A static manifest's entries, by platform key.
    pub platforms: Option<BTreeMap<String, ReportPlatform>>,
    /// A dynamic manifest's download URL, normalised.
    pub url: Option<String>,
    /// A dynamic manifest's signature.
    pub signature: Option<String>,
    /// A dynamic manifest's artifact size, when it gives a valid one.
    pub size: Option<u64>,
    /// Every problem that makes Tauri refuse the manifest, by position.
    pub errors: Vec<ManifestError>,
    /// Every lint warning, by position.
    pub warnings: Vec<Warning>,
    /// The parsed manifest, when valid.
    #[serde(skip)]
    pub manifest: Option<Manifest>,
}

impl Report {
    /// The same report, naming the file it is about.
    #[must_use]
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Whether the manifest passes: valid, and without warnings when `strictness` is
    /// [`Strictness::Strict`].
    pub fn passes(&self, strictness: Strictness) -> bool {
        self.valid && (strictness == Strictness::Lenient || self.warnings.is_empty())
    }

    fn invalid(errors: Vec<ManifestError>, warnings: Vec<Warning>) -> Self {
        Report {
            file: None,
            valid: false,
            format: None,
            version: None,
            notes: None,
            pub_date: None,
            platforms: None,
            url: None,
            signature: None,
            size: None,
            errors,
            warnings,
            manifest: None,
        }
    }

    fn of(manifest: Manifest, warnings: Vec<Warning>) -> Self {
        let (platforms, url, signature, size) = match &manifest.release {
            Release::Static { platforms } => (
                // Inserted one by one: `collect()` into a map sorts first, and each sort is a
                // sizeable instantiation in the wasm build.
                Some(platforms.iter().fold(BTreeMap::new(), |mut map, (k, p)| {
                    let entry = ReportPlatform {
                        url: p.url.to_string(),
                        signature: p.signature.clone(),
                        size: p.size,
                    };
                    map.insert(k.clone(), entry);
                    map
                })),
                None,
                None,
                None,
            ),
            Release::Dynamic(p) => (
                None,
                Some(p.url.to_string()),
                Some(p.signature.clone()),
                p.size,
            ),
        };
        Report {
            file: None,
            valid: true,
            format: Some(manifest.format()),
            version: Some(manifest.version.to_string()),
            notes: manifest.notes.clone(),
            pub_date: manifest.pub_date.and_then(|d| d.format(&Rfc3339).ok()),
            platforms,
            url,
            signature,
            size,
            errors: Vec::new(),
            warnings,
            manifest: Some(manifest),
        }
    }
}

/// Whether warnings fail a validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Only errors fail.
    #[default]
    Lenient,
    /// Warnings fail too (`upkit validate --strict`).
    Strict,
}

/// Validates a manifest body: every error (Tauri's acceptance), every lint warning, and the
/// manifest when valid. Never fails: the verdict is in the [`Report`].
pub fn validate(body: &[u8], options: &LintOptions) -> Report {
    let mut value = match json(body) {
        Ok(value) => value,
        Err(e) => return Report::invalid(vec![e], Vec::new()),
    };
    // Strings change, paths do not: positions still come from `body`.
    if let Some(base) = &options.base_url {
        resolve_relative_urls(&mut value, base);
    }
    let index = Index::new(body);
    match shape::check(value) {
        Ok(manifest) => {
            let warnings = lint::lint(&manifest.raw, Some(&manifest), &index, options);
            Report::of(manifest, place_warnings(warnings, &index))
        }
        Err((value, errors)) => {
            let warnings = lint::lint(&value, None, &index, options);
            Report::invalid(
                place_errors(errors, &index),
                place_warnings(warnings, &index),
            )
        }
    }
}

/// Resolves the relative artifact `url`s of a manifest's JSON (bare file names, as `upkit
/// manifest --for-serve` writes them) against `base`, as `upkit serve` does before answering;
/// absolute URLs, empty ones and anything that is not a string are left as they are. What a
/// client is then sent is what [`parse`] and [`validate`] judge.
pub fn resolve_relative_urls(value: &mut Value, base: &Url) {
    let resolve = |entry: &mut serde_json::Map<String, Value>| {
        if let Some(Value::String(url)) = entry.get_mut("url")
            && !url.is_empty()
            && matches!(
                Url::parse(url),
                Err(url::ParseError::RelativeUrlWithoutBase)
            )
            && let Ok(joined) = base.join(url)
        {
            *url = joined.to_string();
        }
    };
    if let Value::Object(top) = value {
        match top.get_mut("platforms") {
            Some(Value::Object(platforms)) => {
                for entry in platforms.values_mut() {
                    if let Value::Object(entry) = entry {
                        resolve(entry);
                    }
                }
            }
            None | Some(Value::Null) => resolve(top),
            Some(_) => {}
        }
    }
}
