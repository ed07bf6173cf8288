//! The updater-client options shared by `upkit check`, `upkit download` and `upkit update`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use upkit::core::check::CheckError;
use upkit::core::check::EndpointPolicy;
use upkit::core::manifest::signed::ManifestSignature;
use upkit::core::signature::Legacy;
use upkit::core::target::{Arch, Installer, Os};
use upkit::core::template::{Endpoint, TemplateError, Transport, Variables};
use upkit::{FileBinding, ManifestSize, UpdaterBuilder};

use crate::tauri_config::{self, Loaded};

/// How to find and trust an update.
#[derive(clap::Args, Debug, Clone)]
pub struct ClientArgs {
    /// A trusted public key: the base64 text of `tauri.conf.json`'s `pubkey`, or a file holding
    /// it (repeat for key rotation). Required unless `--config` gives one.
    #[arg(long, value_name = "KEY")]
    pub pubkey: Vec<String>,
    /// An update endpoint; `{{current_version}}`, `{{target}}`, `{{arch}}` and `{{bundle_type}}`
    /// are filled in. Repeat to give fallbacks, tried in order.
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "config",
        conflicts_with = "config"
    )]
    pub endpoint: Vec<String>,
    /// Read the endpoints, key, settings and version from a Tauri configuration, as Tauri's build
    /// reads it: `tauri.conf.json` (JSON or JSON5), `tauri.conf.json5` or `Tauri.toml`, or the
    /// directory holding it, with the target's platform file beside it merged
    /// (`tauri.linux.conf.json`, `tauri.macos.conf.json`, `tauri.windows.conf.json`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The version the app runs now. Default with `--config`: its `version`.
    #[arg(long, value_name = "V")]
    pub current_version: Option<String>,
    /// The OS (`linux`, `darwin`, `windows`), or any other name as a custom target (the only
    /// platform key tried). Default: this machine's OS.
    #[arg(long, value_name = "T")]
    pub target: Option<String>,
    /// The architecture (`x86_64`, `i686`, `aarch64`, `armv7`, `riscv64`). Default: this
    /// machine's.
    #[arg(long, value_name = "A")]
    pub arch: Option<String>,
    /// The bundle type (`appimage`, `deb`, `rpm`, `app`, `msi`, `nsis`, or `unknown`): the
    /// `{{bundle_type}}` of endpoints, and the `{os}-{arch}-{bundle}` key tried first. Default:
    /// `unknown` (a Tauri app on macOS has `app`).
    #[arg(long, value_name = "B")]
    pub bundle_type: Option<String>,
    /// A header sent with every request, `Name: value` (repeatable).
    #[arg(long, value_name = "'K: V'")]
    pub header: Vec<String>,
    /// Connect and stall (no data) timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// A limit in seconds on the whole check, and on the whole download; `none` for none.
    /// Default: 60 for the check (a server answering a byte at a time never trips --timeout),
    /// none for the download (its minimum rate stops a slow one).
    #[arg(long, value_name = "SECS|none")]
    pub deadline: Option<String>,
    /// Offer older versions too (any version different from the current one).
    #[arg(long)]
    pub allow_downgrades: bool,
    /// Allow plain http endpoints, redirects and downloads.
    #[arg(long)]
    pub insecure_transport: bool,
    /// Accept legacy (non-prehashed) signatures, as Tauri does; verifying one holds the whole
    /// download in memory.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Refuse a signature whose trusted comment names another file (`file:`) than the download
    /// URL's last segment: a server cannot pass off another artifact signed for the same
    /// version. Off by default, as in Tauri: hosts such as GitHub Releases rename uploads
    /// (spaces become dots), which would refuse good updates.
    #[arg(long)]
    pub bind_file_name: bool,
    /// Do not enforce a platform entry's `size` (an upkit extension Tauri ignores), for a
    /// manifest whose `size` is wrong; the download still verifies against its signature.
    #[arg(long)]
    pub ignore_size: bool,
    /// Send requests through this proxy (an http:// or https:// URL).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Trust this root certificate (PEM file) besides the system's.
    #[arg(long, value_name = "FILE")]
    pub root_cert: Vec<PathBuf>,
    /// Require signed manifests (`upkit sign latest.json --expires 30d`): every answer must come
    /// with an unexpired manifest signature by a trusted key (the `Upkit-Manifest-Signature`
    /// header, else the manifest's URL plus `.sig`), or it counts as a failed endpoint. Off by
    /// default: Tauri's servers do not sign manifests.
    #[arg(long)]
    pub require_signed_manifest: bool,
    /// With --require-signed-manifest: refuse manifests signed longer ago than this (45s,
    /// 90min, 12h, 30d, 2w), whatever their expiry.
    #[arg(long, value_name = "DURATION", requires = "require_signed_manifest", value_parser = crate::duration::parse)]
    pub max_age: Option<u64>,
    /// With --require-signed-manifest: keep the newest manifest signature seen in this file, and
    /// refuse an older one (a replayed manifest) in later runs.
    #[arg(long, value_name = "FILE", requires = "require_signed_manifest")]
    pub manifest_state: Option<PathBuf>,
    /// Ask every endpoint and take the newest release offered whose signature checks out,
    /// instead of stopping at the first answer (Tauri's rule, under which one mirror's 204
    /// hides an update another has).
    #[arg(long)]
    pub every_endpoint: bool,
}

