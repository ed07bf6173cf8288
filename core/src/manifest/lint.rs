//! The lint pass: what Tauri accepts but is almost surely a mistake.
//!
//! It reads the raw JSON value (so that it also speaks about manifests Tauri refuses) and never
//! fails; ill-typed values are left to the acceptance check.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use url::Url;

use super::position::{Index, Path};
use super::shape::{Fields, describe, name, path_of, quote, size as valid_size};
use super::{Finding, Manifest, WarningCode};
use crate::signature::{Algorithm, KeyId, PublicKey, Signature};
use crate::target::{Arch, Installer, Os, is_known_key, suggest_key};
use crate::version::{self, Version};

type Warnings = Vec<Finding<WarningCode>>;

/// What the lint pass checks against.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LintOptions {
    /// The trusted public keys: a signature made by any other key gets a `key_mismatch`
    /// warning. Empty (the default): key ids are not checked.
    pub keys: Vec<PublicKey>,
    /// Where the manifest is served from: relative artifact URLs (bare file names) are resolved
    /// against it first, as `upkit serve` resolves them
    /// ([`resolve_relative_urls`](super::resolve_relative_urls)). `None` (the default): the
    /// manifest is judged as it is, as a client fetching the file itself would.
    pub base_url: Option<url::Url>,
    /// The time now, passed in (the core has no clock): a `pub_date` after it gets a
    /// `future_pub_date` warning. `None` (the default): dates are not compared.
    pub now: Option<time::OffsetDateTime>,
}

impl LintOptions {
    /// Options that check signatures' key ids against `keys`.
    pub fn with_keys(keys: Vec<PublicKey>) -> Self {
        LintOptions {
            keys,
            base_url: None,
            now: None,
        }
    }

    /// These options, with `pub_date`s later than `now` warned about.
    #[must_use]
    pub fn now(mut self, now: time::OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// These options, with relative URLs resolved against `base` first.
    #[must_use]
    pub fn base_url(mut self, base: url::Url) -> Self {
        self.base_url = Some(base);
        self
    }
}

/// Top-level fields upkit knows.
const TOP_FIELDS: &[&str] = &[
    "version",
    "name",
    "notes",
    "pub_date",
    "platforms",
    "url",
    "signature",
    "size",
];
/// Platform entry fields upkit knows.
const ENTRY_FIELDS: &[&str] = &["url", "signature", "size"];

/// A known field an unknown one probably meant.
fn misspelled(field: &str, known: &[&str]) -> Option<&'static str> {
    let lower = field.to_ascii_lowercase().replace(['-', '_', ' '], "");
    let guess = match lower.as_str() {
        "version" | "ver" | "appversion" => "version",
        "note" | "notes" | "releasenotes" | "releasenote" | "changelog" => "notes",
        "pubdate" | "date" | "publishdate" | "publisheddate" | "publishedat" | "releasedate"
        | "published" | "releasedat" => "pub_date",
        "platform" | "platforms" | "targets" => "platforms",
        "url" | "downloadurl" | "download" | "link" | "href" => "url",
        "signature" | "sig" | "signatures" | "sign" => "signature",
        _ => return None,
    };
    (known.contains(&guess) && guess != field).then_some(guess)
}

/// The kinds of files an update URL or a signed file name can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Artifact {
    AppTarGz,
    AppImageTarGz,
    AppImage,
    Deb,
    Rpm,
    MsiZip,
    Msi,
    NsisZip,
    Exe,
    Dmg,
    Pkg,
    TarGz,
    Zip,
}

impl Artifact {
    fn of(file: &str) -> Option<Artifact> {
        let lower = file.to_ascii_lowercase();
        const SUFFIXES: &[(&str, Artifact)] = &[
            (".app.tar.gz", Artifact::AppTarGz),
            (".appimage.tar.gz", Artifact::AppImageTarGz),
            (".appimage", Artifact::AppImage),
            (".deb", Artifact::Deb),
            (".rpm", Artifact::Rpm),
            (".msi.zip", Artifact::MsiZip),
            (".msi", Artifact::Msi),
            (".nsis.zip", Artifact::NsisZip),
            (".exe", Artifact::Exe),
            (".dmg", Artifact::Dmg),
            (".pkg", Artifact::Pkg),
            (".tar.gz", Artifact::TarGz),
            (".zip", Artifact::Zip),
        ];
        SUFFIXES
            .iter()
            .find(|(s, _)| lower.ends_with(s))
            .map(|&(_, a)| a)
    }

