//! Static manifests: building and updating a `latest.json` from signed artifacts.
//!
//! This is the library behind `upkit manifest`. Each artifact's platform key is inferred from
//! its name ([`infer`]) or given explicitly; its signature is read from `FILE.sig` and checked
//! against the release ([`Artifact::read`]); the entries are then merged into an existing
//! manifest or a new one ([`merge`]), keeping every platform that this run does not replace.
//!
//! ```
//! use upkit::release::infer;
//!
//! let inferred = infer("app_1.2.0_amd64.AppImage").unwrap();
//! assert_eq!(inferred.key(), "linux-x86_64-appimage");
//! assert_eq!(inferred.fallback_key(), "linux-x86_64");
//! ```
//!
//! Rules:
//! - Installers by name: `.AppImage` (and `.AppImage.tar.gz`), `.deb`, `.rpm`, `-setup.exe`
//!   (and `.nsis.zip`), `.msi` (and `.msi.zip`), `.app.tar.gz`.
//! - Architectures by a name part: `x86_64`/`amd64`/`x64`, `aarch64`/`arm64`, `i686`/`i386`/`x86`,
//!   `armv7`/`armv7l`/`armhf` (and RPM's `armhfp`/`armv7hl`), `riscv64`. None or several: the key
//!   must be given explicitly.
//! - Every inferred artifact gets its `{os}-{arch}-{installer}` key. The plain `{os}-{arch}` key
//!   (what clients that do not know their installer look up) points at the preferred installer
//!   present for that OS and architecture: AppImage, then deb, then rpm on Linux; NSIS, then MSI
//!   on Windows.
//! - Merging requires the existing manifest to announce the same version: otherwise its other
//!   platforms would offer an older release's artifacts under the new version number, and clients
//!   would update in a loop. [`Merge::Replace`] starts afresh instead.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upkit_core::signature::{
    Keyring, Policy, Signature, SignatureError, SignedVersion, VerifyError,
};

use crate::artifact::{ArtifactError, VerifiedArtifact};
use upkit_core::target::{Arch, Installer, Os, is_known_key, suggest_key};
use upkit_core::version::Version;
use url::Url;

/// Why a manifest could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The artifact's name does not say which installer it is.
    #[error(
        "cannot tell the platform of `{file}` from its name (expected .AppImage, .deb, .rpm, -setup.exe, .msi or .app.tar.gz): give its key with --platform KEY=FILE"
    )]
    UnknownInstaller {
        /// The artifact's file name.
        file: String,
    },
    /// The artifact's name names no architecture.
    #[error(
        "cannot tell the architecture of `{file}` from its name: give its key with --platform {os}-ARCH-{installer}={file}"
    )]
    UnknownArch {
        /// The artifact's file name.
        file: String,
        /// The inferred OS.
        os: Os,
        /// The inferred installer.
        installer: Installer,
    },
    /// The artifact's name names several architectures.
    #[error(
        "the name `{file}` names several architectures ({}): give its key with --platform KEY={file}",
        names(.found)
    )]
    AmbiguousArch {
        /// The artifact's file name.
        file: String,
        /// The architectures found.
        found: Vec<Arch>,
    },
    /// An explicit key looks like a platform key but is none the protocol looks up (any other
    /// key is a custom target's).
    #[error(
        "`{key}` is not a platform key clients look up: expected {{os}}-{{arch}} or {{os}}-{{arch}}-{{installer}} with os in linux, darwin, windows{}",
        suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    UnknownKey {
        /// The key as given.
        key: String,
        /// The known key it probably meant.
        suggestion: Option<String>,
    },
    /// An explicit platform is not `KEY=FILE`.
    #[error(
        "invalid platform `{text}`: expected KEY=FILE, e.g. linux-x86_64-appimage=app.AppImage"
    )]
    InvalidPlatform {
        /// The text as given.
        text: String,
    },
    /// Two artifacts of this run claim the same key.
    #[error("`{first}` and `{second}` both claim the platform key `{key}`")]
    DuplicateKey {
        /// The key.
        key: String,
        /// The first artifact's file name.
        first: String,
        /// The second artifact's file name.
        second: String,
    },
    /// A file could not be read or written.
    #[error("{}: {error}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// A `.sig` file does not hold a signature.
    #[error("{}: {error}", .path.display())]
    Signature {
        /// The `.sig` file.
        path: PathBuf,
        /// Why it was refused.
        error: SignatureError,
    },
    /// A signature is bound to another version than the release's.
    #[error(
        "`{file}` was signed for version {signed}, not {expected}: clients would refuse it; sign it again with --app-version {expected}"
    )]
    SignedVersion {
        /// The artifact's file name.
        file: String,
        /// The trusted comment's `version:`.
        signed: String,
        /// The release's version.
        expected: Version,
    },
    /// A signature names no version, and one is required.
    #[error(
        "`{file}` has no signed version: upkit's clients (and Tauri's with requireSignedVersion) would refuse it; sign it again with --app-version {expected}, or pass --no-app-version to publish it for clients that do not require one"
    )]
    UnsignedVersion {
        /// The artifact's file name.
        file: String,
        /// The release's version.
        expected: Version,
    },
    /// An artifact does not verify with the given public key.
    #[error("`{file}` does not verify: {error}")]
    Verify {
        /// The artifact's file name.
        file: String,
        /// Why.
        error: VerifyError,
    },
    /// The existing manifest cannot be merged into.
    #[error("cannot update {}: {reason}", .path.display())]
    Existing {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The existing manifest announces another version.
    #[error(
        "{} announces version {found}, not {expected}: its other platforms would offer {found}'s artifacts as {expected}; pass --replace to start it afresh",
        .path.display()
    )]
    OtherVersion {
        /// The manifest file.
        path: PathBuf,
        /// The version it announces.
        found: String,
        /// The release's version.
        expected: Version,
    },
    /// The base URL is unusable.
    #[error("invalid base url `{url}`: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn names(archs: &[Arch]) -> String {
    archs
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an artifact's name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inferred {
    /// The operating system.
    pub os: Os,
    /// The architecture.
    pub arch: Arch,
    /// The installer.
    pub installer: Installer,
}

