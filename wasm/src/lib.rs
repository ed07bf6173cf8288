//! WebAssembly bindings of `upkit-core`: decode JS input, call the core, convert the result.
//!
//! This crate holds no logic of its own. Each exported function takes JS values, turns them into
//! core types (refusing malformed input with an `Error` whose `code` is `invalid_argument`),
//! calls one core function, and hands the result back as a plain JS value (see
//! the `convert` module for why JSON is the carrier). Core errors become JS errors with a stable
//! `code`, plus `path`, `line` and `column` for manifest errors: instances of the class the npm
//! package gives [`set_error_class`] (its `UpkitError`), plain `Error`s until one is given.
//!
//! The npm package `upkit` wraps the `wasm-bindgen` output of this crate; its TypeScript types
//! (`npm/lib/index.d.ts`) document every shape returned here. From JS:
//!
//! ```text
//! import { validateManifest, resolveUpdate } from 'upkit';
//! validateManifest(text).errors;   // [{code, message, path, line, column}], as `upkit validate --json`
//! resolveUpdate(text, { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64' });
//! ```
//!
//! Build and test: `npm/scripts/ci.sh`; the Rust side alone:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p upkit-wasm --target wasm32-unknown-unknown`.

mod convert;
mod signature;

use std::collections::BTreeMap;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use upkit_core::check::{self, CheckConfig, CheckError};
use upkit_core::manifest::{
    self, LintOptions, Manifest, ManifestError, Palette, Platform, Release, Report, Strictness,
};
use upkit_core::target::{Arch, Installer, Os, Target, TargetError};
use upkit_core::template::{Endpoint, TemplateError, Transport, Variables};
use upkit_core::version::{self, Comparator, Version, VersionError};
use wasm_bindgen::prelude::*;

use crate::convert::{Failure, Location, Options, output};

pub use crate::convert::set_error_class;
pub use crate::signature::{
    Verifier, create_verifier, inspect_public_key, inspect_signature, verify_signature,
};

/// Compares two versions with Tauri's order (SemVer precedence, then build metadata): `-1`, `0`
/// or `1`.
///
/// # Errors
/// `invalid_version` when either is not a version.
#[wasm_bindgen(js_name = compareVersions)]
pub fn compare_versions(a: JsValue, b: JsValue) -> Result<i32, JsValue> {
    let a = parse_version(&convert::string(&a, "the first version")?)?;
    let b = parse_version(&convert::string(&b, "the second version")?)?;
    Ok(version::compare(&a, &b) as i32)
}

/// Parses a manifest with Tauri's acceptance rules.
///
/// # Errors
/// The manifest error (`code`, `path`, `line`, `column`); `invalid_argument` for a body that is
/// not a document or is over the 8 MiB limit (`MANIFEST_LIMIT`).
#[wasm_bindgen(js_name = parseManifest)]
pub fn parse_manifest(body: JsValue) -> Result<JsValue, JsValue> {
    let manifest = parse_body(&body)?;
    output(&manifest_json(&manifest))
}

/// Lints a manifest: the per-file object of `upkit validate --json`.
///
/// # Errors
/// `invalid_argument` for malformed input (a body over the 8 MiB limit too); an invalid
/// manifest is a report, not an error.
#[wasm_bindgen(js_name = validateManifest)]
pub fn validate_manifest(body: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let body = convert::document(&body, "the manifest")?;
    let options = Options::read(&options, &["file", "pubkey"])?;
    output(&validate(&body, &options)?)
}

/// The report of `validateManifest` as `upkit validate` prints it, without colours: each error
/// and warning with its source line, caret, JSON path and hint, then the summary line.
///
/// # Errors
/// `invalid_argument` for bad options, `invalid_public_key` for a key that does not decode.
#[wasm_bindgen(js_name = formatReport)]
pub fn format_report(body: JsValue, options: JsValue) -> Result<String, JsValue> {
    Ok(print(&body, &options, &["file", "pubkey", "strict"])?.text)
}

/// What `upkit validate` prints for one file, and whether it passes: `{pass, text}`, `text`
/// being the line of `--json` (serde's JSON, byte for byte the Rust CLI's: a JS object would
/// reorder integer-like platform keys and round sizes over 2^53) or the human report. For the
/// package's `upkit-validate` only, which needs both from one validation; not in the API.
///
/// # Errors
/// As [`format_report`].
#[wasm_bindgen(js_name = validateForCli)]
pub fn validate_for_cli(body: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    output(&print(
        &body,
        &options,
        &["file", "pubkey", "strict", "json"],
    )?)
}

/// What `upkit validate` prints for one file.
#[derive(Serialize)]
struct Printed {
    /// Whether the file passes (valid, and without warnings when strict).
    pass: bool,
    /// The `--json` line or the human report.
    text: String,
}

