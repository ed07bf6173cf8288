//! The Rust API of `tauri-plugin-updater`, on top of [`upkit`]: [`UpdaterBuilder`] →
//! [`Updater::check`] → [`Update::download_and_install`] (or [`Update::download_file`] and
//! [`Update::install_file`]).
//!
//! Nothing here decides: the settings become an [`upkit::UpdaterBuilder`], the check, the
//! download, the verification and the install are upkit's. What this module adds is the shape of
//! Tauri's API (its callbacks, fields and defaults) and the facts only a Tauri app knows: its
//! version, its bundle type as Tauri's bundler wrote it into the binary, its AppImage path and its
//! `cleanup_before_exit`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use semver::Version;
use tauri::http::{HeaderMap, HeaderName, HeaderValue};
use tauri::{AppHandle, Resource, Runtime};
use time::OffsetDateTime;
use upkit::core::signature::{Legacy, SignedVersion};
use upkit::core::target::Installer;
use upkit::core::template::Endpoint;
use upkit::core::version::Comparator;
use upkit::install::{InstallOptions, Restart};
use upkit::progress::DownloadEvent;
use url::Url;

use crate::config::{Config, LegacySignatures, ManifestSize};
use crate::error::{Error, Result};

/// Runs right before the Windows installer starts and the app exits (the app's
/// `cleanup_before_exit` when the builder comes from [`UpdaterExt`](crate::UpdaterExt)).
pub type OnBeforeExit = Arc<dyn Fn() + Send + Sync + 'static>;

/// Decides whether a release is an update: `(current version, release) -> bool`.
pub type VersionComparator = Arc<dyn Fn(Version, RemoteRelease) -> bool + Send + Sync>;

/// Changes the [`upkit::UpdaterBuilder`] a [`UpdaterBuilder`] builds, for upkit's settings that
/// have no Tauri name (root certificates, retries, a total deadline...).
pub type ConfigureUpkit = Arc<dyn Fn(upkit::UpdaterBuilder) -> upkit::UpdaterBuilder + Send + Sync>;

/// A platform entry of a release.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReleaseManifestPlatform {
    /// Download URL.
    pub url: Url,
    /// Signature.
    pub signature: String,
}

/// The platform part of a [`RemoteRelease`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum RemoteReleaseInner {
    /// An update server's answer: one URL and signature.
    Dynamic(ReleaseManifestPlatform),
    /// A static manifest's platforms.
    Static {
        /// The entries, by platform key.
        platforms: HashMap<String, ReleaseManifestPlatform>,
    },
}

/// A release, as a [`VersionComparator`] sees it.
///
/// upkit decides whether a release is an update before it reads the rest of the manifest (as
/// Tauri's order of checks does), so a comparator sees the release's `version` only: `notes` and
/// `pub_date` are `None`, and `data` is a static release without platforms.
#[derive(Debug, Clone)]
pub struct RemoteRelease {
    /// The release's version.
    pub version: Version,
    /// Release notes (`None` for a comparator).
    pub notes: Option<String>,
    /// Release date (`None` for a comparator).
    pub pub_date: Option<OffsetDateTime>,
    /// Platform data (empty for a comparator).
    pub data: RemoteReleaseInner,
}

/// The installer the running app came from, as Tauri's bundler wrote it into the binary
/// ([`tauri::utils::platform::bundle_type`]): `None` when the binary was not bundled (then
/// `{{bundle_type}}` is `unknown` and only `{os}-{arch}` is looked up, as in Tauri).
fn bundle_installer() -> Option<Installer> {
    use tauri::utils::config::BundleType;
    match tauri::utils::platform::bundle_type()? {
        BundleType::Deb => Some(Installer::Deb),
        BundleType::Rpm => Some(Installer::Rpm),
        BundleType::AppImage => Some(Installer::AppImage),
        BundleType::Msi => Some(Installer::Msi),
        BundleType::Nsis => Some(Installer::Nsis),
        BundleType::App => Some(Installer::App),
        _ => None,
    }
}

