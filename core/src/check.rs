//! The check decision, without I/O: the shell fetches each endpoint in turn and hands the
//! outcome to [`Check::evaluate`], which says what to do next.
//!
//! ```
//! use upkit_core::check::{Check, CheckConfig, Response, Step};
//! use upkit_core::target::{Arch, Os, Target};
//!
//! let config = CheckConfig::new(
//!     upkit_core::version::parse("1.0.0").unwrap(),
//!     Target::new(Os::Linux, Arch::X86_64, None),
//! );
//! let mut check = Check::new(config);
//! let endpoint = url::Url::parse("https://example.com/latest.json").unwrap();
//! let body = br#"{"version": "1.1.0", "platforms": {"linux-x86_64": {
//!     "url": "https://example.com/app.AppImage", "signature": "c2ln"}}}"#;
//! match check.evaluate(&endpoint, Response::Http { status: 200, body }) {
//!     Step::Update(update) => assert_eq!(update.version.to_string(), "1.1.0"),
//!     _ => unreachable!(),
//! }
//! ```
//!
//! The loop, as Tauri runs it: a transport error before the answer is remembered and the next
//! endpoint tried; a non-2xx status tries the next endpoint without replacing the remembered
//! error; `204 No Content` means no update; a 2xx body that is not JSON, or that cannot be read
//! to its end (reset, stall, over the size limit), aborts the whole check; JSON that is
//! not a valid manifest is remembered and the next endpoint tried; the first valid manifest ends
//! the loop and is evaluated. When the endpoints run out, [`Check::finish`] gives the error.

use std::fmt;

use time::OffsetDateTime;
use url::Url;

use crate::manifest::signed::{
    self, Freshness, ManifestSignature, ManifestSignatureError, SignedManifest,
};
use crate::manifest::{self, Manifest, ManifestError, Platform, Release};
use crate::signature::{Keyring, Signature};
use crate::target::Target;
use crate::template::Transport;
use crate::version::{Comparator, Version};

/// What the check needs to know about the app.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The running app's version.
    pub current_version: Version,
    /// Where it runs.
    pub target: Target,
    /// When a release counts as an update.
    pub comparator: Comparator,
    /// Whether a plain `http` download URL is acceptable.
    pub transport: Transport,
    /// Whether the first answer decides (Tauri) or every endpoint is asked.
    pub endpoints: EndpointPolicy,
    /// Whether answers must come with a manifest signature.
    pub manifest_signature: ManifestSignature,
    /// The keys manifest signatures are checked with (as a rule, the artifacts' keys).
    pub manifest_keys: Keyring,
    /// Now, in Unix seconds: manifest signatures expire against it. Set by the shell before
    /// each check; unused unless manifest signatures are required.
    pub now: u64,
    /// The timestamp of the newest manifest signature the client verified before, when it
    /// keeps one ([`Check::newest_signed`] says what to keep after a check).
    pub newest_seen: Option<u64>,
}

impl CheckConfig {
    /// The defaults: newer releases only, `https` only, the first answer decides, manifests
    /// unsigned.
    pub fn new(current_version: Version, target: Target) -> CheckConfig {
        CheckConfig {
            current_version,
            target,
            comparator: Comparator::Newer,
            transport: Transport::Secure,
            endpoints: EndpointPolicy::First,
            manifest_signature: ManifestSignature::Ignored,
            manifest_keys: Keyring::new(Vec::new()),
            now: 0,
            newest_seen: None,
        }
    }
}

/// How many endpoints a check asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointPolicy {
    /// In order, until one gives an answer to act on (Tauri's loop): a mirror that answers
    /// `204` first hides an update another mirror has.
    #[default]
    First,
    /// Every endpoint; the newest release offered wins ([`Check::end`] lists the offers, newest
    /// first, for the shell to take the first whose signature checks out). One endpoint's
    /// failure, however bad, does not end the check.
    Every,
}

