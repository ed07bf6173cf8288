//! A drop-in replacement for [`tauri-plugin-updater`](https://docs.rs/tauri-plugin-updater) 2.x,
//! built on [`upkit`]: the same plugin name (`updater`), commands, permissions, JavaScript API,
//! `tauri.conf.json` section and Rust API, with upkit's client underneath (downloads that stream
//! to disk while they are verified, resume with `Range`, and have size limits and timeouts;
//! several trusted keys; atomic AppImage installs).
//!
//! Switching is one line in `Cargo.toml`:
//!
//! ```toml
//! tauri-plugin-updater = { package = "tauri-plugin-upkit", git = "https://github.com/upkit/upkit" }
//! ```
//!
//! In scope: adapting upkit to Tauri's IPC, permissions and configuration. Out of scope: any
//! update rule of its own (they are upkit's), and mobile platforms (as the official plugin,
//! updates there are the stores').
//!
//! ```no_run
//! use tauri_plugin_upkit::UpdaterExt;
//!
//! fn register<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
//!     builder
//!         .plugin(tauri_plugin_upkit::Builder::new().build())
//!         .setup(|app| {
//!             let handle = app.handle().clone();
//!             tauri::async_runtime::spawn(async move {
//!                 if let Ok(Some(update)) = handle.updater().unwrap().check().await {
//!                     let _ = update.download_and_install(|_chunk, _total| {}, || {}).await;
//!                 }
//!             });
//!             Ok(())
//!         })
//! }
//! ```

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use semver::Version;
use tauri::http::{HeaderMap, HeaderName, HeaderValue};
use tauri::plugin::{Builder as PluginBuilder, TauriPlugin};
use tauri::{Manager, Runtime};

mod commands;
pub mod config;
mod error;
mod updater;

pub use commands::DownloadEvent;
pub use config::Config;
pub use error::{Error, Result};
pub use updater::{
    ConfigureUpkit, DownloadedUpdate, OnBeforeExit, ReleaseManifestPlatform, RemoteRelease,
    RemoteReleaseInner, Update, Updater, UpdaterBuilder, VersionComparator, target,
};

/// Gives [`tauri::App`], [`tauri::AppHandle`], windows and webviews the updater.
pub trait UpdaterExt<R: Runtime> {
    /// A builder filled from the plugin's configuration and [`Builder`], to adjust before
    /// [`UpdaterBuilder::build`].
    fn updater_builder(&self) -> UpdaterBuilder;

    /// The updater as configured.
    ///
    /// # Errors
    /// Those of [`UpdaterBuilder::build`].
    fn updater(&self) -> Result<Updater>;
}

impl<R: Runtime, T: Manager<R>> UpdaterExt<R> for T {
    fn updater_builder(&self) -> UpdaterBuilder {
        let app = self.app_handle();
        let state = self.state::<UpdaterState>();
        let mut builder =
            UpdaterBuilder::new(app, state.config.clone()).headers(state.headers.clone());
        if let Some(target) = &state.target {
            builder = builder.target(target.clone());
        }
        // A comparator set by the app replaces `allowDowngrades`, as in Tauri.
        builder.version_comparator = state.version_comparator.clone();
        if let Some(dir) = &state.download_dir {
            builder = builder.download_dir(dir.clone());
        }
        if let Some(path) = &state.executable_path {
            builder = builder.executable_path(path);
        } else {
            // Tauri's `Env` has the AppImage path on Linux and the BSDs only.
            #[cfg(any(
                target_os = "linux",
                target_os = "dragonfly",
                target_os = "freebsd",
                target_os = "netbsd",
                target_os = "openbsd"
            ))]
            if let Some(appimage) = app.env().appimage {
                builder = builder.executable_path(appimage);
            }
        }
        let handle = app.clone();
        builder.on_before_exit(move || handle.cleanup_before_exit())
    }

    fn updater(&self) -> Result<Updater> {
        self.updater_builder().build()
    }
}

struct UpdaterState {
    target: Option<String>,
    config: Config,
    version_comparator: Option<VersionComparator>,
    headers: HeaderMap,
    download_dir: Option<PathBuf>,
    executable_path: Option<PathBuf>,
}

/// Builds the plugin. Its settings are the defaults of every [`Updater`] made through
/// [`UpdaterExt`].
#[derive(Default)]
pub struct Builder {
    target: Option<String>,
    pubkey: Option<String>,
    installer_args: Vec<OsString>,
    headers: HeaderMap,
    default_version_comparator: Option<VersionComparator>,
    download_dir: Option<PathBuf>,
    executable_path: Option<PathBuf>,
}

impl Builder {
    /// A builder with the configuration's settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// A custom target: the only platform key looked up, and what `{{target}}` renders to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Replaces the configuration's `pubkey`.
    pub fn pubkey<S: Into<String>>(mut self, pubkey: S) -> Self {
        self.pubkey = Some(pubkey.into());
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

    /// Adds an argument for the Windows installer.
    pub fn installer_arg<S: Into<OsString>>(mut self, arg: S) -> Self {
        self.installer_args.push(arg.into());
        self
    }

    /// Removes the Windows installer arguments added so far.
    pub fn clear_installer_args(mut self) -> Self {
        self.installer_args.clear();
        self
    }

    /// Sets a header sent with every request.
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

    /// The comparator of every updater (replacing `allowDowngrades`); see [`RemoteRelease`].
    pub fn default_version_comparator<
        F: Fn(Version, RemoteRelease) -> bool + Send + Sync + 'static,
    >(
        mut self,
        f: F,
    ) -> Self {
        self.default_version_comparator = Some(Arc::new(f));
        self
    }

    /// Where artifacts are downloaded (an upkit extension; see
    /// [`UpdaterBuilder::download_dir`]).
    pub fn download_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download_dir = Some(dir.into());
        self
    }

    /// The executable whose install is updated, for every updater (an upkit extension; see
    /// [`UpdaterBuilder::executable_path`]): by default `$APPIMAGE`, else the running executable.
    pub fn executable_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.executable_path = Some(path.into());
        self
    }

    /// The plugin, named `updater`, with the commands `check`, `download`, `install` and
    /// `download_and_install`.
    pub fn build<R: Runtime>(self) -> TauriPlugin<R, Config> {
        let Builder {
            target,
            pubkey,
            installer_args,
            headers,
            default_version_comparator,
            download_dir,
            executable_path,
        } = self;
        PluginBuilder::<R, Config>::new("updater")
            .setup(move |app, api| {
                let mut config = api.config().clone();
                if let Some(pubkey) = pubkey {
                    config.updater.pubkey = pubkey;
                }
                config.updater.windows.installer_args.extend(
                    installer_args
                        .into_iter()
                        .map(|arg| arg.to_string_lossy().into_owned()),
                );
                app.manage(UpdaterState {
                    target,
                    config,
                    version_comparator: default_version_comparator,
                    headers,
                    download_dir,
                    executable_path,
                });
                Ok(())
            })
            .invoke_handler(tauri::generate_handler![
                commands::check,
                commands::download,
                commands::install,
                commands::download_and_install,
            ])
            .build()
    }
}
