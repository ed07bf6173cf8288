//! The updater client: [`UpdaterBuilder`] → [`Updater::check`] → [`Update::download`].
//!
//! Every decision is the core's: [`upkit_core::template`] renders the endpoints,
//! [`upkit_core::check::Check`] says what each answer means, and the streaming
//! [`upkit_core::signature::Verifier`] decides whether the artifact is the signed one. This
//! module only carries bytes between them and the network.
//!
//! ```no_run
//! # async fn run() -> Result<(), upkit::Error> {
//! use upkit::updater::UpdaterBuilder;
//!
//! let updater = UpdaterBuilder::new(upkit::core::version::parse("1.0.0").unwrap())
//!     .endpoint("https://releases.example.com/{{target}}/{{arch}}/{{current_version}}")
//!     .pubkey("dW50cnVzdGVkIGNvbW1lbnQ6IG1pbmlzaWduIHB1YmxpYyBrZXk6IC4uLgo=")
//!     .build()?;
//! if let Some(update) = updater.check().await? {
//!     println!("{} is available", update.version());
//!     let artifact = update.download(std::env::temp_dir(), |p| println!("{} bytes", p.downloaded)).await?;
//!     println!("verified: {}", artifact.path().display());
//! }
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use tokio::runtime::RuntimeFlavor;
use upkit_core::check::{Check, CheckConfig, End, EndpointPolicy, Response, SignatureFound, Step};
use upkit_core::config::{TauriConfig, UpdaterConfig};
use upkit_core::manifest::signed::{self, ManifestSignature};
use upkit_core::rate::MinRate;
use upkit_core::signature::{
    KeyError, Keyring, Legacy, Policy, PublicKey, Signature, SignedVersion, Verifier,
};
use upkit_core::target::{Arch, Installer, Os, Target};
use upkit_core::template::{Endpoint, Transport, Variables};
use upkit_core::version::{Comparator, Version};
use url::Url;

use crate::artifact::VerifiedArtifact;
use crate::download::{self, RetryPolicy};
use crate::error::Error;
use crate::http::{CertificateCheck, ClientOptions, Fetched, HostnameCheck, Http, SystemProxy};
use crate::install::{Downgrades, InstallOptions, Installed, WindowsOptions};
use crate::progress::Progress;

/// The default connect timeout and stall timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default limit of a manifest body: 1 MiB.
pub const DEFAULT_MANIFEST_LIMIT: u64 = 1 << 20;
/// The default artifact size limit: 4 GiB.
pub const DEFAULT_ARTIFACT_LIMIT: u64 = 4 << 30;
/// The default limit on a whole check: 60 s (every endpoint, redirects included).
pub const DEFAULT_CHECK_DEADLINE: Duration = Duration::from_secs(60);

/// Whether the trusted comment's `file:` must equal the download URL's base name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileBinding {
    /// The file name is not checked (Tauri's behaviour, the default).
    #[default]
    Off,
    /// The signed file name must equal the last segment of the download URL's path.
    UrlBaseName,
}

/// Whether a platform entry's `size` (an upkit extension, which Tauri ignores) is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ManifestSize {
    /// The artifact must be exactly `size` bytes, when the entry gives it (the default): a
    /// wrong size fails at once, before the whole artifact is downloaded.
    #[default]
    Exact,
    /// `size` is not enforced, as in Tauri: for manifests whose `size` is stale or written by
    /// hand. The artifact limit still applies.
    Ignored,
}

/// How the app's own deb or rpm package is found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum AppPackage {
    /// The package owning the running executable.
    #[default]
    Detect,
    Given(Option<String>),
}

/// How the installer (Tauri's bundle type) is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum InstallerChoice {
    #[default]
    Detect,
    Given(Option<Installer>),
}

/// Configures an [`Updater`]. Every setting has a default except the current version, the
/// endpoints and the public keys.
#[derive(Debug, Clone)]
#[must_use]
pub struct UpdaterBuilder {
    current_version: Version,
    endpoints: Vec<String>,
    /// Decoded as given; an error is reported by `build()`, with the key's position.
    pubkeys: Vec<Result<PublicKey, KeyError>>,
    os: Option<Os>,
    arch: Option<Arch>,
    installer: InstallerChoice,
    custom_target: Option<String>,
    variables: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    proxy: Option<String>,
    no_proxy: Option<String>,
    system_proxy: SystemProxy,
    connect_timeout: Duration,
    stall_timeout: Duration,
    deadline: Option<Duration>,
    check_deadline: Option<Duration>,
    min_rate: Option<MinRate>,
    manifest_limit: u64,
    artifact_limit: u64,
    comparator: Comparator,
    transport: Transport,
    certificates: CertificateCheck,
    hostnames: HostnameCheck,
    root_certificates: Vec<Vec<u8>>,
    signed_version: SignedVersion,
    file_binding: FileBinding,
    legacy: Legacy,
    manifest_size: ManifestSize,
    app_package: AppPackage,
    retry: RetryPolicy,
    windows: WindowsOptions,
    endpoint_policy: EndpointPolicy,
    manifest_signature: ManifestSignature,
    manifest_state: Option<PathBuf>,
}