/// The manifest signature the shell found for an answer, when [`Check::wants_signature`] asked
/// for one: the [`signed::HEADER`] of the answer, else the body of [`signed::signature_url`].
#[derive(Debug, Clone, Copy)]
pub enum SignatureFound<'a> {
    /// The signature text (base64 of a minisign signature).
    Text(&'a str),
    /// None was found: where the shell looked, and what it found there.
    Missing(&'a str),
}

/// What came back from one endpoint.
#[derive(Debug, Clone, Copy)]
pub enum Response<'a> {
    /// The request failed before a response (DNS, connect, TLS, timeout, reset).
    Failed {
        /// The shell's description of the failure.
        error: &'a str,
    },
    /// A 2xx answer whose body could not be read to its end (reset, stall, truncation). Tauri
    /// reads the body with `?`, so this aborts the whole check.
    BodyFailed {
        /// The shell's description of the failure.
        error: &'a str,
    },
    /// The body of a 2xx answer was longer than the shell's limit and was cut off. Like any
    /// 2xx body that cannot be read as JSON, this aborts the whole check.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A response with its whole body.
    Http {
        /// The HTTP status code.
        status: u16,
        /// The body.
        body: &'a [u8],
    },
}

/// What to do after one endpoint.
#[derive(Debug, Clone)]
#[must_use]
pub enum Step {
    /// Stop: the app is up to date.
    NoUpdate,
    /// Try the next endpoint (or call [`Check::finish`] when there is none).
    TryNext,
    /// Stop: the check failed.
    Abort(CheckError),
    /// Stop: here is the update.
    Update(Box<Update>),
}

/// A release that a client would be offered, before any endpoint is involved.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The release's version.
    pub version: Version,
    /// Release notes.
    pub notes: Option<String>,
    /// Publication date.
    pub pub_date: Option<OffsetDateTime>,
    /// What `{{target}}` renders to: the OS name, or the custom target (Tauri's `target`).
    pub target: String,
    /// The key of the static manifest's `platforms` entry that matched; `None` for an update
    /// server's (dynamic) answer.
    pub platform_key: Option<String>,
    /// The artifact: URL, signature, size.
    pub platform: Platform,
}

/// An available update: everything Tauri's `Update` carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The running app's version.
    pub current_version: Version,
    /// The release's version (leading `v`s stripped).
    pub version: Version,
    /// Release notes.
    pub notes: Option<String>,
    /// Publication date.
    pub pub_date: Option<OffsetDateTime>,
    /// What `{{target}}` renders to: the OS name, or the custom target (Tauri's `target`).
    pub target: String,
    /// The key of the static manifest's `platforms` entry that matched; `None` for an update
    /// server's (dynamic) answer.
    pub platform_key: Option<String>,
    /// Where to download the artifact.
    pub download_url: Url,
    /// The artifact's signature (base64 of a minisign signature).
    pub signature: String,
    /// The artifact's exact size, when the manifest gives it.
    pub size: Option<u64>,
    /// The whole answer, unknown fields included.
    pub raw: serde_json::Value,
    /// The endpoint that answered.
    pub endpoint: Url,
    /// The manifest signature that vouches for this answer, when one was required: `notes`
    /// and `pub_date` are then authenticated too, not only the artifact.
    pub signed: Option<SignedManifest>,
}

/// Why a check found no update to offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// An endpoint could not be reached.
    #[error("could not fetch {endpoint}: {error}")]
    Transport {
        /// The endpoint.
        endpoint: Url,
        /// The shell's description of the failure.
        error: String,
    },
    /// A 2xx answer's body could not be read to its end (this aborts the whole check).
    #[error("could not read the answer of {endpoint}: {error}")]
    BodyRead {
        /// The endpoint.
        endpoint: Url,
        /// The shell's description of the failure.
        error: String,
    },
    /// An endpoint's body was longer than the limit (this aborts the whole check).
    #[error("the answer of {endpoint} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The endpoint.
        endpoint: Url,
        /// The limit in bytes.
        limit: u64,
    },
    /// An endpoint answered 2xx with a body that is not JSON (this aborts the whole check).
    #[error("the answer of {endpoint} is not JSON: {error}")]
    NotJson {
        /// The endpoint.
        endpoint: Url,
        /// What the JSON parser objected to.
        error: String,
    },
    /// An endpoint answered with JSON that is not a valid manifest.
    #[error("the answer of {endpoint} is not a valid update manifest: {error}")]
    InvalidManifest {
        /// The endpoint.
        endpoint: Url,
        /// The first problem in it (boxed: it carries its path and position).
        error: Box<ManifestError>,
    },
    /// The manifest has no entry for this client.
    #[error("the release {version} has no platform entry for this client (tried {})", keys.join(", "))]
    NoPlatform {
        /// The release's version.
        version: Version,
        /// Every key tried, in order.
        keys: Vec<String>,
    },
    /// The download URL is not `https` and insecure transport was not allowed.
    #[error(
        "the download URL {url} must use https; allow insecure transport to download it anyway"
    )]
    InsecureDownload {
        /// The download URL.
        url: Url,
    },
    /// An answer's manifest signature was missing or refused.
    #[error("the answer of {endpoint} was refused: {error}")]
    ManifestSignature {
        /// The endpoint.
        endpoint: Url,
        /// Why (boxed: it can carry a verification error).
        error: Box<ManifestSignatureError>,
    },
    /// No endpoint gave a valid release.
    #[error("no endpoint gave a valid release{}", Statuses(.statuses))]
    NoRelease {
        /// The endpoints that answered with an error status.
        statuses: Vec<ErrorStatus>,
    },
}