    /// Whether a client on `os` installing with `installer` can use this artifact.
    fn suits(self, os: Os, installer: Option<Installer>) -> bool {
        use Artifact as A;
        match (os, installer) {
            (Os::Darwin, _) => matches!(self, A::AppTarGz | A::TarGz),
            (Os::Linux, Some(Installer::Deb)) => self == A::Deb,
            (Os::Linux, Some(Installer::Rpm)) => self == A::Rpm,
            (Os::Linux, Some(_)) => matches!(self, A::AppImage | A::AppImageTarGz | A::TarGz),
            (Os::Linux, None) => {
                matches!(
                    self,
                    A::AppImage | A::AppImageTarGz | A::TarGz | A::Deb | A::Rpm
                )
            }
            (Os::Windows, Some(Installer::Msi)) => matches!(self, A::Msi | A::MsiZip | A::Zip),
            (Os::Windows, Some(_)) => matches!(self, A::Exe | A::NsisZip | A::Zip),
            (Os::Windows, None) => {
                matches!(self, A::Msi | A::MsiZip | A::Exe | A::NsisZip | A::Zip)
            }
        }
    }

    /// Whether a file signed as `self` may be served as `other` (renaming a `.app.tar.gz` to a
    /// `.tar.gz` is harmless; serving the `.msi` signature for the `.msi.zip` is not).
    fn renames_to(self, other: Artifact) -> bool {
        use Artifact as A;
        self == other
            || matches!(
                (self, other),
                (A::AppTarGz | A::AppImageTarGz, A::TarGz)
                    | (A::TarGz, A::AppTarGz | A::AppImageTarGz)
                    | (A::MsiZip | A::NsisZip, A::Zip)
                    | (A::Zip, A::MsiZip | A::NsisZip)
            )
    }
}

/// The last path segment of a URL, percent-decoding left aside.
fn file_name(url: &Url) -> Option<&str> {
    url.path_segments()?.next_back().filter(|s| !s.is_empty())
}

fn split_key(key: &str) -> Option<(Os, Option<Installer>)> {
    if !is_known_key(key) {
        return None;
    }
    let mut parts = key.splitn(3, '-');
    let os = parts.next()?.parse::<Os>().ok()?;
    let _arch = parts.next()?.parse::<Arch>().ok()?;
    let installer = parts.next().and_then(|i| i.parse::<Installer>().ok());
    Some((os, installer))
}

