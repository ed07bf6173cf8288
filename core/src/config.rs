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
    // Fields in Tauri's order, which serde also reads a JSON array by.
    /// Extra arguments passed to the installer.
    #[serde(default, alias = "installer-args")]
    pub installer_args: Vec<String>,
    /// How the installer runs.
    #[serde(default, alias = "install-mode")]
    pub install_mode: InstallMode,
}

/// `plugins.updater`, as Tauri reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdaterConfig {
    // Fields in Tauri's order, which serde also reads a JSON array by.
    /// Allow non-`https` endpoints and downloads.
    #[serde(default, alias = "dangerous-insecure-transport-protocol")]
    pub dangerous_insecure_transport_protocol: bool,
    /// Accept invalid TLS certificates.
    #[serde(default, alias = "dangerous-accept-invalid-certs")]
    pub dangerous_accept_invalid_certs: bool,
    /// Accept TLS certificates for other host names.
    #[serde(default, alias = "dangerous-accept-invalid-hostnames")]
    pub dangerous_accept_invalid_hostnames: bool,
    /// Endpoint templates, in order.
    #[serde(default)]
    pub endpoints: Vec<String>,
    /// The public key text (base64 of the minisign public key box; not a path).
    pub pubkey: String,
    /// Refuse signatures whose trusted comment does not name the version.
    #[serde(default, alias = "require-signed-version")]
    pub require_signed_version: bool,
    /// Offer any different version, older ones included.
    #[serde(default, alias = "allow-downgrades")]
    pub allow_downgrades: bool,
    /// Windows installer settings (`null` is the same as leaving them out, as in Tauri).
    #[serde(default, deserialize_with = "null_as_default")]
    pub windows: WindowsConfig,
    /// upkit's own: require signed manifests (see [`crate::manifest::signed`]). Tauri ignores
    /// the key, as it ignores every unknown one.
    #[serde(default, alias = "require-signed-manifest")]
    pub require_signed_manifest: bool,
    /// upkit's own: with `requireSignedManifest`, the oldest manifest signature accepted, in
    /// seconds.
    #[serde(default, alias = "manifest-max-age")]
    pub manifest_max_age: Option<u64>,
    /// upkit's own: ask every endpoint and take the newest release
    /// ([`crate::check::EndpointPolicy::Every`]).
    #[serde(default, alias = "every-endpoint")]
    pub every_endpoint: bool,
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
    /// The manifest signature policy `requireSignedManifest` and `manifestMaxAge` ask for.
    pub fn manifest_signature(&self) -> crate::manifest::signed::ManifestSignature {
        if self.require_signed_manifest {
            crate::manifest::signed::ManifestSignature::Required {
                max_age: self.manifest_max_age,
            }
        } else {
            crate::manifest::signed::ManifestSignature::Ignored
        }
    }

    /// The endpoint policy `everyEndpoint` asks for.
    pub fn endpoint_policy(&self) -> crate::check::EndpointPolicy {
        if self.every_endpoint {
            crate::check::EndpointPolicy::Every
        } else {
            crate::check::EndpointPolicy::First
        }
    }

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
    /// `version` as written: the app's version, or the path of a JSON file (a `package.json`)
    /// whose `version` it is, relative to the configuration's directory. Resolving a path is
    /// I/O, left to the caller.
    pub version: Option<String>,
}

impl TauriConfig {
    /// Reads a `tauri.conf.json` text and checks its endpoints.
    ///
    /// # Errors
    /// [`ConfigError`] naming the section and what is wrong in it.
    pub fn parse(json: &str) -> Result<TauriConfig, ConfigError> {
        let root: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ConfigError::NotJson(e.to_string()))?;
        TauriConfig::from_value(&root, None)
    }

    /// Reads a configuration parsed already (from JSON, JSON5 or TOML, platform files merged
    /// with [`merge_patch`]) and checks its endpoints. `transport`, when given, replaces what
    /// `dangerousInsecureTransportProtocol` says, as a user's "allow insecure transport" does;
    /// the value as written is still checked.
    ///
    /// # Errors
    /// [`ConfigError`] naming the section and what is wrong in it.
    pub fn from_value(
        root: &serde_json::Value,
        transport: Option<Transport>,
    ) -> Result<TauriConfig, ConfigError> {
        let updater = root
            .get("plugins")
            .and_then(|p| p.get("updater"))
            .filter(|u| !u.is_null())
            .ok_or(ConfigError::NoUpdater)?;
        let mut updater =
            UpdaterConfig::deserialize(updater).map_err(|e| ConfigError::Invalid {
                path: "plugins.updater",
                message: e.to_string(),
            })?;
        if let Some(transport) = transport {
            updater.dangerous_insecure_transport_protocol = transport == Transport::Insecure;
        }
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
        let version = match root.get("version") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(version)) => Some(version.clone()),
            Some(other) => {
                return Err(ConfigError::Invalid {
                    path: "version",
                    message: format!(
                        "expected a semver string or a path to a package.json file, found `{other}`"
                    ),
                });
            }
        };
        Ok(TauriConfig {
            updater,
            updater_artifacts,
            version,
        })
    }
}

