//! `upkit verify`: checks a file against a minisign signature in Tauri's format.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use upkit::artifact::{ArtifactError, VerifiedArtifact};
use upkit::core::signature::{Keyring, Legacy, Policy, Signature, SignedVersion, TrustedComment};

/// Options of `upkit verify`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when the file is valid, 1 when it is not (the reason on stderr), \
                  2 when it could not be checked (a missing file or signature, a key that does \
                  not decode, bad arguments).\n\nSignatures and keys are read as a Tauri client \
                  reads them: base64 of minisign's text (the `.sig` and `.key.pub` files of \
                  `tauri signer` and `upkit`). minisign's own files (text starting with \
                  `untrusted comment:`) are refused unless --minisign is given: put into a \
                  manifest or tauri.conf.json, Tauri refuses them."
)]
pub struct Args {
    /// The file to verify.
    file: PathBuf,
    /// A trusted public key (Tauri's base64 `pubkey`, or a path to a file holding it; with
    /// --minisign also a minisign .pub file). Repeat it to trust several keys: the signature's
    /// key id picks one.
    #[arg(long, value_name = "KEY_OR_PATH", required = true)]
    pubkey: Vec<String>,
    /// The signature (Tauri's base64 `.sig` content, or a path to it; with --minisign also a
    /// minisign .minisig file). Default: FILE.sig.
    #[arg(long, value_name = "SIG_OR_PATH")]
    signature: Option<String>,
    /// The version the manifest announces: a signed `version:` must equal it.
    #[arg(long, alias = "version", value_name = "V")]
    app_version: Option<String>,
    /// Refuse a signature whose trusted comment has no `version:`.
    #[arg(long)]
    require_version: bool,
    /// Accept legacy (`Ed`, not prehashed) signatures.
    #[arg(long)]
    allow_legacy: bool,
    /// Also read minisign's own text files (`untrusted comment: ...`, not base64) as signature
    /// and key. Tauri reads only their base64: such a file is no proof of what Tauri accepts.
    #[arg(long)]
    minisign: bool,
}

/// The hint for a minisign text where Tauri reads base64.
fn minisign_text(what: &str, source: &str) -> String {
    format!(
        "{what} {source} is minisign's text, not the base64 of it that Tauri reads (Tauri refuses it with a base64 error): \
         put `base64 -w0 {source}` into the manifest or tauri.conf.json, or pass --minisign to read minisign files"
    )
}

/// Runs `upkit verify`: exit 0 when valid, 1 when not (reason on stderr); an `Err` exits 2.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.minisign
        && let Some(path) = args.pubkey.iter().find(|p| is_minisign_file(Path::new(p)))
    {
        eprintln!(
            "invalid: {}: {}",
            args.file.display(),
            minisign_text("the public key", path)
        );
        return Ok(ExitCode::from(1));
    }
    let keys = args
        .pubkey
        .iter()
        .map(|text| upkit::keys::load_public_key(text))
        .collect::<Result<Vec<_>, _>>()?;
    let keyring = Keyring::new(keys);
    let expected_version = args
        .app_version
        .as_deref()
        .map(upkit::core::version::parse)
        .transpose()
        .context("invalid --version")?;
    let policy = Policy {
        signed_version: if args.require_version {
            SignedVersion::Required
        } else {
            SignedVersion::Optional
        },
        expected_version,
        legacy: if args.allow_legacy {
            Legacy::Allow
        } else {
            Legacy::Refuse
        },
        file_name: None,
    };
    // A mistyped FILE is named as such, not through its missing FILE.sig; a FIFO or a device is
    // refused before it is opened (reading would hang, or never end).
    let meta = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if !meta.is_file() {
        anyhow::bail!("cannot read {}: not a regular file", args.file.display());
    }
    let (sig_text, sig_source) = match &args.signature {
        Some(text) if looks_like_path(text) && Path::new(text).symlink_metadata().is_err() => {
            anyhow::bail!("cannot read {text}: no such file (and not a signature either)")
        }
        Some(text) if Path::new(text).symlink_metadata().is_err() => {
            (text.clone(), "--signature".to_owned())
        }
        Some(path) => (read_text(Path::new(path))?, path.clone()),
        None => {
            let path = upkit::keys::sig_path_of(&args.file);
            (read_text(&path)?, path.display().to_string())
        }
    };
    if !args.minisign && is_minisign_text(&sig_text) {
        eprintln!(
            "invalid: {}: {}",
            args.file.display(),
            minisign_text("the signature", &sig_source)
        );
        return Ok(ExitCode::from(1));
    }
    let signature = match decode_signature(&sig_text) {
        Ok(signature) => signature,
        Err(err) => {
            eprintln!("invalid: {}: {err} ({sig_source})", args.file.display());
            return Ok(ExitCode::from(1));
        }
    };
    match VerifiedArtifact::verify_file(&args.file, &keyring, &signature, &policy) {
        Ok(artifact) => {
            let proof = artifact.proof();
            let mut out = String::new();
            let _ = writeln!(out, "valid: {}", args.file.display());
            let _ = writeln!(out, "key id: {}", proof.key_id());
            let _ = writeln!(out, "algorithm: {}", proof.algorithm());
            describe_comment(&mut out, proof.trusted_comment());
            let _ = writeln!(out, "bytes: {}", proof.bytes());
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Err(ArtifactError::Verify { source, .. }) => {
            eprintln!("invalid: {}: {source}", args.file.display());
            Ok(ExitCode::from(1))
        }
        Err(err) => Err(err.into()),
    }
}

fn describe_comment(out: &mut String, comment: &TrustedComment) {
    let _ = writeln!(out, "trusted comment: {}", comment.text().escape_debug());
    for (name, value) in comment.fields() {
        let date = (name == "timestamp")
            .then(|| comment.timestamp())
            .flatten()
            .and_then(|t| i64::try_from(t).ok())
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
        match date {
            Some(date) => {
                let _ = writeln!(out, "  {name}: {value} ({date})");
            }
            None => {
                let _ = writeln!(out, "  {name}: {}", value.escape_debug());
            }
        }
    }
}

/// Whether an argument that is not a file was meant as a path: base64 never holds a `.` or a
/// `\`, and a text short enough to hold a `/` and be a path is too short to be a key.
fn looks_like_path(text: &str) -> bool {
    text.contains('.') || text.contains('\\') || (text.contains('/') && text.len() < 100)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    upkit::input::read_text(path, upkit::input::KEY_LIMIT)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Whether `text` is minisign's own text format rather than Tauri's base64 of it.
fn is_minisign_text(text: &str) -> bool {
    text.trim_start().starts_with("untrusted comment:")
}

/// Whether `path` names a file holding minisign's own text format.
fn is_minisign_file(path: &Path) -> bool {
    path.is_file() && std::fs::read_to_string(path).is_ok_and(|t| is_minisign_text(&t))
}

/// A signature as Tauri's base64 text, or (with `--minisign`) a minisign .minisig text. Surrounding whitespace (a
/// file's final newline) is ignored.
fn decode_signature(text: &str) -> Result<Signature, upkit::core::signature::SignatureError> {
    let text = text.trim();
    if text.starts_with("untrusted comment:") {
        Signature::decode_text(text)
    } else {
        Signature::decode(text)
    }
}
