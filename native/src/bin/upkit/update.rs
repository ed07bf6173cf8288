//! `upkit update`: check, download, verify, install.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use upkit::core::target::{Installer, Os};
use upkit::install::{
    Downgrades, InstallError, InstallOptions, Installed, WindowsOptions, install,
};

use crate::check::ProgressDisplay;
use crate::client_args::{ClientArgs, interrupted, runtime, until_interrupted};

/// Options of `upkit update`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    client: ClientArgs,
    /// The installed app to replace: an AppImage file, or a macOS `.app` bundle. Default:
    /// `$APPIMAGE`, else this executable (or the bundle holding it).
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
    let updater = args.client.builder(config.as_ref())?.build()?;
    let current = updater.current_version().to_string();
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
            update.platform_key().unwrap_or(update.target()),
            update.download_url()
        );
        let _ = std::io::stdout().flush();
    }

    // The download goes to a private directory that is removed afterwards (the installers copy
    // what they need).
    let dir = tempfile::Builder::new()
        .prefix("upkit-update-")
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
    let mut options = InstallOptions::new().before_exit(&before_exit);
    if let Some(os) = args
        .client
        .target
        .as_deref()
        .and_then(|t| t.parse::<Os>().ok())
    {
        options = options.os(os);
    }
    if let Some(bundle) = args
        .client
        .bundle_type
        .as_deref()
        .filter(|b| *b != "unknown")
    {
        options = options.installer(bundle.parse::<Installer>()?);
    }
    if let Some(path) = &args.install_path {
        options = options.install_path(path);
    }
    if let Some(package) = &args.package {
        options = options.package_name(package);
    }
    let mut windows = WindowsOptions::default();
    if let Some(loaded) = &config {
        windows = WindowsOptions::from_config(&loaded.config.updater.windows);
    }
    // The app the installer restarts gets no arguments: this process's are upkit's (a header
    // given here could hold a secret).
    windows.app_args = Some(Vec::new());
    options = options.windows(windows);
    // The package manager may install an older package only when the update is a downgrade
    // (which the check offers only when downgrades are allowed).
    options = options.downgrades(Downgrades::for_update(
        update.version(),
        update.current_version(),
    ));
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