impl UpdaterBuilder {
    /// A builder for an app at `current_version`, with upkit's defaults: the platform of this
    /// machine, `https` only, 30 s connect and stall timeouts, 60 s for a whole check, downloads
    /// at least 1 KiB/s over 30 s (and no deadline), 1 MiB manifests, 4 GiB artifacts, a signed
    /// version required, legacy signatures refused.
    pub fn new(current_version: Version) -> UpdaterBuilder {
        UpdaterBuilder {
            current_version,
            endpoints: Vec::new(),
            pubkeys: Vec::new(),
            os: None,
            arch: None,
            installer: InstallerChoice::Detect,
            custom_target: None,
            variables: Vec::new(),
            headers: Vec::new(),
            proxy: None,
            no_proxy: None,
            system_proxy: SystemProxy::Use,
            connect_timeout: DEFAULT_TIMEOUT,
            stall_timeout: DEFAULT_TIMEOUT,
            deadline: None,
            check_deadline: Some(DEFAULT_CHECK_DEADLINE),
            min_rate: Some(MinRate::DEFAULT),
            manifest_limit: DEFAULT_MANIFEST_LIMIT,
            artifact_limit: DEFAULT_ARTIFACT_LIMIT,
            comparator: Comparator::Newer,
            transport: Transport::Secure,
            certificates: CertificateCheck::Verify,
            hostnames: HostnameCheck::Verify,
            root_certificates: Vec::new(),
            signed_version: SignedVersion::Required,
            file_binding: FileBinding::Off,
            legacy: Legacy::Refuse,
            manifest_size: ManifestSize::Exact,
            app_package: AppPackage::Detect,
            retry: RetryPolicy::default(),
            windows: WindowsOptions::default(),
            endpoint_policy: EndpointPolicy::First,
            manifest_signature: ManifestSignature::Ignored,
            manifest_state: None,
        }
    }

    /// A builder configured as Tauri would be by this `tauri.conf.json` (its JSON text):
    /// `pubkey`, `endpoints`, `dangerousInsecureTransportProtocol`,
    /// `dangerousAcceptInvalidCerts`, `dangerousAcceptInvalidHostnames`, `allowDowngrades`, and
    /// `requireSignedVersion` as configured there (off by default, as in Tauri), and upkit's
    /// own `requireSignedManifest`, `manifestMaxAge` (seconds) and `everyEndpoint`, which Tauri
    /// ignores. upkit's own limits and timeouts apply, and legacy
    /// signatures stay refused unless allowed with
    /// [`UpdaterBuilder::legacy_signatures`].
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration is not valid.
    pub fn from_tauri_config(
        json: &str,
        current_version: Version,
    ) -> Result<UpdaterBuilder, Error> {
        let config = TauriConfig::parse(json)?.updater;
        UpdaterBuilder::from_updater_config(&config, current_version)
    }

    /// A builder configured by a `tauri.conf.json`'s `plugins.updater` section read already
    /// (see [`UpdaterBuilder::from_tauri_config`]).
    ///
    /// # Errors
    /// [`Error::Config`] when an endpoint is not valid.
    pub fn from_updater_config(
        config: &UpdaterConfig,
        current_version: Version,
    ) -> Result<UpdaterBuilder, Error> {
        config.parsed_endpoints()?;
        let mut builder = UpdaterBuilder::new(current_version)
            .pubkey(&config.pubkey)
            .endpoints(config.endpoints.iter().map(String::as_str))
            .transport(config.transport())
            .signed_version(if config.require_signed_version {
                SignedVersion::Required
            } else {
                SignedVersion::Optional
            });
        if config.dangerous_accept_invalid_certs {
            builder = builder.certificates(CertificateCheck::DangerAcceptInvalid);
        }
        if config.dangerous_accept_invalid_hostnames {
            builder = builder.hostnames(HostnameCheck::DangerAcceptInvalid);
        }
        if config.allow_downgrades {
            builder = builder.comparator(Comparator::Different);
        }
        Ok(builder
            .windows(WindowsOptions::from_config(&config.windows))
            .manifest_signature(config.manifest_signature())
            .endpoint_policy(config.endpoint_policy()))
    }

    /// The Windows installer settings that [`Update::install_options`] gives (a
    /// `tauri.conf.json`'s `windows` section sets them).
    pub fn windows(mut self, windows: WindowsOptions) -> Self {
        self.windows = windows;
        self
    }

    /// Adds an endpoint (an absolute URL, placeholders allowed). Endpoints are tried in order.
    pub fn endpoint(mut self, url: &str) -> Self {
        self.endpoints.push(url.to_owned());
        self
    }

