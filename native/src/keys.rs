//! Signing keys and signatures in Tauri's format, made with the `minisign` crate.
//!
//! - [`KeyPair::generate`] makes an Ed25519 minisign key pair whose secret key is
//!   scrypt-encrypted (even with an empty password), exactly like `tauri signer generate`;
//!   [`KeyPair::write`] stores it as `PATH` (secret, mode 0600) and `PATH.pub` (public), both
//!   base64 of the minisign text boxes, without a trailing newline.
//! - [`SecretKey::decode`] / [`SecretKey::load`] read such a secret key (Tauri's base64 form, or
//!   the bare minisign text), given its password.
//! - [`SecretKey::sign`] / [`sign_file`] make a prehashed signature with the trusted comment
//!   `timestamp:<secs>\tfile:<base name>[\tversion:<v>]`, as base64 of the 4-line minisign
//!   signature text: the content of a Tauri `.sig` file.
//!
//! ```no_run
//! use upkit::keys::{KeyPair, Overwrite, SecretKey, sign_file};
//!
//! let pair = KeyPair::generate("correct horse")?;
//! pair.write("release.key", Overwrite::Refuse)?;
//! let key = SecretKey::load("release.key", "correct horse")?;
//! let sig_path = sign_file(&key, "app.AppImage", Some("1.2.0"))?;
//! # Ok::<(), upkit::keys::KeysError>(())
//! ```

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upkit_core::signature::{KeyId, PublicKey};

/// The untrusted comment upkit puts on its signatures.
const SIGNATURE_COMMENT: &str = "signature from upkit secret key";

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A key file exists and overwriting was not asked for.
    #[error("{} already exists: pass --force to overwrite it", path.display())]
    Exists {
        /// The file that exists.
        path: PathBuf,
    },
    /// The secret key is neither Tauri's base64 form nor a minisign secret key text.
    #[error("not a secret key: {reason}")]
    NotSecretKey {
        /// What is wrong with it.
        reason: String,
    },
    /// The password does not decrypt the secret key.
    #[error("wrong password for the secret key (or the key is corrupted)")]
    WrongPassword,
    /// A file name or version to sign holds a TAB, CR or LF (they would break the trusted
    /// comment's fields).
    #[error("{what} `{}` holds a {}, which the trusted comment cannot carry", value.escape_debug(), show_control(value))]
    ControlCharacter {
        /// `file name` or `version`.
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// The version to sign is not SemVer: clients compare the signed version as SemVer (after
    /// stripping leading `v`s) and would refuse the update. (Tauri's signer writes it anyway.)
    #[error(
        "version `{version}` is not SemVer ({reason}): clients would refuse an update signed for it"
    )]
    InvalidVersion {
        /// The version given.
        version: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The manifest to sign is not a valid manifest.
    #[error("{} is not a valid update manifest: {reason}", path.display())]
    NotAManifest {
        /// The file.
        path: PathBuf,
        /// The first problem in it.
        reason: String,
    },
    /// The file to sign has no file name.
    #[error("{} has no file name to sign", path.display())]
    NoFileName {
        /// The path.
        path: PathBuf,
    },
    /// A public key could not be decoded.
    #[error("invalid public key{}: {source}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    NotPublicKey {
        /// The file it came from, when it came from a file.
        path: Option<PathBuf>,
        /// Why it was refused.
        source: upkit_core::signature::KeyError,
    },
    /// The minisign crate failed.
    #[error("{action} failed: {reason}")]
    Minisign {
        /// What was being done.
        action: &'static str,
        /// The crate's message.
        reason: String,
    },
}

fn show_control(value: &str) -> &'static str {
    if value.contains('\t') {
        "TAB"
    } else if value.contains('\r') {
        "carriage return"
    } else {
        "line feed"
    }
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> KeysError + 'a {
    move |source| KeysError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Whether [`KeyPair::write`] may replace existing files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail when `PATH` or `PATH.pub` exists.
    Refuse,
    /// Replace them.
    Allow,
}

