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
    #[command(flatten)]
    signing: crate::sign::SigningArgs,
}

/// Runs `upkit bundle`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.signing.expires.is_some() {
        anyhow::bail!(
            "--expires signs a manifest (upkit sign latest.json --expires 30d), not a bundle"
        );
    }
    let (version, key) = args.signing.open()?;
    let compatibility = if args.v1_compatible {
        Compatibility::V1
    } else {
        Compatibility::Current
    };
    let written = bundle(&args.artifacts, &key, version.as_deref(), compatibility)?;
    for artifact in written {
        println!("{}", artifact.path.display());
        println!("{}", artifact.signature.display());
    }
    crate::sign::warn_unversioned(version.as_deref());
    Ok(ExitCode::SUCCESS)
}
