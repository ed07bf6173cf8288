//! Tauri's acceptance, rule by rule, over a `serde_json::Value`.
//!
//! Tauri deserialises the JSON value into a serde-derived struct (`version` with the alias
//! `name`, `notes`, `pub_date`, `platforms`, `url`, `signature`), then parses `pub_date` and
//! picks the shape. This module mirrors each step of that derive (map or 6-element sequence,
//! `null` as an absent `Option`, unknown fields ignored, a platform entry as a map or a
//! 2-element sequence) but keeps going after a problem, so that every problem is reported.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::position::Path;
use super::{ErrorCode, Finding, Manifest, Platform, Release};
use crate::version::{self, Version};

type Errors = Vec<Finding<ErrorCode>>;

/// The manifest fields as found, before their types are checked.
#[derive(Default)]
pub(super) struct Fields<'a> {
    pub(super) version: Option<(&'a Value, Path)>,
    pub(super) notes: Option<(&'a Value, Path)>,
    pub(super) pub_date: Option<(&'a Value, Path)>,
    pub(super) platforms: Option<(&'a Value, Path)>,
    pub(super) url: Option<(&'a Value, Path)>,
    pub(super) signature: Option<(&'a Value, Path)>,
    /// The object form's members (for `size` and the lint), `None` for the array form.
    pub(super) object: Option<&'a Map<String, Value>>,
}

/// Where a field is, or would be: its own path when present (`null` included; `/4` in the array
/// form), else the object key `name`.
pub(super) fn path_of(field: &Option<(&Value, Path)>, name: &str) -> Path {
    field
        .as_ref()
        .map_or_else(|| Path::root().key(name), |(_, path)| path.clone())
}

/// The element names of the array form, in order.
pub(super) const ARRAY_FIELDS: [&str; 6] = [
    "version",
    "notes",
    "pub_date",
    "platforms",
    "url",
    "signature",
];

impl<'a> Fields<'a> {
    /// Splits the top-level value into fields; `None` when it is neither an object nor an array
    /// (an error is recorded then). `errors` gets the length and duplicate errors.
    pub(super) fn of(value: &'a Value, errors: &mut Errors) -> Option<(Self, bool)> {
        let root = Path::root();
        match value {
            Value::Object(map) => {
                let get = |k: &str| map.get(k).map(|v| (v, root.key(k)));
                let version = match (get("version"), get("name")) {
                    (Some(v), Some(_)) => {
                        errors.push(
                            Finding::new(
                                ErrorCode::DuplicateField,
                                root.key("name"),
                                "`name` and `version` are both present, and `name` is an alias \
                                 of `version`",
                            )
                            .at_key()
                            .hint("remove `name`"),
                        );
                        Some(v)
                    }
                    (v, n) => v.or(n),
                };
                let fields = Fields {
                    version,
                    notes: get("notes"),
                    pub_date: get("pub_date"),
                    platforms: get("platforms"),
                    url: get("url"),
                    signature: get("signature"),
                    object: Some(map),
                };
                Some((fields, false))
            }
            Value::Array(items) => {
                let get = |i: usize| items.get(i).map(|v| (v, root.index(i)));
                let short = items.len() != ARRAY_FIELDS.len();
                if short {
                    errors.push(
                        Finding::new(
                            ErrorCode::InvalidLength,
                            Path::root(),
                            format!(
                                "a manifest written as an array must have 6 elements (version, \
                                 notes, pub_date, platforms, url, signature), found {}",
                                items.len()
                            ),
                        )
                        .hint("write the manifest as a JSON object"),
                    );
                }
                let fields = Fields {
                    version: get(0),
                    notes: get(1),
                    pub_date: get(2),
                    platforms: get(3),
                    url: get(4),
                    signature: get(5),
                    object: None,
                };
                Some((fields, short))
            }
            other => {
                errors.push(invalid_type(&Path::root(), "an object", other));
                None
            }
        }
    }
}

/// Describes a JSON value for "found ..." in messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("number `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {}", quote(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A string as JSON, shortened to 60 characters.
pub(super) fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        serde_json::to_string(s).unwrap_or_default()
    } else {
        let short: String = s.chars().take(MAX).collect();
        let quoted = serde_json::to_string(&short).unwrap_or_default();
        format!("{}…\"", &quoted[..quoted.len() - 1])
    }
}

/// Names a path in a message: `` `/a/b` `` or "the manifest".
pub(super) fn name(path: &Path) -> String {
    if path.0.is_empty() {
        "the manifest".into()
    } else {
        format!("`{path}`")
    }
}

pub(super) fn invalid_type(path: &Path, expected: &str, found: &Value) -> Finding<ErrorCode> {
    Finding::new(
        ErrorCode::InvalidType,
        path.clone(),
        format!(
            "{} must be {expected}, found {}",
            name(path),
            describe(found)
        ),
    )
}

/// `Option<T>`: absent and `null` are `None`.
fn present<'a>(field: &'a Option<(&'a Value, Path)>) -> Option<(&'a Value, &'a Path)> {
    match field {
        Some((Value::Null, _)) | None => None,
        Some((v, p)) => Some((v, p)),
    }
}

fn string<'a>(
    value: &'a Value,
    path: &Path,
    expected: &str,
    errors: &mut Errors,
) -> Option<&'a str> {
    match value {
        Value::String(s) => Some(s),
        other => {
            errors.push(invalid_type(path, expected, other));
            None
        }
    }
}

fn url(value: &Value, path: &Path, expected: &str, errors: &mut Errors) -> Option<Url> {
    let text = string(value, path, expected, errors)?;
    match Url::parse(text) {
        Ok(url) => Some(url),
        Err(e) => {
            errors.push(
                Finding::new(
                    ErrorCode::InvalidUrl,
                    path.clone(),
                    format!(
                        "{} is not an absolute URL: {} ({e})",
                        name(path),
                        quote(text)
                    ),
                )
                .hint("give the full download URL, e.g. `https://example.com/app.tar.gz`"),
            );
            None
        }
    }
}

fn parse_version(value: &Value, path: &Path, errors: &mut Errors) -> Option<Version> {
    let text = string(value, path, "a string", errors)?;
    match version::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let reason = e.reason();
            errors.push(
                Finding::new(
                    ErrorCode::InvalidVersion,
                    path.clone(),
                    format!(
                        "{} is not a SemVer version: {} ({reason})",
                        name(path),
                        quote(text)
                    ),
                )
                .hint("write MAJOR.MINOR.PATCH, e.g. `1.2.3` or `1.2.3-beta.1`"),
            );
            None
        }
    }
}