    /// Adds several endpoints.
    pub fn endpoints<'a>(mut self, urls: impl IntoIterator<Item = &'a str>) -> Self {
        self.endpoints.extend(urls.into_iter().map(str::to_owned));
        self
    }

    /// Adds a trusted public key (Tauri's `pubkey` text: base64 of the minisign public key).
    /// Several keys allow key rotation: the signature's key id picks one.
    pub fn pubkey(mut self, key: &str) -> Self {
        self.pubkeys.push(PublicKey::decode(key));
        self
    }

    /// Adds a trusted public key decoded already, e.g. read from a file by
    /// [`crate::keys::load_public_key`].
    pub fn public_key(mut self, key: PublicKey) -> Self {
        self.pubkeys.push(Ok(key));
        self
    }

    /// Overrides the detected operating system.
    pub fn os(mut self, os: Os) -> Self {
        self.os = Some(os);
        self
    }

    /// Overrides the detected architecture.
    pub fn arch(mut self, arch: Arch) -> Self {
        self.arch = Some(arch);
        self
    }

    /// Overrides the detected installer (bundle type); `None` means unknown.
    ///
    /// Tauri's bundler writes the bundle type into the app; upkit detects an AppImage
    /// (`$APPIMAGE`), a deb or rpm that owns the executable (asking `dpkg-query` and `rpm` at
    /// [`build`](Self::build)), and a macOS `.app`. An MSI or NSIS install must say so here.
    pub fn installer(mut self, installer: Option<Installer>) -> Self {
        self.installer = InstallerChoice::Given(installer);
        self
    }

    /// The app's deb or rpm package name, which a deb or rpm update must carry
    /// ([`InstallOptions::package_name`], set by [`Update::install_options`]). By default it is
    /// the package owning the running executable, asked at [`build`](Self::build) when the
    /// installer is deb or rpm; `None` checks no name. An updater that is not the app (a tool
    /// updating another program) names the app's package, or `None`.
    pub fn app_package(mut self, name: Option<&str>) -> Self {
        self.app_package = AppPackage::Given(name.map(str::to_owned));
        self
    }

    /// Uses a custom target: the only platform key tried, and what `{{target}}` renders to.
    pub fn custom_target(mut self, target: &str) -> Self {
        self.custom_target = Some(target.to_owned());
        self
    }

    /// Adds an endpoint template variable `{{name}}` (an upkit extension; the four Tauri
    /// placeholders are the client's own, and [`build`](Self::build) refuses them here).
    pub fn variable(mut self, name: &str, value: &str) -> Self {
        self.variables.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header sent with every request (an `Accept` or `User-Agent` given here replaces
    /// the default one).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends every request through this proxy (an `http://` or `https://` URL).
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(url.to_owned());
        self
    }

    /// Hosts that bypass the configured proxy, comma separated (`NO_PROXY` syntax).
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        self.no_proxy = Some(hosts.to_owned());
        self
    }

    /// Whether the system's proxy settings apply when no proxy is configured.
    pub fn system_proxy(mut self, system_proxy: SystemProxy) -> Self {
        self.system_proxy = system_proxy;
        self
    }

    /// How long a connection may take to open (30 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a response may go without sending a byte (30 s by default).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = timeout;
        self
    }

    /// A limit on the whole of each operation: one [`Updater::check`], one
    /// [`Update::download`] (by default a check has 60 s, see
    /// [`check_deadline`](Self::check_deadline), and a download none: the
    /// [`min_rate`](Self::min_rate) stops a slow one).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self.check_deadline = Some(deadline);
        self
    }

    /// A limit on one whole [`Updater::check`], every endpoint and redirect included
    /// ([`DEFAULT_CHECK_DEADLINE`], 60 s, by default; `None` for none): a server sending its
    /// answer a byte at a time never trips the stall timeout. Set after
    /// [`deadline`](Self::deadline), it overrides that for the check.
    pub fn check_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.check_deadline = deadline;
        self
    }

    /// The slowest a download may go: below [`MinRate::bytes_per_second`] averaged over
    /// [`MinRate::window`] (the first window is grace) it fails with [`Error::TooSlow`], where a
    /// server trickling bytes would never trip the stall timeout. [`MinRate::DEFAULT`], 1 KiB/s
    /// over 30 s, by default; `None` for no minimum. Retries and restarts count as time.
    pub fn min_rate(mut self, min_rate: Option<MinRate>) -> Self {
        self.min_rate = min_rate;
        self
    }

    /// The largest manifest body read (1 MiB by default).
    pub fn manifest_limit(mut self, bytes: u64) -> Self {
        self.manifest_limit = bytes;
        self
    }

    /// The largest artifact downloaded (4 GiB by default). A `size` in the manifest is enforced
    /// exactly on top of this, unless [`ManifestSize::Ignored`].
    pub fn artifact_limit(mut self, bytes: u64) -> Self {
        self.artifact_limit = bytes;
        self
    }

    /// Whether a platform entry's `size` is enforced ([`ManifestSize::Exact`] by default).
    pub fn manifest_size(mut self, size: ManifestSize) -> Self {
        self.manifest_size = size;
        self
    }

    /// When a release counts as an update ([`Comparator::Newer`] by default).
    pub fn comparator(mut self, comparator: Comparator) -> Self {
        self.comparator = comparator;
        self
    }

    /// Offers any other version, older ones included (Tauri's `allowDowngrades`).
    pub fn allow_downgrades(self) -> Self {
        self.comparator(Comparator::Different)
    }

    /// Whether plain `http` endpoints, redirects and downloads are allowed.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Whether TLS certificates are verified.
    pub fn certificates(mut self, check: CertificateCheck) -> Self {
        self.certificates = check;
        self
    }

    /// Whether TLS certificates must name the host.
    pub fn hostnames(mut self, check: HostnameCheck) -> Self {
        self.hostnames = check;
        self
    }

    /// Trusts this root certificate (PEM, possibly several, or DER) besides the system's.
    pub fn root_certificate(mut self, certificate: &[u8]) -> Self {
        self.root_certificates.push(certificate.to_vec());
        self
    }

    /// Whether signatures must carry the signed version ([`SignedVersion::Required`] by
    /// default). A signed version that is there must match in any case.
    pub fn signed_version(mut self, signed_version: SignedVersion) -> Self {
        self.signed_version = signed_version;
        self
    }

    /// Whether the signed file name must match the download URL.
    pub fn file_binding(mut self, binding: FileBinding) -> Self {
        self.file_binding = binding;
        self
    }

    /// Whether legacy (non-prehashed) signatures are accepted ([`Legacy::Refuse`] by default).
    pub fn legacy_signatures(mut self, legacy: Legacy) -> Self {
        self.legacy = legacy;
        self
    }

    /// How many endpoints a check asks: the first that answers (Tauri's rule, the default),
    /// or [`EndpointPolicy::Every`]: all of them, taking the newest release offered whose
    /// signature checks out before download (so that one mirror's `204` cannot hide an
    /// update another has).
    pub fn endpoint_policy(mut self, policy: EndpointPolicy) -> Self {
        self.endpoint_policy = policy;
        self
    }

    /// Requires signed manifests (off by default: Tauri's servers do not sign them). Every
    /// answer must then come with a manifest signature by one of the public keys (the
    /// [`HEADER`](signed::HEADER) of the answer, else the file at the manifest's URL plus
    /// `.sig`), unexpired, no older than `max_age` when given and no older than the newest one
    /// seen (in this process, and in the [`manifest_state`](UpdaterBuilder::manifest_state)
    /// file when there is one). `notes` and `pub_date` are then authenticated too. An answer
    /// without one is a failed endpoint; when none is left, the check fails with
    /// [`CheckError::ManifestSignature`](upkit_core::check::CheckError::ManifestSignature),
    /// before anything is downloaded.
    pub fn manifest_signature(mut self, policy: ManifestSignature) -> Self {
        self.manifest_signature = policy;
        self
    }

    /// A file where the timestamp of the newest manifest signature verified is kept between
    /// runs (a decimal number; created, and replaced atomically, by the check), so that an
    /// older signed manifest is refused as a replay after a restart too. Unused unless manifest
    /// signatures are required.
    pub fn manifest_state(mut self, path: impl Into<PathBuf>) -> Self {
        self.manifest_state = Some(path.into());
        self
    }

    /// How interrupted downloads are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Checks the settings and builds the updater.
    ///
    /// # Errors
    /// [`Error::NoEndpoint`], [`Error::NoPublicKey`], [`Error::Endpoint`] for an endpoint that
    /// is not a URL or not `https` without insecure transport (or a bad or built-in variable
    /// name),
    /// [`Error::PublicKey`], [`Error::Header`], [`Error::Proxy`], [`Error::Certificate`],
    /// [`Error::Client`], and [`Error::Platform`] when this machine's platform is not one the
    /// protocol names and none was given.
    pub fn build(self) -> Result<Updater, Error> {
        if self.endpoints.is_empty() {
            return Err(Error::NoEndpoint);
        }
        if self.pubkeys.is_empty() {
            return Err(Error::NoPublicKey);
        }
        let endpoints = self
            .endpoints
            .iter()
            .map(|e| Endpoint::parse(e, self.transport))
            .collect::<Result<Vec<_>, _>>()?;
        let keys = self
            .pubkeys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                k.clone().map_err(|source| Error::PublicKey {
                    index: i + 1,
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let os = match self.os {
            Some(os) => os,
            None => detect_os()?,
        };
        let arch = match self.arch {
            Some(arch) => arch,
            None => detect_arch()?,
        };
        let (installer, owner) = match self.installer {
            InstallerChoice::Given(installer) => (installer, None),
            InstallerChoice::Detect => detect_installer(os),
        };
        let app_package = match &self.app_package {
            AppPackage::Given(name) => name.clone(),
            AppPackage::Detect => owner.or_else(|| {
                let exe = std::env::current_exe().ok()?;
                crate::install::owning_package(installer?, &exe)
            }),
        };
        let target = Target {
            os,
            arch,
            installer,
            custom: self.custom_target.clone(),
        };
        let mut variables = Variables::new(&self.current_version, &target);
        for (name, value) in &self.variables {
            variables = variables.with(name, value)?;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = |reason: String| Error::Header {
                name: name.clone(),
                reason,
            };
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|e| header(e.to_string()))?;
            let v = HeaderValue::from_str(value).map_err(|e| header(e.to_string()))?;
            headers.append(n, v);
        }
        let http = Http::new(&ClientOptions {
            headers,
            proxy: self.proxy.clone(),
            no_proxy: self.no_proxy.clone(),
            system_proxy: self.system_proxy,
            connect_timeout: self.connect_timeout,
            stall_timeout: self.stall_timeout,
            transport: self.transport,
            certificates: self.certificates,
            hostnames: self.hostnames,
            root_certificates: self.root_certificates.clone(),
        })?;
        let config = CheckConfig {
            current_version: self.current_version.clone(),
            target,
            comparator: self.comparator.clone(),
            transport: self.transport,
            endpoints: self.endpoint_policy,
            manifest_signature: self.manifest_signature,
            manifest_keys: Keyring::new(keys.clone()),
            // Both set at each check.
            now: 0,
            newest_seen: None,
        };
        Ok(Updater {
            inner: Arc::new(Inner {
                http,
                endpoints,
                variables,
                config,
                keyring: Keyring::new(keys),
                signed_version: self.signed_version,
                legacy: self.legacy,
                file_binding: self.file_binding,
                manifest_limit: self.manifest_limit,
                artifact_limit: self.artifact_limit,
                manifest_size: self.manifest_size,
                app_package,
                retry: self.retry,
                deadline: self.deadline,
                check_deadline: self.check_deadline,
                min_rate: self.min_rate,
                windows: self.windows,
                manifest_state: self.manifest_state,
                newest_seen: std::sync::Mutex::new(None),
            }),
        })
    }
}