/// Validates and prints, under the `known` options (`file`, `pubkey`, `strict`, `json`). Not
/// inlined: it is most of both exports that call it.
#[inline(never)]
fn print(body: &JsValue, options: &JsValue, known: &[&str]) -> Result<Printed, Failure> {
    let body = convert::document(body, "the manifest")?;
    let options = Options::read(options, known)?;
    let strictness = if options.bool("strict")?.unwrap_or(false) {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let report = validate(&body, &options)?;
    let text = if options.bool("json")?.unwrap_or(false) {
        let line =
            serde_json::to_string(&report).map_err(|e| Failure::new("internal", e.to_string()))?;
        line + "\n"
    } else {
        report.human(&body, strictness, &Palette::PLAIN)
    };
    Ok(Printed {
        pass: report.passes(strictness),
        text,
    })
}

/// The report of `body` under the `file` and `pubkey` options.
fn validate(body: &[u8], options: &Options) -> Result<Report, Failure> {
    let keys = signature::public_keys(options.strings("pubkey")?.unwrap_or_default())?;
    let report = manifest::validate(body, &LintOptions::with_keys(keys));
    Ok(match options.string("file")? {
        Some(file) => report.with_file(file),
        None => report,
    })
}

/// What a client would be offered by a manifest: `{update: true, ...}` with the release, or
/// `{update: false, reason, message}` saying why not.
///
/// `bundleType: "unknown"` is no bundle type, as for `upkit check`.
///
/// # Errors
/// The manifest error when the manifest is invalid, and `invalid_argument`,
/// `invalid_version`, `unknown_os`, `unknown_arch` or `unknown_bundle_type` for bad options
/// (`invalid_argument` too for a manifest over the 8 MiB limit).
#[wasm_bindgen(js_name = resolveUpdate)]
pub fn resolve_update(manifest: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = Options::read(
        &options,
        &[&CLIENT_OPTIONS[..], &["allowDowngrades"]].concat(),
    )?;
    let client = ClientOptions::read(&options)?;
    let config = CheckConfig {
        comparator: if options.bool("allowDowngrades")?.unwrap_or(false) {
            Comparator::Different
        } else {
            Comparator::Newer
        },
        transport: client.transport,
        ..CheckConfig::new(client.current_version, client.target)
    };
    let manifest = parse_body(&manifest)?;
    let version = manifest.version.to_string();
    let resolution = match check::resolve(&manifest, &config) {
        Ok(Some(offer)) => Resolution::Update {
            update: true,
            version,
            notes: offer.notes,
            pub_date: offer.pub_date.and_then(|d| d.format(&Rfc3339).ok()),
            target: offer.target,
            platform_key: offer.platform_key,
            url: offer.platform.url.into(),
            signature: offer.platform.signature,
            size: offer.platform.size,
        },
        Ok(None) => Resolution::NoUpdate {
            update: false,
            reason: "up_to_date",
            message: match config.comparator {
                Comparator::Newer => format!(
                    "the release {version} is not newer than the current version {}",
                    config.current_version
                ),
                _ => format!("the release {version} is the current version"),
            },
            version,
            keys: None,
            url: None,
        },
        Err(error) => match &error {
            CheckError::NoPlatform { keys, .. } => Resolution::NoUpdate {
                update: false,
                reason: "no_platform",
                message: error.to_string(),
                version,
                keys: Some(keys.clone()),
                url: None,
            },
            CheckError::InsecureDownload { url } => Resolution::NoUpdate {
                update: false,
                reason: "insecure_download",
                message: error.to_string(),
                version,
                keys: None,
                url: Some(url.to_string()),
            },
            _ => return Err(Failure::new("check_failed", error).into()),
        },
    };
    output(&resolution)
}

/// Fills in an endpoint template's placeholders for a client.
///
/// # Errors
/// `invalid_endpoint`, `insecure_endpoint`, `invalid_rendered_endpoint`, `invalid_variable`,
/// and the option errors of [`resolve_update`].
#[wasm_bindgen(js_name = renderEndpoint)]
pub fn render_endpoint(endpoint: JsValue, options: JsValue) -> Result<String, JsValue> {
    let endpoint = convert::string(&endpoint, "the endpoint")?;
    let options = Options::read(&options, &[&CLIENT_OPTIONS[..], &["variables"]].concat())?;
    let client = ClientOptions::read(&options)?;
    let mut variables = Variables::new(&client.current_version, &client.target);
    for (name, value) in &options.string_map("variables")? {
        variables = variables.with(name, value).map_err(template_failure)?;
    }
    let endpoint = Endpoint::parse(&endpoint, client.transport).map_err(template_failure)?;
    Ok(endpoint
        .render(&variables)
        .map_err(template_failure)?
        .to_string())
}

/// The answer of `resolveUpdate`, fields in the wire format's order.
#[derive(Serialize)]
#[serde(untagged)]
enum Resolution {
    Update {
        update: bool,
        version: String,
        notes: Option<String>,
        pub_date: Option<String>,
        target: String,
        platform_key: Option<String>,
        url: String,
        signature: String,
        size: Option<u64>,
    },
    NoUpdate {
        update: bool,
        reason: &'static str,
        message: String,
        version: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        keys: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
}

/// The client a `resolveUpdate` or `renderEndpoint` call speaks for.
struct ClientOptions {
    current_version: Version,
    target: Target,
    transport: Transport,
}

/// The option names of [`ClientOptions`].
const CLIENT_OPTIONS: [&str; 6] = [
    "currentVersion",
    "target",
    "arch",
    "bundleType",
    "customTarget",
    "insecureTransport",
];

impl ClientOptions {
    fn read(options: &Options) -> Result<Self, Failure> {
        // The client's platform first, then its version: the order of `upkit serve`'s checks
        // (an unknown arch is a 404 there before a bad version is a 400).
        let os: Os = options
            .required_string("target")?
            .parse()
            .map_err(target_failure)?;
        let arch: Arch = options
            .required_string("arch")?
            .parse()
            .map_err(target_failure)?;
        // `unknown` is no bundle type, as `upkit check --bundle-type unknown` takes it.
        let installer = match options.string("bundleType")? {
            None => None,
            Some(name) => Installer::parse_bundle_type(&name).map_err(target_failure)?,
        };
        let current_version = parse_version(&options.required_string("currentVersion")?)?;
        Ok(ClientOptions {
            current_version,
            target: Target {
                custom: options.string("customTarget")?,
                ..Target::new(os, arch, installer)
            },
            transport: if options.bool("insecureTransport")?.unwrap_or(false) {
                Transport::Insecure
            } else {
                Transport::Secure
            },
        })
    }
}

pub(crate) fn parse_version(text: &str) -> Result<Version, Failure> {
    version::parse(text).map_err(|e: VersionError| Failure::new("invalid_version", e))
}

fn parse_body(body: &JsValue) -> Result<Manifest, Failure> {
    let bytes = convert::document(body, "the manifest")?;
    manifest::parse(&bytes).map_err(manifest_failure)
}

fn manifest_failure(error: ManifestError) -> Failure {
    Failure {
        code: error.code.as_str(),
        message: error.to_string(),
        location: Some(Location {
            path: error.path,
            line: u32::try_from(error.line).unwrap_or(u32::MAX),
            column: u32::try_from(error.column).unwrap_or(u32::MAX),
        }),
    }
}

fn target_failure(error: TargetError) -> Failure {
    let code = match &error {
        TargetError::Unknown { kind: "os", .. } => "unknown_os",
        TargetError::Unknown { kind: "arch", .. } => "unknown_arch",
        TargetError::Unknown { .. } => "unknown_bundle_type",
        _ => "invalid_target",
    };
    Failure::new(code, error)
}

fn template_failure(error: TemplateError) -> Failure {
    let code = match &error {
        TemplateError::InvalidUrl { .. } => "invalid_endpoint",
        TemplateError::Insecure { .. } => "insecure_endpoint",
        TemplateError::InvalidRendered { .. } => "invalid_rendered_endpoint",
        TemplateError::InvalidVariable { .. } | TemplateError::BuiltInVariable { .. } => {
            "invalid_variable"
        }
        _ => "invalid_template",
    };
    Failure::new(code, error)
}

/// A parsed manifest for JS, fields in the wire format's order.
#[derive(Serialize)]
#[serde(untagged)]
enum ManifestOut<'a> {
    Static {
        version: String,
        notes: &'a Option<String>,
        pub_date: Option<String>,
        shape: &'static str,
        platforms: PlatformsOut<'a>,
    },
    Dynamic {
        version: String,
        notes: &'a Option<String>,
        pub_date: Option<String>,
        shape: &'static str,
        #[serde(flatten)]
        platform: PlatformOut<'a>,
    },
}

/// The platforms of a static manifest for JS, as an object in key order. Serialised straight from
/// the manifest's map: collecting into a new map would sort again, a sizeable instantiation in
/// the wasm build.
struct PlatformsOut<'a>(&'a BTreeMap<String, Platform>);

impl Serialize for PlatformsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, p)| (k, PlatformOut::from(p))))
    }
}

/// A platform entry for JS.
#[derive(Serialize)]
struct PlatformOut<'a> {
    url: &'a str,
    signature: &'a str,
    size: Option<u64>,
}

impl<'a> From<&'a Platform> for PlatformOut<'a> {
    fn from(platform: &'a Platform) -> Self {
        PlatformOut {
            url: platform.url.as_str(),
            signature: &platform.signature,
            size: platform.size,
        }
    }
}

fn manifest_json(manifest: &Manifest) -> ManifestOut<'_> {
    let version = manifest.version.to_string();
    let notes = &manifest.notes;
    let pub_date = manifest.pub_date.and_then(|d| d.format(&Rfc3339).ok());
    match &manifest.release {
        Release::Static { platforms } => ManifestOut::Static {
            version,
            notes,
            pub_date,
            shape: "static",
            platforms: PlatformsOut(platforms),
        },
        Release::Dynamic(platform) => ManifestOut::Dynamic {
            version,
            notes,
            pub_date,
            shape: "dynamic",
            platform: platform.into(),
        },
    }
}