fn parse_date(value: &Value, path: &Path, errors: &mut Errors) -> Option<OffsetDateTime> {
    let text = string(value, path, "a string or null", errors)?;
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(date) => Some(date),
        Err(e) => {
            errors.push(
                Finding::new(
                    ErrorCode::InvalidPubDate,
                    path.clone(),
                    format!(
                        "{} is not an RFC 3339 date-time: {} ({e})",
                        name(path),
                        quote(text)
                    ),
                )
                .hint("write a date, a time and an offset, e.g. `2026-11-29T09:30:00Z`"),
            );
            None
        }
    }
}

/// The upkit `size` extension: a positive integer, anything else ignored. A 0, which some
/// manifest generators write for a size they do not know, would fail every download, where Tauri
/// (which has no `size`) installs the update.
pub(super) fn size(map: Option<&Map<String, Value>>) -> Option<u64> {
    map?.get("size")?.as_u64().filter(|&size| size > 0)
}

const ENTRY: &str = "an object with `url` and `signature`";

/// One platform entry: `{url, signature}` (a struct, so both required, `null` refused) or
/// `[url, signature]`.
fn entry(value: &Value, path: &Path, errors: &mut Errors) -> Option<Platform> {
    let (url_field, sig_field, map) = match value {
        Value::Object(map) => {
            let get = |k: &str| map.get(k).map(|v| (v, path.key(k)));
            (get("url"), get("signature"), Some(map))
        }
        Value::Array(items) => {
            if items.len() != 2 {
                errors.push(Finding::new(
                    ErrorCode::InvalidLength,
                    path.clone(),
                    format!(
                        "{} is an array, so it must have 2 elements (url, signature), found {}",
                        name(path),
                        items.len()
                    ),
                ));
            }
            let get = |i: usize| items.get(i).map(|v| (v, path.index(i)));
            if items.len() < 2 {
                // The length error says it all.
                let _ = get(0).map(|(v, p)| url(v, &p, "an absolute URL string", errors));
                return None;
            }
            (get(0), get(1), None)
        }
        other => {
            errors.push(invalid_type(path, ENTRY, other));
            return None;
        }
    };
    let url = match url_field {
        Some((v, p)) => url(v, &p, "an absolute URL string", errors),
        None => {
            errors.push(
                Finding::new(
                    ErrorCode::MissingField,
                    path.key("url"),
                    format!("{} has no `url`", name(path)),
                )
                .hint("add the artifact's download URL as `url`"),
            );
            None
        }
    };
    let signature = match sig_field {
        Some((v, p)) => string(v, &p, "a string", errors).map(str::to_owned),
        None => {
            errors.push(
                Finding::new(
                    ErrorCode::MissingField,
                    path.key("signature"),
                    format!("{} has no `signature`", name(path)),
                )
                .hint("put the content of the artifact's `.sig` file in `signature`"),
            );
            None
        }
    };
    Some(Platform {
        url: url?,
        signature: signature?,
        size: size(map),
    })
}