fn detect_os() -> Result<Os, Error> {
    match std::env::consts::OS {
        "linux" => Ok(Os::Linux),
        "macos" => Ok(Os::Darwin),
        "windows" => Ok(Os::Windows),
        other => Err(Error::Platform {
            kind: "os",
            name: other.to_owned(),
        }),
    }
}

fn detect_arch() -> Result<Arch, Error> {
    match std::env::consts::ARCH {
        "x86_64" => Ok(Arch::X86_64),
        "x86" => Ok(Arch::I686),
        "aarch64" => Ok(Arch::Aarch64),
        "arm" => Ok(Arch::Armv7),
        "riscv64" => Ok(Arch::Riscv64),
        other => Err(Error::Platform {
            kind: "arch",
            name: other.to_owned(),
        }),
    }
}

/// The installer this app was installed with, and for a deb or rpm the package owning the
/// running executable. Tauri's bundler writes the bundle type into the app's binary; from the
/// outside: an AppImage on Linux when `$APPIMAGE` is set (by the AppImage runtime), else the
/// package that owns the executable (deb or rpm); an `.app` on macOS; unknown otherwise (an MSI
/// or NSIS install cannot be told apart).
fn detect_installer(os: Os) -> (Option<Installer>, Option<String>) {
    match os {
        Os::Linux if std::env::var_os("APPIMAGE").is_some() => (Some(Installer::AppImage), None),
        Os::Linux if cfg!(target_os = "linux") => std::env::current_exe()
            .ok()
            .and_then(|exe| package_owning(&exe))
            .map_or((None, None), |(installer, owner)| {
                (Some(installer), Some(owner))
            }),
        Os::Darwin => (Some(Installer::App), None),
        _ => (None, None),
    }
}

