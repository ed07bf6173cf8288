//! `upkit sign`: writes FILE.sig in Tauri's format.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use upkit::keys::{KeysError, SecretKey, sign_file};

/// Options of `upkit sign`.
#[derive(clap::Args)]
pub struct Args {
    /// The file to sign.
    file: PathBuf,
    #[command(flatten)]
    signing: SigningArgs,
}

/// The signing options shared by `upkit sign` and `upkit bundle`.
#[derive(clap::Args)]
pub(crate) struct SigningArgs {
    /// The secret key, or a path to it (else UPKIT_SIGNING_PRIVATE_KEY, TAURI_SIGNING_PRIVATE_KEY,
    /// TAURI_SIGNING_PRIVATE_KEY_PATH).
    #[arg(long, value_name = "KEY_OR_PATH")]
    key: Option<String>,
    /// The secret key's password (else UPKIT_SIGNING_PRIVATE_KEY_PASSWORD,
    /// TAURI_SIGNING_PRIVATE_KEY_PASSWORD, a prompt on a terminal, or the empty password).
    #[arg(long, value_name = "PW")]
    password: Option<String>,
    /// The app version to bind the signature to (`version:` in the trusted comment). Must be
    /// SemVer (a leading `v` is fine): clients refuse any other (Tauri's signer writes it anyway).
    #[arg(long, value_name = "V")]
    pub(crate) app_version: Option<String>,
}

impl SigningArgs {
    /// The secret key these options name, unlocked.
    pub(crate) fn secret_key(self) -> anyhow::Result<SecretKey> {
        signing_key(self.key, self.password)
    }
}

/// Said after signing without `--app-version`.
pub(crate) fn warn_unversioned(version: Option<&str>) {
    if version.is_none() {
        eprintln!(
            "warning: no --app-version: the signature names no version, which upkit's clients \
             require by default (Tauri's with requireSignedVersion)"
        );
    }
}

/// Runs `upkit sign`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let version = args.signing.app_version.clone();
    let key = args.signing.secret_key()?;
    let sig_path = sign_file(&key, &args.file, version.as_deref())?;
    println!("wrote {} (key id {})", sig_path.display(), key.key_id());
    warn_unversioned(version.as_deref());
    Ok(ExitCode::SUCCESS)
}

/// An environment variable, when set and not empty.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The signing key from the flags, else the environment (upkit's names first, then Tauri's),
/// decrypted with the password from the flag, the environment, a prompt, or the empty password.
fn signing_key(key: Option<String>, password: Option<String>) -> anyhow::Result<SecretKey> {
    let (key, source) = if let Some(key) = key {
        (key, "--key")
    } else if let Some(key) = env_var("UPKIT_SIGNING_PRIVATE_KEY") {
        (key, "UPKIT_SIGNING_PRIVATE_KEY")
    } else if let Some(key) = env_var("TAURI_SIGNING_PRIVATE_KEY") {
        (key, "TAURI_SIGNING_PRIVATE_KEY")
    } else if let Some(path) = env_var("TAURI_SIGNING_PRIVATE_KEY_PATH") {
        (path, "TAURI_SIGNING_PRIVATE_KEY_PATH")
    } else {
        anyhow::bail!(
            "no signing key: pass --key KEY_OR_PATH or set UPKIT_SIGNING_PRIVATE_KEY (or Tauri's TAURI_SIGNING_PRIVATE_KEY / TAURI_SIGNING_PRIVATE_KEY_PATH)"
        )
    };
    let given = password
        .or_else(|| std::env::var("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD").ok())
        .or_else(|| std::env::var("TAURI_SIGNING_PRIVATE_KEY_PASSWORD").ok());
    let guessed = given.is_none() && !std::io::stdin().is_terminal();
    let password = match given {
        Some(password) => password,
        None if !guessed => rpassword::prompt_password("Password for the secret key: ")
            .context("cannot read the password")?,
        // Without a terminal, the empty password (Tauri's keys made without one have it).
        None => String::new(),
    };
    match SecretKey::load(&key, &password) {
        Err(KeysError::WrongPassword) if guessed => anyhow::bail!(
            "cannot use the key from {source}: it needs a password: pass --password PW or set \
             UPKIT_SIGNING_PRIVATE_KEY_PASSWORD (without a terminal only the empty password was tried)"
        ),
        loaded => loaded.with_context(|| format!("cannot use the key from {source}")),
    }
}
