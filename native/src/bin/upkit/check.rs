//! `upkit check` and `upkit download`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use upkit::core::manifest::printable;
use upkit::core::rate::MinRate;
use upkit::{DownloadEvent, Progress, Update, UpdaterBuilder};

use crate::client_args::{ClientArgs, interrupted, runtime, until_interrupted};

/// Options of `upkit check`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when up to date or an update is available (10 for an update with \
                  --exit-code), 1 when an update is offered that the client would refuse (its \
                  signature is by another key, names no version or another one: all known \
                  without downloading), 2 when the check failed."
)]
pub struct CheckArgs {
    #[command(flatten)]
    pub(crate) client: ClientArgs,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Exit with 10 when an update is available (0 when up to date), for scripts.
    #[arg(long)]
    exit_code: bool,
}

/// `upkit check --exit-code`'s status when an update is available.
const UPDATE_AVAILABLE: u8 = 10;

/// Options of `upkit download`.
#[derive(clap::Args)]
pub struct DownloadArgs {
    #[command(flatten)]
    pub(crate) client: ClientArgs,
    #[command(flatten)]
    pub(crate) limits: DownloadLimits,
    /// The directory the verified artifact is written to.
    #[arg(long, short = 'o', value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// The limits of a download, shared by `upkit download` and `upkit update`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct DownloadLimits {
    /// The largest artifact downloaded: 500M, 2G, 64KiB or bytes (K, M, G, T and KiB, MiB, GiB,
    /// TiB count in 1024s; KB, MB, GB, TB in 1000s). Default 4GiB. A platform entry's `size` is
    /// enforced exactly on top of this: this bounds a body the manifest gives no size for.
    #[arg(long, value_name = "BYTES", value_parser = size)]
    max_size: Option<u64>,
    /// The slowest a download may go, in bytes per second (64KiB, 1M, or bytes), averaged over
    /// --min-rate-window: a server trickling bytes, which never trips --timeout, fails within
    /// the window. `none` for no minimum. Default 1KiB.
    #[arg(long, value_name = "BYTES|none", value_parser = rate)]
    min_rate: Option<Rate>,
    /// The time in seconds the minimum rate is averaged over (and the grace period at the
    /// start). Default 30.
    #[arg(long, value_name = "SECS", value_parser = window)]
    min_rate_window: Option<Duration>,
}

/// `--min-rate`: bytes per second, or none.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rate {
    BytesPerSecond(u64),
    None,
}

impl DownloadLimits {
    /// `builder` with these limits.
    pub(crate) fn apply(&self, mut builder: UpdaterBuilder) -> UpdaterBuilder {
        if let Some(bytes) = self.max_size {
            builder = builder.artifact_limit(bytes);
        }
        let window = self.min_rate_window.unwrap_or(MinRate::DEFAULT.window);
        match self.min_rate {
            Some(Rate::None) => builder.min_rate(None),
            Some(Rate::BytesPerSecond(rate)) => builder.min_rate(Some(MinRate::new(rate, window))),
            None if self.min_rate_window.is_some() => builder.min_rate(Some(MinRate::new(
                MinRate::DEFAULT.bytes_per_second,
                window,
            ))),
            None => builder,
        }
    }
}

/// A size on the command line: a whole number of bytes, with an optional unit (`K`, `M`, `G`,
/// `T` or `KiB`... in 1024s, `KB`... in 1000s, `B`; any case).
pub(crate) fn size(text: &str) -> Result<u64, String> {
    let invalid = || format!("`{text}` is not a size (say 500M, 2G, 64KiB or a number of bytes)");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(invalid()),
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(invalid)?;
    if bytes == 0 {
        return Err("a size must be above 0".to_owned());
    }
    Ok(bytes)
}

fn rate(text: &str) -> Result<Rate, String> {
    if text == "none" {
        return Ok(Rate::None);
    }
    size(text).map(Rate::BytesPerSecond).map_err(|_| {
        format!(
            "`{text}` is not a rate in bytes per second (say 64KiB, 1M, a number of bytes, or none)"
        )
    })
}

