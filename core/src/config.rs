//! Configuration: the `plugins.updater` and `bundle.createUpdaterArtifacts` settings of a
//! `tauri.conf.json`, with Tauri's meaning.
//!
//! Keys are camelCase, with kebab-case aliases; unknown keys are ignored. Endpoints must use
//! `https` unless `dangerousInsecureTransportProtocol` is set: Tauri's release builds refuse them
//! (its debug builds only warn); upkit always refuses.

use serde::Deserialize;

use crate::template::{Endpoint, TemplateError, Transport};

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not JSON.
    #[error("the configuration is not JSON: {0}")]
    NotJson(String),
    /// There is no `plugins.updater` object.
    #[error("the configuration has no `plugins.updater` section")]
    NoUpdater,
    /// A value has the wrong type or a required key is missing.
    #[error("invalid `{path}`: {message}")]
    Invalid {
        /// Dotted path of the section, e.g. `plugins.updater`.
        path: &'static str,
        /// What is wrong, from the JSON reader.
        message: String,
    },
    /// An endpoint is not an acceptable URL.
    #[error("invalid `plugins.updater.endpoints[{index}]`: {error}")]
    Endpoint {
        /// Its position in the list.
        index: usize,
        /// Why it was refused.
        error: TemplateError,
    },
}

/// How the Windows installer runs (`plugins.updater.windows.installMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstallMode {
    /// A progress bar, no interaction (Tauri's default).
    #[default]
    Passive,
    /// The installer's normal interface.
    BasicUi,
    /// Nothing shown (needs admin rights for per-machine installs).
    Quiet,
}

/// `plugins.updater.windows`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WindowsConfig {
    /// How the installer runs.
    #[serde(default, alias = "install-mode")]
    pub install_mode: InstallMode,
    /// Extra arguments passed to the installer.
    #[serde(default, alias = "installer-args")]
    pub installer_args: Vec<String>,
}

/// `plugins.updater`, as Tauri reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdaterConfig {
    /// The public key text (base64 of the minisign public key box; not a path).
    pub pubkey: String,
    /// Endpoint templates, in order.
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// Allow non-`https` endpoints and downloads.
    #[serde(default, alias = "dangerous-insecure-transport-protocol")]
    pub dangerous_insecure_transport_protocol: bool,
    /// Accept invalid TLS certificates.
    #[serde(default, alias = "dangerous-accept-invalid-certs")]
    pub dangerous_accept_invalid_certs: bool,
    /// Accept TLS certificates for other host names.
    #[serde(default, alias = "dangerous-accept-invalid-hostnames")]
    pub dangerous_accept_invalid_hostnames: bool,
    /// Refuse signatures whose trusted comment does not name the version.
    #[serde(default, alias = "require-signed-version")]
    pub require_signed_version: bool,
    /// Offer any different version, older ones included.
    #[serde(default, alias = "allow-downgrades")]
    pub allow_downgrades: bool,
    /// Windows installer settings (`null` is the same as leaving them out, as in Tauri).
    #[serde(default, deserialize_with = "null_as_default")]
    pub windows: WindowsConfig,
}

/// Reads `null` as the default: Tauri's optional sections (`Option<…>`) take `null` for absent.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl UpdaterConfig {
    /// The transport rule these settings ask for.
    pub fn transport(&self) -> Transport {
        if self.dangerous_insecure_transport_protocol {
            Transport::Insecure
        } else {
            Transport::Secure
        }
    }

    /// The endpoints, parsed and checked against [`UpdaterConfig::transport`].
    ///
    /// # Errors
    /// [`ConfigError::Endpoint`] for the first endpoint that is not an absolute URL, or not
    /// `https` without insecure transport.
    pub fn parsed_endpoints(&self) -> Result<Vec<Endpoint>, ConfigError> {
        self.endpoints
            .iter()
            .enumerate()
            .map(|(index, e)| {
                Endpoint::parse(e, self.transport())
                    .map_err(|error| ConfigError::Endpoint { index, error })
            })
            .collect()
    }
}

/// `bundle.createUpdaterArtifacts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdaterArtifacts {
    /// `false`: no updater artifacts (Tauri's default).
    #[default]
    Disabled,
    /// `true`: the installers are the payloads, each signed.
    Enabled,
    /// `"v1Compatible"`: also the v1 `.tar.gz` / `.zip` wrappers.
    V1Compatible,
}

impl<'de> Deserialize<'de> for UpdaterArtifacts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Tauri's `Updater` is an untagged bool-or-string with no `null`: its bundler refuses
        // `null` here (the key's `default` covers only a missing key), and so does upkit.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
            Other(serde_json::Value),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(false) => Ok(UpdaterArtifacts::Disabled),
            Raw::Bool(true) => Ok(UpdaterArtifacts::Enabled),
            Raw::Text(t) if t == "v1Compatible" => Ok(UpdaterArtifacts::V1Compatible),
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "expected `true`, `false` or `\"v1Compatible\"`, found `\"{t}\"`"
            ))),
            Raw::Other(v) => Err(serde::de::Error::custom(format!(
                "expected `true`, `false` or `\"v1Compatible\"`, found `{v}`"
            ))),
        }
    }
}

/// The updater-related parts of a `tauri.conf.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TauriConfig {
    /// `plugins.updater`.
    pub updater: UpdaterConfig,
    /// `bundle.createUpdaterArtifacts`.
    pub updater_artifacts: UpdaterArtifacts,
}