/// `deb` and the package when dpkg's database lists `file`, `rpm` when rpm's does (asked with
/// `dpkg-query --search` and `rpm --query --file`, a few tens of milliseconds); `None` when
/// neither does or neither tool is installed.
fn package_owning(file: &Path) -> Option<(Installer, String)> {
    [Installer::Deb, Installer::Rpm]
        .into_iter()
        .find_map(|installer| Some((installer, crate::install::owning_package(installer, file)?)))
}

#[derive(Debug)]
struct Inner {
    http: Http,
    endpoints: Vec<Endpoint>,
    variables: Variables,
    config: CheckConfig,
    keyring: Keyring,
    signed_version: SignedVersion,
    legacy: Legacy,
    file_binding: FileBinding,
    manifest_limit: u64,
    artifact_limit: u64,
    manifest_size: ManifestSize,
    app_package: Option<String>,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    check_deadline: Option<Duration>,
    min_rate: Option<MinRate>,
    windows: WindowsOptions,
    manifest_state: Option<PathBuf>,
    /// The newest manifest signature verified by this updater's checks.
    newest_seen: std::sync::Mutex<Option<u64>>,
}

/// Checks for updates. Cheap to clone; `Send + Sync`. Cancel a check by dropping its future.
#[derive(Debug, Clone)]
pub struct Updater {
    inner: Arc<Inner>,
}

impl Updater {
    /// A builder for an app at `current_version`.
    pub fn builder(current_version: Version) -> UpdaterBuilder {
        UpdaterBuilder::new(current_version)
    }

    /// An updater configured as Tauri would be by this `tauri.conf.json` text; see
    /// [`UpdaterBuilder::from_tauri_config`].
    ///
    /// # Errors
    /// As [`UpdaterBuilder::from_tauri_config`] and [`UpdaterBuilder::build`].
    pub fn from_tauri_config(json: &str, current_version: Version) -> Result<Updater, Error> {
        UpdaterBuilder::from_tauri_config(json, current_version)?.build()
    }

    /// The update that `info` describes (found by an earlier check, perhaps by another
    /// updater, perhaps edited: another download URL, say), to download and install with this
    /// updater's keys, signature policy, HTTP client, limits and install settings. Nothing is
    /// trusted for it: the download verifies the artifact against `info.signature` and this
    /// updater's keys as after a check. Adapters use it to apply per-download settings (the
    /// headers and timeout of Tauri's `download` command) to an update found with others.
    pub fn adopt(&self, info: upkit_core::check::Update) -> Update {
        Update {
            info,
            inner: Arc::clone(&self.inner),
        }
    }

    /// The version the app runs now.
    pub fn current_version(&self) -> &Version {
        &self.inner.config.current_version
    }

    /// The target the check runs for.
    pub fn target(&self) -> &Target {
        &self.inner.config.target
    }

