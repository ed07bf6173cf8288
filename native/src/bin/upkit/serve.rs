//! `upkit serve`.

use std::process::ExitCode;

/// Options of `upkit serve`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit serve`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit serve` is not implemented yet")
}