/// One download: a platform entry or a dynamic manifest's top level.
struct Download<'a> {
    key: Option<&'a str>,
    url: Option<(&'a str, Path)>,
    signature: Option<(&'a str, Path)>,
}

/// Runs every lint rule.
pub(super) fn lint(
    value: &Value,
    manifest: Option<&Manifest>,
    index: &Index<'_>,
    options: &LintOptions,
) -> Warnings {
    let mut out = Vec::new();
    for (path, count) in index.duplicate_keys() {
        let key = match path.0.last() {
            Some(super::position::Seg::Key(k)) => k.clone(),
            _ => String::new(),
        };
        out.push(
            Finding::new(
                WarningCode::DuplicateKey,
                path.clone(),
                format!(
                    "`{key}` appears {count} times in {}; the last one wins",
                    name(&path.parent())
                ),
            )
            .at_key()
            .hint("remove the others"),
        );
    }
    let mut ignore = Vec::new();
    let Some((fields, _)) = Fields::of(value, &mut ignore) else {
        return out;
    };
    let root = Path::root();
    let version = manifest
        .map(|m| m.version.clone())
        .or_else(|| match &fields.version {
            Some((Value::String(s), _)) => version::parse(s).ok(),
            _ => None,
        });

    match fields.object {
        None => out.push(
            Finding::new(
                WarningCode::ArrayManifest,
                root.clone(),
                "the manifest is Tauri's legacy 6-element array",
            )
            .hint("write it as an object with `version`, `notes`, `pub_date` and `platforms`"),
        ),
        Some(map) => {
            if map.contains_key("name") && !map.contains_key("version") {
                out.push(
                    Finding::new(
                        WarningCode::NameAlias,
                        root.key("name"),
                        "the version is given as `name`, a legacy alias of `version`",
                    )
                    .at_key()
                    .hint("rename `name` to `version`"),
                );
            }
            unknown_fields(map, &root, TOP_FIELDS, &mut out);
        }
    }
    if matches!(fields.pub_date, None | Some((Value::Null, _))) {
        out.push(
            Finding::new(
                WarningCode::MissingPubDate,
                path_of(&fields.pub_date, "pub_date"),
                "the manifest has no `pub_date`",
            )
            .hint("add the release date, e.g. `\"pub_date\": \"2026-11-29T09:30:00Z\"`"),
        );
    }
    if let (Some(now), Some(date), Some((_, path))) = (
        options.now,
        manifest.and_then(|m| m.pub_date),
        &fields.pub_date,
    ) && date > now
    {
        out.push(
            Finding::new(
                WarningCode::FuturePubDate,
                path.clone(),
                format!(
                    "the `pub_date` is in the future (it is {} now)",
                    now.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                ),
            )
            .hint("a date in the future is usually a wrong time zone or a typo of the year"),
        );
    }
    if let Some((Value::String(notes), path)) = &fields.notes
        && notes.contains("\\n")
        && !notes.contains('\n')
    {
        out.push(
            Finding::new(
                WarningCode::EscapedNewline,
                path.clone(),
                format!(
                    "{} holds literal `\\n` sequences and no line break",
                    name(path)
                ),
            )
            .hint("write a line break as `\\n` in the JSON, not `\\\\n`"),
        );
    }

    let mut downloads = Vec::new();
    match &fields.platforms {
        Some((Value::Object(map), path)) => {
            if map.is_empty() {
                out.push(Finding::new(
                    WarningCode::NoPlatforms,
                    path.clone(),
                    format!("{} is empty, so no client gets this update", name(path)),
                ));
            }
            for field in ["url", "signature"] {
                let present = match field {
                    "url" => &fields.url,
                    _ => &fields.signature,
                };
                if let Some((v, p)) = present
                    && !v.is_null()
                {
                    out.push(
                        Finding::new(
                            WarningCode::IgnoredField,
                            p.clone(),
                            format!(
                                "{} is ignored because the manifest has `platforms`",
                                name(p)
                            ),
                        )
                        .at_key()
                        .hint("put the download in a platform entry"),
                    );
                }
            }
            for (key, entry) in map {
                let path = path.key(key);
                if !is_known_key(key) {
                    let mut f = Finding::new(
                        WarningCode::UnknownPlatform,
                        path.clone(),
                        format!("platform key `{key}` is never looked up by Tauri"),
                    )
                    .at_key();
                    if key.ends_with("-universal") {
                        f = f.hint(
                            "list a universal macOS build under both `darwin-aarch64` and \
                             `darwin-x86_64`",
                        );
                    } else if let Some(s) = suggest_key(key) {
                        f = f.hint(format!("did you mean `{s}`?"));
                    } else {
                        f = f.hint(
                            "keys are `{os}-{arch}` or `{os}-{arch}-{installer}`, e.g. \
                             `linux-x86_64` or `windows-x86_64-nsis`",
                        );
                    }
                    out.push(f);
                }
                match entry {
                    Value::Object(m) => {
                        unknown_fields(m, &path, ENTRY_FIELDS, &mut out);
                        size(m, &path, &mut out);
                        downloads.push(Download {
                            key: Some(key),
                            url: str_field(m.get("url"), path.key("url")),
                            signature: str_field(m.get("signature"), path.key("signature")),
                        });
                    }
                    Value::Array(items) => {
                        out.push(
                            Finding::new(
                                WarningCode::ArrayPlatformEntry,
                                path.clone(),
                                format!("{} is a legacy `[url, signature]` array", name(&path)),
                            )
                            .hint("write it as `{\"url\": ..., \"signature\": ...}`"),
                        );
                        downloads.push(Download {
                            key: Some(key),
                            url: str_field(items.first(), path.index(0)),
                            signature: str_field(items.get(1), path.index(1)),
                        });
                    }
                    _ => {}
                }
            }
        }
        Some((Value::Null, _)) | None => {
            if let Some((_, path)) = &fields.platforms {
                out.push(
                    Finding::new(
                        WarningCode::NullPlatforms,
                        path.clone(),
                        "`\"platforms\": null` makes this a dynamic manifest",
                    )
                    .hint("remove `platforms`, or list the platform entries in it"),
                );
            }
            if let Some(map) = fields.object {
                size(map, &root, &mut out);
            }
            downloads.push(Download {
                key: None,
                url: fields
                    .url
                    .as_ref()
                    .and_then(|(v, p)| str_field(Some(v), p.clone())),
                signature: fields
                    .signature
                    .as_ref()
                    .and_then(|(v, p)| str_field(Some(v), p.clone())),
            });
        }
        _ => {}
    }

    let mut signed: Vec<(KeyId, Path)> = Vec::new();
    let mut by_signature: BTreeMap<&str, (&str, Path)> = BTreeMap::new();
    for d in &downloads {
        let url = d
            .url
            .as_ref()
            .and_then(|(text, p)| Url::parse(text).ok().map(|u| (u, p)));
        if let Some((url, p)) = &url {
            if url.scheme() != "https" {
                out.push(
                    Finding::new(
                        WarningCode::InsecureUrl,
                        (*p).clone(),
                        format!("{} uses `{}`, not `https`", name(p), url.scheme()),
                    )
                    .hint("serve updates over https; upkit refuses other schemes unless insecure transport is allowed"),
                );
            }
            if let (Some(key), Some(file)) = (d.key, file_name(url))
                && let (Some((os, installer)), Some(kind)) = (split_key(key), Artifact::of(file))
                && !kind.suits(os, installer)
            {
                out.push(
                    Finding::new(
                        WarningCode::ArtifactMismatch,
                        (*p).clone(),
                        format!("{} names `{file}`, which is no update for `{key}`", name(p)),
                    )
                    .hint(artifact_hint(os, installer)),
                );
            }
            if let (Some(file), Some(version)) = (file_name(url), &version) {
                let release = format!("{}.{}.{}", version.major, version.minor, version.patch);
                let found = versions_in(file);
                if let Some(other) = found.first()
                    && !found.contains(&release.as_str())
                {
                    out.push(
                        Finding::new(
                            WarningCode::UrlVersionMismatch,
                            (*p).clone(),
                            format!(
                                "{} names `{file}`, which looks like version {other}, not {release}",
                                name(p)
                            ),
                        )
                        .hint("point the URL at this release's artifact"),
                    );
                }
            }
        }
        let Some((sig, sig_path)) = &d.signature else {
            continue;
        };
        if let (Some((url_text, _)), Some((other_url, other_path))) =
            (&d.url, by_signature.get(sig))
            && other_url != url_text
            && !sig.is_empty()
        {
            out.push(
                Finding::new(
                    WarningCode::ReusedSignature,
                    sig_path.clone(),
                    format!(
                        "{} is the same as {} but the URLs differ",
                        name(sig_path),
                        name(other_path)
                    ),
                )
                .hint("each artifact needs the content of its own `.sig` file"),
            );
        } else if let Some((url_text, _)) = &d.url {
            by_signature
                .entry(sig)
                .or_insert((url_text, sig_path.clone()));
        }
        let Some(signature) = signature(sig, sig_path, &mut out) else {
            continue;
        };
        let key_id = signature.key_id();
        if signature.algorithm() == Algorithm::Legacy {
            out.push(
                Finding::new(
                    WarningCode::LegacySignature,
                    sig_path.clone(),
                    format!(
                        "{} is a legacy (non-prehashed) signature, which upkit refuses by default",
                        name(sig_path)
                    ),
                )
                .hint("sign again with `tauri signer sign` or `upkit sign`"),
            );
        }
        if !options.keys.is_empty() && !options.keys.iter().any(|k| k.key_id() == key_id) {
            let ids: Vec<String> = options
                .keys
                .iter()
                .map(|k| k.key_id().to_string())
                .collect();
            out.push(
                Finding::new(
                    WarningCode::KeyMismatch,
                    sig_path.clone(),
                    format!(
                        "{} was made with key {key_id}, not with {}",
                        name(sig_path),
                        ids.join(" or ")
                    ),
                )
                .hint("sign with the key whose public half the app trusts"),
            );
        }
        // With trusted keys given, several of them may be in use (key rotation).
        if let Some((first, first_path)) = signed.first()
            && options.keys.is_empty()
            && *first != key_id
        {
            out.push(Finding::new(
                WarningCode::MixedKeyIds,
                sig_path.clone(),
                format!(
                    "{} was made with key {key_id}, but {} with key {first}",
                    name(sig_path),
                    name(first_path)
                ),
            ));
        }
        signed.push((key_id, sig_path.clone()));
        let comment = signature.trusted_comment();
        if let (Some(signed_version), Some(version)) = (comment.version(), &version)
            && !same_version(signed_version, version)
        {
            out.push(
                Finding::new(
                    WarningCode::SignedVersionMismatch,
                    sig_path.clone(),
                    format!(
                        "{} is bound to version `{signed_version}`, but the manifest announces `{version}`",
                        name(sig_path)
                    ),
                )
                .hint("Tauri and upkit refuse this update; sign the artifact of this version"),
            );
        }
        if let (Some(signed_file), Some((url, _))) = (comment.file(), &url)
            && let (Some(file), Some(signed_kind)) = (file_name(url), Artifact::of(signed_file))
            && let Some(kind) = Artifact::of(file)
            && !signed_kind.renames_to(kind)
        {
            out.push(
                Finding::new(
                    WarningCode::SignedFileMismatch,
                    sig_path.clone(),
                    format!(
                        "{} signs `{signed_file}`, but the URL names `{file}`",
                        name(sig_path)
                    ),
                )
                .hint("use the `.sig` file of the artifact the URL points to"),
            );
        }
    }
    out
}

/// The `MAJOR.MINOR.PATCH` numbers in a file name, e.g. `0.9.72` in `App_0.9.72_x64-setup.exe`.
fn versions_in(file: &str) -> Vec<&str> {
    let bytes = file.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        // Three dot-separated digit runs.
        let mut end = i;
        let mut parts = 0;
        loop {
            let start = end;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                break;
            }
            parts += 1;
            if parts == 3 || end >= bytes.len() || bytes[end] != b'.' {
                break;
            }
            end += 1;
        }
        if parts == 3
            && (end >= bytes.len()
                || bytes[end] != b'.'
                || !bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
        {
            found.push(&file[i..end]);
        }
        i = end.max(i + 1);
    }
    found
}

