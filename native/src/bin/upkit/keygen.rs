//! `upkit keygen`: a signing key pair in Tauri's format.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use upkit::keys::{KeyPair, KeysError, Overwrite, public_path_of};

/// Options of `upkit keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// Where to write the secret key; the public key goes to PATH.pub.
    #[arg(long, short = 'o', short_alias = 'w', value_name = "PATH")]
    out: PathBuf,
    /// The password that encrypts the secret key (else UPKIT_SIGNING_PRIVATE_KEY_PASSWORD, else
    /// a prompt on a terminal). Visible to other users in the process list: prefer
    /// UPKIT_SIGNING_PRIVATE_KEY_PASSWORD or the prompt.
    #[arg(long, short = 'p', value_name = "PW", conflicts_with = "no_password")]
    password: Option<String>,
    /// Use the empty password (the key is still scrypt-encrypted, as Tauri does).
    #[arg(long)]
    no_password: bool,
    /// Overwrite PATH and PATH.pub if they exist.
    #[arg(long, short = 'f')]
    force: bool,
}

/// Runs `upkit keygen`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let overwrite = if args.force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    // Refuse early, before asking for a password.
    if overwrite == Overwrite::Refuse {
        for path in [args.out.clone(), public_path_of(&args.out)] {
            if path.symlink_metadata().is_ok() {
                return Err(KeysError::Exists { path }.into());
            }
        }
    }
    let password = password(args.password, args.no_password)?;
    let pair = KeyPair::generate(&password)?;
    let public_path = pair.write(&args.out, overwrite)?;
    println!("key id:      {}", pair.key_id());
    println!("secret key:  {} (keep it private)", args.out.display());
    println!("public key:  {}", public_path.display());
    println!("pubkey (for tauri.conf.json plugins.updater.pubkey):");
    println!("{}", pair.public_key());
    Ok(ExitCode::SUCCESS)
}

fn password(flag: Option<String>, none: bool) -> anyhow::Result<String> {
    crate::sign::warn_password_flag(flag.as_deref());
    if let Some(password) = flag {
        return Ok(password);
    }
    if none {
        return Ok(String::new());
    }
    if let Ok(password) = std::env::var("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password for the new secret key: ")
            .context("cannot read the password")?;
        let second =
            rpassword::prompt_password("Password again: ").context("cannot read the password")?;
        anyhow::ensure!(first == second, "the passwords differ");
        return Ok(first);
    }
    anyhow::bail!(
        "no password given: pass --password PW or --no-password, or set UPKIT_SIGNING_PRIVATE_KEY_PASSWORD"
    )
}