impl Inferred {
    /// The installer-specific key, `{os}-{arch}-{installer}`.
    pub fn key(&self) -> String {
        format!("{}-{}-{}", self.os, self.arch, self.installer)
    }

    /// The plain key, `{os}-{arch}`.
    pub fn fallback_key(&self) -> String {
        format!("{}-{}", self.os, self.arch)
    }
}

const INSTALLER_SUFFIXES: &[(&str, Os, Installer)] = &[
    (".appimage.tar.gz", Os::Linux, Installer::AppImage),
    (".appimage", Os::Linux, Installer::AppImage),
    (".deb", Os::Linux, Installer::Deb),
    (".rpm", Os::Linux, Installer::Rpm),
    ("-setup.exe", Os::Windows, Installer::Nsis),
    ("_setup.exe", Os::Windows, Installer::Nsis),
    (".nsis.zip", Os::Windows, Installer::Nsis),
    (".msi.zip", Os::Windows, Installer::Msi),
    (".msi", Os::Windows, Installer::Msi),
    (".app.tar.gz", Os::Darwin, Installer::App),
];

const ARCH_NAMES: &[(&str, Arch)] = &[
    ("x86_64", Arch::X86_64),
    ("x86-64", Arch::X86_64),
    ("amd64", Arch::X86_64),
    ("x64", Arch::X86_64),
    ("aarch64", Arch::Aarch64),
    ("arm64", Arch::Aarch64),
    ("i686", Arch::I686),
    ("i386", Arch::I686),
    ("x86", Arch::I686),
    ("armv7l", Arch::Armv7),
    ("armv7", Arch::Armv7),
    ("armhf", Arch::Armv7),
    // RPM's names (Tauri's bundler names armv7 RPMs `*.armhfp.rpm`).
    ("armhfp", Arch::Armv7),
    ("armv7hl", Arch::Armv7),
    ("riscv64", Arch::Riscv64),
];

