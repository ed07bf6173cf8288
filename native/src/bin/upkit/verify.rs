//! `upkit verify`.

use std::process::ExitCode;

/// Options of `upkit verify`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit verify`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit verify` is not implemented yet")
}
