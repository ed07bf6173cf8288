//! `upkit sign`.

use std::process::ExitCode;

/// Options of `upkit sign`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit sign`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit sign` is not implemented yet")
}