/// Infers the platform of an artifact from its file name.
///
/// # Errors
/// [`ReleaseError::UnknownInstaller`], [`ReleaseError::UnknownArch`] or
/// [`ReleaseError::AmbiguousArch`].
pub fn infer(file_name: &str) -> Result<Inferred, ReleaseError> {
    let lower = file_name.to_ascii_lowercase();
    let (suffix, os, installer) = INSTALLER_SUFFIXES
        .iter()
        .copied()
        .find(|(suffix, ..)| lower.ends_with(suffix) && lower.len() > suffix.len())
        .ok_or_else(|| ReleaseError::UnknownInstaller {
            file: file_name.to_owned(),
        })?;
    let stem = &lower[..lower.len() - suffix.len()];
    // Every occurrence of an architecture name that stands alone (not inside a longer word),
    // then drop those inside a longer match (`x86` in `x86_64`).
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    let mut spans = Vec::new();
    for &(name, arch) in ARCH_NAMES {
        for (start, _) in stem.match_indices(name) {
            let end = start + name.len();
            if boundary(stem[..start].chars().next_back()) && boundary(stem[end..].chars().next()) {
                spans.push((start, end, arch));
            }
        }
    }
    let outer: Vec<Arch> = spans
        .iter()
        .filter(|&&(s, e, _)| {
            !spans
                .iter()
                .any(|&(s2, e2, _)| s2 <= s && e <= e2 && (s2, e2) != (s, e))
        })
        .map(|&(.., arch)| arch)
        .collect();
    let mut found = outer.clone();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [arch] => Ok(Inferred {
            os,
            arch: *arch,
            installer,
        }),
        [] => Err(ReleaseError::UnknownArch {
            file: file_name.to_owned(),
            os,
            installer,
        }),
        _ => Err(ReleaseError::AmbiguousArch {
            file: file_name.to_owned(),
            found,
        }),
    }
}

/// Parses an explicit `KEY=FILE` platform.
///
/// # Errors
/// [`ReleaseError::InvalidPlatform`] without `=`, [`ReleaseError::UnknownKey`] for a key that
/// looks like a platform key but is none (`darwin-universal`, `macos-arm64`): no client would
/// look it up. Any other key is a custom target, which clients configured with it look up
/// verbatim.
pub fn parse_platform(text: &str) -> Result<(String, PathBuf), ReleaseError> {
    let (key, file) = text
        .split_once('=')
        .filter(|(k, f)| !k.is_empty() && !f.is_empty())
        .ok_or_else(|| ReleaseError::InvalidPlatform {
            text: text.to_owned(),
        })?;
    let suggestion = suggest_key(key);
    let os_like = key
        .split('-')
        .next()
        .is_some_and(|os| os.parse::<Os>().is_ok());
    if !is_known_key(key) && (os_like || suggestion.is_some()) {
        return Err(ReleaseError::UnknownKey {
            key: key.to_owned(),
            suggestion,
        });
    }
    Ok((key.to_owned(), PathBuf::from(file)))
}

/// One signed artifact of the release, with the platform keys it serves.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Where it is.
    pub path: PathBuf,
    /// Its file name (the last part of its URL).
    pub file_name: String,
    /// The content of its `.sig` file (base64, as it goes into the manifest).
    pub signature: String,
    /// Its size in bytes.
    pub size: u64,
    /// The platform: inferred, or `None` when the keys were given explicitly.
    pub inferred: Option<Inferred>,
    /// The explicit keys (empty when inferred).
    pub keys: Vec<String>,
    /// Notes about the artifact that do not stop the release (e.g. a signed file name that
    /// differs from the artifact's name).
    pub notes: Vec<String>,
}

/// How an artifact's platform is decided.
#[derive(Debug, Clone)]
pub enum Platform {
    /// From its name.
    Infer,
    /// These keys, as given.
    Keys(Vec<String>),
}

