//! The plugin's error: upkit's, and the few of the Tauri side. Sent to JavaScript as its message,
//! as the official plugin does.

use serde::{Serialize, Serializer};

/// Everything that can go wrong in the plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The updater refused or failed: configuration, check, download, verification or install.
    /// The message names the endpoint, URL or file concerned.
    #[error(transparent)]
    Upkit(#[from] upkit::Error),
    /// A header name or value given to the builder is not valid HTTP.
    #[error(transparent)]
    Http(#[from] tauri::http::Error),
    /// A header name is not valid.
    #[error(transparent)]
    InvalidHeaderName(#[from] tauri::http::header::InvalidHeaderName),
    /// A header value is not valid.
    #[error(transparent)]
    InvalidHeaderValue(#[from] tauri::http::header::InvalidHeaderValue),
    /// A header value is not visible ASCII text, which upkit's client sends.
    #[error("the value of header `{0}` is not visible ASCII text")]
    HeaderText(String),
    /// A URL (the `proxy` option) does not parse.
    #[error(transparent)]
    UrlParse(#[from] url::ParseError),
    /// A version (of an edited [`Update`](crate::Update)) is not SemVer.
    #[error(transparent)]
    Version(#[from] upkit::core::version::VersionError),
    /// The app's current version is not SemVer.
    #[error(transparent)]
    Semver(#[from] semver::Error),
    /// A file could not be written or read (`Update::install` of bytes, `Update::download`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The release date could not be formatted as RFC 3339.
    #[error("failed to format the date of the update as RFC 3339")]
    FormatDate,
    /// `Update.install` was given a downloaded artifact of another update.
    #[error("the downloaded artifact is {found}'s, not {expected}'s: download this update first")]
    OtherDownload {
        /// The update's download URL.
        expected: String,
        /// The download URL of the artifact given.
        found: String,
    },
    /// The install ran on a worker thread that panicked.
    #[error("the install did not finish: {0}")]
    Join(String),
    /// An error of Tauri's (a resource id that names nothing, say).
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
}

impl From<upkit::install::InstallError> for Error {
    fn from(error: upkit::install::InstallError) -> Self {
        Error::Upkit(error.into())
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// A [`Result`](std::result::Result) whose error is the plugin's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_their_json() {
        let other = Error::OtherDownload {
            expected: "https://u.example.com/a".into(),
            found: "https://u.example.com/b".into(),
        };
        assert_eq!(
            other.to_string(),
            "the downloaded artifact is https://u.example.com/b's, not https://u.example.com/a's: download this update first"
        );
        assert_eq!(
            Error::HeaderText("x-name".into()).to_string(),
            "the value of header `x-name` is not visible ASCII text"
        );
        assert_eq!(
            Error::FormatDate.to_string(),
            "failed to format the date of the update as RFC 3339"
        );
        // JavaScript gets the message as a string, as from the official plugin.
        assert_eq!(
            serde_json::to_value(Error::Upkit(upkit::Error::NoEndpoint)).unwrap(),
            serde_json::json!("no update endpoint configured")
        );
    }
}