/// The platform key of this machine without the installer (`linux-x86_64`, ...), as the
/// official plugin's `target()`.
pub fn target() -> Option<String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        "windows" => "windows",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        "x86_64" => "x86_64",
        "arm" => "armv7",
        "aarch64" => "aarch64",
        "riscv64" => "riscv64",
        _ => return None,
    };
    Some(format!("{os}-{arch}"))
}

/// The per-request settings of Tauri's API: what the check used, and what a download may change.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    headers: HeaderMap,
    timeout: Option<Duration>,
    proxy: Option<Url>,
    no_proxy: bool,
}

/// What an [`Update`] carries from its builder to the install.
#[derive(Clone)]
struct Context {
    /// The upkit builder without the request settings, to rebuild a download's client.
    base: upkit::UpdaterBuilder,
    /// The request settings the update was found with.
    request: Request,
    executable_path: Option<PathBuf>,
    download_dir: Option<PathBuf>,
    /// The configuration's `installMode` (its `installerArgs` are in `installer_args`).
    windows: upkit::install::WindowsOptions,
    installer_args: Vec<OsString>,
    on_before_exit: Option<OnBeforeExit>,
    restart_after_install: bool,
}

/// Configures an [`Updater`]. Get one from [`UpdaterExt::updater_builder`](crate::UpdaterExt),
/// which fills it from the plugin's configuration and [`Builder`](crate::Builder).
#[must_use]
pub struct UpdaterBuilder {
    current_version: Version,
    pub(crate) version_comparator: Option<VersionComparator>,
    executable_path: Option<PathBuf>,
    target: Option<String>,
    endpoints: Option<Vec<Url>>,
    headers: HeaderMap,
    timeout: Option<Duration>,
    proxy: Option<Url>,
    no_proxy: bool,
    config: Config,
    installer_args: Vec<OsString>,
    on_before_exit: Option<OnBeforeExit>,
    restart_after_install: bool,
    download_dir: Option<PathBuf>,
    configure_upkit: Option<ConfigureUpkit>,
}

impl UpdaterBuilder {
    pub(crate) fn new<R: Runtime>(app: &AppHandle<R>, config: Config) -> Self {
        UpdaterBuilder {
            current_version: app.package_info().version.clone(),
            version_comparator: None,
            executable_path: None,
            target: None,
            endpoints: None,
            headers: HeaderMap::new(),
            timeout: None,
            proxy: None,
            no_proxy: false,
            installer_args: config
                .updater
                .windows
                .installer_args
                .iter()
                .map(OsString::from)
                .collect(),
            config,
            on_before_exit: None,
            restart_after_install: true,
            download_dir: None,
            configure_upkit: None,
        }
    }