fn window(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}` is not a window in seconds above 0"))
}

/// The `--json` object: `available` plus what the update carries (`null`s when up to date).
fn report(current_version: &str, update: Option<&Update>) -> serde_json::Value {
    match update {
        None => json!({
            "available": false,
            "current_version": current_version,
            "version": null,
            "target": null,
            "platform_key": null,
            "url": null,
            "signature": null,
            "size": null,
            "notes": null,
            "pub_date": null,
            "endpoint": null,
            "refused": null,
        }),
        Some(u) => json!({
            "available": true,
            "current_version": u.current_version().to_string(),
            "version": u.version().to_string(),
            "target": u.target(),
            "platform_key": u.platform_key(),
            "url": u.download_url().as_str(),
            "signature": u.signature(),
            "size": u.size(),
            "notes": u.notes(),
            "pub_date": u.pub_date().and_then(|d| d.format(&Rfc3339).ok()),
            "endpoint": u.endpoint().as_str(),
            "refused": null,
        }),
    }
}

/// What `check` and `download` print of an update. Everything in it came from a server,
/// unsigned: it is shown [`printable`].
fn describe(update: &Update) -> String {
    let mut text = format!(
        "update available: {} -> {} ({})\n  url:      {}\n  endpoint: {}\n",
        update.current_version(),
        update.version(),
        printable(update.platform_key().unwrap_or(update.target())),
        update.download_url(),
        update.endpoint()
    );
    if let Some(date) = update.pub_date().and_then(|d| d.format(&Rfc3339).ok()) {
        text += &format!("  date:     {date}\n");
    }
    if let Some(notes) = update.notes() {
        // Notes from a file end in a newline: no indented empty line for it.
        let notes = printable(notes.trim_end()).replace('\n', "\n            ");
        text += &format!("  notes:    {notes}\n");
    }
    text
}

/// Runs `upkit check`.
pub fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let config = args.client.tauri_config()?;
    let updater = args.client.builder(config.as_ref())?.build()?;
    let current = updater.current_version().to_string();
    let update = runtime()?.block_on(updater.check())?;
    // What the download would refuse before its first byte, said now.
    let refused = update
        .as_ref()
        .and_then(|u| u.verifier().err())
        .map(|e| crate::report(&e.into()));
    if args.json {
        let mut object = report(&current, update.as_ref());
        object["refused"] = json!(refused);
        println!("{object}");
    } else {
        match &update {
            Some(update) => print!("{}", describe(update)),
            None => println!("up to date ({current})"),
        }
        if let Some(reason) = &refused {
            eprintln!("error: the update would be refused: {}", printable(reason));
        }
    }
    Ok(match (&update, refused) {
        (_, Some(_)) => ExitCode::from(1),
        (Some(_), None) if args.exit_code => ExitCode::from(UPDATE_AVAILABLE),
        _ => ExitCode::SUCCESS,
    })
}

/// Runs `upkit download`.
pub fn run_download(args: DownloadArgs) -> anyhow::Result<ExitCode> {
    let config = args.client.tauri_config()?;
    let updater = args
        .limits
        .apply(args.client.builder(config.as_ref())?)
        .build()?;
    let current = updater.current_version().to_string();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let rt = runtime()?;
    let Some(update) = rt.block_on(updater.check())? else {
        if args.json {
            let mut object = report(&current, None);
            object["path"] = serde_json::Value::Null;
            println!("{object}");
        } else {
            println!("up to date ({current})");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if !args.json {
        print!("{}", describe(&update));
        let _ = std::io::stdout().flush();
    }
    let mut display = ProgressDisplay::new(std::io::stderr().is_terminal());
    let artifact = until_interrupted(&rt, update.download(&args.out, |p| display.show(p)));
    display.done();
    let Some(artifact) = artifact else {
        return Ok(interrupted());
    };
    let artifact = artifact?;
    if args.json {
        let mut object = report(&current, Some(&update));
        object["path"] = json!(artifact.path().display().to_string());
        println!("{object}");
    } else {
        println!(
            "verified: {} (key {})",
            artifact.path().display(),
            artifact.proof().key_id()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on a terminal, a plain line every few seconds otherwise (on stderr).
pub(crate) struct ProgressDisplay {
    bar: Option<indicatif::ProgressBar>,
    last_line: Option<Instant>,
}

impl ProgressDisplay {
    pub(crate) fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::no_length();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
                )
                .expect("a valid template"),
            );
            bar
        });
        ProgressDisplay {
            bar,
            last_line: None,
        }
    }

    pub(crate) fn show(&mut self, p: &Progress) {
        if let Some(bar) = &self.bar {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.downloaded);
            return;
        }
        let due = match (p.event, self.last_line) {
            (DownloadEvent::Started { .. } | DownloadEvent::Finished, _) | (_, None) => true,
            (_, Some(last)) => last.elapsed() >= Duration::from_secs(2),
        };
        if !due {
            return;
        }
        self.last_line = Some(Instant::now());
        let total = p.total.map_or_else(|| "?".to_owned(), |t| t.to_string());
        let what = match p.event {
            DownloadEvent::Started { .. } => "started",
            DownloadEvent::Finished => "received",
            _ => "downloading",
        };
        let mut line = format!("{what}: {} of {total} bytes", p.downloaded);
        if p.bytes_per_second > 0.0 {
            line += &format!(", {:.1} MiB/s", p.bytes_per_second / 1_048_576.0);
        }
        if let (Some(eta), DownloadEvent::Progress { .. }) = (p.eta, p.event) {
            line += &format!(", {}s left", eta.as_secs());
        }
        eprintln!("{line}");
    }

    pub(crate) fn done(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        for (text, bytes) in [
            ("4096", 4096),
            ("64KiB", 65_536),
            ("64k", 65_536),
            ("500M", 500 << 20),
            ("2G", 2 << 30),
            ("2GB", 2_000_000_000),
            ("1tib", 1 << 40),
            ("10B", 10),
        ] {
            assert_eq!(super::size(text), Ok(bytes), "{text}");
        }
        for text in ["", "K", "1.5G", "2 G", "-1", "2X", "99999999999T"] {
            assert_eq!(
                super::size(text),
                Err(format!(
                    "`{text}` is not a size (say 500M, 2G, 64KiB or a number of bytes)"
                )),
            );
        }
    }
}
