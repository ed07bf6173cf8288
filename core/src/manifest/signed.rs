//! Signed manifests: a manifest (or an update server's answer) signed like an artifact, with an
//! expiry, so that a client can tell a fresh, genuine manifest from a frozen, replayed or edited
//! one.
//!
//! The signature is an ordinary Tauri `.sig` (base64 of a minisign signature over the
//! manifest's exact bytes) whose trusted comment also carries the manifest's version and
//! `expires:<unix seconds>`:
//!
//! ```text
//! timestamp:1767225600␉file:latest.json␉version:1.1.0␉expires:1769817600
//! ```
//!
//! (`␉` is a TAB.)
//!
//! A static host serves it beside the manifest ([`signature_url`]: `latest.json.sig`); an update
//! server sends it in the [`HEADER`] of its answer. Tauri ignores both, so a signed manifest is
//! still an ordinary manifest to every Tauri client.
//!
//! [`verify`] checks a signature before the manifest is parsed: the key, the trusted comment,
//! the bytes, then freshness against the clock passed in (expired: an indefinite freeze; older
//! than the newest one seen: a rollback of the manifest; older than a maximum age). After
//! parsing, [`SignedManifest::check_version`] ties the signature to the announced version.
//!
//! ```
//! use upkit_core::manifest::signed;
//! use url::Url;
//!
//! let url = Url::parse("https://releases.example.com/latest.json").unwrap();
//! assert_eq!(signed::signature_url(&url).as_str(), "https://releases.example.com/latest.json.sig");
//! let version = upkit_core::version::parse("1.1.0").unwrap();
//! assert_eq!(
//!     signed::trusted_comment("latest.json", &version, 1767225600, 1769817600),
//!     "timestamp:1767225600\tfile:latest.json\tversion:1.1.0\texpires:1769817600",
//! );
//! ```
//!
//! The tests that sign and verify for real, with the clock passed in, are in
//! `native/tests/signed_manifests.rs` (the core cannot sign).

use std::fmt;

use url::Url;

use crate::signature::{self, KeyId, Keyring, Legacy, Policy, Signature, SignedVersion};
use crate::version::Version;

/// The response header in which an update server sends its answer's signature (the same
/// base64 text as a `.sig` file).
pub const HEADER: &str = "upkit-manifest-signature";

/// The trusted comment's field that says until when a manifest may be used (Unix seconds).
pub const EXPIRES: &str = "expires";

/// Whether a client asks for signed manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ManifestSignature {
    /// Manifests are taken as Tauri takes them, unsigned (the default: Tauri's servers do not
    /// sign manifests). Only the artifact's signature protects the update.
    #[default]
    Ignored,
    /// Every answer must come with a manifest signature by a trusted key that has not expired,
    /// is not older than the newest one seen, and (when `max_age` is set) was made at most
    /// `max_age` seconds ago. An answer without one counts as a failed endpoint, and so does a
    /// `204 No Content` (it cannot carry a signature: a signing server answers `200` with the
    /// signed manifest instead).
    Required {
        /// The oldest signature accepted, in seconds before now.
        max_age: Option<u64>,
    },
}

/// The clock and the state a freshness check needs, passed in by the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Now, in Unix seconds.
    pub now: u64,
    /// The timestamp of the newest manifest signature this client verified before, when it
    /// keeps one: an older signature is a replay.
    pub newest_seen: Option<u64>,
    /// The oldest signature accepted, in seconds before `now`.
    pub max_age: Option<u64>,
}

/// What a verified manifest signature vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedManifest {
    /// The key that signed.
    pub key_id: KeyId,
    /// When it was signed (the trusted comment's `timestamp:`), in Unix seconds.
    pub timestamp: u64,
    /// Until when it may be used (`expires:`), in Unix seconds.
    pub expires: u64,
    /// The version it names (`version:`), as written.
    pub version: String,
}

