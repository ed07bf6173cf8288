//! `upkit keygen`.

use std::process::ExitCode;

/// Options of `upkit keygen`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit keygen`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit keygen` is not implemented yet")
}
