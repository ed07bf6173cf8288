//! `upkit bundle`.

use std::process::ExitCode;

/// Options of `upkit bundle`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit bundle`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit bundle` is not implemented yet")
}
