//! `--config`: a Tauri configuration read as Tauri's CLI reads it for a build (tauri-utils'
//! `config::parse`): `tauri.conf.json` (JSON, or JSON5 when it is not JSON), `tauri.conf.json5` or
//! `Tauri.toml`, with the platform's file beside it (`tauri.linux.conf.json`, ...) laid over it as
//! a JSON Merge Patch, and `version` resolved (a version, or the path of a `package.json`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use upkit::core::config::{TauriConfig, merge_patch};
use upkit::core::target::Os;
use upkit::core::template::Transport;
use upkit::core::version::Version;

/// The names Tauri looks for a main configuration under, in its order.
const MAIN_FILES: [&str; 3] = ["tauri.conf.json", "tauri.conf.json5", "Tauri.toml"];

/// A configuration, read and checked.
#[derive(Debug)]
pub struct Loaded {
    /// The updater settings.
    pub config: TauriConfig,
    /// The files read: the main one, then the platform's, if any.
    pub files: Vec<PathBuf>,
    /// The main file's directory, which a `version` path is relative to.
    dir: PathBuf,
}

impl Loaded {
    /// `version`, resolved: the version of the app built from this configuration (`None` when
    /// it has none). Resolved only when asked, so that `--current-version` can stand in for a
    /// `version` that does not resolve here.
    pub fn version(&self) -> anyhow::Result<Option<Version>> {
        self.config
            .version
            .as_deref()
            .map(|raw| resolve_version(raw, &self.dir))
            .transpose()
            .with_context(|| format!("in {}", describe(&self.files)))
    }
}

/// The files read, for messages: `a`, or `a (with b merged)`.
fn describe(files: &[PathBuf]) -> String {
    match files {
        [main, platform] => format!("{} (with {} merged)", main.display(), platform.display()),
        files => files
            .iter()
            .map(|file| file.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Tauri's name of a platform in configuration file names.
fn platform(os: Os) -> &'static str {
    match os {
        Os::Darwin => "macos",
        Os::Windows => "windows",
        _ => "linux",
    }
}

/// Reads the configuration at `path` (a file, or a directory holding one of [`MAIN_FILES`]) as
/// built for `os`. `transport` overrides `dangerousInsecureTransportProtocol`.
pub fn load(path: &Path, os: Os, transport: Option<Transport>) -> anyhow::Result<Loaded> {
    let main = if path.is_dir() {
        MAIN_FILES
            .iter()
            .map(|name| path.join(name))
            .find(|file| file.exists())
            .with_context(|| {
                format!(
                    "no tauri.conf.json, tauri.conf.json5 or Tauri.toml in {}",
                    path.display()
                )
            })?
    } else {
        path.to_owned()
    };
    let dir = main.parent().unwrap_or(Path::new("")).to_owned();
    let mut value = read(&main)?;
    let mut files = vec![main.clone()];
    // A platform file goes with a main file of Tauri's names only: any other file given is the
    // whole configuration.
    let named_by_tauri = main
        .file_name()
        .is_some_and(|name| MAIN_FILES.iter().any(|m| name == *m));
    if named_by_tauri {
        let os = platform(os);
        let platform_file = [
            format!("tauri.{os}.conf.json"),
            format!("tauri.{os}.conf.json5"),
            format!("Tauri.{os}.toml"),
        ]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|file| file.exists());
        if let Some(file) = platform_file {
            merge_patch(&mut value, &read(&file)?);
            files.push(file);
        }
    }
    let config = TauriConfig::from_value(&value, transport)
        .map_err(upkit::Error::from)
        .with_context(|| format!("in {}", describe(&files)))?;
    Ok(Loaded { config, files, dir })
}

/// Reads one configuration file into a JSON value, by its extension as Tauri does: `.json5` as
/// JSON5, `.toml` as TOML, anything else as JSON, or JSON5 when it is not JSON.
fn read(file: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let value = match extension {
        "json5" => json5::from_str(&text).map_err(|e| anyhow::anyhow!("not JSON5: {e}")),
        "toml" => toml::from_str(&text).map_err(|e| anyhow::anyhow!("not TOML: {e}")),
        _ => serde_json::from_str(&text).or_else(|json_error| {
            // As Tauri: JSON5 is welcome in a `.json` file, and when the text is neither, the
            // JSON error is the one that explains.
            json5::from_str(&text).map_err(|_| {
                anyhow::Error::from(upkit::Error::from(
                    upkit::core::config::ConfigError::NotJson(json_error.to_string()),
                ))
            })
        }),
    };
    value.with_context(|| format!("in {}", file.display()))
}

/// The app's version from `version` as written: a version, or the path (relative to `dir`) of a
/// JSON file whose `version` it is, as tauri-utils reads it.
fn resolve_version(raw: &str, dir: &Path) -> anyhow::Result<Version> {
    let path = dir.join(raw);
    let version = if !raw.is_empty() && path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}, named by `version`", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{}, named by `version`, is not JSON", path.display()))?;
        match json.get("version") {
            Some(serde_json::Value::String(version)) => version.clone(),
            _ => bail!(
                "{}, named by `version`, has no `version` string",
                path.display()
            ),
        }
    } else {
        raw.to_owned()
    };
    // Strict SemVer, as Tauri's build (no leading `v` here, unlike versions in manifests).
    version.parse::<Version>().map_err(|e| {
        if version == raw && (raw.contains(['/', '\\']) || raw.ends_with(".json")) {
            anyhow::anyhow!(
                "`version` `{raw}` is neither a SemVer version nor a file ({} does not exist)",
                path.display()
            )
        } else {
            anyhow::anyhow!("`version` must be a SemVer version, found `{version}`: {e}")
        }
    })
}
