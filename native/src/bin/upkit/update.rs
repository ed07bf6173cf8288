//! `upkit update`: check, download, verify, install.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use upkit::core::manifest::printable;
use upkit::core::target::{Installer, Os};
use upkit::install::{InstallError, Installed, WindowsOptions, install};

use crate::check::{DownloadLimits, ProgressDisplay};
use crate::client_args::{ClientArgs, interrupted, runtime, until_interrupted};

/// Options of `upkit update`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub(crate) client: ClientArgs,
    #[command(flatten)]
    limits: DownloadLimits,
    /// The installed app to replace: an AppImage file, or a macOS `.app` bundle. Default for an
    /// AppImage: `$APPIMAGE`. Never upkit itself: without either, an AppImage or `.app` update
    /// is refused before anything is downloaded.
    #[arg(long, value_name = "PATH")]
    install_path: Option<PathBuf>,
    /// For a deb or rpm: the package the app was installed from. A payload holding another
    /// package is refused (the package manager would install it beside the app).
    #[arg(long, value_name = "NAME")]
    package: Option<String>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// What can be known of the install before downloading: which app it replaces, and that it is
/// there. The CLI is not the app: the library's default install path, the running executable
/// (or the `.app` holding it), would be upkit itself, so an install path must be named.
fn preflight(
    os: Os,
    installer: Option<Installer>,
    install_path: Option<&Path>,
    appimage: Option<PathBuf>,
) -> anyhow::Result<()> {
    let path = match (install_path, appimage) {
        (Some(path), _) => Some((path.to_owned(), "--install-path")),
        (None, Some(path)) => Some((path, "$APPIMAGE")),
        (None, None) => None,
    };
    let missing = match (os, installer) {
        (Os::Linux, Some(Installer::AppImage)) => {
            "an AppImage update needs the AppImage to replace: pass --install-path PATH or set \
             $APPIMAGE (upkit never replaces its own executable)"
        }
        (Os::Linux, None) => {
            "cannot tell how the app was installed: pass --bundle-type (appimage, deb or rpm), \
             or --install-path PATH for an AppImage"
        }
        (Os::Darwin, None | Some(Installer::App)) => {
            "a macOS update needs the `.app` bundle to replace: pass --install-path PATH \
             (upkit never replaces its own bundle)"
        }
        // Packages and Windows installers replace nothing by path.
        _ => return Ok(()),
    };
    match path {
        None => bail!("{missing}"),
        Some((path, source)) if path.symlink_metadata().is_err() => {
            bail!("no installed app at {} ({source})", path.display())
        }
        Some(_) => Ok(()),
    }
}

/// What to say when the install failed: the error, and what became of the installed app.
fn failure(err: &InstallError) -> String {
    match err {
        InstallError::NotRestored { kept, .. } => format!(
            "install failed: {err}\nthe install path is empty: move {} back to restore the \
             previous version",
            kept.display()
        ),
        _ if err.may_have_changed_the_app() => format!(
            "install failed: {err}\nthe package manager may have left the package half-installed \
             (see its message): reinstall the version you had, or finish this one"
        ),
        _ => format!("install failed, nothing was replaced: {err}"),
    }
}

/// The `--json` report of an install: what was done, and the path replaced, if any.
fn report(update: &upkit::Update, installed: &str, path: Option<&Path>) -> serde_json::Value {
    json!({
        "available": true,
        "current_version": update.current_version().to_string(),
        "version": update.version().to_string(),
        "installed": installed,
        "path": path.map(|p| p.display().to_string()),
    })
}

/// Runs `upkit update`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args.client.tauri_config()?;
    let mut windows = config
        .as_ref()
        .map_or_else(WindowsOptions::default, |loaded| {
            WindowsOptions::from_config(&loaded.config.updater.windows)
        });
    // The app the installer restarts gets no arguments: this process's are upkit's (a header
    // given here could hold a secret).
    windows.app_args = Some(Vec::new());
    let updater = args
        .limits
        .apply(args.client.builder(config.as_ref())?)
        .app_package(args.package.as_deref())
        .windows(windows)
        .build()?;
    let current = updater.current_version().to_string();
    let target = updater.target();
    let appimage = std::env::var_os("APPIMAGE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    preflight(
        target.os,
        target.installer,
        args.install_path.as_deref(),
        appimage,
    )?;
    let rt = runtime()?;
    let Some(update) = rt.block_on(updater.check())? else {
        if args.json {
            println!(
                "{}",
                json!({"available": false, "current_version": current})
            );
        } else {
            println!("up to date ({current})");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if !args.json {
        println!(
            "update available: {} -> {} ({})\n  url:      {}",
            update.current_version(),
            update.version(),
            printable(update.platform_key().unwrap_or(update.target())),
            update.download_url()
        );
        let _ = std::io::stdout().flush();
    }

    // The download goes to a private directory that is removed afterwards (the installers copy
    // what they need).
    let mut builder = tempfile::Builder::new();
    builder.prefix("upkit-update-");
    // Private: tempfile would make it 0777 less the umask, so that other users could read the
    // artifact (or race the installer for it).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = builder
        .tempdir()
        .context("cannot create a temporary directory")?;
    let mut display = ProgressDisplay::new(!args.json && std::io::stderr().is_terminal());
    let artifact = until_interrupted(
        &rt,
        update.download(dir.path(), |p| {
            if !args.json {
                display.show(p);
            }
        }),
    );
    display.done();
    let Some(artifact) = artifact else {
        return Ok(interrupted());
    };
    let artifact = artifact?;
    if !args.json {
        println!(
            "verified: {} (key {})",
            artifact.path().display(),
            artifact.proof().key_id()
        );
    }

    // On Windows the installer takes over and this process exits before `install` returns: the
    // report comes first, and the download directory is removed by hand (no destructor runs).
    let before_exit = || {
        if args.json {
            let report = report(&update, "starting the Windows installer", None);
            println!("{report}");
        } else {
            println!(
                "installing {}: starting the Windows installer, which takes over from here",
                update.version()
            );
        }
        let _ = std::io::stdout().flush();
        let _ = std::fs::remove_dir_all(dir.path());
    };
    // The platform and bundle type checked for, the Windows settings, the app's package, and
    // older packages allowed only for a downgrade (which the check offers only when allowed).
    let mut options = update.install_options().before_exit(&before_exit);
    if let Some(path) = &args.install_path {
        options = options.install_path(path);
    }
    let installed = match install(&artifact, &options) {
        Ok(installed) => installed,
        Err(err) => anyhow::bail!(failure(&err)),
    };
    if args.json {
        let path = match &installed {
            Installed::Replaced { path, .. } => Some(path.as_path()),
            _ => None,
        };
        println!("{}", report(&update, &installed.to_string(), path));
    } else {
        println!("installed {}: {installed}", update.version());
    }
    Ok(ExitCode::SUCCESS)
}
