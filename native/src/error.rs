//! The updater client's umbrella error.

use std::path::PathBuf;
use std::time::Duration;

use upkit_core::check::CheckError;

use crate::install::InstallError;
use upkit_core::config::ConfigError;
use upkit_core::rate::RateError;
use upkit_core::signature::{KeyError, SignatureError, VerifyError};
use upkit_core::template::TemplateError;
use url::Url;

/// Everything that can go wrong while configuring the updater, checking for an update, or
/// downloading and verifying it. Each variant is a failure a caller may want to handle on its
/// own; each message names the endpoint, URL or file concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `tauri.conf.json` could not be read.
    #[error("invalid tauri configuration: {0}")]
    Config(#[from] ConfigError),
    /// An endpoint is not a usable URL, or its template could not be rendered.
    #[error(transparent)]
    Endpoint(#[from] TemplateError),
    /// No endpoint was configured.
    #[error("no update endpoint configured")]
    NoEndpoint,
    /// No public key was configured.
    #[error("no public key configured: updates cannot be verified without one")]
    NoPublicKey,
    /// A configured public key could not be decoded.
    #[error("public key #{index}: {source}")]
    PublicKey {
        /// Its position among the configured keys, from 1.
        index: usize,
        /// Why it was refused.
        source: KeyError,
    },
    /// A configured header is not a valid HTTP header.
    #[error("invalid header `{name}`: {reason}")]
    Header {
        /// The header's name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The configured proxy is not usable.
    #[error("invalid proxy `{proxy}`: {reason}")]
    Proxy {
        /// The proxy as given.
        proxy: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A configured root certificate could not be read.
    #[error("root certificate #{index}: {reason}")]
    Certificate {
        /// Its position among the configured certificates, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// This machine's platform is not one the protocol names, and none was configured.
    #[error(
        "cannot detect the {kind}: `{name}` is not one the update protocol names; configure it"
    )]
    Platform {
        /// `os` or `arch`.
        kind: &'static str,
        /// What the platform calls itself.
        name: String,
    },
    /// The HTTP client could not be set up.
    #[error("could not set up the HTTP client: {reason}")]
    Client {
        /// Why.
        reason: String,
    },
    /// The check failed: no endpoint could be reached, an answer was not JSON or not a valid
    /// manifest, the release has no entry for this platform, or its download URL is insecure.
    /// Match on the [`CheckError`] for the details.
    #[error(transparent)]
    Check(Box<CheckError>),
    /// The update's signature text could not be decoded.
    #[error("the signature of the update from {url} cannot be decoded: {source}")]
    SignatureText {
        /// The download URL.
        url: Url,
        /// Why it was refused.
        source: SignatureError,
    },
    /// The signature does not vouch for the artifact (wrong key, tampered bytes, signed version
    /// or file name mismatch...).
    #[error("the artifact from {url} failed verification: {source}")]
    Signature {
        /// The download URL.
        url: Url,
        /// Why verification failed (boxed to keep the error small).
        source: Box<VerifyError>,
    },
    /// The download failed at the network level after every retry.
    #[error("downloading {url} failed: {message}")]
    Network {
        /// The download URL.
        url: Url,
        /// What failed.
        message: String,
    },
    /// The download server answered with an error status.
    #[error("downloading {url} failed: the server answered {status}")]
    Status {
        /// The download URL.
        url: Url,
        /// The HTTP status code.
        status: u16,
    },
    /// The download stalled: no byte arrived within the stall timeout, on every retry.
    #[error("downloading {url} stalled: no data received for {after:?}")]
    Stalled {
        /// The download URL.
        url: Url,
        /// The stall timeout.
        after: Duration,
    },
    /// The download fell below the minimum rate ([`UpdaterBuilder::min_rate`]): a server
    /// trickling bytes (each one resets the stall timeout) would otherwise hold it forever.
    ///
    /// [`UpdaterBuilder::min_rate`]: crate::UpdaterBuilder::min_rate
    #[error("downloading {url} is too slow: {source}")]
    TooSlow {
        /// The download URL.
        url: Url,
        /// The rate seen and the minimum (boxed to keep the error small).
        source: Box<RateError>,
    },
    /// The check or the download did not finish within the configured deadline.
    #[error("{operation} did not finish within the deadline of {deadline:?}")]
    Deadline {
        /// `the check` or `the download of <url>`.
        operation: String,
        /// The deadline.
        deadline: Duration,
    },
    /// The artifact is larger than the configured limit.
    #[error("the artifact at {url} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The download URL.
        url: Url,
        /// The limit in bytes.
        limit: u64,
    },
    /// The artifact's size differs from the size the manifest gives.
    #[error("the artifact at {url} is {found} bytes, but the manifest says {expected}")]
    SizeMismatch {
        /// The download URL.
        url: Url,
        /// The size in the manifest.
        expected: u64,
        /// The size the server announced or sent.
        found: FoundSize,
    },
    /// The verified update could not be installed (see [`InstallError`] for what was kept).
    #[error(transparent)]
    Install(Box<InstallError>),
    /// A file system operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`cannot create a temporary file in`, ...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// How big an artifact turned out to be, in a [`Error::SizeMismatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundSize {
    /// Exactly this many bytes (announced by the server, or sent before it closed).
    Exactly(u64),
    /// More than this many bytes: the body was cut there.
    MoreThan(u64),
}

impl std::fmt::Display for FoundSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoundSize::Exactly(n) => write!(f, "{n}"),
            FoundSize::MoreThan(n) => write!(f, "more than {n}"),
        }
    }
}

impl From<InstallError> for Error {
    fn from(error: InstallError) -> Self {
        Error::Install(Box::new(error))
    }
}

impl From<CheckError> for Error {
    fn from(error: CheckError) -> Self {
        Error::Check(Box::new(error))
    }
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

/// The error of making a temporary file, without `tempfile`'s ` at path "…"` suffix (the random
/// name it tried): the caller's error names the directory.
pub(crate) fn without_temp_name(e: std::io::Error) -> std::io::Error {
    if e.get_ref().is_none() {
        return e;
    }
    let text = e.to_string();
    match text.split_once(" at path \"") {
        Some((message, _)) => std::io::Error::new(e.kind(), message.to_owned()),
        None => e,
    }
}
