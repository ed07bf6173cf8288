//! `upkit validate`: checks update manifests with exactly Tauri's acceptance, plus lint
//! warnings, and prints compiler-style diagnostics or one JSON object per file.

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::Context as _;
use upkit::core::manifest::{self, Format, LintOptions, Report, Strictness};

/// Options of `upkit validate`.
#[derive(clap::Args)]
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
}

/// Runs `upkit validate`: exit 0 when every file passes, 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keys = args
        .pubkey
        .iter()
        .map(|text| upkit::keys::load_public_key(text))
        .collect::<Result<Vec<_>, _>>()?;
    let options = LintOptions::with_keys(keys);
    let strictness = if args.strict {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let mut out = anstream::stdout().lock();
    let mut all_pass = true;
    for file in &args.files {
        let name = file.display().to_string();
        // Each file's output is written in one go; anstream strips the colours when needed.
        let mut text = Vec::new();
        match read(file) {
            Ok(body) => {
                let report = manifest::validate(&body, &options).with_file(name.clone());
                all_pass &= report.passes(strictness);
                if args.json {
                    writeln!(text, "{}", serde_json::to_string(&report)?)?;
                } else {
                    human(&mut text, &name, &body, &report, strictness)?;
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

fn read(file: &Path) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body)?;
        Ok(body)
    } else {
        std::fs::read(file)
    }
}

/// The JSON object of a file that could not be read: a report's fields, in a report's order.
fn unreadable(name: &str, message: &str) -> String {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    format!(
        r#"{{"file":{},"valid":false,"format":null,"version":null,"notes":null,"pub_date":null,"platforms":null,"url":null,"signature":null,"errors":[{{"code":"unreadable","message":{},"path":"","line":0,"column":0}}],"warnings":[]}}"#,
        quote(name),
        quote(message)
    )
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();
const GOOD: Style = AnsiColor::Green.on_default().bold();

/// One diagnostic, whatever its severity.
struct Diagnostic<'a> {
    severity: &'static str,
    style: Style,
    code: &'static str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    hint: Option<&'a str>,
}

fn human(
    out: &mut impl Write,
    name: &str,
    body: &[u8],
    report: &Report,
    strictness: Strictness,
) -> anyhow::Result<()> {
    let text = String::from_utf8_lossy(body);
    let errors = report.errors.iter().map(|e| Diagnostic {
        severity: "error",
        style: ERROR,
        code: e.code.as_str(),
        message: &e.message,
        path: &e.path,
        line: e.line,
        column: e.column,
        hint: e.hint.as_deref(),
    });
    let warnings = report.warnings.iter().map(|w| Diagnostic {
        severity: "warning",
        style: WARNING,
        code: w.code.as_str(),
        message: &w.message,
        path: &w.path,
        line: w.line,
        column: w.column,
        hint: w.hint.as_deref(),
    });
    for d in errors.chain(warnings) {
        diagnostic(out, name, &text, &d)?;
    }
    let counts = format!(
        "{} error{}, {} warning{}",
        report.errors.len(),
        if report.errors.len() == 1 { "" } else { "s" },
        report.warnings.len(),
        if report.warnings.len() == 1 { "" } else { "s" },
    );
    if report.valid {
        let what = match (report.format, &report.platforms) {
            (Some(Format::Static), Some(p)) => {
                format!(
                    "static manifest, {} platform{}",
                    p.len(),
                    if p.len() == 1 { "" } else { "s" }
                )
            }
            _ => "dynamic manifest".to_owned(),
        };
        let version = report.version.as_deref().unwrap_or("?");
        let (style, strict) = if report.passes(strictness) {
            (GOOD, "")
        } else {
            (WARNING, "; warnings fail under --strict")
        };
        writeln!(
            out,
            "{}{name}{}: {}valid{} {what}, version {version} ({counts}){strict}",
            BOLD.render(),
            BOLD.render_reset(),
            style.render(),
            style.render_reset(),
        )?;
    } else {
        writeln!(
            out,
            "{}{name}{}: {}invalid{}: Tauri refuses it ({counts})",
            BOLD.render(),
            BOLD.render_reset(),
            ERROR.render(),
            ERROR.render_reset(),
        )?;
    }
    Ok(())
}

/// At most this many characters of a source line are shown.
const WINDOW: usize = 100;
/// Characters kept before the caret when a long line is cut.
const BEFORE: usize = 40;

fn diagnostic(
    out: &mut impl Write,
    name: &str,
    text: &str,
    d: &Diagnostic<'_>,
) -> anyhow::Result<()> {
    let (g, gr) = (GUTTER.render(), GUTTER.render_reset());
    writeln!(
        out,
        "{}{}[{}]{}{}: {}{}",
        d.style.render(),
        d.severity,
        d.code,
        d.style.render_reset(),
        BOLD.render(),
        d.message,
        BOLD.render_reset()
    )?;
    let number = d.line.to_string();
    let pad = " ".repeat(number.len());
    writeln!(out, "{pad}{g}-->{gr} {name}:{}:{}", d.line, d.column)?;
    if let Some(source) = text.lines().nth(d.line.saturating_sub(1)) {
        let chars: Vec<char> = source.trim_end_matches('\r').chars().collect();
        let caret = d.column.saturating_sub(1).min(chars.len());
        let start = if chars.len() > WINDOW {
            caret.saturating_sub(BEFORE)
        } else {
            0
        };
        let end = (start + WINDOW).min(chars.len());
        let mut shown: String = chars[start..end].iter().collect();
        let mut marker: String = chars[start..caret]
            .iter()
            .map(|&c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        if start > 0 {
            shown.insert(0, '…');
            marker.insert(0, ' ');
        }
        if end < chars.len() {
            shown.push('…');
        }
        writeln!(out, "{pad} {g}|{gr}")?;
        writeln!(out, "{g}{number} |{gr} {shown}")?;
        writeln!(
            out,
            "{pad} {g}|{gr} {marker}{}^{}",
            d.style.render(),
            d.style.render_reset()
        )?;
    }
    if !d.path.is_empty() {
        writeln!(out, "{pad} {g}={gr} path: {}", d.path)?;
    }
    if let Some(hint) = d.hint {
        writeln!(out, "{pad} {g}={gr} hint: {hint}")?;
    }
    writeln!(out)?;
    Ok(())
}
