//! `upkit demo`.

use std::process::ExitCode;

/// Options of `upkit demo`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `upkit demo`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit demo` is not implemented yet")
}