/// Checks a JSON value against Tauri's rules: the manifest, which keeps the value as its `raw`
/// document, when it is valid; otherwise the value back with every error. The value is moved,
/// not copied: a document's tree takes about fifty times its text in memory.
pub(super) fn check(value: Value) -> Result<Manifest, (Value, Errors)> {
    let (manifest, errors) = read(&value);
    match manifest {
        Some((version, notes, pub_date, release)) if errors.is_empty() => Ok(Manifest {
            version,
            notes,
            pub_date,
            release,
            raw: value,
        }),
        _ => Err((value, errors)),
    }
}

/// What a valid manifest holds besides its document: version, notes, date and release.
type Parts = (Version, Option<String>, Option<OffsetDateTime>, Release);

fn read(value: &Value) -> (Option<Parts>, Errors) {
    let mut errors = Vec::new();
    let Some((fields, short)) = Fields::of(value, &mut errors) else {
        return (None, errors);
    };
    let version = match &fields.version {
        Some((v, p)) => parse_version(v, p, &mut errors),
        None => {
            if !short {
                errors.push(
                    Finding::new(
                        ErrorCode::MissingField,
                        Path::root().key("version"),
                        "the manifest has no `version`",
                    )
                    .hint("add the release's version, e.g. `\"version\": \"1.2.3\"`"),
                );
            }
            None
        }
    };
    let notes = present(&fields.notes)
        .and_then(|(v, p)| string(v, p, "a string or null", &mut errors).map(str::to_owned));
    let pub_date = present(&fields.pub_date).and_then(|(v, p)| parse_date(v, p, &mut errors));
    // Top-level `url` and `signature` are always type-checked, even when ignored.
    let top_url =
        present(&fields.url).map(|(v, p)| url(v, p, "an absolute URL string or null", &mut errors));
    let top_signature = present(&fields.signature)
        .map(|(v, p)| string(v, p, "a string or null", &mut errors).map(str::to_owned));

    let release = match present(&fields.platforms) {
        Some((Value::Object(map), path)) => {
            let mut platforms = BTreeMap::new();
            let mut complete = true;
            for (key, v) in map {
                match entry(v, &path.key(key), &mut errors) {
                    Some(p) => {
                        platforms.insert(key.clone(), p);
                    }
                    None => complete = false,
                }
            }
            complete.then_some(Release::Static { platforms })
        }
        Some((other, path)) => {
            errors.push(invalid_type(path, "an object or null", other));
            None
        }
        None => {
            let dynamic = "the manifest has no `platforms`, so it is an update server's answer";
            if top_url.is_none() && !short {
                errors.push(
                    Finding::new(
                        ErrorCode::MissingUrl,
                        path_of(&fields.url, "url"),
                        format!("{dynamic} and needs `url`"),
                    )
                    .hint(
                        "a static manifest lists `platforms`; an update server's answer has \
                         `url` and `signature`",
                    ),
                );
            }
            if top_signature.is_none() && !short {
                errors.push(
                    Finding::new(
                        ErrorCode::MissingSignature,
                        path_of(&fields.signature, "signature"),
                        format!("{dynamic} and needs `signature`"),
                    )
                    .hint("put the content of the artifact's `.sig` file in `signature`"),
                );
            }
            match (top_url.clone().flatten(), top_signature.clone().flatten()) {
                (Some(url), Some(signature)) => Some(Release::Dynamic(Platform {
                    url,
                    signature,
                    size: size(fields.object),
                })),
                _ => None,
            }
        }
    };
    let parts = match (version, release) {
        (Some(version), Some(release)) => Some((version, notes, pub_date, release)),
        _ => None,
    };
    (parts, errors)
}
