//! `upkit manifest`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upkit::release::{self, Artifact, Merge, Platform, ReleaseInfo};
use upkit_core::manifest::{LintOptions, Strictness};
use upkit_core::signature::{Keyring, SignedVersion};

/// Options of `upkit manifest`.
///
/// Writes or updates a static `latest.json`: each artifact's platform key is inferred from its
/// name (`.AppImage`, `.deb`, `.rpm`, `-setup.exe`, `.msi`, `.app.tar.gz`, with an architecture
/// such as `x86_64`, `amd64`, `aarch64`, `arm64`, `i686`, `x86` in the name), its signature read
/// from `FILE.sig`. Merging into an existing file keeps its other platforms. A directory given
/// instead of files stands for every artifact in it with a `.sig` beside it, and the manifest
/// then goes into that directory (unless --out says otherwise).
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("urls").required(true).args(["base_url", "for_serve"])))]
pub struct Args {
    /// The artifacts (each with FILE.sig beside it), or a directory of them; `.sig` files given
    /// here are skipped.
    #[arg(value_name = "ARTIFACT_OR_DIR")]
    pub artifacts: Vec<PathBuf>,
    /// The release's version; each signature must be bound to it (`sign --app-version`).
    #[arg(long, alias = "version", value_name = "V")]
    pub app_version: String,
    /// Accept artifacts signed without a version (`sign --no-app-version`): only clients that
    /// do not require a signed version (Tauri's default) will accept them.
    #[arg(long)]
    pub no_app_version: bool,
    /// Release notes (kept from the existing file when merging and not given).
    #[arg(long, conflicts_with = "notes_file")]
    pub notes: Option<String>,
    /// Release notes from a file (Markdown, say), as they are.
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,
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
    /// The manifest to write or update (default: `latest.json`, in the directory when one
    /// directory is given).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Start the manifest afresh instead of merging into it.
    #[arg(long)]
    pub replace: bool,
}

/// Runs `upkit manifest`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let version = upkit_core::version::parse(&args.app_version)?;
    let signed = if args.no_app_version {
        SignedVersion::Optional
    } else {
        SignedVersion::Required
    };
    let notes = match &args.notes_file {
        Some(path) => Some(
            upkit::input::read_text(path, upkit::input::MANIFEST_LIMIT)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => args.notes.clone(),
    };
    let dirs: Vec<&PathBuf> = args
        .artifacts
        .iter()
        .filter(|p| is_release_dir(p))
        .collect();
    let out = match (&args.out, dirs.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [dir]) => dir.join("latest.json"),
        (None, _) => PathBuf::from("latest.json"),
    };
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

    // Explicit platforms: one artifact per file, with all its keys.
    let mut explicit: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for text in &args.platforms {
        let (key, file) = release::parse_platform(text)?;
        match explicit.iter_mut().find(|(f, _)| *f == file) {
            Some((_, keys)) => keys.push(key),
            None => explicit.push((file, vec![key])),
        }
    }
    let mut inferred = Vec::new();
    for path in &args.artifacts {
        if is_release_dir(path) {
            // A file named by --platform takes its keys from there, not from its name.
            let named = |file: &Path| explicit.iter().any(|(f, _)| same_file(f, file));
            inferred.extend(signed_files(path)?.into_iter().filter(|f| !named(f)));
        } else if path.extension().is_none_or(|e| e != "sig") {
            inferred.push(path.clone());
        }
    }
    let mut artifacts = Vec::new();
    for path in &inferred {
        artifacts.push(Artifact::read(
            path,
            Platform::Infer,
            &version,
            signed,
            keyring.as_ref(),
        )?);
    }
    for (file, keys) in explicit {
        artifacts.push(Artifact::read(
            &file,
            Platform::Keys(keys),
            &version,
            signed,
            keyring.as_ref(),
        )?);
    }
    if artifacts.is_empty() {
        anyhow::bail!("no artifacts given: pass the artifact files, or --platform KEY=FILE");
    }

    let existing = match upkit::input::read(&out, upkit::input::MANIFEST_LIMIT) {
        Ok(body) => Some(body),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    let info = ReleaseInfo {
        version,
        notes,
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
        existing.as_deref().map(|b| (out.as_path(), b)),
        &info,
        &artifacts,
        merge,
    )?;

    for artifact in &artifacts {
        for note in &artifact.notes {
            eprintln!("warning: {note}");
        }
    }
    // Checked as clients will be sent it: with bare names resolved, as `upkit serve` does.
    let served = base_url
        .clone()
        .unwrap_or_else(|| url::Url::parse(crate::validate::SERVED_BASE).expect("a valid URL"));
    {
        let options = LintOptions::with_keys(pubkey.into_iter().collect())
            .base_url(served)
            .now(info.now);
        let report = upkit_core::manifest::validate(body.as_bytes(), &options);
        for error in &report.errors {
            eprintln!("error: {}: {error}", out.display());
        }
        if !report.valid {
            anyhow::bail!(
                "the manifest would not be valid; {} left as it was",
                out.display()
            );
        }
        for warning in &report.warnings {
            eprintln!("warning: {}: {warning}", out.display());
        }
        if !report.passes(Strictness::Strict) {
            eprintln!(
                "warning: {} does not pass `upkit validate --strict{}`",
                out.display(),
                if base_url.is_none() {
                    " --for-serve"
                } else {
                    ""
                }
            );
        }
    }
    if base_url.is_none() {
        eprintln!(
            "note: the urls are bare file names: serve {} with `upkit serve` (check it with `upkit validate --for-serve`)",
            out.display()
        );
    }
    release::write_manifest(&out, &body)?;
    let action = if existing.is_some() && !args.replace {
        "updated"
    } else {
        "wrote"
    };
    println!("{action} {} (version {})", out.display(), info.version);
    print!("{}", release::Summary(&body));
    Ok(ExitCode::SUCCESS)
}

/// Whether `path` is a directory of artifacts: not a `.app` (an app, to be bundled), nor one
/// with a `.sig` beside it (meant as an artifact, which a directory cannot be).
fn is_release_dir(path: &Path) -> bool {
    path.is_dir()
        && path.extension().is_none_or(|e| e != "app")
        && !upkit::keys::sig_path_of(path).exists()
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

/// The files of `dir` that have a `.sig` beside them, by name (not the `.sig` files, nor a
/// manifest that happens to have one).
fn signed_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        let skipped = path.extension().is_some_and(|e| e == "sig" || e == "json");
        if !skipped && path.is_file() && upkit::keys::sig_path_of(&path).is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        anyhow::bail!(
            "no signed artifacts in {}: expected files with a .sig beside them (upkit sign, upkit bundle)",
            dir.display()
        );
    }
    Ok(files)
}

/// The time now, to the second.
pub(crate) fn now() -> OffsetDateTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
