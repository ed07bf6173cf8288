//! Update manifests: the static `latest.json` and a dynamic update server's answer.
//! (Being written: parse/validate land with the manifest work.)

use std::collections::BTreeMap;

use time::OffsetDateTime;
use url::Url;

use crate::version::Version;

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
    /// The exact artifact size in bytes, when the entry has a valid `size` (an upkit extension).
    pub size: Option<u64>,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct ManifestError {
    /// What went wrong.
    pub message: String,
}

/// Parses a manifest body with Tauri's acceptance rules.
///
/// # Errors
/// The first problem found.
pub fn parse(_body: &[u8]) -> Result<Manifest, ManifestError> {
    Err(ManifestError { message: "manifest parsing is being written".into() })
}