/// An endpoint's answer with an error status (not 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorStatus {
    /// The URL requested.
    pub url: Url,
    /// The status code.
    pub status: u16,
    /// The first non-empty line of the body (at most 200 characters, control characters
    /// escaped: it is the server's text, shown on a terminal), when there is one: a server's
    /// 400 usually says what it did not like.
    pub message: Option<String>,
}

impl ErrorStatus {
    /// The answer `status` with `body` from `url`.
    pub fn new(url: Url, status: u16, body: &[u8]) -> ErrorStatus {
        const MAX: usize = 200;
        let head = &body[..body.len().min(4 * MAX)];
        let text = String::from_utf8_lossy(head);
        let message = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|line| {
                let mut out = String::new();
                for (i, c) in line.chars().enumerate() {
                    if i == MAX {
                        out.push('…');
                        break;
                    }
                    if c.is_control() {
                        out.extend(c.escape_default());
                    } else {
                        out.push(c);
                    }
                }
                out
            });
        ErrorStatus {
            url,
            status,
            message,
        }
    }
}

struct Statuses<'a>(&'a [ErrorStatus]);

impl fmt::Display for Statuses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, answer) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { " (" } else { ", " })?;
            write!(f, "{} answered {}", answer.url, answer.status)?;
            if let Some(message) = &answer.message {
                write!(f, ": {message}")?;
            }
        }
        if !self.0.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// What `manifest` offers a client configured by `config`: `None` when it is not an update.
///
/// The version comparison comes first, as in Tauri: a release that is not an update is "no
/// update" even when the client's platform key is missing.
///
/// # Errors
/// [`CheckError::NoPlatform`] when a static manifest has no entry for the target, and
/// [`CheckError::InsecureDownload`] for a non-`https` download URL under [`Transport::Secure`].
pub fn resolve(manifest: &Manifest, config: &CheckConfig) -> Result<Option<Offer>, CheckError> {
    if !config
        .comparator
        .is_update(&config.current_version, &manifest.version)
    {
        return Ok(None);
    }
    let (platform_key, platform) = match &manifest.release {
        Release::Dynamic(platform) => (None, platform),
        Release::Static { platforms } => {
            let keys = config.target.keys();
            match keys
                .iter()
                .find_map(|k| platforms.get(k).map(|p| (Some(k.clone()), p)))
            {
                Some(found) => found,
                None => {
                    return Err(CheckError::NoPlatform {
                        version: manifest.version.clone(),
                        keys,
                    });
                }
            }
        }
    };
    if !config.transport.allows(&platform.url) {
        return Err(CheckError::InsecureDownload {
            url: platform.url.clone(),
        });
    }
    Ok(Some(Offer {
        version: manifest.version.clone(),
        notes: manifest.notes.clone(),
        pub_date: manifest.pub_date,
        target: config.target.template_target().to_owned(),
        platform_key,
        platform: platform.clone(),
    }))
}

/// One run of the check loop over the configured endpoints.
#[derive(Debug, Clone)]
pub struct Check {
    config: CheckConfig,
    last_error: Option<CheckError>,
    statuses: Vec<ErrorStatus>,
    /// Under [`EndpointPolicy::Every`]: the updates offered so far, in endpoint order.
    offers: Vec<Update>,
    /// Under [`EndpointPolicy::Every`]: whether an endpoint said the app is up to date.
    up_to_date: bool,
    newest_signed: Option<u64>,
}

/// How a check ended, once the loop is over: see [`Check::end`].
#[derive(Debug, Clone)]
#[must_use]
pub enum End {
    /// Updates were offered: the newest first (among equal versions, the earlier endpoint's
    /// first). Take the first whose artifact signature checks out.
    Updates(Vec<Update>),
    /// An endpoint said the app is up to date, and none offered an update.
    NoUpdate,
    /// No endpoint gave an answer to act on.
    Failed(CheckError),
}

