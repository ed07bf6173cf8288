//! The plugin's configuration: `plugins.updater` in `tauri.conf.json`.
//!
//! The official keys (`endpoints`, `pubkey`, `dangerousInsecureTransportProtocol`,
//! `dangerousAcceptInvalidCerts`, `dangerousAcceptInvalidHostnames`, `requireSignedVersion`,
//! `allowDowngrades`, `windows.installMode`, `windows.installerArgs`) are read by upkit-core's
//! [`TauriConfig`], the one reading of a Tauri configuration upkit has. upkit's extras are more
//! keys in the same section ([`Extras`]); the official plugin ignores them, so one
//! `tauri.conf.json` works with both.

use serde::{Deserialize, Deserializer};
use upkit::core::config::{TauriConfig, UpdaterConfig};

/// `plugins.updater`: the official keys and upkit's extras.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The official keys, as upkit-core reads them (Tauri's names, meanings and errors).
    pub updater: UpdaterConfig,
    /// upkit's extra keys.
    pub extras: Extras,
}

/// What a platform entry's `size` does (`"manifestSize"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ManifestSize {
    /// Enforced exactly, when the entry gives one (the default).
    #[default]
    Exact,
    /// Not enforced, as in Tauri (the artifact limit still applies).
    Ignored,
}

/// Whether legacy (non-prehashed) signatures are accepted (`"legacySignatures"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LegacySignatures {
    /// Refused (the default).
    #[default]
    Refuse,
    /// Accepted, as Tauri does; such a signature is over the whole file, which is then held in
    /// memory while it is verified.
    Allow,
}

/// upkit's extra keys in `plugins.updater`. Every key is optional; unknown keys are ignored.
///
/// ```json
/// { "plugins": { "updater": {
///     "pubkey": "…", "endpoints": ["https://…"],
///     "pubkeys": ["…the next key, for rotation…"],
///     "artifactLimit": 536870912, "manifestLimit": 1048576,
///     "connectTimeout": 30, "stallTimeout": 30,
///     "fileBinding": true, "manifestSize": "exact", "legacySignatures": "refuse"
/// } } }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Extras {
    /// More trusted public keys besides `pubkey` (key rotation: the signature's key id picks one).
    #[serde(default)]
    pub pubkeys: Vec<String>,
    /// The largest artifact downloaded, in bytes (4 GiB by default).
    pub artifact_limit: Option<u64>,
    /// The largest manifest read, in bytes (1 MiB by default).
    pub manifest_limit: Option<u64>,
    /// How long a connection may take to open, in seconds (30 by default).
    pub connect_timeout: Option<u64>,
    /// How long a response may go without a byte, in seconds (30 by default); a stalled download
    /// resumes with `Range`.
    pub stall_timeout: Option<u64>,
    /// Whether the signed `file:` must equal the download URL's file name (off by default).
    #[serde(default)]
    pub file_binding: bool,
    /// What a platform entry's `size` does.
    #[serde(default)]
    pub manifest_size: ManifestSize,
    /// Whether legacy signatures are accepted.
    #[serde(default)]
    pub legacy_signatures: LegacySignatures,
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let section = serde_json::Value::deserialize(deserializer)?;
        // The section as upkit-core reads a whole configuration: the same checks (endpoints
        // included) and messages as `upkit check --config`.
        let root = serde_json::json!({ "plugins": { "updater": &section } });
        let updater = TauriConfig::from_value(&root, None)
            .map_err(D::Error::custom)?
            .updater;
        let extras = Extras::deserialize(&section).map_err(D::Error::custom)?;
        Ok(Config { updater, extras })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_keys_and_extras_in_one_section() {
        let config: Config = serde_json::from_str(
            r#"{"pubkey": "K", "endpoints": ["https://u.example.com/{{target}}"],
                "allowDowngrades": true, "windows": {"installMode": "quiet"},
                "pubkeys": ["K2"], "artifactLimit": 100, "stallTimeout": 5,
                "manifestSize": "ignored", "somethingElse": true}"#,
        )
        .unwrap();
        assert_eq!(config.updater.pubkey, "K");
        assert!(config.updater.allow_downgrades);
        assert_eq!(config.extras.pubkeys, ["K2"]);
        assert_eq!(config.extras.artifact_limit, Some(100));
        assert_eq!(config.extras.stall_timeout, Some(5));
        assert_eq!(config.extras.manifest_size, ManifestSize::Ignored);
        assert_eq!(config.extras.legacy_signatures, LegacySignatures::Refuse);
    }

    #[test]
    fn errors_are_upkit_cores() {
        let error = |json: &str| {
            serde_json::from_str::<Config>(json)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error(r#"{"endpoints": []}"#),
            "invalid `plugins.updater`: missing field `pubkey`"
        );
        assert_eq!(
            error(r#"{"pubkey": "K", "endpoints": ["http://u.example.com/"]}"#),
            "invalid `plugins.updater.endpoints[0]`: endpoint `http://u.example.com/` must use https (scheme is `http`); allow insecure transport to use it anyway"
        );
        assert_eq!(
            error(r#"{"pubkey": "K", "manifestSize": "none"}"#),
            "unknown variant `none`, expected `exact` or `ignored`"
        );
    }
}