impl TauriConfig {
    /// Reads a `tauri.conf.json` text and checks its endpoints.
    ///
    /// # Errors
    /// [`ConfigError`] naming the section and what is wrong in it.
    pub fn parse(json: &str) -> Result<TauriConfig, ConfigError> {
        let root: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ConfigError::NotJson(e.to_string()))?;
        let updater = root
            .get("plugins")
            .and_then(|p| p.get("updater"))
            .filter(|u| !u.is_null())
            .ok_or(ConfigError::NoUpdater)?;
        let updater = UpdaterConfig::deserialize(updater).map_err(|e| ConfigError::Invalid {
            path: "plugins.updater",
            message: e.to_string(),
        })?;
        updater.parsed_endpoints()?;
        let updater_artifacts = match root
            .get("bundle")
            .and_then(|b| b.get("createUpdaterArtifacts"))
        {
            None => UpdaterArtifacts::Disabled,
            Some(v) => UpdaterArtifacts::deserialize(v).map_err(|e| ConfigError::Invalid {
                path: "bundle.createUpdaterArtifacts",
                message: e.to_string(),
            })?,
        };
        Ok(TauriConfig {
            updater,
            updater_artifacts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_and_defaults() {
        let c = TauriConfig::parse(
            r#"{"bundle": {"createUpdaterArtifacts": "v1Compatible"},
                "plugins": {"updater": {"pubkey": "KEY", "endpoints": ["https://u.example.com/{{target}}"],
                "windows": {"installMode": "quiet", "installerArgs": ["/NS"]}, "somethingElse": 1}}}"#,
        )
        .unwrap();
        assert_eq!(c.updater.pubkey, "KEY");
        assert_eq!(c.updater.windows.install_mode, InstallMode::Quiet);
        assert_eq!(c.updater.windows.installer_args, ["/NS"]);
        assert!(!c.updater.allow_downgrades && !c.updater.require_signed_version);
        assert_eq!(c.updater_artifacts, UpdaterArtifacts::V1Compatible);
        assert_eq!(c.updater.transport(), Transport::Secure);
    }

    #[test]
    fn kebab_case_aliases() {
        let c = TauriConfig::parse(
            r#"{"plugins": {"updater": {"pubkey": "K", "endpoints": ["http://127.0.0.1:1/x"],
                "dangerous-insecure-transport-protocol": true, "allow-downgrades": true,
                "require-signed-version": true, "dangerous-accept-invalid-certs": true,
                "windows": {"install-mode": "basicUi", "installer-args": ["a"]}}},
                "bundle": {"createUpdaterArtifacts": true}}"#,
        )
        .unwrap();
        assert_eq!(c.updater.transport(), Transport::Insecure);
        assert!(c.updater.allow_downgrades && c.updater.require_signed_version);
        assert!(c.updater.dangerous_accept_invalid_certs);
        assert_eq!(c.updater.windows.install_mode, InstallMode::BasicUi);
        assert_eq!(c.updater_artifacts, UpdaterArtifacts::Enabled);
    }

    #[test]
    fn null_windows_is_absent() {
        // Tauri's `windows` is an `Option`: `null` means the defaults.
        let c = TauriConfig::parse(r#"{"plugins": {"updater": {"pubkey": "K", "windows": null}}}"#)
            .unwrap();
        assert_eq!(c.updater.windows, WindowsConfig::default());
        assert_eq!(
            TauriConfig::parse(r#"{"plugins": {"updater": {"pubkey": "K", "windows": 1}}}"#)
                .unwrap_err()
                .to_string(),
            "invalid `plugins.updater`: invalid type: integer `1`, expected struct WindowsConfig"
        );
    }

    #[test]
    fn errors_name_the_section() {
        assert_eq!(
            TauriConfig::parse("{}").unwrap_err().to_string(),
            "the configuration has no `plugins.updater` section"
        );
        assert_eq!(
            TauriConfig::parse(r#"{"plugins": {"updater": {"endpoints": []}}}"#)
                .unwrap_err()
                .to_string(),
            "invalid `plugins.updater`: missing field `pubkey`"
        );
        assert_eq!(
            TauriConfig::parse(
                r#"{"plugins": {"updater": {"pubkey": "K", "windows": {"installMode": "Quiet"}}}}"#
            )
            .unwrap_err()
            .to_string(),
            "invalid `plugins.updater`: unknown variant `Quiet`, expected one of `passive`, `basicUi`, `quiet`"
        );
        assert_eq!(
            TauriConfig::parse(r#"{"plugins": {"updater": {"pubkey": "K", "endpoints": ["https://a.example/", "http://b.example/"]}}}"#)
                .unwrap_err()
                .to_string(),
            "invalid `plugins.updater.endpoints[1]`: endpoint `http://b.example/` must use https (scheme is `http`); allow insecure transport to use it anyway"
        );
        assert_eq!(
            TauriConfig::parse(r#"{"plugins": {"updater": {"pubkey": "K"}}, "bundle": {"createUpdaterArtifacts": "yes"}}"#)
                .unwrap_err()
                .to_string(),
            "invalid `bundle.createUpdaterArtifacts`: expected `true`, `false` or `\"v1Compatible\"`, found `\"yes\"`"
        );
        for value in ["null", "1", "[]"] {
            assert_eq!(
                TauriConfig::parse(&format!(
                    r#"{{"plugins": {{"updater": {{"pubkey": "K"}}}}, "bundle": {{"createUpdaterArtifacts": {value}}}}}"#
                ))
                .unwrap_err()
                .to_string(),
                format!("invalid `bundle.createUpdaterArtifacts`: expected `true`, `false` or `\"v1Compatible\"`, found `{value}`")
            );
        }
        assert!(matches!(
            TauriConfig::parse("{"),
            Err(ConfigError::NotJson(_))
        ));
    }
}