impl Check {
    /// Starts a check.
    pub fn new(config: CheckConfig) -> Check {
        Check {
            config,
            last_error: None,
            statuses: Vec::new(),
            offers: Vec::new(),
            up_to_date: false,
            newest_signed: None,
        }
    }

    /// The configuration this check runs with.
    pub fn config(&self) -> &CheckConfig {
        &self.config
    }

    /// Whether the shell must look for a manifest signature for this answer before it calls
    /// [`Check::evaluate_signed`]: when they are required and the answer is a `2xx` other
    /// than `204`.
    pub fn wants_signature(&self, response: &Response<'_>) -> bool {
        matches!(
            self.config.manifest_signature,
            ManifestSignature::Required { .. }
        ) && matches!(response, Response::Http { status, .. } if (200..300).contains(status) && *status != 204)
    }

    /// The timestamp of the newest manifest signature verified in this check, when it is newer
    /// than [`CheckConfig::newest_seen`]: what a client that keeps state should keep.
    pub fn newest_signed(&self) -> Option<u64> {
        self.newest_signed
            .filter(|&t| self.config.newest_seen.is_none_or(|seen| t > seen))
    }

    /// Decides what the answer of `endpoint` (the rendered URL that was requested) means, for
    /// a check that does not require manifest signatures (else see
    /// [`Check::evaluate_signed`]).
    pub fn evaluate(&mut self, endpoint: &Url, response: Response<'_>) -> Step {
        self.evaluate_signed(endpoint, response, None)
    }

    /// Decides what the answer of `endpoint` means, with the manifest signature the shell found
    /// for it when [`Check::wants_signature`] asked for one.
    ///
    /// Under [`ManifestSignature::Required`] the signature is verified before the body is
    /// parsed; a missing or refused one (or a `204`) is remembered as
    /// [`CheckError::ManifestSignature`] and the next endpoint tried, as for an invalid
    /// manifest: one bad mirror does not stop the check.
    pub fn evaluate_signed(
        &mut self,
        endpoint: &Url,
        response: Response<'_>,
        signature: Option<SignatureFound<'_>>,
    ) -> Step {
        let step = self.step(endpoint, response, signature);
        if self.config.endpoints == EndpointPolicy::First {
            return step;
        }
        match step {
            Step::TryNext => {}
            Step::NoUpdate => self.up_to_date = true,
            Step::Abort(error) => self.last_error = Some(error),
            Step::Update(update) => self.offers.push(*update),
        }
        Step::TryNext
    }

    fn step(
        &mut self,
        endpoint: &Url,
        response: Response<'_>,
        signature: Option<SignatureFound<'_>>,
    ) -> Step {
        let body = match response {
            Response::Failed { error } => {
                self.last_error = Some(CheckError::Transport {
                    endpoint: endpoint.clone(),
                    error: error.to_owned(),
                });
                return Step::TryNext;
            }
            Response::BodyFailed { error } => {
                return Step::Abort(CheckError::BodyRead {
                    endpoint: endpoint.clone(),
                    error: error.to_owned(),
                });
            }
            Response::TooLarge { limit } => {
                return Step::Abort(CheckError::TooLarge {
                    endpoint: endpoint.clone(),
                    limit,
                });
            }
            Response::Http { status, body } if !(200..300).contains(&status) => {
                let answer = ErrorStatus::new(endpoint.clone(), status, body);
                self.statuses.push(answer);
                return Step::TryNext;
            }
            Response::Http { status: 204, .. } => {
                if let ManifestSignature::Required { .. } = self.config.manifest_signature {
                    return self.refuse(endpoint, ManifestSignatureError::NoContent);
                }
                return Step::NoUpdate;
            }
            Response::Http { body, .. } => body,
        };
        let signed = match self.authenticate(body, signature) {
            Ok(signed) => signed,
            Err(error) => return self.refuse(endpoint, error),
        };
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(body) {
            return Step::Abort(CheckError::NotJson {
                endpoint: endpoint.clone(),
                error: e.to_string(),
            });
        }
        let manifest = match manifest::parse(body) {
            Ok(manifest) => manifest,
            Err(error) => {
                self.last_error = Some(CheckError::InvalidManifest {
                    endpoint: endpoint.clone(),
                    error: Box::new(error),
                });
                return Step::TryNext;
            }
        };
        if let Some(signed) = &signed
            && let Err(error) = signed.check_version(&manifest.version)
        {
            return self.refuse(endpoint, error);
        }
        match resolve(&manifest, &self.config) {
            Ok(None) => Step::NoUpdate,
            Err(e) => Step::Abort(e),
            Ok(Some(offer)) => Step::Update(Box::new(Update {
                current_version: self.config.current_version.clone(),
                version: offer.version,
                notes: offer.notes,
                pub_date: offer.pub_date,
                target: offer.target,
                platform_key: offer.platform_key,
                download_url: offer.platform.url,
                signature: offer.platform.signature,
                size: offer.platform.size,
                raw: manifest.raw,
                endpoint: endpoint.clone(),
                signed,
            })),
        }
    }