impl Artifact {
    /// Reads the artifact at `path` and its `path.sig`, and checks the signature against the
    /// release: a signed version must equal `version`, and must be there unless `signed` is
    /// [`SignedVersion::Optional`] (upkit's clients require it by default); with `keyring`, the
    /// file must verify.
    ///
    /// # Errors
    /// Inference errors, [`ReleaseError::Io`] (the artifact or its `.sig` is missing),
    /// [`ReleaseError::Signature`], [`ReleaseError::SignedVersion`],
    /// [`ReleaseError::UnsignedVersion`], [`ReleaseError::Verify`].
    pub fn read(
        path: &Path,
        platform: Platform,
        version: &Version,
        signed: SignedVersion,
        keyring: Option<&Keyring>,
    ) -> Result<Artifact, ReleaseError> {
        let invalid = |why: &str| ReleaseError::Io {
            path: path.to_owned(),
            error: std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
        };
        let file_name = match path.file_name().map(|n| n.to_str()) {
            None => return Err(invalid("not a file name")),
            // Its URL would name another file.
            Some(None) => return Err(invalid("the file name is not UTF-8")),
            Some(Some(name)) => name.to_owned(),
        };
        let (inferred, keys) = match platform {
            Platform::Infer => (Some(infer(&file_name)?), Vec::new()),
            Platform::Keys(keys) => (None, keys),
        };
        let meta = std::fs::metadata(path).map_err(io(path))?;
        if !meta.is_file() {
            return Err(invalid("not a file"));
        }
        let size = meta.len();
        let mut sig_path = path.as_os_str().to_owned();
        sig_path.push(".sig");
        let sig_path = PathBuf::from(sig_path);
        let text =
            crate::input::read_text(&sig_path, crate::input::KEY_LIMIT).map_err(io(&sig_path))?;
        let text = text.trim_end().to_owned();
        let signature = Signature::decode(&text).map_err(|error| ReleaseError::Signature {
            path: sig_path.clone(),
            error,
        })?;
        let mut notes = Vec::new();
        let comment = signature.trusted_comment();
        if let Some(signed) = comment.version() {
            let same = upkit_core::version::parse(signed).is_ok_and(|v| &v == version);
            if !same {
                return Err(ReleaseError::SignedVersion {
                    file: file_name,
                    signed: signed.to_owned(),
                    expected: version.clone(),
                });
            }
        } else if signed == SignedVersion::Required {
            return Err(ReleaseError::UnsignedVersion {
                file: file_name,
                expected: version.clone(),
            });
        } else {
            notes.push(format!(
                "`{file_name}` has no signed version: only clients that do not require one (Tauri's default) accept it"
            ));
        }
        if let Some(signed) = comment.file().filter(|f| *f != file_name) {
            notes.push(format!(
                "`{file_name}` was signed under the name `{signed}`: clients that bind file names will refuse it"
            ));
        }
        if let Some(keyring) = keyring {
            let policy = Policy {
                signed_version: SignedVersion::Optional,
                expected_version: Some(version.clone()),
                ..Policy::default()
            };
            // Streamed: an artifact can be gigabytes.
            VerifiedArtifact::verify_file(path, keyring, &signature, &policy).map_err(
                |e| match e {
                    ArtifactError::Verify { source, .. } => ReleaseError::Verify {
                        file: file_name.clone(),
                        error: source,
                    },
                    ArtifactError::Read { source, .. } => io(path)(source),
                },
            )?;
        }
        Ok(Artifact {
            path: path.to_owned(),
            file_name,
            signature: text,
            size,
            inferred,
            keys,
            notes,
        })
    }
}

/// The release-wide fields of a manifest.
#[derive(Debug, Clone)]
pub struct ReleaseInfo {
    /// The version.
    pub version: Version,
    /// Release notes; `None` keeps the existing ones when merging.
    pub notes: Option<String>,
    /// Publication date; `None` keeps the existing one when merging, and means now otherwise.
    pub pub_date: Option<OffsetDateTime>,
    /// The current time, used when a new manifest gets no explicit date.
    pub now: OffsetDateTime,
    /// Where the artifacts will be: each `url` is this joined with the file name. `None` writes
    /// bare file names, which only `upkit serve` understands (it resolves them against its own
    /// address).
    pub base_url: Option<Url>,
}

/// What to do with an existing manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Keep its other platforms; it must announce the same version.
    Keep,
    /// Start afresh.
    Replace,
}

