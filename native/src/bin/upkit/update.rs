//! `upkit update`.

use std::process::ExitCode;

/// Options of `upkit update`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit update`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit update` is not implemented yet")
}
