//! `upkit sign`: writes FILE.sig in Tauri's format.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use upkit::bundle::Kind;
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
    #[arg(long, short = 'k', short_alias = 'f', value_name = "KEY_OR_PATH")]
    key: Option<String>,
    /// The secret key's password (else UPKIT_SIGNING_PRIVATE_KEY_PASSWORD,
    /// TAURI_SIGNING_PRIVATE_KEY_PASSWORD, a prompt on a terminal, or the empty password).
    /// Visible to other users in the process list: prefer UPKIT_SIGNING_PRIVATE_KEY_PASSWORD or
    /// the prompt.
    #[arg(long, short = 'p', value_name = "PW")]
    password: Option<String>,
    /// The release's version, bound into the signature (`version:` in the trusted comment).
    /// Required (or --no-app-version): upkit's clients refuse a signature without one. SemVer; a
    /// leading `v` is dropped (`v1.1.0` is written as `1.1.0`).
    #[arg(
        long,
        value_name = "V",
        required_unless_present_any = ["no_app_version", "expires"]
    )]
    app_version: Option<String>,
    /// Sign without a version: only clients that do not require a signed version (Tauri's
    /// default) accept such a signature; upkit's clients, and Tauri's with
    /// requireSignedVersion, refuse it.
    #[arg(long, conflicts_with = "app_version")]
    no_app_version: bool,
    /// Sign FILE as a manifest (`upkit sign latest.json --expires 30d`): the signature names the
    /// manifest's own version and expires after this long (45s, 90min, 12h, 30d, 2w). Clients
    /// that require signed manifests refuse it after that: re-sign before it runs out.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["app_version", "no_app_version"], value_parser = crate::duration::parse)]
    pub(crate) expires: Option<u64>,
}

impl SigningArgs {
    /// The version to sign, normalised (`v1.1.0` is `1.1.0`, which clients compare it with), and
    /// the secret key these options name, unlocked. `None` only with `--no-app-version`.
    pub(crate) fn open(self) -> anyhow::Result<(Option<String>, SecretKey)> {
        let version = self
            .app_version
            .as_deref()
            .map(|v| upkit::keys::signed_version(v).map(|v| v.to_string()))
            .transpose()?;
        Ok((version, signing_key(self.key, self.password)?))
    }
}

/// Said after signing with `--no-app-version`.
pub(crate) fn warn_unversioned(version: Option<&str>) {
    if version.is_none() {
        eprintln!("{UNVERSIONED}");
    }
}

/// What a signature without a version means for clients.
pub(crate) const UNVERSIONED: &str = "warning: --no-app-version: the signature names no version; \
     only clients that do not require one (Tauri's default) accept it, upkit's clients and \
     Tauri's with requireSignedVersion refuse it";

/// Runs `upkit sign`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(lifetime) = args.signing.expires {
        let key = signing_key(args.signing.key, args.signing.password)?;
        let (sig_path, version, expires) =
            upkit::keys::sign_manifest_file(&key, &args.file, lifetime)?;
        println!(
            "wrote {} (manifest signature of version {version}, key id {}, expires {})",
            sig_path.display(),
            key.key_id(),
            unix_date(expires)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (version, key) = args.signing.open()?;
    let sig_path = sign_file(&key, &args.file, version.as_deref())?;
    println!("wrote {} (key id {})", sig_path.display(), key.key_id());
    // A name that says one kind and bytes that say another: signed as asked, but said.
    if let Some(Err(err)) = Kind::of(&args.file).map(|kind| kind.check(&args.file)) {
        eprintln!("warning: {err}");
    }
    warn_unversioned(version.as_deref());
    Ok(ExitCode::SUCCESS)
}

/// Said when a password comes from `--password`: any user of the machine can read a running
/// command's arguments (`ps`, `/proc/PID/cmdline`). The empty password hides nothing.
pub(crate) fn warn_password_flag(password: Option<&str>) {
    if password.is_some_and(|p| !p.is_empty()) {
        eprintln!(
            "warning: --password is visible to other users in the process list; prefer \
             UPKIT_SIGNING_PRIVATE_KEY_PASSWORD or the prompt"
        );
    }
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
    warn_password_flag(password.as_deref());
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

/// A Unix time as an RFC 3339 date (UTC), or the number when it is out of range.
pub(crate) fn unix_date(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}