/// Applies `patch` to `doc` as a JSON Merge Patch (RFC 7396): objects merge key by key, `null`
/// removes a key, anything else replaces. This is how Tauri lays a platform file
/// (`tauri.linux.conf.json`, ...) over `tauri.conf.json`.
pub fn merge_patch(doc: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *doc = patch.clone();
        return;
    };
    if !doc.is_object() {
        *doc = serde_json::Value::Object(serde_json::Map::new());
    }
    let Some(doc) = doc.as_object_mut() else {
        return; // an object now
    };
    for (key, value) in patch {
        if value.is_null() {
            doc.remove(key);
        } else {
            merge_patch(
                doc.entry(key.clone()).or_insert(serde_json::Value::Null),
                value,
            );
        }
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
    fn merge_patch_is_rfc_7396() {
        // The examples of RFC 7396, appendix A: [target, patch, result].
        let cases = [
            [r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#],
            [r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#],
            [r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#],
            [r#"{"a":"b","b":"c"}"#, r#"{"a":null}"#, r#"{"b":"c"}"#],
            [r#"{"a":["b"]}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#],
            [r#"{"a":"c"}"#, r#"{"a":["b"]}"#, r#"{"a":["b"]}"#],
            [
                r#"{"a":{"b":"c"}}"#,
                r#"{"a":{"b":"d","c":null}}"#,
                r#"{"a":{"b":"d"}}"#,
            ],
            [r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#],
            [r#"["a","b"]"#, r#"["c","d"]"#, r#"["c","d"]"#],
            [r#"{"a":"b"}"#, r#"["c"]"#, r#"["c"]"#],
            [r#"{"a":"foo"}"#, "null", "null"],
            [r#"{"a":"foo"}"#, r#""bar""#, r#""bar""#],
            [r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#],
            [r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#],
            [
                r#"{}"#,
                r#"{"a":{"bb":{"ccc":null}}}"#,
                r#"{"a":{"bb":{}}}"#,
            ],
        ];
        for [target, patch, result] in cases {
            let mut doc: serde_json::Value = serde_json::from_str(target).unwrap();
            merge_patch(&mut doc, &serde_json::from_str(patch).unwrap());
            assert_eq!(
                doc,
                serde_json::from_str::<serde_json::Value>(result).unwrap(),
                "{target} + {patch}"
            );
        }
    }

    #[test]
    fn a_transport_override_still_checks_the_value_as_written() {
        let config = |updater: &str| {
            serde_json::from_str::<serde_json::Value>(&format!(
                r#"{{"plugins": {{"updater": {updater}}}}}"#
            ))
            .unwrap()
        };
        let http = config(r#"{"pubkey": "K", "endpoints": ["http://127.0.0.1:1/x"]}"#);
        assert!(matches!(
            TauriConfig::from_value(&http, None),
            Err(ConfigError::Endpoint { index: 0, .. })
        ));
        let c = TauriConfig::from_value(&http, Some(Transport::Insecure)).unwrap();
        assert_eq!(c.updater.transport(), Transport::Insecure);
        // Tauri refuses these configurations; allowing insecure transport does not hide that.
        for (updater, message) in [
            (
                r#"{"pubkey": "K", "dangerousInsecureTransportProtocol": "yes"}"#,
                "invalid type: string \"yes\", expected a boolean",
            ),
            (
                r#"{"pubkey": "K", "dangerousInsecureTransportProtocol": true, "dangerous-insecure-transport-protocol": true}"#,
                "duplicate field `dangerousInsecureTransportProtocol`",
            ),
        ] {
            assert_eq!(
                TauriConfig::from_value(&config(updater), Some(Transport::Insecure))
                    .unwrap_err()
                    .to_string(),
                format!("invalid `plugins.updater`: {message}")
            );
        }
    }

    #[test]
    fn the_version_as_written() {
        let version = |v: &str| {
            TauriConfig::parse(&format!(
                r#"{{"version": {v}, "plugins": {{"updater": {{"pubkey": "K"}}}}}}"#
            ))
            .map(|c| c.version)
            .map_err(|e| e.to_string())
        };
        assert_eq!(version(r#""1.2.3""#), Ok(Some("1.2.3".into())));
        assert_eq!(
            version(r#""../package.json""#),
            Ok(Some("../package.json".into()))
        );
        assert_eq!(version("null"), Ok(None));
        assert_eq!(
            version("3"),
            Err("invalid `version`: expected a semver string or a path to a package.json file, found `3`".into())
        );
    }

    #[test]
    fn positional_sections_follow_tauris_field_order() {
        // serde reads a struct from an array by field order; Tauri's order is the contract.
        let c = TauriConfig::parse(
            r#"{"plugins": {"updater": [true, false, false, ["http://127.0.0.1:1/x"], "K", false, true, [["/NS"], "quiet"]]}}"#,
        )
        .unwrap();
        assert_eq!(c.updater.pubkey, "K");
        assert!(c.updater.allow_downgrades && !c.updater.require_signed_version);
        assert_eq!(c.updater.windows.installer_args, ["/NS"]);
        assert_eq!(c.updater.windows.install_mode, InstallMode::Quiet);
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
