//! `upkit manifest`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upkit::release::{self, Artifact, Merge, Platform, ReleaseInfo};
use upkit_core::manifest::{LintOptions, Strictness};
use upkit_core::signature::Keyring;

/// Options of `upkit manifest`.
///
/// Writes or updates a static `latest.json`: each artifact's platform key is inferred from its
/// name (`.AppImage`, `.deb`, `.rpm`, `-setup.exe`, `.msi`, `.app.tar.gz`, with an architecture
/// such as `x86_64`, `amd64`, `aarch64`, `arm64`, `i686`, `x86` in the name), its signature read
/// from `FILE.sig`. Merging into an existing file keeps its other platforms.
#[derive(clap::Args)]
#[command(disable_version_flag = true)]
#[command(group(clap::ArgGroup::new("urls").required(true).args(["base_url", "for_serve"])))]
pub struct Args {
    /// The artifacts (each with FILE.sig beside it); `.sig` files given here are skipped.
    pub artifacts: Vec<PathBuf>,
    /// The release's version.
    #[arg(long, value_name = "VERSION")]
    pub version: String,
    /// Release notes (kept from the existing file when merging and not given).
    #[arg(long)]
    pub notes: Option<String>,
    /// Publication date, RFC 3339 (default: kept when merging, else now).
    #[arg(long, value_name = "DATE")]
    pub pub_date: Option<String>,
    /// Where the artifacts will be published; each url is this plus the file name.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Instead of --base-url: urls are bare file names, for a directory that `upkit serve`
    /// serves (it resolves them). Tauri refuses such a file served as it is.
    #[arg(long)]
    pub for_serve: bool,
    /// An artifact with an explicit platform key (repeatable; a file may get several keys). A key
    /// that is not `{os}-{arch}[-{installer}]` and does not look like one is a custom target's.
    #[arg(long = "platform", value_name = "KEY=FILE")]
    pub platforms: Vec<String>,
    /// Verify every artifact with this public key (the key or a path to it) before writing.
    #[arg(long, value_name = "KEY_OR_PATH")]
    pub pubkey: Option<String>,
    /// The manifest to write or update.
    #[arg(long, short, default_value = "latest.json")]
    pub out: PathBuf,
    /// Start the manifest afresh instead of merging into it.
    #[arg(long)]
    pub replace: bool,
}

/// Runs `upkit manifest`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let version = upkit_core::version::parse(&args.version)?;
    let pub_date = args
        .pub_date
        .as_deref()
        .map(|d| {
            OffsetDateTime::parse(d, &Rfc3339)
                .with_context(|| format!("invalid --pub-date `{d}` (expected RFC 3339)"))
        })
        .transpose()?;
    let base_url = args
        .base_url
        .as_deref()
        .map(release::parse_base_url)
        .transpose()?;
    let pubkey = args
        .pubkey
        .as_deref()
        .map(upkit::keys::load_public_key)
        .transpose()?;
    let keyring = pubkey.clone().map(Keyring::from);

    let mut artifacts = Vec::new();
    for path in args
        .artifacts
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "sig"))
    {
        artifacts.push(Artifact::read(
            path,
            Platform::Infer,
            &version,
            keyring.as_ref(),
        )?);
    }
    // Explicit platforms: one artifact per file, with all its keys.
    let mut explicit: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for text in &args.platforms {
        let (key, file) = release::parse_platform(text)?;
        match explicit.iter_mut().find(|(f, _)| *f == file) {
            Some((_, keys)) => keys.push(key),
            None => explicit.push((file, vec![key])),
        }
    }
    for (file, keys) in explicit {
        artifacts.push(Artifact::read(
            &file,
            Platform::Keys(keys),
            &version,
            keyring.as_ref(),
        )?);
    }
    if artifacts.is_empty() {
        anyhow::bail!("no artifacts given: pass the artifact files, or --platform KEY=FILE");
    }

    let existing = match std::fs::read(&args.out) {
        Ok(body) => Some(body),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", args.out.display())),
    };
    let info = ReleaseInfo {
        version,
        notes: args.notes,
        pub_date,
        now: now(),
        base_url: base_url.clone(),
    };
    let merge = if args.replace {
        Merge::Replace
    } else {
        Merge::Keep
    };
    let body = release::merge(
        existing.as_deref().map(|b| (args.out.as_path(), b)),
        &info,
        &artifacts,
        merge,
    )?;

    for artifact in &artifacts {
        for note in &artifact.notes {
            eprintln!("warning: {note}");
        }
    }
    if base_url.is_some() {
        let options = LintOptions::with_keys(pubkey.into_iter().collect());
        let report = upkit_core::manifest::validate(body.as_bytes(), &options);
        for error in &report.errors {
            eprintln!("error: {}: {error}", args.out.display());
        }
        if !report.valid {
            anyhow::bail!(
                "the manifest would not be valid; {} left as it was",
                args.out.display()
            );
        }
        for warning in &report.warnings {
            eprintln!("warning: {}: {warning}", args.out.display());
        }
        if !report.passes(Strictness::Strict) {
            eprintln!(
                "warning: {} does not pass `upkit validate --strict`",
                args.out.display()
            );
        }
    } else {
        eprintln!(
            "note: the urls are bare file names: serve {} with `upkit serve`",
            args.out.display()
        );
    }
    release::write_manifest(&args.out, &body)?;
    let action = if existing.is_some() && !args.replace {
        "updated"
    } else {
        "wrote"
    };
    println!("{action} {} (version {})", args.out.display(), info.version);
    print!("{}", release::Summary(&body));
    Ok(ExitCode::SUCCESS)
}

fn now() -> OffsetDateTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
