//! The `upkit` command line: release tooling and an updater client in one binary.
//!
//! Each command lives in its own module with an `Args` struct and a `run` function. Errors go to
//! stderr with a non-zero exit; `--json` output goes to stdout.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod bundle;
mod check;
mod client_args;
mod demo;
mod duration;
mod keygen;
mod manifest;
mod serve;
mod sign;
mod tauri_config;
mod update;
mod validate;
mod verify;

/// upkit: safe, resumable, Tauri-compatible updates for desktop apps.
#[derive(Parser)]
// `-V`/`--version` is the program's, at the top only: in `manifest` and `verify`, `--version` is
// an old spelling of `--app-version`.
#[command(name = "upkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole story locally: keys, two releases, a server, an update, a refused tamper.
    Demo(demo::Args),
    /// Validate update manifests exactly as Tauri would accept them, with lint warnings.
    Validate(validate::Args),
    /// Verify a file against a minisign signature in Tauri's format.
    Verify(verify::Args),
    /// Generate a signing key pair in Tauri's format.
    Keygen(keygen::Args),
    /// Sign a file, writing FILE.sig in Tauri's format.
    Sign(sign::Args),
    /// Make the signed updater artifacts of app bundles and installers.
    Bundle(bundle::Args),
    /// Write or update a static latest.json from signed artifacts.
    Manifest(manifest::Args),
    /// Report the update an app would get.
    Check(check::CheckArgs),
    /// Check, download and verify an update.
    Download(check::DownloadArgs),
    /// Check, download, verify and install an update.
    Update(update::Args),
    /// Serve a directory of releases as a dynamic update server.
    Serve(serve::Args),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    #[cfg(unix)]
    sigpipe::reset();
    // `upkit demo`'s program is a copy of this binary started as `hello-upkit`.
    if let Some(code) = demo::hello_program() {
        return code;
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Bundle(args) => bundle::run(args),
        Command::Manifest(args) => manifest::run(args),
        Command::Check(args) => {
            let client = args.client.clone();
            check::run_check(args).map_err(|e| client.explain(e))
        }
        Command::Download(args) => {
            let client = args.client.clone();
            check::run_download(args).map_err(|e| client.explain(e))
        }
        Command::Update(args) => {
            let client = args.client.clone();
            update::run(args).map_err(|e| client.explain(e))
        }
        Command::Serve(args) => serve::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "upkit", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Errors quote what servers and files said: nothing in them may drive the terminal.
            eprintln!("error: {}", upkit::core::manifest::printable(&report(&err)));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, one clause each. upkit's errors already name their cause in their
/// message, so a cause is added only when the text does not say it yet.
pub(crate) fn report(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