fn same_version(signed: &str, announced: &Version) -> bool {
    version::parse(signed).is_ok_and(|v| &v == announced)
}

fn artifact_hint(os: Os, installer: Option<Installer>) -> &'static str {
    match (os, installer) {
        (Os::Darwin, _) => "macOS updates are `.app.tar.gz` archives",
        (Os::Linux, Some(Installer::Deb)) => "a `-deb` entry needs a `.deb`",
        (Os::Linux, Some(Installer::Rpm)) => "an `-rpm` entry needs an `.rpm`",
        (Os::Linux, _) => {
            "Linux updates are `.AppImage` (or `.AppImage.tar.gz`), `.deb` or `.rpm` files"
        }
        (Os::Windows, Some(Installer::Msi)) => "an `-msi` entry needs an `.msi` (or `.msi.zip`)",
        (Os::Windows, _) => {
            "Windows updates are NSIS `-setup.exe` or `.msi` installers (or their `.zip`)"
        }
    }
}

fn str_field(value: Option<&Value>, path: Path) -> Option<(&str, Path)> {
    match value {
        Some(Value::String(s)) => Some((s, path)),
        _ => None,
    }
}

fn unknown_fields(map: &Map<String, Value>, path: &Path, known: &[&str], out: &mut Warnings) {
    for field in map.keys() {
        if known.contains(&field.as_str()) {
            continue;
        }
        if let Some(guess) = misspelled(field, known)
            && !map.contains_key(guess)
        {
            out.push(
                Finding::new(
                    WarningCode::UnknownField,
                    path.key(field),
                    format!("unknown field `{field}` is ignored"),
                )
                .at_key()
                .hint(format!("did you mean `{guess}`?")),
            );
        }
    }
}

