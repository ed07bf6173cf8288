//! `upkit validate`: checks update manifests with exactly Tauri's acceptance, plus lint
//! warnings, and prints compiler-style diagnostics or one JSON object per file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::Context as _;
use upkit::core::manifest::signed::{self, Freshness};
use upkit::core::manifest::{self, LintOptions, Paint, Palette, Strictness};
use upkit::core::signature::{Keyring, Signature};
use upkit::input::MANIFEST_LIMIT;

/// Options of `upkit validate`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when every file passes, 1 when one does not (an unreadable \
                  file does not pass), 2 for bad arguments (such as a --pubkey that does not \
                  decode)."
)]
pub struct Args {
    /// The manifests to check (`latest.json` files or saved update-server answers); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A trusted public key (Tauri's base64 `pubkey`, or a path to a file holding it): a
    /// signature made by another key is a warning. Repeat it for several keys.
    #[arg(long, value_name = "KEY")]
    pubkey: Vec<String>,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
    /// Print one JSON object per file on stdout, one per line.
    #[arg(long)]
    json: bool,
    /// Judge the manifest as served from this URL: relative artifact urls (bare file names, as
    /// `upkit manifest --for-serve` writes them) are resolved against it first, as `upkit serve
    /// --public-url URL` resolves them.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Judge the manifest as `upkit serve` sends it: bare file names are resolved first
    /// (against a stand-in `https://served.invalid/`; --base-url names the real URL).
    #[arg(long, conflicts_with = "base_url")]
    for_serve: bool,
}

/// The stand-in public URL of `--for-serve`.
pub(crate) const SERVED_BASE: &str = "https://served.invalid/";

/// Runs `upkit validate`: exit 0 when every file passes, 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keys = args
        .pubkey
        .iter()
        .map(|text| upkit::keys::load_public_key(text))
        .collect::<Result<Vec<_>, _>>()?;
    let keyring = Keyring::new(keys.clone());
    let mut options = LintOptions::with_keys(keys).now(crate::manifest::now());
    let base = match (&args.base_url, args.for_serve) {
        (Some(text), _) => Some(upkit::release::parse_base_url(text)?),
        (None, true) => Some(url::Url::parse(SERVED_BASE).expect("a valid URL")),
        (None, false) => None,
    };
    if let Some(base) = base {
        options = options.base_url(base);
    }
    let strictness = if args.strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    // JSON goes out as it is: anstream, which strips colours for a pipe, also drops DEL (0x7F)
    // characters, which JSON carries unescaped.
    let mut out: Box<dyn Write> = if args.json {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(anstream::stdout().lock())
    };
    let mut all_pass = true;
    let colours = Colours::new();
    let palette = colours.palette();
    for file in &args.files {
        let name = file.display().to_string();
        // Each file's output is written in one go; anstream strips the colours when needed.
        let mut text = Vec::new();
        match read(file) {
            Ok(body) => {
                let report = manifest::validate(&body, &options).with_file(name.clone());
                all_pass &= report.passes(strictness);
                if args.json {
                    serde_json::to_writer(&mut text, &report)?;
                    text.push(b'\n');
                } else {
                    // Moved, not copied: the report of a huge file can be tens of MB.
                    text = report.human(&body, strictness, &palette).into_bytes();
                }
                if file.as_os_str() != "-"
                    && let Some((line, good)) = manifest_signature(file, &body, &keyring)
                {
                    all_pass &= good;
                    if args.json {
                        eprintln!("{line}");
                    } else {
                        text.extend_from_slice(line.as_bytes());
                        text.push(b'\n');
                    }
                }
            }
            Err(err) => {
                all_pass = false;
                let message = format!("cannot read {name}: {err}");
                eprintln!("error: {message}");
                if args.json {
                    writeln!(text, "{}", unreadable(&name, &message))?;
                }
            }
        }
        out.write_all(&text)
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
    }
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What the manifest signature beside `file` (`FILE.sig`) says, when there is one, and whether
/// it holds: checked against the keys as a client requiring signed manifests would, now.
fn manifest_signature(file: &Path, body: &[u8], keys: &Keyring) -> Option<(String, bool)> {
    let sig_path = upkit::keys::sig_path_of(file);
    sig_path.symlink_metadata().ok()?;
    let name = sig_path.display();
    let refused = |why: String| Some((format!("error: {name}: {why}"), false));
    let text = match upkit::input::read_text(&sig_path, upkit::input::KEY_LIMIT) {
        Ok(text) => text,
        Err(e) => return refused(format!("cannot read it: {e}")),
    };
    if keys.keys().is_empty() {
        return Some((
            format!("note: {name} not checked: pass --pubkey to check the manifest signature"),
            true,
        ));
    }
    let signature = match Signature::decode(text.trim()) {
        Ok(signature) => signature,
        Err(e) => return refused(e.to_string()),
    };
    let freshness = Freshness {
        now: upkit::keys::now(),
        newest_seen: None,
        max_age: None,
    };
    let signed = match signed::verify(keys, &signature, body, &freshness) {
        Ok(signed) => signed,
        Err(e) => return refused(e.to_string()),
    };
    if let Ok(manifest) = manifest::parse(body)
        && let Err(e) = signed.check_version(&manifest.version)
    {
        return refused(e.to_string());
    }
    Some((
        format!(
            "{name}: manifest signature by key {}, version {}, signed {}, expires {}",
            signed.key_id,
            signed.version,
            crate::sign::unix_date(signed.timestamp),
            crate::sign::unix_date(signed.expires)
        ),
        true,
    ))
}

/// The file's bytes (standard input for `-`), at most [`MANIFEST_LIMIT`]: only regular files,
/// so that `/dev/zero` or a FIFO is an error, not a hang or an out-of-memory abort.
fn read(file: &Path) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        upkit::input::read_at_most(std::io::stdin().lock(), MANIFEST_LIMIT)
    } else {
        upkit::input::read(file, MANIFEST_LIMIT)
    }
}

/// The JSON object of a file that could not be read: a report's fields, in a report's order.
fn unreadable(name: &str, message: &str) -> String {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    format!(
        r#"{{"file":{},"valid":false,"format":null,"version":null,"notes":null,"pub_date":null,"platforms":null,"url":null,"signature":null,"size":null,"errors":[{{"code":"unreadable","message":{},"path":"","line":0,"column":0}}],"warnings":[]}}"#,
        quote(name),
        quote(message)
    )
}

/// The colours of `upkit validate`, as rustc's diagnostics have them (anstream strips them
/// when stdout is not a terminal or `NO_COLOR` is set): escape codes by [`Palette`] role.
struct Colours([(String, String); 5]);

impl Colours {
    fn new() -> Colours {
        Colours(
            [
                AnsiColor::Red.on_default().bold(),
                AnsiColor::Yellow.on_default().bold(),
                AnsiColor::Blue.on_default().bold(),
                Style::new().bold(),
                AnsiColor::Green.on_default().bold(),
            ]
            .map(|style| (style.render().to_string(), style.render_reset().to_string())),
        )
    }

    fn palette(&self) -> Palette<'_> {
        let [error, warning, gutter, emphasis, good] =
            self.0.each_ref().map(|(start, end)| Paint {
                start: start.as_str(),
                end: end.as_str(),
            });
        Palette {
            error,
            warning,
            gutter,
            emphasis,
            good,
        }
    }
}
