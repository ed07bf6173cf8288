//! `upkit bundle`: the signed updater artifacts of app bundles and installers.

use std::path::PathBuf;
use std::process::ExitCode;

use upkit::bundle::{Compatibility, bundle};

/// Options of `upkit bundle`.
#[derive(clap::Args)]
pub struct Args {
    /// App bundles (`.app` directories) and installers (`.AppImage`, `.deb`, `.rpm`,
    /// `-setup.exe`, `.msi`).
    #[arg(required = true, value_name = "ARTIFACT")]
    artifacts: Vec<PathBuf>,
    /// Also make Tauri v1's wrappers (`.AppImage.tar.gz`, `-setup.nsis.zip`, `.msi.zip`).
    #[arg(long)]
    v1_compatible: bool,
    /// The secret key, or a path to it (else the environment, as for `upkit sign`).
    #[arg(long, value_name = "KEY_OR_PATH")]
    key: Option<String>,
    /// The secret key's password (else the environment, a prompt, or the empty password).
    #[arg(long, value_name = "PW")]
    password: Option<String>,
    /// The app version to bind the signatures to.
    #[arg(long, value_name = "V")]
    app_version: Option<String>,
}

/// Runs `upkit bundle`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let key = crate::sign::signing_key(args.key, args.password)?;
    let compatibility = if args.v1_compatible {
        Compatibility::V1
    } else {
        Compatibility::Current
    };
    let written = bundle(
        &args.artifacts,
        &key,
        args.app_version.as_deref(),
        compatibility,
    )?;
    for artifact in written {
        println!("{}", artifact.path.display());
        println!("{}", artifact.signature.display());
    }
    Ok(ExitCode::SUCCESS)
}