    /// Asks the endpoints in order, as Tauri does, and says whether an update is available.
    ///
    /// Each endpoint gets a `GET` with `Accept: application/json` (unless a header replaced
    /// it) and `User-Agent: upkit/<version>`; redirects are followed (at most 10, never from
    /// `https` to `http` without insecure transport).
    ///
    /// # Errors
    /// [`Error::Check`] when no endpoint gave an answer to act on, or the answer cannot be
    /// used; [`Error::Endpoint`] when a template does not render; [`Error::Deadline`].
    pub async fn check(&self) -> Result<Option<Update>, Error> {
        // The endpoint being asked, for the deadline's message.
        let asking = std::sync::Mutex::new(None);
        let check = self.run_check(&asking);
        match self.inner.check_deadline {
            None => check.await,
            Some(deadline) => tokio::time::timeout(deadline, check).await.map_err(|_| {
                let asking = asking.lock().ok().and_then(|url| url.clone());
                Error::Deadline {
                    operation: match asking {
                        Some(url) => format!("the check (asking {url})"),
                        None => "the check".to_owned(),
                    },
                    deadline,
                }
            })?,
        }
    }

    async fn run_check(
        &self,
        asking: &std::sync::Mutex<Option<Url>>,
    ) -> Result<Option<Update>, Error> {
        let inner = &self.inner;
        let mut config = inner.config.clone();
        let requires_signature = config.manifest_signature != ManifestSignature::Ignored;
        if requires_signature {
            config.now = crate::keys::now();
            config.newest_seen = self.newest_seen()?;
        }
        let mut check = Check::new(config);
        for endpoint in &inner.endpoints {
            let url = endpoint.render(&inner.variables)?;
            tracing::debug!(%url, "checking");
            if let Ok(mut asking) = asking.lock() {
                *asking = Some(url.clone());
            }
            let fetched = inner.http.fetch_manifest(&url, inner.manifest_limit).await;
            let (response, header) = match &fetched {
                Fetched::Failed(error) => (Response::Failed { error }, None),
                Fetched::BodyFailed(error) => (Response::BodyFailed { error }, None),
                Fetched::TooLarge(limit) => (Response::TooLarge { limit: *limit }, None),
                Fetched::Http {
                    status,
                    body,
                    signature,
                } => (
                    Response::Http {
                        status: *status,
                        body,
                    },
                    signature.as_deref(),
                ),
            };
            let found = if check.wants_signature(&response) {
                Some(self.manifest_signature(&url, header).await)
            } else {
                None
            };
            let found = found.as_ref().map(|found| match found {
                Ok(text) => SignatureFound::Text(text),
                Err(reason) => SignatureFound::Missing(reason),
            });
            let step = check.evaluate_signed(&url, response, found);
            self.keep_newest(&check)?;
            match step {
                Step::TryNext => continue,
                Step::NoUpdate => return Ok(None),
                Step::Abort(error) => return Err(error.into()),
                Step::Update(info) => return Ok(Some(self.adopt(*info))),
            }
        }
        match check.end() {
            End::Failed(error) => Err(error.into()),
            End::NoUpdate => Ok(None),
            End::Updates(offers) => {
                // The newest whose signature checks out before download; else the newest's
                // refusal: an offer that would be refused is not hidden behind an older one.
                let mut refusal = None;
                for offer in offers {
                    let update = self.adopt(offer);
                    match update.verifier() {
                        Ok(_) => return Ok(Some(update)),
                        Err(error) => {
                            tracing::warn!(endpoint = %update.endpoint(), %error, "offer refused");
                            refusal.get_or_insert(error);
                        }
                    }
                }
                Err(refusal.expect("End::Updates is never empty"))
            }
        }
    }

    /// The manifest signature for the answer of `url`: the answer's header, else the body of
    /// the signature URL; else why there is none.
    async fn manifest_signature(&self, url: &Url, header: Option<&str>) -> Result<String, String> {
        if let Some(text) = header {
            return Ok(text.to_owned());
        }
        let sig_url = signed::signature_url(url);
        let absent = format!("the answer has no {} header, and ", signed::HEADER);
        match self
            .inner
            .http
            .fetch(&sig_url, "*/*", crate::input::KEY_LIMIT)
            .await
        {
            Fetched::Http {
                status: 200, body, ..
            } => String::from_utf8(body).map_err(|_| format!("{absent}{sig_url} is not text")),
            Fetched::Http { status, .. } => Err(format!("{absent}{sig_url} answered {status}")),
            Fetched::TooLarge(limit) => Err(format!(
                "{absent}{sig_url} is larger than the limit of {limit} bytes"
            )),
            Fetched::Failed(error) | Fetched::BodyFailed(error) => {
                Err(format!("{absent}{sig_url} could not be fetched: {error}"))
            }
        }
    }