    /// The manifest signature over `body`, verified, when one is required.
    fn authenticate(
        &mut self,
        body: &[u8],
        signature: Option<SignatureFound<'_>>,
    ) -> Result<Option<SignedManifest>, ManifestSignatureError> {
        let ManifestSignature::Required { max_age } = self.config.manifest_signature else {
            return Ok(None);
        };
        let text = match signature {
            Some(SignatureFound::Text(text)) => text,
            Some(SignatureFound::Missing(reason)) => {
                return Err(ManifestSignatureError::Missing {
                    reason: reason.to_owned(),
                });
            }
            None => {
                return Err(ManifestSignatureError::Missing {
                    reason: "none was looked for".to_owned(),
                });
            }
        };
        let signature = Signature::decode(text.trim())?;
        let freshness = Freshness {
            now: self.config.now,
            newest_seen: self.config.newest_seen,
            max_age,
        };
        let signed = signed::verify(&self.config.manifest_keys, &signature, body, &freshness)?;
        self.newest_signed = self.newest_signed.max(Some(signed.timestamp));
        Ok(Some(signed))
    }

    fn refuse(&mut self, endpoint: &Url, error: ManifestSignatureError) -> Step {
        self.last_error = Some(CheckError::ManifestSignature {
            endpoint: endpoint.clone(),
            error: Box::new(error),
        });
        Step::TryNext
    }

    /// The error once every endpoint was tried: the last one remembered, else
    /// [`CheckError::NoRelease`].
    pub fn finish(self) -> CheckError {
        self.last_error.unwrap_or(CheckError::NoRelease {
            statuses: self.statuses,
        })
    }

    /// How the check ended once every endpoint was tried (or the shell stopped early): under
    /// [`EndpointPolicy::First`] always [`End::Failed`] with [`Check::finish`]'s error (the
    /// loop stops at the first answer to act on, before this); under
    /// [`EndpointPolicy::Every`] the offers, newest first, else "up to date" when an endpoint
    /// said so, else the error.
    pub fn end(mut self) -> End {
        if !self.offers.is_empty() {
            let mut offers = std::mem::take(&mut self.offers);
            // Stable: among equal versions the earlier endpoint's offer stays first.
            offers.sort_by(|a, b| b.version.cmp_precedence(&a.version));
            return End::Updates(offers);
        }
        if self.up_to_date {
            return End::NoUpdate;
        }
        End::Failed(self.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::{CheckError, ErrorStatus};
    use url::Url;

    #[test]
    fn an_error_status_shows_the_first_line_of_its_body_escaped() {
        let url = Url::parse("https://u.example.com/x").unwrap();
        let answers = [
            ErrorStatus::new(
                url.clone(),
                400,
                b"\n  invalid version `{{version}}`: expected SemVer\nmore",
            ),
            ErrorStatus::new(url.clone(), 500, b"\x1b]0;owned\x07 hi"),
            ErrorStatus::new(url.clone(), 404, b"  \n"),
            ErrorStatus::new(url.clone(), 502, "é".repeat(300).as_bytes()),
        ];
        assert_eq!(
            answers[0].message.as_deref(),
            Some("invalid version `{{version}}`: expected SemVer")
        );
        assert_eq!(
            answers[1].message.as_deref(),
            Some("\\u{1b}]0;owned\\u{7} hi")
        );
        assert_eq!(answers[2].message, None);
        assert_eq!(
            answers[3].message.as_deref(),
            Some(format!("{}…", "é".repeat(200)).as_str())
        );
        let err = CheckError::NoRelease {
            statuses: answers[..3].to_vec(),
        };
        assert_eq!(
            err.to_string(),
            "no endpoint gave a valid release (https://u.example.com/x answered 400: invalid version `{{version}}`: expected SemVer, https://u.example.com/x answered 500: \\u{1b}]0;owned\\u{7} hi, https://u.example.com/x answered 404)"
        );
    }
}