/// A freshly generated key pair, in Tauri's text forms.
#[derive(Clone)]
pub struct KeyPair {
    secret: String,
    public: String,
    key_id: KeyId,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.key_id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a key pair with a random key id; the secret key is scrypt-encrypted with
    /// `password` (the empty password too, as Tauri does).
    ///
    /// # Errors
    /// [`KeysError::Minisign`] when the system's randomness fails.
    pub fn generate(password: &str) -> Result<KeyPair, KeysError> {
        let minisign_error = |reason: minisign::PError| KeysError::Minisign {
            action: "key generation",
            reason: reason.to_string(),
        };
        let pair = minisign::KeyPair::generate_encrypted_keypair(Some(password.to_owned()))
            .map_err(minisign_error)?;
        let public_box = pair.pk.to_box().map_err(minisign_error)?.to_string();
        let secret_box = pair.sk.to_box(None).map_err(minisign_error)?.to_string();
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(pair.pk.keynum());
        Ok(KeyPair {
            secret: STANDARD.encode(secret_box),
            public: STANDARD.encode(public_box),
            key_id: KeyId(key_id),
        })
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The public key in Tauri's form: what goes into `plugins.updater.pubkey`.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The encrypted secret key in Tauri's form: what `TAURI_SIGNING_PRIVATE_KEY` holds.
    pub fn secret_key(&self) -> &str {
        &self.secret
    }

    /// Writes the secret key to `path` (mode 0600 on Unix) and the public key to `path.pub`,
    /// without trailing newlines. Returns the path of the public key.
    ///
    /// Both are written to temporary files beside them first and then renamed into place, so
    /// that a failure leaves no half-written key, and no lone secret key whose public key is
    /// missing (what could still fail at the last rename is undone when nothing was there
    /// before).
    ///
    /// # Errors
    /// [`KeysError::Exists`] when a file exists and `overwrite` is [`Overwrite::Refuse`] (then
    /// nothing is written), [`KeysError::Io`] when writing fails.
    pub fn write(
        &self,
        path: impl AsRef<Path>,
        overwrite: Overwrite,
    ) -> Result<PathBuf, KeysError> {
        let secret_path = path.as_ref();
        let public_path = public_path_of(secret_path);
        for path in [secret_path, public_path.as_path()] {
            match path.symlink_metadata() {
                Ok(_) if overwrite == Overwrite::Refuse => {
                    return Err(KeysError::Exists {
                        path: path.to_owned(),
                    });
                }
                Ok(meta) if meta.is_dir() => {
                    return Err(io_error("write", path)(io::ErrorKind::IsADirectory.into()));
                }
                _ => {}
            }
        }
        let dir = match secret_path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        let secret = staged(dir, self.secret.as_bytes(), 0o600)?;
        let public = staged(dir, self.public.as_bytes(), 0o666)?;
        put(secret, secret_path, overwrite)?;
        if let Err(e) = put(public, &public_path, overwrite) {
            if overwrite == Overwrite::Refuse {
                let _ = fs::remove_file(secret_path);
            }
            return Err(e);
        }
        Ok(public_path)
    }
}

/// The path of the public key that goes with the secret key at `secret`: `PATH.pub`.
pub fn public_path_of(secret: &Path) -> PathBuf {
    let mut name = secret.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// `bytes` in a new temporary file in `dir`, synced; `mode` on Unix, less the umask.
fn staged(dir: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::NamedTempFile, KeysError> {
    crate::atomic::staged(dir, mode, |out| out.write_all(bytes))
        .map_err(io_error("write a file in", dir))
}

/// Renames a [`staged`] file to `path`; with [`Overwrite::Refuse`], never over an existing file.
fn put(file: tempfile::NamedTempFile, path: &Path, overwrite: Overwrite) -> Result<(), KeysError> {
    let persisted = match overwrite {
        Overwrite::Refuse => file.persist_noclobber(path),
        Overwrite::Allow => file.persist(path),
    };
    persisted.map(drop).map_err(|e| match e.error.kind() {
        io::ErrorKind::AlreadyExists => KeysError::Exists {
            path: path.to_owned(),
        },
        _ => io_error("write", path)(e.error),
    })
}

/// A decrypted secret key, ready to sign.
#[derive(Clone)]
pub struct SecretKey {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
    key_id: KeyId,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// Decodes a secret key, in Tauri's form (base64 of the minisign secret key box) or as the
    /// minisign text itself, and decrypts it with `password`.
    ///
    /// # Errors
    /// [`KeysError::NotSecretKey`] when the text is not a secret key, [`KeysError::WrongPassword`]
    /// when the password does not decrypt it.
    pub fn decode(text: &str, password: &str) -> Result<SecretKey, KeysError> {
        let text = text.trim();
        let boxed = if text.starts_with("untrusted comment:") {
            text.to_owned()
        } else {
            let bytes = STANDARD.decode(text).map_err(|e| KeysError::NotSecretKey {
                reason: format!(
                    "not base64 ({}), and not a minisign secret key text either",
                    describe_base64(&e)
                ),
            })?;
            String::from_utf8(bytes).map_err(|_| KeysError::NotSecretKey {
                reason: "its base64 does not decode to text".to_owned(),
            })?
        };
        let mut lines = boxed.lines();
        let comment = lines.next().unwrap_or_default();
        let line = lines.next().unwrap_or_default();
        if !comment.starts_with("untrusted comment:") {
            return Err(KeysError::NotSecretKey {
                reason: "its text does not start with `untrusted comment:`".to_owned(),
            });
        }
        let raw = STANDARD.decode(line).map_err(|e| KeysError::NotSecretKey {
            reason: format!("line 2 is not base64: {}", describe_base64(&e)),
        })?;
        if raw.len() != 158 || &raw[..2] != b"Ed" {
            return Err(KeysError::NotSecretKey {
                reason: format!(
                    "line 2 is not a minisign secret key ({} bytes, expected 158 starting with `Ed`)",
                    raw.len()
                ),
            });
        }
        let encrypted = &raw[2..4] != b"\0\0";
        let secret = if encrypted {
            if &raw[2..4] != b"Sc" {
                return Err(KeysError::NotSecretKey {
                    reason: "its encryption is not scrypt (`Sc`)".to_owned(),
                });
            }
            minisign::SecretKey::from_box(boxed.clone().into(), Some(password.to_owned()))
        } else {
            minisign::SecretKey::from_unencrypted_box(boxed.clone().into())
        }
        .map_err(|e| {
            if matches!(e.kind(), minisign::ErrorKind::Verify) {
                if encrypted {
                    KeysError::WrongPassword
                } else {
                    KeysError::NotSecretKey {
                        reason: "its checksum does not match (corrupted key)".to_owned(),
                    }
                }
            } else {
                KeysError::NotSecretKey {
                    reason: e.to_string(),
                }
            }
        })?;
        let public =
            minisign::PublicKey::from_secret_key(&secret).map_err(|e| KeysError::Minisign {
                action: "reading the public key",
                reason: e.to_string(),
            })?;
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(secret.keynum());
        Ok(SecretKey {
            secret,
            public,
            key_id: KeyId(key_id),
        })
    }

    /// Reads a secret key given as the key itself or as a path to a file holding it (the way
    /// `TAURI_SIGNING_PRIVATE_KEY` works), and decrypts it with `password`.
    ///
    /// # Errors
    /// Those of [`SecretKey::decode`], and [`KeysError::Io`] when the file cannot be read.
    pub fn load(key_or_path: impl AsRef<Path>, password: &str) -> Result<SecretKey, KeysError> {
        let key_or_path = key_or_path.as_ref();
        // Anything that is there is a path: read if it is a regular file of a key's size (a
        // FIFO or `/dev/zero` is an error about the path, not key text).
        if key_or_path.symlink_metadata().is_ok() {
            let text = crate::input::read_text(key_or_path, crate::input::KEY_LIMIT)
                .map_err(io_error("read", key_or_path))?;
            return Self::decode(&text, password);
        }
        match key_or_path.to_str() {
            Some(text) if looks_like_key(text) => Self::decode(text, password),
            _ => Err(KeysError::Io {
                action: "read",
                path: key_or_path.to_owned(),
                source: io::Error::new(
                    io::ErrorKind::NotFound,
                    "no such file, and not a key either",
                ),
            }),
        }
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        let text = self
            .public
            .to_box()
            .map(|b| b.to_string())
            .unwrap_or_default();
        PublicKey::decode_text(&text).expect("minisign writes valid public keys")
    }

    /// The matching public key in Tauri's form (base64 of the `.pub` text).
    pub fn public_key_text(&self) -> String {
        let text = self
            .public
            .to_box()
            .map(|b| b.to_string())
            .unwrap_or_default();
        STANDARD.encode(text)
    }

    /// Signs the bytes of `data` (prehashed), with the trusted comment
    /// `timestamp:<timestamp>\tfile:<file_name>[\tversion:<version>]`. Returns the `.sig` content:
    /// base64 of the 4-line minisign signature text.
    ///
    /// # Errors
    /// [`KeysError::ControlCharacter`] when the file name or version holds a TAB, CR or LF;
    /// [`KeysError::Minisign`] when reading `data` or signing fails.
    pub fn sign(
        &self,
        data: impl Read,
        file_name: &str,
        version: Option<&str>,
        timestamp: u64,
    ) -> Result<String, KeysError> {
        check_field("file name", file_name)?;
        let mut comment = format!("timestamp:{timestamp}\tfile:{file_name}");
        if let Some(version) = version {
            // As clients compare it: `v1.1.0` would be a different string from `1.1.0`.
            let version = signed_version(version)?;
            comment.push_str("\tversion:");
            comment.push_str(&version.to_string());
        }
        self.sign_with_comment(data, &comment)
    }

    /// Signs a manifest's bytes `body` (a `latest.json`, or an update server's answer) as a
    /// signed manifest: the trusted comment names the manifest's file name and version and
    /// says until when it may be used (`expires`, Unix seconds); see
    /// [`upkit_core::manifest::signed`]. Returns the `.sig` content.
    ///
    /// # Errors
    /// [`KeysError::ControlCharacter`] for a file name with a TAB, CR or LF,
    /// [`KeysError::Minisign`] when signing fails.
    pub fn sign_manifest(
        &self,
        body: &[u8],
        file_name: &str,
        version: &upkit_core::version::Version,
        timestamp: u64,
        expires: u64,
    ) -> Result<String, KeysError> {
        check_field("file name", file_name)?;
        let comment =
            upkit_core::manifest::signed::trusted_comment(file_name, version, timestamp, expires);
        self.sign_with_comment(body, &comment)
    }

    fn sign_with_comment(&self, data: impl Read, comment: &str) -> Result<String, KeysError> {
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            data,
            Some(comment),
            Some(SIGNATURE_COMMENT),
        )
        .map_err(|e| KeysError::Minisign {
            action: "signing",
            reason: e.to_string(),
        })?;
        Ok(STANDARD.encode(signature.to_string()))
    }
}

fn describe_base64(err: &base64::DecodeError) -> String {
    match err {
        base64::DecodeError::InvalidByte(offset, byte) => {
            format!("invalid byte 0x{byte:02x} at offset {offset}")
        }
        base64::DecodeError::InvalidLength(len) => format!("invalid length {len}"),
        base64::DecodeError::InvalidLastSymbol(offset, byte) => {
            format!("non-canonical last symbol 0x{byte:02x} at offset {offset}")
        }
        base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
    }
}

/// Reads a public key given as Tauri's `pubkey` text (base64 of the minisign public key), or as
/// a path to a file holding that text or a minisign `.pub` file's text.
///
/// # Errors
/// [`KeysError::Io`] when the argument names no file and is no key either, or names something
/// that is not a regular file of at most [`KEY_LIMIT`](crate::input::KEY_LIMIT) bytes, and
/// [`KeysError::NotPublicKey`] when the key does not decode.
pub fn load_public_key(key_or_path: &str) -> Result<PublicKey, KeysError> {
    let path = Path::new(key_or_path);
    // Anything that is there is a path (a directory, a FIFO: an error about it, not key text).
    if path.symlink_metadata().is_ok() {
        let text = crate::input::read_text(path, crate::input::KEY_LIMIT)
            .map_err(io_error("read", path))?;
        let text = text.trim();
        let key = if text.starts_with("untrusted comment:") {
            PublicKey::decode_text(text)
        } else {
            PublicKey::decode(text)
        };
        return key.map_err(|source| KeysError::NotPublicKey {
            path: Some(path.to_owned()),
            source,
        });
    }
    PublicKey::decode(key_or_path.trim()).map_err(|source| {
        if looks_like_path(key_or_path) {
            KeysError::Io {
                action: "read",
                path: path.to_owned(),
                source: io::Error::new(
                    io::ErrorKind::NotFound,
                    "no such file, and not a key either",
                ),
            }
        } else {
            KeysError::NotPublicKey { path: None, source }
        }
    })
}

/// Whether a text that is not a key was probably meant as a file name.
fn looks_like_path(text: &str) -> bool {
    text.contains(['.', '\\']) || (text.contains('/') && text.len() < 100)
}

fn looks_like_key(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("untrusted comment:")
        || (text.len() > 100
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='))
}

fn check_field(what: &'static str, value: &str) -> Result<(), KeysError> {
    if value.contains(['\t', '\r', '\n']) {
        return Err(KeysError::ControlCharacter {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// A version to sign, as it is written into the trusted comment: SemVer with any leading `v`
/// dropped, which is how clients read the version they compare it with.
///
/// # Errors
/// [`KeysError::ControlCharacter`] or [`KeysError::InvalidVersion`] for a version no client
/// could match.
pub fn signed_version(version: &str) -> Result<upkit_core::version::Version, KeysError> {
    check_field("version", version)?;
    upkit_core::version::parse(version).map_err(|e| KeysError::InvalidVersion {
        version: version.to_owned(),
        reason: e.reason().to_owned(),
    })
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The base name of `file`, as a trusted comment's `file:` names it.
fn file_name_to_sign(file: &Path) -> Result<String, KeysError> {
    Ok(file
        .file_name()
        .ok_or_else(|| KeysError::NoFileName {
            path: file.to_owned(),
        })?
        .to_string_lossy()
        .into_owned())
}

/// The path of the signature of `file`: `FILE.sig`.
pub fn sig_path_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Signs `file` as `tauri signer sign` does and writes `FILE.sig` (no trailing newline),
/// returning its path. The trusted comment carries the current time, the file's base name and,
/// when given, `version`.
///
/// # Errors
/// Those of [`SecretKey::sign`], [`KeysError::NoFileName`], and [`KeysError::Io`] when the file
/// cannot be read or the signature written. Nothing is written when signing fails.
pub fn sign_file(
    key: &SecretKey,
    file: impl AsRef<Path>,
    version: Option<&str>,
) -> Result<PathBuf, KeysError> {
    let file = file.as_ref();
    let name = file_name_to_sign(file)?;
    check_field("file name", &name)?;
    if let Some(version) = version {
        signed_version(version)?;
    }
    // Only a regular file: a directory would fail inside the signer, which cannot name it, and
    // opening a FIFO waits for a writer. Checked before opening, and again on what was opened.
    let not_a_file = || {
        io_error("read", file)(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ))
    };
    if !fs::metadata(file)
        .map_err(io_error("read", file))?
        .is_file()
    {
        return Err(not_a_file());
    }
    let reader = File::open(file).map_err(io_error("read", file))?;
    if !reader.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_a_file());
    }
    let signature = key.sign(io::BufReader::new(reader), &name, version, now())?;
    let sig_path = sig_path_of(file);
    // Replaced whole, never written through: a symlink there is not followed (it could point at
    // any file the signer may write), a FIFO not opened (it would hang).
    crate::atomic::write(&sig_path, |out| out.write_all(signature.as_bytes()))
        .map_err(io_error("write", &sig_path))?;
    Ok(sig_path)
}

/// Signs the manifest `file` (a `latest.json`) as a signed manifest valid for `lifetime`
/// seconds from now and writes `FILE.sig` atomically; returns its path and the manifest's
/// version. The manifest must be valid (its version is signed with it), and is read whole
/// (at most [`MANIFEST_LIMIT`](crate::input::MANIFEST_LIMIT) bytes, a regular file).
///
/// # Errors
/// [`KeysError::Io`], [`KeysError::NotAManifest`], and those of [`SecretKey::sign_manifest`].
pub fn sign_manifest_file(
    key: &SecretKey,
    file: impl AsRef<Path>,
    lifetime: u64,
) -> Result<(PathBuf, upkit_core::version::Version, u64), KeysError> {
    let file = file.as_ref();
    let name = file_name_to_sign(file)?;
    let body =
        crate::input::read(file, crate::input::MANIFEST_LIMIT).map_err(io_error("read", file))?;
    let manifest = upkit_core::manifest::parse(&body).map_err(|e| KeysError::NotAManifest {
        path: file.to_owned(),
        reason: e.to_string(),
    })?;
    let timestamp = now();
    let expires = timestamp.saturating_add(lifetime);
    let signature = key.sign_manifest(&body, &name, &manifest.version, timestamp, expires)?;
    let sig_path = sig_path_of(file);
    crate::atomic::write(&sig_path, |out| out.write_all(signature.as_bytes()))
        .map_err(io_error("write", &sig_path))?;
    Ok((sig_path, manifest.version, expires))
}
