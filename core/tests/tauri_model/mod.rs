//! A serde-derived model of the Tauri updater's `RemoteRelease` (the same derive shape:
//! `version` with the alias `name` and a `v`-stripping SemVer parse, `Option` fields, a map of
//! `{url, signature}` structs, then `pub_date` as RFC 3339 and the dynamic fields), and what
//! `manifest::parse` reads, in one shape, so that the two can be compared.
//!
//! Shared by the differential test (`core/tests/manifest_differential.rs`) and the
//! `manifest_tauri` fuzz target (`fuzz/`, which includes this file by path).

use std::collections::HashMap;

use semver::Version;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upkit_core::manifest::{self, Release};

/// `url::Url`'s own `Deserialize`: a string, parsed.
struct ModelUrl(url::Url);

impl<'de> Deserialize<'de> for ModelUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        url::Url::parse(&s)
            .map(ModelUrl)
            .map_err(serde::de::Error::custom)
    }
}

fn model_version<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
    let s = String::deserialize(d)?;
    Version::parse(s.trim_start_matches('v')).map_err(serde::de::Error::custom)
}

#[derive(Deserialize)]
struct ModelPlatform {
    url: ModelUrl,
    signature: String,
}

#[derive(Deserialize)]
struct ModelInner {
    #[serde(alias = "name", deserialize_with = "model_version")]
    version: Version,
    notes: Option<String>,
    pub_date: Option<String>,
    platforms: Option<HashMap<String, ModelPlatform>>,
    url: Option<ModelUrl>,
    signature: Option<String>,
}

/// What the model reads: version, notes, date, and (key or "", url, signature) per download.
pub type Read = (
    Version,
    Option<String>,
    Option<OffsetDateTime>,
    Vec<(String, String, String)>,
);

/// What the model of Tauri reads of `body`, or `None` when it refuses it.
pub fn model(body: &[u8]) -> Option<Read> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let inner: ModelInner = serde_json::from_value(value).ok()?;
    let date = match inner.pub_date {
        Some(d) => Some(OffsetDateTime::parse(&d, &Rfc3339).ok()?),
        None => None,
    };
    let mut downloads = match inner.platforms {
        Some(p) => p
            .into_iter()
            .map(|(k, p)| (k, p.url.0.to_string(), p.signature))
            .collect(),
        None => vec![(String::new(), inner.url?.0.to_string(), inner.signature?)],
    };
    downloads.sort();
    Some((inner.version, inner.notes, date, downloads))
}

/// What `manifest::parse` reads of `body`, or `None` when it refuses it.
pub fn upkit(body: &[u8]) -> Option<Read> {
    let m = manifest::parse(body).ok()?;
    let mut downloads: Vec<_> = match m.release {
        Release::Static { platforms } => platforms
            .into_iter()
            .map(|(k, p)| (k, p.url.to_string(), p.signature))
            .collect(),
        Release::Dynamic(p) => vec![(String::new(), p.url.to_string(), p.signature)],
    };
    downloads.sort();
    Some((m.version, m.notes, m.pub_date, downloads))
}
