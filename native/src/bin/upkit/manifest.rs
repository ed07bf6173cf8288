//! `upkit manifest`.

use std::process::ExitCode;

/// Options of `upkit manifest`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit manifest`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit manifest` is not implemented yet")
}
