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
    disable_version_flag = true,
    after_help = "Exit status: 0 when the file is valid, 1 when it is not (the reason on stderr), \
                  2 when it could not be checked (a missing file or signature, a key that does \
                  not decode, bad arguments)."
)]
pub struct Args {
    /// The file to verify.
    file: PathBuf,
    /// A trusted public key (Tauri's base64 `pubkey`, or a path to a file holding it or a
    /// minisign .pub text). Repeat it to trust several keys: the signature's key id picks one.
    #[arg(long, value_name = "KEY_OR_PATH", required = true)]
    pubkey: Vec<String>,
    /// The signature (Tauri's base64 `.sig` content, or a path to it). Default: FILE.sig.
    #[arg(long, value_name = "SIG_OR_PATH")]
    signature: Option<String>,
    /// The version the manifest announces: a signed `version:` must equal it.
    #[arg(long, value_name = "V")]
    version: Option<String>,
    /// Refuse a signature whose trusted comment has no `version:`.
    #[arg(long)]
    require_version: bool,
    /// Accept legacy (`Ed`, not prehashed) signatures.
    #[arg(long)]
    allow_legacy: bool,
}

/// Runs `upkit verify`: exit 0 when valid, 1 when not (reason on stderr); an `Err` exits 2.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keys = args
        .pubkey
        .iter()
        .map(|text| upkit::keys::load_public_key(text))
        .collect::<Result<Vec<_>, _>>()?;
    let keyring = Keyring::new(keys);
    let expected_version = args
        .version
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
    // A mistyped FILE is named as such, not through its missing FILE.sig.
    std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let (sig_text, sig_source) = match &args.signature {
        Some(text) if looks_like_path(text) && !Path::new(text).is_file() => {
            anyhow::bail!("cannot read {text}: no such file (and not a signature either)")
        }
        Some(text) if !Path::new(text).is_file() => (text.clone(), "--signature".to_owned()),
        Some(path) => (read_text(Path::new(path))?, path.clone()),
        None => {
            let path = upkit::keys::sig_path_of(&args.file);
            (read_text(&path)?, path.display().to_string())
        }
    };
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
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A signature as Tauri's base64 text, or a minisign .minisig text. Surrounding whitespace (a
/// file's final newline) is ignored.
fn decode_signature(text: &str) -> Result<Signature, upkit::core::signature::SignatureError> {
    let text = text.trim();
    if text.starts_with("untrusted comment:") {
        Signature::decode_text(text)
    } else {
        Signature::decode(text)
    }
}