fn seconds(secs: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow::anyhow!("invalid {flag} `{secs}`: expected seconds above 0"))
}

/// Refuses a placeholder in `endpoint` that no client fills (a typo such as `{{version}}`):
/// Tauri would request the URL with it left in, percent-encoded.
fn refuse_unknown_placeholders(endpoint: &str, source: &str) -> anyhow::Result<()> {
    // The scheme is checked by the updater; here only the placeholders count.
    let Ok(parsed) = Endpoint::parse(endpoint, Transport::Insecure) else {
        return Ok(());
    };
    if let Some(name) = parsed
        .placeholders()
        .into_iter()
        .find(|name| !Variables::is_built_in(name))
    {
        bail!(
            "unknown placeholder `{{{{{name}}}}}` in {source} `{endpoint}`: expected {} (Tauri would leave it in the URL, percent-encoded)",
            Variables::BUILT_IN
                .map(|n| format!("{{{{{n}}}}}"))
                .join(", ")
        );
    }
    Ok(())
}

impl ClientArgs {
    /// What to add to an error that plain http was refused: the flag (or setting) that allows
    /// it.
    pub fn explain(&self, err: anyhow::Error) -> anyhow::Error {
        let insecure = err.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<upkit::Error>(),
                Some(upkit::Error::Endpoint(TemplateError::Insecure { .. }))
            ) || matches!(
                cause.downcast_ref::<upkit::Error>(),
                Some(upkit::Error::Check(check)) if matches!(**check, CheckError::InsecureDownload { .. })
            )
        });
        match (insecure, &self.config) {
            (false, _) => err,
            (true, None) => err.context("plain http was refused: pass --insecure-transport to allow it"),
            (true, Some(_)) => err.context(
                "plain http was refused: pass --insecure-transport, or set plugins.updater.dangerousInsecureTransportProtocol in the configuration",
            ),
        }
    }

    /// The `--config` configuration, read and checked as built for `--target`'s OS (this
    /// machine's for a custom target), with `--insecure-transport` applied to it (`None` without
    /// `--config`).
    pub fn tauri_config(&self) -> anyhow::Result<Option<Loaded>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };
        let os = self
            .target
            .as_deref()
            .and_then(|t| t.parse::<Os>().ok())
            .unwrap_or_else(upkit::install::host_os);
        let transport = self.insecure_transport.then_some(Transport::Insecure);
        tauri_config::load(path, os, transport).map(Some)
    }

    /// The updater these options describe, with `config` from [`ClientArgs::tauri_config`].
    pub fn builder(&self, config: Option<&Loaded>) -> anyhow::Result<UpdaterBuilder> {
        let version = match (&self.current_version, config) {
            (Some(version), _) => upkit::core::version::parse(version)?,
            (None, Some(loaded)) => match loaded.version()? {
                Some(version) => version,
                None => bail!(
                    "--current-version is required: {} has no `version` (Tauri then takes the version of the app's Cargo.toml)",
                    loaded.files[0].display()
                ),
            },
            (None, None) => bail!("--current-version is required"),
        };
        let mut builder = match config {
            Some(loaded) => {
                let source = format!("{}'s endpoints", loaded.files[0].display());
                for endpoint in &loaded.config.updater.endpoints {
                    refuse_unknown_placeholders(endpoint, &source)?;
                }
                UpdaterBuilder::from_updater_config(&loaded.config.updater, version)?
            }
            None => {
                if self.pubkey.is_empty() {
                    bail!("--pubkey is required unless --config gives the key");
                }
                for endpoint in &self.endpoint {
                    refuse_unknown_placeholders(endpoint, "--endpoint")?;
                }
                UpdaterBuilder::new(version).endpoints(self.endpoint.iter().map(String::as_str))
            }
        };
        for key in &self.pubkey {
            // Read as `upkit verify` and `upkit validate` read it: text, Tauri's or minisign's
            // key file, and a clear error for a path that names no file.
            builder = builder.public_key(upkit::keys::load_public_key(key)?);
        }
        if let Some(target) = &self.target {
            builder = match target.parse::<Os>() {
                Ok(os) => builder.os(os),
                Err(_) => builder.custom_target(target),
            };
        }
        if let Some(arch) = &self.arch {
            builder = builder.arch(arch.parse::<Arch>()?);
        }
        // The CLI is not the app: how the app was installed is not this machine's guess (an
        // `$APPIMAGE`, the package owning this binary), so unless given it is unknown, as it is
        // for `resolveUpdate` in JS.
        builder = builder.installer(match self.bundle_type.as_deref() {
            None => None,
            Some(name) => Installer::parse_bundle_type(name)?,
        });
        // Nor is the package owning this binary the app's (`upkit update --package` names it).
        builder = builder.app_package(None);
        for header in &self.header {
            let Some((name, value)) = header.split_once(':') else {
                bail!("invalid --header `{header}`: expected `Name: value`");
            };
            builder = builder.header(name.trim(), value.trim());
        }
        let timeout = seconds(self.timeout, "--timeout")?;
        builder = builder.connect_timeout(timeout).stall_timeout(timeout);
        match self.deadline.as_deref() {
            None => {}
            Some("none") => builder = builder.check_deadline(None),
            Some(text) => {
                let deadline = text
                    .parse()
                    .ok()
                    .and_then(|secs| seconds(secs, "--deadline").ok())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "invalid --deadline `{text}`: expected seconds above 0, or none"
                        )
                    })?;
                builder = builder.deadline(deadline);
            }
        }
        if self.allow_downgrades {
            builder = builder.allow_downgrades();
        }
        if self.insecure_transport {
            builder = builder.transport(Transport::Insecure);
        }
        if self.allow_legacy {
            builder = builder.legacy_signatures(Legacy::Allow);
        }
        if self.bind_file_name {
            builder = builder.file_binding(FileBinding::UrlBaseName);
        }
        if self.ignore_size {
            builder = builder.manifest_size(ManifestSize::Ignored);
        }
        if self.require_signed_manifest {
            builder = builder.manifest_signature(ManifestSignature::Required {
                max_age: self.max_age,
            });
        }
        if let Some(state) = &self.manifest_state {
            builder = builder.manifest_state(state);
        }
        if self.every_endpoint {
            builder = builder.endpoint_policy(EndpointPolicy::Every);
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy);
        }
        for path in &self.root_cert {
            let pem =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            builder = builder.root_certificate(&pem);
        }
        Ok(builder)
    }
}

/// Runs `future` on `rt` to its end, or until Ctrl-C (or SIGTERM): then `None`, and the future
/// is dropped, which removes a download's temporary file (a killed process cannot).
pub fn until_interrupted<F: std::future::Future>(
    rt: &tokio::runtime::Runtime,
    future: F,
) -> Option<F::Output> {
    rt.block_on(async {
        tokio::select! {
            output = future => Some(output),
            () = crate::serve::shutdown() => None,
        }
    })
}

/// What `upkit download` and `upkit update` say and exit with when interrupted.
pub fn interrupted() -> ExitCode {
    eprintln!("interrupted: the partial download was removed");
    ExitCode::from(130)
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