    /// Decides which releases are updates, instead of "newer" (or `allowDowngrades`'s
    /// "different"). See [`RemoteRelease`] for what the comparator sees.
    pub fn version_comparator<F: Fn(Version, RemoteRelease) -> bool + Send + Sync + 'static>(
        mut self,
        f: F,
    ) -> Self {
        self.version_comparator = Some(Arc::new(f));
        self
    }

    /// A custom target: the only platform key looked up, and what `{{target}}` renders to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Replaces the configured endpoints.
    ///
    /// # Errors
    /// An endpoint that is not `https` without `dangerousInsecureTransportProtocol` (upkit
    /// refuses it in debug builds too, where Tauri only warns).
    pub fn endpoints(mut self, endpoints: Vec<Url>) -> Result<Self> {
        let transport = self.config.updater.transport();
        for endpoint in &endpoints {
            Endpoint::parse(endpoint.as_str(), transport).map_err(upkit::Error::from)?;
        }
        self.endpoints = Some(endpoints);
        Ok(self)
    }

    /// The app's executable, whose install is updated: the AppImage, or a file inside the macOS
    /// bundle. By default `$APPIMAGE` (set by the AppImage runtime), else the running executable.
    pub fn executable_path<P: AsRef<Path>>(mut self, path: P) -> Self {
        self.executable_path = Some(path.as_ref().to_owned());
        self
    }

    /// Sets a header sent with the check and the download (replacing one of the same name).
    ///
    /// # Errors
    /// When the name or the value is not valid HTTP.
    pub fn header<K, V>(mut self, key: K, value: V) -> Result<Self>
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<tauri::http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<tauri::http::Error>,
    {
        let key = HeaderName::try_from(key).map_err(Into::into)?;
        let value = HeaderValue::try_from(value).map_err(Into::into)?;
        self.headers.insert(key, value);
        Ok(self)
    }

    /// Replaces every header.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Removes every header.
    pub fn clear_headers(mut self) -> Self {
        self.headers.clear();
        self
    }

    /// A limit on the whole check, and on each download (upkit's deadline; its connect and stall
    /// timeouts of 30 s apply in any case, where Tauri has none).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the requests through this proxy.
    pub fn proxy(mut self, proxy: Url) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Ignores every proxy, the configured one and the system's.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Replaces the configured public key (the extra `pubkeys` of the configuration stay trusted).
    pub fn pubkey<S: Into<String>>(mut self, pubkey: S) -> Self {
        self.config.updater.pubkey = pubkey.into();
        self
    }

    /// Adds an argument for the Windows installer.
    pub fn installer_arg<S: Into<OsString>>(mut self, arg: S) -> Self {
        self.installer_args.push(arg.into());
        self
    }

    /// Adds arguments for the Windows installer.
    pub fn installer_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.installer_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Removes the Windows installer arguments added so far (the configuration's included; not
    /// the ones of the install mode, such as `/UPDATE`).
    pub fn clear_installer_args(mut self) -> Self {
        self.installer_args.clear();
        self
    }

    /// Runs `f` on Windows right before the installer starts and the app exits.
    pub fn on_before_exit<F: Fn() + Send + Sync + 'static>(mut self, f: F) -> Self {
        self.on_before_exit = Some(Arc::new(f));
        self
    }

    /// Whether the Windows installer starts the app again when done (`true` by default).
    pub fn restart_after_install(mut self, restart_after_install: bool) -> Self {
        self.restart_after_install = restart_after_install;
        self
    }

    /// Where artifacts are downloaded: a new private directory in it per download (by default in
    /// the system's temporary directory), removed with the download.
    pub fn download_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download_dir = Some(dir.into());
        self
    }

    /// Changes the [`upkit::UpdaterBuilder`] this builds, for upkit's settings that have no
    /// Tauri name (an upkit extension).
    pub fn configure_upkit<F>(mut self, f: F) -> Self
    where
        F: Fn(upkit::UpdaterBuilder) -> upkit::UpdaterBuilder + Send + Sync + 'static,
    {
        self.configure_upkit = Some(Arc::new(f));
        self
    }

    /// The upkit builder of these settings, without the request settings.
    fn base(&self) -> Result<upkit::UpdaterBuilder> {
        let mut config = self.config.updater.clone();
        if let Some(endpoints) = &self.endpoints {
            config.endpoints = endpoints.iter().map(Url::to_string).collect();
        }
        let extras = &self.config.extras;
        let mut builder = upkit::UpdaterBuilder::from_updater_config(
            &config,
            upkit::core::version::parse(&self.current_version.to_string())?,
        )?;
        for key in &extras.pubkeys {
            builder = builder.pubkey(key);
        }
        builder = builder.installer(bundle_installer());
        if let Some(target) = &self.target {
            builder = builder.custom_target(target);
        }
        if let Some(comparator) = &self.version_comparator {
            let comparator = Arc::clone(comparator);
            builder = builder.comparator(Comparator::Custom(Arc::new(move |current, release| {
                comparator(
                    current.clone(),
                    RemoteRelease {
                        version: release.clone(),
                        notes: None,
                        pub_date: None,
                        data: RemoteReleaseInner::Static {
                            platforms: HashMap::new(),
                        },
                    },
                )
            })));
        }
        if let Some(limit) = extras.artifact_limit {
            builder = builder.artifact_limit(limit);
        }
        if let Some(limit) = extras.manifest_limit {
            builder = builder.manifest_limit(limit);
        }
        if let Some(secs) = extras.connect_timeout {
            builder = builder.connect_timeout(Duration::from_secs(secs));
        }
        if let Some(secs) = extras.stall_timeout {
            builder = builder.stall_timeout(Duration::from_secs(secs));
        }
        if extras.file_binding {
            builder = builder.file_binding(upkit::FileBinding::UrlBaseName);
        }
        builder = builder.manifest_size(match extras.manifest_size {
            ManifestSize::Exact => upkit::ManifestSize::Exact,
            ManifestSize::Ignored => upkit::ManifestSize::Ignored,
        });
        builder = builder.legacy_signatures(match extras.legacy_signatures {
            LegacySignatures::Refuse => Legacy::Refuse,
            LegacySignatures::Allow => Legacy::Allow,
        });
        builder = builder.signed_version(if config.require_signed_version {
            SignedVersion::Required
        } else {
            SignedVersion::Optional
        });
        if let Some(configure) = &self.configure_upkit {
            builder = configure(builder);
        }
        Ok(builder)
    }

    /// Builds the updater.
    ///
    /// # Errors
    /// upkit's: no endpoint, a key that does not decode, an endpoint that is not `https` without
    /// `dangerousInsecureTransportProtocol`, a header upkit cannot send, a bad proxy.
    pub fn build(self) -> Result<Updater> {
        let base = self.base()?;
        let request = Request {
            headers: self.headers,
            timeout: self.timeout,
            proxy: self.proxy,
            no_proxy: self.no_proxy,
        };
        let updater = with_request(base.clone(), &request)?.build()?;
        Ok(Updater {
            updater,
            context: Context {
                base,
                request,
                executable_path: self.executable_path,
                download_dir: self.download_dir,
                windows: upkit::install::WindowsOptions::from_config(&self.config.updater.windows),
                installer_args: self.installer_args,
                on_before_exit: self.on_before_exit,
                restart_after_install: self.restart_after_install,
            },
        })
    }
}

