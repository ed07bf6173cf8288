//! `upkit check` and `upkit download`.

use std::process::ExitCode;

/// Options of `upkit check`.
#[derive(clap::Args)]
pub struct CheckArgs {}

/// Options of `upkit download`.
#[derive(clap::Args)]
pub struct DownloadArgs {}

/// Runs `upkit check`.
pub fn run_check(_args: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit check` is not implemented yet")
}

/// Runs `upkit download`.
pub fn run_download(_args: DownloadArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`upkit download` is not implemented yet")
}