fn size(map: &Map<String, Value>, path: &Path, out: &mut Warnings) {
    if let Some(v) = map.get("size")
        && !v.is_null()
        && valid_size(Some(map)).is_none()
    {
        let p = path.key("size");
        out.push(
            Finding::new(
                WarningCode::InvalidSize,
                p.clone(),
                format!(
                    "{} must be a positive integer, found {}; it is ignored",
                    name(&p),
                    describe(v)
                ),
            )
            .hint("give the artifact's exact size in bytes, e.g. `\"size\": 10485760`, or leave `size` out"),
        );
    }
}

/// Decodes a signature, warning about what it holds instead when it is not one.
fn signature(text: &str, path: &Path, out: &mut Warnings) -> Option<Signature> {
    let warn =
        |code, message: String, hint: &str| Finding::new(code, path.clone(), message).hint(hint);
    if text.is_empty() {
        out.push(warn(
            WarningCode::EmptySignature,
            format!(
                "{} is empty, so every install fails verification",
                name(path)
            ),
            "put the content of the artifact's `.sig` file in `signature`",
        ));
        return None;
    }
    let trimmed = text.trim();
    if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
        out.push(warn(
            WarningCode::UrlInSignature,
            format!("{} holds a URL, {}", name(path), quote(trimmed)),
            "Tauri does not download signatures: put the content of the `.sig` file in `signature`",
        ));
        return None;
    }
    match Signature::decode(text) {
        Ok(sig) => Some(sig),
        Err(e) => {
            if holds_secret_key(text) {
                out.push(warn(
                    WarningCode::SecretKeyInSignature,
                    format!(
                        "{} holds a minisign secret key, not a signature",
                        name(path)
                    ),
                    "the key is public now: make a new key pair, ship the new public key, and put \
                     the content of each `.sig` file in `signature`",
                ));
            } else {
                let hint = if trimmed.starts_with("untrusted comment:") {
                    "this is the minisign text itself: Tauri wants it base64-encoded, as in the `.sig` file"
                } else if trimmed.ends_with(".sig") {
                    "put the content of the `.sig` file in `signature`, not its name"
                } else {
                    "put the content of the artifact's `.sig` file (made by `tauri signer sign` or `upkit sign`) in `signature`"
                };
                out.push(warn(
                    WarningCode::InvalidSignature,
                    format!("{} is not a Tauri signature: {e}", name(path)),
                    hint,
                ));
            }
            None
        }
    }
}