/// `builder` with Tauri's request settings.
fn with_request(
    mut builder: upkit::UpdaterBuilder,
    request: &Request,
) -> Result<upkit::UpdaterBuilder> {
    for (name, value) in &request.headers {
        let text = value
            .to_str()
            .map_err(|_| Error::HeaderText(name.to_string()))?;
        builder = builder.header(name.as_str(), text);
    }
    if let Some(timeout) = request.timeout {
        builder = builder.deadline(timeout);
    }
    if request.no_proxy {
        builder = builder.system_proxy(upkit::SystemProxy::Ignore);
    } else if let Some(proxy) = &request.proxy {
        builder = builder.proxy(proxy.as_str());
    }
    Ok(builder)
}

/// Checks for updates. Get one from [`UpdaterExt::updater`](crate::UpdaterExt) or
/// [`UpdaterBuilder::build`].
#[derive(Clone)]
pub struct Updater {
    updater: upkit::Updater,
    context: Context,
}

impl Updater {
    /// Asks the endpoints in order and says whether an update is available (`None`: up to
    /// date, or the release is not an update).
    ///
    /// # Errors
    /// upkit's check errors: no endpoint answered usably, an answer is not a valid manifest, the
    /// release has no entry for this platform, the deadline passed.
    pub async fn check(&self) -> Result<Option<Update>> {
        let Some(update) = self.updater.check().await? else {
            return Ok(None);
        };
        Ok(Some(Update::new(update, self.context.clone())))
    }

    /// The upkit updater underneath.
    pub fn upkit(&self) -> &upkit::Updater {
        &self.updater
    }
}