impl SignedManifest {
    /// Checks that the signature names the version the (now parsed) manifest announces.
    ///
    /// # Errors
    /// [`ManifestSignatureError::Version`] when the signed version is not a version or is
    /// another one.
    pub fn check_version(&self, announced: &Version) -> Result<(), ManifestSignatureError> {
        match crate::version::parse(&self.version) {
            Ok(signed) if &signed == announced => Ok(()),
            _ => Err(ManifestSignatureError::Version {
                signed: self.version.clone(),
                announced: announced.clone(),
            }),
        }
    }
}

/// Why a manifest signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestSignatureError {
    /// No signature came with the answer.
    #[error("the manifest is not signed: {reason}")]
    Missing {
        /// Where it was looked for, and what was found there.
        reason: String,
    },
    /// A `204 No Content` answer, which cannot carry a signature.
    #[error(
        "the answer is 204 No Content, which carries no signature (a server that signs its answers sends 200 and the signed manifest)"
    )]
    NoContent,
    /// The signature does not decode.
    #[error("the manifest's signature cannot be read: {0}")]
    Text(#[from] signature::SignatureError),
    /// The signature does not verify: another key, an altered comment or altered bytes.
    #[error("the manifest's signature does not verify: {0}")]
    Verify(Box<signature::VerifyError>),
    /// The trusted comment has no `timestamp:`.
    #[error("the manifest's signature has no `timestamp:` in its trusted comment")]
    NoTimestamp,
    /// The trusted comment has no `expires:` (or it is not a number).
    #[error(
        "the manifest's signature has no valid `expires:` in its trusted comment: sign manifests with `upkit sign --expires`"
    )]
    NoExpiry,
    /// The signature expired: the manifest may be a frozen one.
    #[error("the manifest's signature expired at {} (a stale manifest served again, or one not re-signed in time)", Date(*expires))]
    Expired {
        /// The `expires:` value.
        expires: u64,
        /// Now.
        now: u64,
    },
    /// The signature is older than the maximum age.
    #[error("the manifest was signed at {}, longer ago than the maximum age of {}", Date(*timestamp), Ago(*max_age))]
    TooOld {
        /// The `timestamp:` value.
        timestamp: u64,
        /// The maximum age in seconds.
        max_age: u64,
        /// Now.
        now: u64,
    },
    /// The signature is older than one seen before: the manifest may be a replayed one.
    #[error(
        "the manifest was signed at {}, before the newest manifest already seen (signed at {}): an older manifest replayed",
        Date(*timestamp),
        Date(*newest_seen)
    )]
    Replayed {
        /// The `timestamp:` value.
        timestamp: u64,
        /// The newest timestamp seen before.
        newest_seen: u64,
    },
    /// The signed version is not the announced one.
    #[error(
        "the manifest's signature names version {signed}, but the manifest announces {announced}"
    )]
    Version {
        /// The `version:` value.
        signed: String,
        /// The manifest's version.
        announced: Version,
    },
}

/// A duration in seconds, as a person reads it: `3 d 4 h`, `5 min`, `12 s`.
struct Ago(u64);

impl fmt::Display for Ago {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        match s {
            0..60 => write!(f, "{s} s"),
            60..3600 => write!(f, "{} min", s / 60),
            3600..86_400 => write!(f, "{} h {} min", s / 3600, s % 3600 / 60),
            _ => write!(f, "{} d {} h", s / 86_400, s % 86_400 / 3600),
        }
    }
}