/// Whether `text` is (base64 of) a minisign or rsign secret key.
fn holds_secret_key(text: &str) -> bool {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let inner = decoded.as_deref().unwrap_or(text);
    let first = inner.lines().next().unwrap_or("");
    first.starts_with("untrusted comment:") && first.contains("secret key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_suggestions() {
        assert_eq!(misspelled("date", TOP_FIELDS), Some("pub_date"));
        assert_eq!(misspelled("pubDate", TOP_FIELDS), Some("pub_date"));
        assert_eq!(misspelled("Version", TOP_FIELDS), Some("version"));
        assert_eq!(misspelled("sig", ENTRY_FIELDS), Some("signature"));
        assert_eq!(misspelled("notes", ENTRY_FIELDS), None);
        assert_eq!(misspelled("channel", TOP_FIELDS), None);
    }

    #[test]
    fn artifacts() {
        assert_eq!(Artifact::of("A.app.tar.gz"), Some(Artifact::AppTarGz));
        assert_eq!(Artifact::of("a_amd64.AppImage"), Some(Artifact::AppImage));
        assert_eq!(Artifact::of("a-setup.nsis.zip"), Some(Artifact::NsisZip));
        assert_eq!(Artifact::of("download"), None);
        assert!(Artifact::AppTarGz.suits(Os::Darwin, None));
        assert!(!Artifact::AppTarGz.suits(Os::Windows, None));
        assert!(!Artifact::Dmg.suits(Os::Darwin, Some(Installer::App)));
        assert!(!Artifact::Exe.suits(Os::Windows, Some(Installer::Msi)));
        assert!(Artifact::AppTarGz.renames_to(Artifact::TarGz));
        assert!(!Artifact::Msi.renames_to(Artifact::MsiZip));
    }

    #[test]
    fn versions_in_file_names() {
        assert_eq!(versions_in("BrightPal_0.9.72_x64-setup.exe"), ["0.9.72"]);
        assert_eq!(versions_in("Coinly-desktop-0.1.3-1.x86_64.rpm"), ["0.1.3"]);
        assert_eq!(
            versions_in("LOA.Logs_1.10.8-sync_x64-setup.nsis.zip"),
            ["1.10.8"]
        );
        assert_eq!(versions_in("a-1.2.3.4.zip"), Vec::<&str>::new());
        assert_eq!(versions_in("App.app.tar.gz"), Vec::<&str>::new());
        assert_eq!(versions_in("x1.2.3_and_4.5.6"), ["1.2.3", "4.5.6"]);
        assert_eq!(versions_in("1.2"), Vec::<&str>::new());
    }

    #[test]
    fn secret_keys_are_recognised() {
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD
            .encode("untrusted comment: rsign encrypted secret key\nRWRTY0Iy\n");
        assert!(holds_secret_key(&key));
        assert!(!holds_secret_key("c2ln"));
    }
}