/// An available update. Its public fields are the official plugin's; a download uses them as
/// they are then (another `download_url`, say, for a mirror; `headers` and `timeout` for the
/// download request).
#[derive(Clone)]
pub struct Update {
    /// Release notes.
    pub body: Option<String>,
    /// The running app's version.
    pub current_version: String,
    /// The release's version.
    pub version: String,
    /// Publication date.
    pub date: Option<OffsetDateTime>,
    /// What `{{target}}` rendered to: the OS name or the custom target.
    pub target: String,
    /// Where the artifact is downloaded from.
    pub download_url: Url,
    /// The artifact's signature.
    pub signature: String,
    /// The update server's answer, unknown fields included.
    pub raw_json: serde_json::Value,
    /// A limit on the download (upkit's deadline).
    pub timeout: Option<Duration>,
    /// The download's proxy.
    pub proxy: Option<Url>,
    /// Whether the download ignores every proxy.
    pub no_proxy: bool,
    /// The download's headers.
    pub headers: HeaderMap,
    update: upkit::Update,
    context: Context,
}

impl Resource for Update {}

impl std::fmt::Debug for Update {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("current_version", &self.current_version)
            .field("version", &self.version)
            .field("target", &self.target)
            .field("download_url", &self.download_url)
            .finish_non_exhaustive()
    }
}

/// A verified artifact on disk, in a private directory of its own that is removed with it: what
/// [`Update::download_file`] gives and [`Update::install_file`] takes (the `download` command's
/// resource).
pub struct DownloadedUpdate {
    artifact: upkit::artifact::VerifiedArtifact,
    download_url: Url,
    // Last: removed once the rest is dropped.
    _dir: tempfile::TempDir,
}