    /// The newest manifest signature seen: by this updater, and in the state file.
    fn newest_seen(&self) -> Result<Option<u64>, Error> {
        let in_memory = self.inner.newest_seen.lock().ok().and_then(|seen| *seen);
        let Some(path) = &self.inner.manifest_state else {
            return Ok(in_memory);
        };
        let stored = match crate::input::read_text(path, 64) {
            Ok(text) => Some(text.trim().parse::<u64>().map_err(|_| Error::Io {
                action: "cannot read the manifest state in",
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not a Unix timestamp",
                ),
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(Error::Io {
                    action: "cannot read the manifest state in",
                    path: path.clone(),
                    source,
                });
            }
        };
        Ok(in_memory.max(stored))
    }

    /// Keeps the newest manifest signature `check` verified, in memory and in the state file.
    fn keep_newest(&self, check: &Check) -> Result<(), Error> {
        let Some(newest) = check.newest_signed() else {
            return Ok(());
        };
        if let Ok(mut seen) = self.inner.newest_seen.lock() {
            *seen = (*seen).max(Some(newest));
        }
        if let Some(path) = &self.inner.manifest_state {
            crate::atomic::write(path, |out| {
                std::io::Write::write_all(out, newest.to_string().as_bytes())
            })
            .map_err(|source| Error::Io {
                action: "cannot write the manifest state to",
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// An available update: what the manifest announced, ready to download.
#[derive(Debug, Clone)]
pub struct Update {
    info: upkit_core::check::Update,
    inner: Arc<Inner>,
}

impl Update {
    /// Everything the core's check found, Tauri's `Update` fields included.
    pub fn info(&self) -> &upkit_core::check::Update {
        &self.info
    }

    /// The running app's version.
    pub fn current_version(&self) -> &Version {
        &self.info.current_version
    }

    /// The release's version.
    pub fn version(&self) -> &Version {
        &self.info.version
    }

    /// Release notes.
    pub fn notes(&self) -> Option<&str> {
        self.info.notes.as_deref()
    }

    /// Publication date.
    pub fn pub_date(&self) -> Option<OffsetDateTime> {
        self.info.pub_date
    }

    /// What `{{target}}` renders to: the OS name (`linux`, `darwin`, `windows`) or the custom
    /// target, as Tauri's `Update::target`.
    pub fn target(&self) -> &str {
        &self.info.target
    }

    /// The key of the static manifest's `platforms` entry that matched (e.g.
    /// `linux-x86_64-appimage`); `None` for an update server's answer.
    pub fn platform_key(&self) -> Option<&str> {
        self.info.platform_key.as_deref()
    }

    /// Where the artifact is downloaded from.
    pub fn download_url(&self) -> &Url {
        &self.info.download_url
    }

    /// The artifact's signature, as the manifest gives it.
    pub fn signature(&self) -> &str {
        &self.info.signature
    }

    /// The artifact's exact size, when the manifest gives it.
    pub fn size(&self) -> Option<u64> {
        self.info.size
    }

    /// The manifest as received, unknown fields included.
    pub fn raw(&self) -> &serde_json::Value {
        &self.info.raw
    }

    /// The endpoint that answered.
    pub fn endpoint(&self) -> &Url {
        &self.info.endpoint
    }

    /// Downloads the artifact into `dest_dir` (under the download URL's file name) and verifies
    /// it, reporting progress to `progress`.
    ///
    /// The signature is checked against the keys, the announced version and the policy before
    /// the first byte is requested. The bytes stream to a temporary file in `dest_dir` while
    /// they are hashed; a dropped connection resumes with `Range`. The file gets its final name
    /// only once the signature verified; on failure, or when this future is dropped, the
    /// temporary file is removed and nothing is left behind.
    ///
    /// # Errors
    /// [`Error::SignatureText`], [`Error::Signature`], [`Error::Network`], [`Error::Status`],
    /// [`Error::Stalled`], [`Error::TooSlow`], [`Error::Deadline`], [`Error::TooLarge`],
    /// [`Error::SizeMismatch`], [`Error::Io`].
    pub async fn download<F>(
        &self,
        dest_dir: impl AsRef<Path>,
        progress: F,
    ) -> Result<VerifiedArtifact, Error>
    where
        F: FnMut(&Progress) + Send,
    {
        let download = self.run_download(dest_dir.as_ref(), progress);
        match self.inner.deadline {
            None => download.await,
            Some(deadline) => tokio::time::timeout(deadline, download)
                .await
                .map_err(|_| Error::Deadline {
                    operation: format!("the download of {}", self.info.download_url),
                    deadline,
                })?,
        }
    }

    /// Checks everything about the signature that does not need the artifact's bytes, as
    /// [`download`](Update::download) does before its first request: the signature decodes, its
    /// key is trusted, its trusted comment is genuine, its signed version is this update's (and
    /// present, when required), its file name binding holds. Returns the verifier the download
    /// would start with. Tauri's `check` does none of this (its download finds out); a caller
    /// that reports an update can use it to say that the update would be refused.
    ///
    /// # Errors
    /// [`Error::SignatureText`], [`Error::Signature`].
    pub fn verifier(&self) -> Result<Verifier, Error> {
        let inner = &self.inner;
        let url = &self.info.download_url;
        let signature =
            Signature::decode(&self.info.signature).map_err(|source| Error::SignatureText {
                url: url.clone(),
                source,
            })?;
        let policy = Policy {
            signed_version: inner.signed_version,
            expected_version: Some(self.info.version.clone()),
            legacy: inner.legacy,
            file_name: match inner.file_binding {
                FileBinding::Off => None,
                FileBinding::UrlBaseName => Some(download::file_name(url)),
            },
        };
        Verifier::new(&inner.keyring, &signature, &policy).map_err(|source| Error::Signature {
            url: url.clone(),
            source: Box::new(source),
        })
    }

    /// Verifies a file holding this update's artifact (downloaded earlier, or handed over in
    /// memory and written out) as [`download`](Update::download) verifies what it downloads:
    /// the same keys and policy, then the file's bytes, streamed in 64 KiB chunks.
    ///
    /// # Errors
    /// [`Error::SignatureText`], [`Error::Signature`] (nothing about the file is trusted then),
    /// and [`Error::Io`] when the file cannot be read.
    pub fn verify_file(&self, path: impl AsRef<Path>) -> Result<VerifiedArtifact, Error> {
        let verifier = self.verifier()?;
        VerifiedArtifact::verify_with(path.as_ref(), verifier).map_err(|error| match error {
            crate::artifact::ArtifactError::Verify { source, .. } => Error::Signature {
                url: self.info.download_url.clone(),
                source: Box::new(source),
            },
            crate::artifact::ArtifactError::Read { path, source } => Error::Io {
                action: "cannot read",
                path,
                source,
            },
        })
    }

    /// The install options for this update: the platform and bundle type it was checked for,
    /// the Windows settings the updater was given ([`UpdaterBuilder::windows`], or a
    /// `tauri.conf.json`'s `installMode` and `installerArgs`), and package downgrades allowed
    /// when this update is a downgrade (offered because the check allows them, as with
    /// `allowDowngrades`): a deb or rpm older than the installed package is then expected, and
    /// otherwise a publishing mistake. A deb or rpm must carry the app's package name
    /// ([`UpdaterBuilder::app_package`]: by default the package owning the running
    /// executable). Add an install path or an observer as needed.
    pub fn install_options(&self) -> InstallOptions<'static> {
        let target = &self.inner.config.target;
        let mut options = InstallOptions::new()
            .os(target.os)
            .windows(self.inner.windows.clone())
            .downgrades(Downgrades::for_update(
                self.version(),
                self.current_version(),
            ));
        if let Some(installer) = target.installer {
            options = options.installer(installer);
        }
        // A deb or rpm must be the package the app came from.
        if let Some(name) = &self.inner.app_package {
            options = options.package_name(name);
        }
        options
    }

    /// Downloads and verifies the artifact as [`Update::download`] does, then installs it with
    /// [`install::install`](crate::install::install) (Tauri's `download_and_install`).
    ///
    /// The install step is synchronous (it may wait for a package manager and a password
    /// prompt). On tokio's multi-thread runtime it runs through
    /// [`block_in_place`](tokio::task::block_in_place), so the runtime's other tasks (a UI's
    /// progress, timers) go on meanwhile; on a current-thread runtime it holds the runtime until
    /// it is done: to avoid that, call [`download`](Update::download), then
    /// [`install::install`](crate::install::install) in `spawn_blocking`. On Windows it does not
    /// return on success (the installer takes over and the process exits). The downloaded
    /// artifact stays in `dest_dir`; use a temporary directory to have it removed (except on
    /// Windows, where the process exits). Pass [`Update::install_options`] (possibly with more
    /// set), which carry the configuration's Windows settings and downgrade rule; a bare
    /// [`InstallOptions::new`] has Tauri's defaults instead.
    ///
    /// # Errors
    /// Those of [`Update::download`], and [`Error::Install`].
    pub async fn download_and_install<F>(
        &self,
        dest_dir: impl AsRef<Path>,
        progress: F,
        options: &InstallOptions<'_>,
    ) -> Result<Installed, Error>
    where
        F: FnMut(&Progress) + Send,
    {
        let artifact = self.download(dest_dir, progress).await?;
        let install = || crate::install::install(&artifact, options);
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::MultiThread);
        Ok(if multi_thread {
            tokio::task::block_in_place(install)
        } else {
            install()
        }?)
    }

    async fn run_download<F: FnMut(&Progress) + Send>(
        &self,
        dest_dir: &Path,
        progress: F,
    ) -> Result<VerifiedArtifact, Error> {
        let inner = &self.inner;
        let url = &self.info.download_url;
        let verifier = self.verifier()?;
        let (path, proof) = download::run(
            download::Job {
                http: &inner.http,
                url,
                dest_dir,
                verifier,
                size: match inner.manifest_size {
                    ManifestSize::Exact => self.info.size,
                    ManifestSize::Ignored => None,
                },
                limit: inner.artifact_limit,
                retry: inner.retry,
                min_rate: inner.min_rate,
            },
            progress,
        )
        .await?;
        Ok(VerifiedArtifact::new(path, proof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn types_are_send_and_sync() {
        assert_send_sync::<Updater>();
        assert_send_sync::<Update>();
        assert_send_sync::<UpdaterBuilder>();
        assert_send_sync::<Error>();
    }

    /// The real package databases of this (Debian) machine: dpkg owns its own binary; nobody
    /// owns a fresh temp file. (No rpm database here: the rpm branch is only asked.)
    #[test]
    #[cfg(target_os = "linux")]
    fn the_package_that_owns_the_executable_is_its_bundle_type() {
        assert_eq!(
            package_owning(Path::new("/usr/bin/dpkg")),
            Some((Installer::Deb, "dpkg".to_owned()))
        );
        let loose = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(package_owning(loose.path()), None);
    }

    #[allow(dead_code)]
    fn futures_are_send(updater: Updater, update: Update) {
        fn send<T: Send>(_: T) {}
        send(updater.check());
        send(update.download("/tmp", |_| {}));
        let options = InstallOptions::new();
        send(update.download_and_install("/tmp", |_| {}, &options));
    }
}