/// Parses a base URL; a missing trailing `/` is added so that file names go beneath it.
///
/// # Errors
/// [`ReleaseError::BaseUrl`] for anything but an absolute URL that can have a path.
pub fn parse_base_url(text: &str) -> Result<Url, ReleaseError> {
    let bad = |reason: String| ReleaseError::BaseUrl {
        url: text.to_owned(),
        reason,
    };
    let mut url = Url::parse(text).map_err(|e| bad(e.to_string()))?;
    if url.cannot_be_a_base() {
        return Err(bad("it cannot hold a path".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a query or fragment".into()));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The URL of `file_name` under `base` (or the bare, escaped name without a base).
pub fn artifact_url(base: Option<&Url>, file_name: &str) -> String {
    let mut escaped = String::with_capacity(file_name.len());
    for c in file_name.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '#' => escaped.push_str("%23"),
            '?' => escaped.push_str("%3F"),
            ' ' => escaped.push_str("%20"),
            c => escaped.push(c),
        }
    }
    match base {
        Some(base) => base
            .join(&escaped)
            .map_or_else(|_| escaped, |u| u.to_string()),
        None => escaped,
    }
}

fn preference(installer: Installer) -> usize {
    [
        Installer::AppImage,
        Installer::Deb,
        Installer::Rpm,
        Installer::Nsis,
        Installer::Msi,
        Installer::App,
    ]
    .iter()
    .position(|i| *i == installer)
    .unwrap_or(usize::MAX)
}

/// Writes a manifest (what [`merge`] returns) to `path` through a temporary file beside it, so
/// that a web server publishing the file never serves half of it. The file keeps the mode of
/// the one it replaces, else gets that of any new file.
///
/// # Errors
/// [`ReleaseError::Io`] naming `path`.
pub fn write_manifest(path: &Path, json: &str) -> Result<(), ReleaseError> {
    use std::io::Write as _;
    crate::atomic::write(path, |out| out.write_all(json.as_bytes())).map_err(io(path))
}

/// Merges `artifacts` into `existing` (the current manifest's bytes, if any; `path` names it in
/// errors) and returns the new manifest as pretty-printed JSON (with a final newline).
///
/// Field order: `version`, `notes`, `pub_date`, `platforms` (keys sorted), then any other
/// top-level fields of the existing manifest. Entries are `{url, signature, size}`.
///
/// # Errors
/// [`ReleaseError::DuplicateKey`], [`ReleaseError::Existing`], [`ReleaseError::OtherVersion`].
pub fn merge(
    existing: Option<(&Path, &[u8])>,
    info: &ReleaseInfo,
    artifacts: &[Artifact],
    merge: Merge,
) -> Result<String, ReleaseError> {
    let mut top = Map::new();
    let mut platforms = Map::new();
    if let (Some((path, body)), Merge::Keep) = (existing, merge) {
        let bad = |reason: String| ReleaseError::Existing {
            path: path.to_owned(),
            reason,
        };
        let value: Value =
            serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Value::Object(mut object) = value else {
            return Err(bad("not a JSON object".into()));
        };
        // `name` is Tauri's alias of `version`.
        let found = match object.get("version").or_else(|| object.get("name")) {
            Some(Value::String(v)) => v.clone(),
            _ => return Err(bad("no `version` string".into())),
        };
        if upkit_core::version::parse(&found).ok().as_ref() != Some(&info.version) {
            return Err(ReleaseError::OtherVersion {
                path: path.to_owned(),
                found,
                expected: info.version.clone(),
            });
        }
        match object.remove("platforms") {
            Some(Value::Object(p)) => platforms = p,
            None | Some(Value::Null) => {}
            Some(_) => return Err(bad("`platforms` is not an object".into())),
        }
        top = object;
    }

    // This run's keys: explicit ones, and installer-specific inferred ones.
    let mut claimed: BTreeMap<String, &Artifact> = BTreeMap::new();
    let entry = |a: &Artifact| {
        serde_json::json!({
            "url": artifact_url(info.base_url.as_ref(), &a.file_name),
            "signature": a.signature,
            "size": a.size,
        })
    };
    for artifact in artifacts {
        match artifact.inferred {
            Some(inferred) => claim(&mut claimed, inferred.key(), artifact)?,
            None => {
                for key in &artifact.keys {
                    claim(&mut claimed, key.clone(), artifact)?;
                }
            }
        }
    }
    let before = platforms.clone();
    for (key, artifact) in &claimed {
        platforms.insert(key.clone(), entry(artifact));
    }
    // The plain `{os}-{arch}` key of each inferred OS and architecture, unless given explicitly:
    // the preferred installer among the entries now in the manifest. An existing plain entry
    // that is not a copy of one of its installer entries was set on its own (by `--platform`,
    // or by hand) and is kept: clients without an entry of their own rely on it.
    let mut plain: BTreeMap<String, Inferred> = BTreeMap::new();
    for inferred in artifacts.iter().filter_map(|a| a.inferred) {
        let fallback = inferred.fallback_key();
        let set_on_its_own = before.get(&fallback).is_some_and(|existing| {
            !inferred.os.installers().iter().any(|installer| {
                let key = Inferred {
                    installer: *installer,
                    ..inferred
                }
                .key();
                before.get(&key) == Some(existing)
            })
        });
        if claimed.contains_key(&fallback) || set_on_its_own {
            continue;
        }
        for installer in inferred.os.installers() {
            let candidate = Inferred {
                installer: *installer,
                ..inferred
            };
            if !platforms.contains_key(&candidate.key()) {
                continue;
            }
            let better = plain
                .get(&inferred.fallback_key())
                .is_none_or(|best| preference(*installer) < preference(best.installer));
            if better {
                plain.insert(inferred.fallback_key(), candidate);
            }
        }
    }
    for (key, best) in plain {
        if let Some(value) = platforms.get(&best.key()).cloned() {
            platforms.insert(key, value);
        }
    }

    let notes = info
        .notes
        .clone()
        .map(Value::String)
        .or_else(|| top.remove("notes"))
        .unwrap_or_else(|| Value::String(String::new()));
    let pub_date = match info.pub_date {
        Some(date) => Value::String(rfc3339(date)),
        None => match top.remove("pub_date") {
            Some(Value::String(s)) => Value::String(s),
            _ => Value::String(rfc3339(info.now)),
        },
    };
    top.remove("notes");
    top.remove("pub_date");
    top.remove("version");
    top.remove("name");

    let mut out = String::from("{\n");
    let mut fields: Vec<(String, Value)> = vec![
        ("version".into(), Value::String(info.version.to_string())),
        ("notes".into(), notes),
        ("pub_date".into(), pub_date),
        ("platforms".into(), Value::Object(platforms)),
    ];
    fields.extend(top);
    for (i, (name, value)) in fields.iter().enumerate() {
        let value = serde_json::to_string_pretty(value)
            .unwrap_or_default()
            .replace('\n', "\n  ");
        let comma = if i + 1 < fields.len() { "," } else { "" };
        out += &format!("  {}: {value}{comma}\n", Value::String(name.clone()));
    }
    out += "}\n";
    Ok(out)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReleaseError + '_ {
    move |error| ReleaseError::Io {
        path: path.to_owned(),
        error,
    }
}

fn claim<'a>(
    claimed: &mut BTreeMap<String, &'a Artifact>,
    key: String,
    artifact: &'a Artifact,
) -> Result<(), ReleaseError> {
    if let Some(first) = claimed.get(&key) {
        return Err(ReleaseError::DuplicateKey {
            key,
            first: first.file_name.clone(),
            second: artifact.file_name.clone(),
        });
    }
    claimed.insert(key, artifact);
    Ok(())
}

fn rfc3339(date: OffsetDateTime) -> String {
    date.format(&Rfc3339).unwrap_or_else(|_| date.to_string())
}

/// The keys each artifact ended up under in a manifest built by [`merge`], for reports.
pub struct Summary<'a>(pub &'a str);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(Value::Object(top)) = serde_json::from_str::<Value>(self.0) else {
            return Ok(());
        };
        if let Some(Value::Object(platforms)) = top.get("platforms") {
            for (key, entry) in platforms {
                let url = entry.get("url").and_then(Value::as_str).unwrap_or("?");
                writeln!(f, "  {key}: {url}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> String {
        infer(name)
            .map(|i| i.key())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn tauri_bundle_names() {
        assert_eq!(key("app_1.0.0_amd64.AppImage"), "linux-x86_64-appimage");
        assert_eq!(
            key("app_1.0.0_amd64.AppImage.tar.gz"),
            "linux-x86_64-appimage"
        );
        assert_eq!(key("app_1.0.0_arm64.deb"), "linux-aarch64-deb");
        assert_eq!(key("app-1.0.0-1.x86_64.rpm"), "linux-x86_64-rpm");
        assert_eq!(key("app-1.0.0-1.i686.rpm"), "linux-i686-rpm");
        assert_eq!(key("app_1.0.0_x64-setup.exe"), "windows-x86_64-nsis");
        assert_eq!(key("app_1.0.0_x86-setup.nsis.zip"), "windows-i686-nsis");
        assert_eq!(key("app_1.0.0_x64_en-US.msi"), "windows-x86_64-msi");
        assert_eq!(key("app_1.0.0_arm64_en-US.msi.zip"), "windows-aarch64-msi");
        assert_eq!(key("app_aarch64.app.tar.gz"), "darwin-aarch64-app");
        assert_eq!(key("app-armv7l.AppImage"), "linux-armv7-appimage");
        assert_eq!(key("app-1.0.0-1.armhfp.rpm"), "linux-armv7-rpm");
        assert_eq!(key("app-1.0.0-1.armv7hl.rpm"), "linux-armv7-rpm");
        assert_eq!(key("app_1.0.0_riscv64.deb"), "linux-riscv64-deb");
    }

    #[test]
    fn names_that_need_an_explicit_key() {
        assert_eq!(
            key("App.app.tar.gz"),
            "cannot tell the architecture of `App.app.tar.gz` from its name: give its key with --platform darwin-ARCH-app=App.app.tar.gz"
        );
        assert_eq!(
            key("app_universal.app.tar.gz"),
            "cannot tell the architecture of `app_universal.app.tar.gz` from its name: give its key with --platform darwin-ARCH-app=app_universal.app.tar.gz"
        );
        assert_eq!(
            key("app_x64_arm64.msi"),
            "the name `app_x64_arm64.msi` names several architectures (x86_64, aarch64): give its key with --platform KEY=app_x64_arm64.msi"
        );
        assert_eq!(
            key("app.exe"),
            "cannot tell the platform of `app.exe` from its name (expected .AppImage, .deb, .rpm, -setup.exe, .msi or .app.tar.gz): give its key with --platform KEY=FILE"
        );
        // Architecture names inside words do not count.
        assert_eq!(
            key("wax64lamp.deb"),
            "cannot tell the architecture of `wax64lamp.deb` from its name: give its key with --platform linux-ARCH-deb=wax64lamp.deb"
        );
    }

    #[test]
    fn explicit_platforms() {
        let (k, f) = parse_platform("darwin-aarch64-app=dist/App.app.tar.gz").unwrap();
        assert_eq!(
            (k.as_str(), f),
            ("darwin-aarch64-app", PathBuf::from("dist/App.app.tar.gz"))
        );
        assert_eq!(
            parse_platform("darwin-universal=App.app.tar.gz")
                .unwrap_err()
                .to_string(),
            "`darwin-universal` is not a platform key clients look up: expected {os}-{arch} or {os}-{arch}-{installer} with os in linux, darwin, windows"
        );
        assert_eq!(
            parse_platform("macos-arm64=App.app.tar.gz")
                .unwrap_err()
                .to_string(),
            "`macos-arm64` is not a platform key clients look up: expected {os}-{arch} or {os}-{arch}-{installer} with os in linux, darwin, windows; did you mean `darwin-aarch64`?"
        );
        // Any other key is a custom target's, looked up verbatim by clients configured with it.
        let (k, _) = parse_platform("beta-channel=App.app.tar.gz").unwrap();
        assert_eq!(k, "beta-channel");
        assert_eq!(
            parse_platform("App.app.tar.gz").unwrap_err().to_string(),
            "invalid platform `App.app.tar.gz`: expected KEY=FILE, e.g. linux-x86_64-appimage=app.AppImage"
        );
    }

    #[test]
    fn urls() {
        let base = parse_base_url("https://cdn.example.com/app/v1.0.0").unwrap();
        assert_eq!(base.as_str(), "https://cdn.example.com/app/v1.0.0/");
        assert_eq!(
            artifact_url(Some(&base), "My App_1.0.0_x64-setup.exe"),
            "https://cdn.example.com/app/v1.0.0/My%20App_1.0.0_x64-setup.exe"
        );
        assert_eq!(artifact_url(None, "a#b?.deb"), "a%23b%3F.deb");
        assert_eq!(
            parse_base_url("cdn.example.com").unwrap_err().to_string(),
            "invalid base url `cdn.example.com`: relative URL without a base"
        );
    }
}