impl DownloadedUpdate {
    /// The verified file.
    pub fn path(&self) -> &Path {
        self.artifact.path()
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.artifact.proof().bytes()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Resource for DownloadedUpdate {}

impl Update {
    fn new(update: upkit::Update, context: Context) -> Self {
        let info = update.info();
        Update {
            body: info.notes.clone(),
            current_version: info.current_version.to_string(),
            version: info.version.to_string(),
            date: info.pub_date,
            target: info.target.clone(),
            download_url: info.download_url.clone(),
            signature: info.signature.clone(),
            raw_json: info.raw.clone(),
            timeout: context.request.timeout,
            proxy: context.request.proxy.clone(),
            no_proxy: context.request.no_proxy,
            headers: context.request.headers.clone(),
            update,
            context,
        }
    }

    /// The upkit update underneath: everything the check found (the manifest's `size`, the
    /// platform key, the endpoint that answered).
    pub fn upkit(&self) -> &upkit::Update {
        &self.update
    }

    /// Whether the Windows installer starts the app again when done (`true` by default).
    pub fn restart_after_install(mut self, restart_after_install: bool) -> Self {
        self.context.restart_after_install = restart_after_install;
        self
    }

    /// The upkit update to download: this one as its public fields say now.
    fn current(&self) -> Result<upkit::Update> {
        let request = Request {
            headers: self.headers.clone(),
            timeout: self.timeout,
            proxy: self.proxy.clone(),
            no_proxy: self.no_proxy,
        };
        let found = self.update.info();
        let edited = self.download_url != found.download_url
            || self.signature != found.signature
            || self.version != found.version.to_string();
        if request == self.context.request && !edited {
            return Ok(self.update.clone());
        }
        let mut info = found.clone();
        if self.download_url != found.download_url {
            // The manifest's size is the announced artifact's.
            info.size = None;
            info.download_url = self.download_url.clone();
        }
        info.signature = self.signature.clone();
        info.version = upkit::core::version::parse(&self.version)?;
        let updater = with_request(self.context.base.clone(), &request)?.build()?;
        Ok(updater.adopt(info))
    }

    /// Downloads the artifact to a private directory while verifying it (memory stays flat, a
    /// dropped connection resumes), calling `on_chunk(chunk_length, content_length)` as bytes
    /// arrive and `on_download_finish` once all arrived. Prefer it to [`Update::download`],
    /// which reads the verified file into memory for Tauri's API.
    ///
    /// Chunks are reported at most every 100 ms (upkit's throttle), not per network read; their
    /// lengths add up to the artifact's. On failure, or when the future is dropped, nothing is
    /// left on disk.
    ///
    /// # Errors
    /// upkit's download errors: the signature refuses the artifact (wrong key, tampered bytes,
    /// another version), the network failed after the retries, a limit or the deadline was hit.
    pub async fn download_file<C: FnMut(usize, Option<u64>), D: FnOnce()>(
        &self,
        mut on_chunk: C,
        on_download_finish: D,
    ) -> Result<DownloadedUpdate> {
        let update = self.current()?;
        let dir = match &self.context.download_dir {
            Some(parent) => tempfile::Builder::new()
                .prefix("upkit-update-")
                .tempdir_in(parent)?,
            None => tempfile::Builder::new().prefix("upkit-update-").tempdir()?,
        };
        // upkit's progress callback must be `Send`; Tauri's callbacks need not be: the events
        // cross a channel and the callbacks run here.
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let download = update.download(dir.path(), move |progress| {
            let _ = events.send(progress.event);
        });
        let mut content_length = None;
        let mut on_download_finish = Some(on_download_finish);
        let mut handle = |event: DownloadEvent| match event {
            DownloadEvent::Started {
                content_length: length,
            } => content_length = length,
            DownloadEvent::Progress { chunk_length } if chunk_length > 0 => {
                on_chunk(
                    usize::try_from(chunk_length).unwrap_or(usize::MAX),
                    content_length,
                );
            }
            DownloadEvent::Finished => {
                if let Some(finish) = on_download_finish.take() {
                    finish();
                }
            }
            _ => {}
        };
        let result = {
            let mut download = std::pin::pin!(download);
            loop {
                tokio::select! {
                    biased;
                    Some(event) = received.recv() => handle(event),
                    result = &mut download => break result,
                }
            }
        };
        while let Ok(event) = received.try_recv() {
            handle(event);
        }
        let artifact = result?;
        Ok(DownloadedUpdate {
            artifact,
            download_url: update.download_url().clone(),
            _dir: dir,
        })
    }

    /// Installs an artifact that [`Update::download_file`] downloaded and verified.
    ///
    /// On Linux and macOS it returns once the new version is in place (relaunching is the app's
    /// choice); on Windows the app's before-exit hook runs, the installer starts and the app
    /// exits. The install is synchronous (a package manager may wait for a password prompt):
    /// from async code, run it with `spawn_blocking`, as the plugin's commands do.
    ///
    /// # Errors
    /// upkit's install errors (the installed app is then as it was, unless the error says
    /// otherwise), or [`Error::OtherDownload`] for another update's artifact.
    pub fn install_file(&self, downloaded: &DownloadedUpdate) -> Result<()> {
        if downloaded.download_url != self.download_url {
            return Err(Error::OtherDownload {
                expected: self.download_url.to_string(),
                found: downloaded.download_url.to_string(),
            });
        }
        self.install_verified(&downloaded.artifact)
    }

    fn install_verified(&self, artifact: &upkit::artifact::VerifiedArtifact) -> Result<()> {
        let context = &self.context;
        let mut windows = context.windows.clone();
        windows.installer_args = context
            .installer_args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        windows.restart = if context.restart_after_install {
            Restart::Relaunch
        } else {
            Restart::No
        };
        let hook = || {
            if let Some(hook) = &context.on_before_exit {
                hook();
            }
        };
        let mut options: InstallOptions<'_> = self
            .update
            .install_options()
            .windows(windows)
            .before_exit(&hook);
        if cfg!(target_os = "linux") {
            // As Tauri: a deb or rpm when the bundler said so, else the AppImage (or the
            // executable) is replaced.
            match bundle_installer() {
                Some(installer @ (Installer::Deb | Installer::Rpm)) => {
                    options = options.installer(installer);
                }
                _ => options = options.installer(Installer::AppImage),
            }
        }
        if let Some(path) = &context.executable_path {
            options = options.install_path(install_path(path));
        }
        upkit::install::install(artifact, &options)?;
        Ok(())
    }

    /// Downloads the artifact, verifies it and returns its bytes, as the official plugin does.
    /// The bytes are read from the verified file once the download finished: the download
    /// itself streams, but the whole artifact then sits in memory. Prefer
    /// [`Update::download_file`].
    ///
    /// # Errors
    /// Those of [`Update::download_file`], and reading the file.
    pub async fn download<C: FnMut(usize, Option<u64>), D: FnOnce()>(
        &self,
        on_chunk: C,
        on_download_finish: D,
    ) -> Result<Vec<u8>> {
        let downloaded = self.download_file(on_chunk, on_download_finish).await?;
        Ok(tokio::fs::read(downloaded.path()).await?)
    }

    /// Verifies `bytes` against this update's signature, without installing anything.
    ///
    /// # Errors
    /// The signature refuses them.
    pub fn verify(&self, bytes: &[u8]) -> Result<()> {
        let mut verifier = self.current()?.verifier()?;
        verifier.update(bytes);
        verifier
            .finish()
            .map_err(|source| upkit::Error::Signature {
                url: self.download_url.clone(),
                source: Box::new(source),
            })?;
        Ok(())
    }

    /// Installs an artifact handed over in memory (what [`Update::download`] returned), as the
    /// official plugin does: the bytes are written to a private directory, verified there
    /// against this update's signature, and installed from there. Prefer
    /// [`Update::install_file`], which needs no copy.
    ///
    /// # Errors
    /// The signature refuses the bytes, or those of [`Update::install_file`].
    pub fn install(&self, bytes: impl AsRef<[u8]>) -> Result<()> {
        let dir = match &self.context.download_dir {
            Some(parent) => tempfile::Builder::new()
                .prefix("upkit-update-")
                .tempdir_in(parent)?,
            None => tempfile::Builder::new().prefix("upkit-update-").tempdir()?,
        };
        // The name does not matter: installers tell the payload by its bytes.
        let path = dir.path().join("artifact");
        std::fs::write(&path, bytes.as_ref())?;
        let artifact = self.current()?.verify_file(&path)?;
        self.install_verified(&artifact)
    }

    /// Downloads, verifies and installs the update (see [`Update::download_file`] and
    /// [`Update::install_file`]).
    ///
    /// # Errors
    /// Those of both.
    pub async fn download_and_install<C: FnMut(usize, Option<u64>), D: FnOnce()>(
        &self,
        on_chunk: C,
        on_download_finish: D,
    ) -> Result<()> {
        let downloaded = self.download_file(on_chunk, on_download_finish).await?;
        let update = self.clone();
        tauri::async_runtime::spawn_blocking(move || update.install_file(&downloaded))
            .await
            .map_err(|e| Error::Join(e.to_string()))?
    }
}

/// What upkit replaces for an app whose executable is `executable`: on macOS the `.app`
/// holding it, elsewhere the file itself (an AppImage).
fn install_path(executable: &Path) -> PathBuf {
    if cfg!(target_os = "macos")
        && let Some(bundle) = executable
            .ancestors()
            .find(|p| p.extension().is_some_and(|e| e == "app"))
    {
        return bundle.to_owned();
    }
    executable.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_is_os_and_arch() {
        let target = target().unwrap();
        assert!(
            target.starts_with("linux-")
                || target.starts_with("darwin-")
                || target.starts_with("windows-")
        );
    }

    #[test]
    fn an_unbundled_binary_has_no_bundle_type() {
        assert_eq!(bundle_installer(), None);
    }
}
