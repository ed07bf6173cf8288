//! `upkit validate`.

use std::process::ExitCode;

/// Options of `upkit validate`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit validate`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit validate` is not implemented yet")
}