/// A Unix time as an RFC 3339 date in UTC (the number itself when out of range).
struct Date(u64);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = i64::try_from(self.0)
            .ok()
            .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
        match date {
            Some(date) => f.write_str(&date),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Where a static host keeps the signature of the manifest at `url`: the same URL with `.sig`
/// appended to its path (`…/latest.json` → `…/latest.json.sig`; the query is kept).
pub fn signature_url(url: &Url) -> Url {
    let mut sig = url.clone();
    let path = format!("{}.sig", url.path());
    sig.set_path(&path);
    sig
}

/// Verifies `signature` over the manifest bytes `body` with the keys of `keyring`, then its
/// freshness. Legacy signatures are refused, and the trusted comment must name a version
/// (checked against the manifest with [`SignedManifest::check_version`] once it is parsed).
///
/// # Errors
/// [`ManifestSignatureError::Verify`], then [`ManifestSignatureError::NoTimestamp`],
/// [`ManifestSignatureError::NoExpiry`], [`ManifestSignatureError::Expired`],
/// [`ManifestSignatureError::Replayed`], [`ManifestSignatureError::TooOld`], in this order.
pub fn verify(
    keyring: &Keyring,
    signature: &Signature,
    body: &[u8],
    freshness: &Freshness,
) -> Result<SignedManifest, ManifestSignatureError> {
    let policy = Policy {
        signed_version: SignedVersion::Required,
        expected_version: None,
        legacy: Legacy::Refuse,
        file_name: None,
    };
    let verified = signature::verify(keyring, signature, body, &policy)
        .map_err(|e| ManifestSignatureError::Verify(Box::new(e)))?;
    let comment = verified.trusted_comment();
    let timestamp = comment
        .timestamp()
        .ok_or(ManifestSignatureError::NoTimestamp)?;
    let expires = comment
        .field(EXPIRES)
        .and_then(|e| e.parse::<u64>().ok())
        .ok_or(ManifestSignatureError::NoExpiry)?;
    let now = freshness.now;
    if now >= expires {
        return Err(ManifestSignatureError::Expired { expires, now });
    }
    if let Some(newest_seen) = freshness.newest_seen
        && timestamp < newest_seen
    {
        return Err(ManifestSignatureError::Replayed {
            timestamp,
            newest_seen,
        });
    }
    if let Some(max_age) = freshness.max_age
        && now.saturating_sub(timestamp) > max_age
    {
        return Err(ManifestSignatureError::TooOld {
            timestamp,
            max_age,
            now,
        });
    }
    Ok(SignedManifest {
        key_id: verified.key_id(),
        timestamp,
        expires,
        version: comment.version().unwrap_or_default().to_owned(),
    })
}

/// The trusted comment of a manifest signature made at `timestamp` for the manifest file
/// `file_name` announcing `version`, valid until `expires`.
pub fn trusted_comment(file_name: &str, version: &Version, timestamp: u64, expires: u64) -> String {
    format!("timestamp:{timestamp}\tfile:{file_name}\tversion:{version}\t{EXPIRES}:{expires}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_url_appends_sig_to_the_path() {
        let u = |s: &str| signature_url(&Url::parse(s).unwrap()).to_string();
        assert_eq!(
            u("https://h.example/r/latest.json"),
            "https://h.example/r/latest.json.sig"
        );
        assert_eq!(
            u("https://h.example/latest.json?channel=beta"),
            "https://h.example/latest.json.sig?channel=beta"
        );
        assert_eq!(u("https://h.example"), "https://h.example/.sig");
    }

    #[test]
    fn durations_read_as_a_person_reads_them() {
        let shown: Vec<String> = [0, 59, 60, 3599, 3600, 3660, 86_400, 90_000]
            .map(|s| Ago(s).to_string())
            .into();
        assert_eq!(
            shown,
            [
                "0 s",
                "59 s",
                "1 min",
                "59 min",
                "1 h 0 min",
                "1 h 1 min",
                "1 d 0 h",
                "1 d 1 h"
            ]
        );
    }

    #[test]
    fn dates_are_rfc3339_in_utc() {
        assert_eq!(Date(1_764_400_000).to_string(), "2025-11-29T07:06:40Z");
        assert_eq!(Date(u64::MAX).to_string(), u64::MAX.to_string());
    }

    #[test]
    fn the_trusted_comment_names_the_file_version_and_expiry() {
        let v = crate::version::parse("1.2.0").unwrap();
        assert_eq!(
            trusted_comment("latest.json", &v, 100, 200),
            "timestamp:100\tfile:latest.json\tversion:1.2.0\texpires:200"
        );
    }
}
