//! Minisign keys and signatures in Tauri's encoding, one-shot and streaming verification.
//!
//! Tauri stores a public key (`pubkey`) and a signature (a `.sig` file, a manifest's `signature`)
//! as base64 of the minisign text. [`PublicKey::decode`] and [`Signature::decode`] accept exactly
//! what the Tauri updater accepts: the outer base64 is the standard alphabet with canonical
//! padding and no whitespace anywhere; the text inside is read line by line like
//! `minisign_verify` does (CRLF, a missing final newline, extra trailing lines and an edited
//! untrusted comment are all fine).
//!
//! Verification takes a [`Keyring`] (one or several trusted keys: the signature's key id picks
//! one) and a [`Policy`] (signed-version binding, legacy signatures, file-name binding), and
//! yields a [`Verified`] proof. [`verify`] does it in one call; [`Verifier`] does it in a stream,
//! checking everything that does not need the bytes before the first byte arrives.
//!
//! ```
//! use upkit_core::signature::{verify, Keyring, Policy, PublicKey, Signature, SignedVersion};
//!
//! # // Made by `upkit keygen --no-password` and `upkit sign payload.txt --app-version 2.1.0`.
//! # let pubkey = concat!(
//! #     "dW50cnVzdGVkIGNvbW1lbnQ6IG1pbmlzaWduIHB1YmxpYyBrZXk6IDBCMjUwREMwNkMzQUVDNjUKUldSbDdE",
//! #     "cHN3QTBsQzNNS29XNTlaZG5YaVpKbFpzZVYvQXNBdXpSYVgrZE1qd0RpQTlQd2ZSVnEK",
//! # );
//! # let sig = concat!(
//! #     "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZSBmcm9tIHVwa2l0IHNlY3JldCBrZXkKUlVSbDdEcHN3QTBs",
//! #     "QytXc294Y1hCR3lBV1RpZXAyN1c5ODZadzZZallnVmF6YlFMY1R1dCtsVWVGTXNFejNOMzdGUGJGUkVYd3hw",
//! #     "eENvNmVvT3M4Z05PZ2ZNYmJxZjJIS0E4PQp0cnVzdGVkIGNvbW1lbnQ6IHRpbWVzdGFtcDoxNzk2NjU2MjYx",
//! #     "CWZpbGU6cGF5bG9hZC50eHQJdmVyc2lvbjoyLjEuMApyRXZSbkF1ZDd5dXFyeFRhV1RlajgvakZyeVMva2Ur",
//! #     "aUlVZ0dWRnJhcStGRnc0QUx3bExwM1J2V3ZxazhIb0NvUjkyemRnVVVEckNEcUdQbWhLM0RBZz09Cg==",
//! # );
//! # let data = b"upkit test payload\n";
//! let keyring = Keyring::new(vec![PublicKey::decode(pubkey)?]);
//! let signature = Signature::decode(sig)?;
//! let policy = Policy {
//!     expected_version: Some(semver::Version::new(2, 1, 0)),
//!     ..Policy::default()
//! };
//! let proof = verify(&keyring, &signature, data, &policy)?;
//! assert_eq!(proof.trusted_comment().version(), Some("2.1.0"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Crypto: the file signature is checked by `minisign_verify` (the crate Tauri uses). The global
//! signature (over the signature and the trusted comment) is checked up front with
//! `ed25519_compact`, because `minisign_verify` reports both failures alike and upkit tells them
//! apart. Streaming hashes with BLAKE2b-512 itself (so that a [`Verifier`] owns its state and can
//! be cloned and sent between threads) and hands the digest to `minisign_verify`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const PREFIX_UNTRUSTED: &str = "untrusted comment: ";
const PREFIX_TRUSTED: &str = "trusted comment: ";

/// A minisign key id: 8 bytes, printed as 16 uppercase hex digits of the little-endian `u64`
/// (as minisign and the Tauri CLI print it).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The signature algorithm of a minisign signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `ED`: Ed25519 over the BLAKE2b-512 hash of the file. What every Tauri CLI writes.
    Prehashed,
    /// `Ed`: Ed25519 over the raw file (old minisign). Refused unless the policy allows it.
    Legacy,
}

impl Algorithm {
    /// The two bytes that name the algorithm in the signature (`ED` or `Ed`).
    pub fn bytes(self) -> [u8; 2] {
        match self {
            Algorithm::Prehashed => *b"ED",
            Algorithm::Legacy => *b"Ed",
        }
    }

    fn from_bytes(bytes: [u8; 2]) -> Option<Self> {
        match &bytes {
            b"ED" => Some(Algorithm::Prehashed),
            b"Ed" => Some(Algorithm::Legacy),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Prehashed => "ED (prehashed)",
            Algorithm::Legacy => "Ed (legacy)",
        })
    }
}

/// Why a public key could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not standard, padded base64 without whitespace.
    #[error("public key is not base64 (standard alphabet, padded, no whitespace): {reason}")]
    NotBase64 {
        /// What the base64 decoder objected to.
        reason: String,
    },
    /// The key is a bare minisign key line (base64 of `Ed` + key id + key), not Tauri's form.
    #[error(
        "public key is a bare minisign key line, but Tauri's form is the base64 of the whole .pub text (comment line included)"
    )]
    BareMinisignKey,
    /// The base64 decodes to bytes that are not UTF-8 text.
    #[error("public key decodes to bytes that are not utf-8 text: {reason}")]
    NotUtf8 {
        /// What the UTF-8 decoder objected to.
        reason: String,
    },
    /// The decoded text is not a minisign public key.
    #[error("public key is not a minisign public key: line {line} {reason}")]
    NotMinisignKey {
        /// The 1-based line of the decoded text at fault.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The key names an algorithm other than `Ed` / `ED`.
    #[error("public key has unsupported algorithm bytes {}, expected `Ed`", show_algorithm(*.algorithm))]
    UnsupportedAlgorithm {
        /// The two algorithm bytes found.
        algorithm: [u8; 2],
    },
}

/// Why a signature could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature is not standard, padded base64 without whitespace.
    #[error("signature is not base64 (standard alphabet, padded, no whitespace): {reason}")]
    NotBase64 {
        /// What the base64 decoder objected to.
        reason: String,
    },
    /// The base64 decodes to bytes that are not UTF-8 text.
    #[error("signature decodes to bytes that are not utf-8 text: {reason}")]
    NotUtf8 {
        /// What the UTF-8 decoder objected to.
        reason: String,
    },
    /// The decoded text is not a minisign signature.
    #[error("signature is not a minisign signature: line {line} {reason}")]
    NotMinisignSignature {
        /// The 1-based line of the decoded text at fault.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature names an algorithm other than `ED` (prehashed) or `Ed` (legacy).
    #[error("signature has unsupported algorithm bytes {}, expected `ED` (prehashed) or `Ed` (legacy)", show_algorithm(*.algorithm))]
    UnsupportedAlgorithm {
        /// The two algorithm bytes found.
        algorithm: [u8; 2],
    },
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No trusted key has the signature's key id.
    #[error("signature was made with key {signature}, but {}", show_trusted(.trusted))]
    KeyIdMismatch {
        /// The key id the signature names.
        signature: KeyId,
        /// The key ids of the trusted keys.
        trusted: Vec<KeyId>,
    },
    /// The signature is a legacy (`Ed`, not prehashed) one and the policy refuses those.
    #[error(
        "legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures"
    )]
    LegacyRefused,
    /// The global signature does not cover this trusted comment: the comment was altered.
    #[error(
        "trusted comment does not match its signature by key {key_id}: the trusted comment was altered"
    )]
    GlobalSignatureMismatch {
        /// The key that was checked.
        key_id: KeyId,
    },
    /// The file signature does not verify: the bytes are not the ones that were signed.
    #[error(
        "file does not match its signature by key {key_id}: its bytes differ from the signed ones ({bytes} bytes read)"
    )]
    SignatureMismatch {
        /// The key that was checked.
        key_id: KeyId,
        /// How many bytes were verified.
        bytes: u64,
    },
    /// The policy requires a signed version and the trusted comment has no `version:`.
    #[error(
        "signature has no signed version (no `version:` in its trusted comment), but a signed version is required"
    )]
    SignedVersionMissing,
    /// The signed version is not a version.
    #[error("signed version `{signed}` is not a valid version: {reason}")]
    SignedVersionInvalid {
        /// The `version:` value of the trusted comment.
        signed: String,
        /// What the SemVer parser objected to.
        reason: String,
    },
    /// The signed version differs from the version the manifest announces.
    #[error("signed version {signed} differs from the announced version {expected}")]
    SignedVersionMismatch {
        /// The `version:` value of the trusted comment.
        signed: String,
        /// The announced version.
        expected: semver::Version,
    },
    /// The policy binds a file name and the trusted comment has no `file:`.
    #[error(
        "signature has no signed file name (no `file:` in its trusted comment), but `{expected}` is expected"
    )]
    FileNameMissing {
        /// The expected file name.
        expected: String,
    },
    /// The signed file name differs from the expected one.
    #[error("signed file name `{signed}` differs from the expected `{expected}`")]
    FileNameMismatch {
        /// The `file:` value of the trusted comment.
        signed: String,
        /// The expected file name.
        expected: String,
    },
}

fn show_algorithm(bytes: [u8; 2]) -> String {
    let printable = |b: u8| {
        if b.is_ascii_graphic() {
            char::from(b).to_string()
        } else {
            "?".to_owned()
        }
    };
    format!(
        "0x{:02x} 0x{:02x} (`{}{}`)",
        bytes[0],
        bytes[1],
        printable(bytes[0]),
        printable(bytes[1])
    )
}

fn show_trusted(trusted: &[KeyId]) -> String {
    match trusted {
        [] => "no key is trusted".to_owned(),
        [one] => format!("the trusted key is {one}"),
        many => {
            let ids: Vec<String> = many.iter().map(KeyId::to_string).collect();
            format!("the trusted keys are {}", ids.join(", "))
        }
    }
}

fn describe_base64(err: &base64::DecodeError) -> String {
    match err {
        base64::DecodeError::InvalidByte(offset, byte) => {
            format!("invalid byte 0x{byte:02x} at offset {offset}")
        }
        base64::DecodeError::InvalidLength(len) => {
            format!("invalid length {len} (not a whole number of padded groups)")
        }
        base64::DecodeError::InvalidLastSymbol(offset, byte) => {
            format!("non-canonical last symbol 0x{byte:02x} at offset {offset}")
        }
        base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
    }
}

/// Why the outer layer of Tauri's encoding failed.
enum Outer {
    Base64(String),
    Utf8(String, Vec<u8>),
}

/// Decodes the outer base64 and the UTF-8 inside, as Tauri does.
fn outer_text(text: &str) -> Result<String, Outer> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| Outer::Base64(describe_base64(&e)))?;
    String::from_utf8(bytes).map_err(|e| Outer::Utf8(e.utf8_error().to_string(), e.into_bytes()))
}

/// Decodes one base64 line of the minisign text, expecting `len` bytes.
fn inner_line(line: &str, len: usize) -> Result<Vec<u8>, String> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|e| format!("is not base64: {}", describe_base64(&e)))?;
    if bytes.len() != len {
        return Err(format!("decodes to {} bytes, expected {len}", bytes.len()));
    }
    Ok(bytes)
}

fn strip_untrusted(line: &str) -> &str {
    line.strip_prefix(PREFIX_UNTRUSTED).unwrap_or(line)
}

/// A trusted public key, as Tauri configures it (`pubkey`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    untrusted_comment: String,
    key_id: KeyId,
    key: [u8; 32],
    inner: minisign_verify::PublicKey,
}

impl PublicKey {
    /// Decodes a public key in Tauri's form: base64 of the minisign `.pub` text (an untrusted
    /// comment line, then base64 of `Ed` + key id + Ed25519 key).
    ///
    /// # Errors
    /// [`KeyError::NotBase64`], [`KeyError::NotUtf8`], [`KeyError::NotMinisignKey`] (naming the
    /// line) or [`KeyError::UnsupportedAlgorithm`].
    pub fn decode(text: &str) -> Result<PublicKey, KeyError> {
        let text = outer_text(text).map_err(|outer| match outer {
            Outer::Base64(reason) => KeyError::NotBase64 { reason },
            Outer::Utf8(_, bytes) if bytes.len() == 42 && bytes.starts_with(b"Ed") => {
                KeyError::BareMinisignKey
            }
            Outer::Utf8(reason, _) => KeyError::NotUtf8 { reason },
        })?;
        Self::decode_text(&text)
    }

    /// Decodes the minisign `.pub` text itself (what `minisign -G` writes), without Tauri's
    /// outer base64.
    ///
    /// # Errors
    /// [`KeyError::NotMinisignKey`] (naming the line) or [`KeyError::UnsupportedAlgorithm`].
    pub fn decode_text(text: &str) -> Result<PublicKey, KeyError> {
        let not_key = |line: usize, reason: String| KeyError::NotMinisignKey { line, reason };
        let mut lines = text.lines();
        let comment = lines
            .next()
            .ok_or_else(|| not_key(1, "(the untrusted comment) is missing".to_owned()))?;
        let line2 = lines
            .next()
            .ok_or_else(|| not_key(2, "(the key) is missing".to_owned()))?;
        let bin = inner_line(line2, 42).map_err(|reason| not_key(2, reason))?;
        let algorithm = [bin[0], bin[1]];
        if Algorithm::from_bytes(algorithm).is_none() {
            return Err(KeyError::UnsupportedAlgorithm { algorithm });
        }
        let inner = minisign_verify::PublicKey::from_base64(line2)
            .map_err(|e| not_key(2, format!("is refused by minisign: {e}")))?;
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bin[2..10]);
        let mut key = [0u8; 32];
        key.copy_from_slice(&bin[10..42]);
        Ok(PublicKey {
            untrusted_comment: strip_untrusted(comment).to_owned(),
            key_id: KeyId(key_id),
            key,
            inner,
        })
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The untrusted comment, without its `untrusted comment: ` prefix (when it has one).
    pub fn untrusted_comment(&self) -> &str {
        &self.untrusted_comment
    }

    /// The raw Ed25519 public key.
    pub fn ed25519(&self) -> &[u8; 32] {
        &self.key
    }
}

/// The trusted comment of a signature: TAB-separated `name:value` fields, covered by the global
/// signature. The Tauri CLI writes `timestamp:<secs>\tfile:<name>[\tversion:<v>]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrustedComment {
    text: String,
}

impl TrustedComment {
    /// Wraps the text of a trusted comment (without its `trusted comment: ` prefix).
    pub fn new(text: impl Into<String>) -> Self {
        TrustedComment { text: text.into() }
    }

    /// The whole text, without the `trusted comment: ` prefix.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every TAB-separated `name:value` field, in order (parts without a `:` are skipped; the
    /// value is everything after the first `:`).
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.text
            .split('\t')
            .filter_map(|part| part.split_once(':'))
    }

    /// The value of the first field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The `timestamp:` field as Unix seconds, when present and a number.
    pub fn timestamp(&self) -> Option<u64> {
        self.field("timestamp")?.parse().ok()
    }

    /// The `file:` field: the base name of the signed file.
    pub fn file(&self) -> Option<&str> {
        self.field("file")
    }

    /// The `version:` field: the app version the file was signed for.
    pub fn version(&self) -> Option<&str> {
        self.field("version")
    }
}

impl fmt::Display for TrustedComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A minisign signature in Tauri's form (a `.sig` file, a manifest's `signature`).
#[derive(Clone)]
pub struct Signature {
    untrusted_comment: String,
    algorithm: Algorithm,
    key_id: KeyId,
    signature: [u8; 64],
    trusted_comment: TrustedComment,
    global_signature: [u8; 64],
    /// The same signature as `minisign_verify` sees it, re-labelled `Ed` when prehashed: the
    /// Ed25519 check of a prehashed signature over BLAKE2b-512(file) is the legacy check over
    /// the digest, so this lets `minisign_verify` check a digest computed here.
    over_message: minisign_verify::Signature,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("trusted_comment", &self.trusted_comment.text)
            .field("untrusted_comment", &self.untrusted_comment)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        self.untrusted_comment == other.untrusted_comment
            && self.algorithm == other.algorithm
            && self.key_id == other.key_id
            && self.signature == other.signature
            && self.trusted_comment == other.trusted_comment
            && self.global_signature == other.global_signature
    }
}

impl Eq for Signature {}

impl Signature {
    /// Decodes a signature in Tauri's form: base64 of the 4-line minisign signature text.
    ///
    /// # Errors
    /// [`SignatureError::NotBase64`], [`SignatureError::NotUtf8`],
    /// [`SignatureError::NotMinisignSignature`] (naming the line) or
    /// [`SignatureError::UnsupportedAlgorithm`].
    pub fn decode(text: &str) -> Result<Signature, SignatureError> {
        let text = outer_text(text).map_err(|outer| match outer {
            Outer::Base64(reason) => SignatureError::NotBase64 { reason },
            Outer::Utf8(reason, _) => SignatureError::NotUtf8 { reason },
        })?;
        Self::decode_text(&text)
    }

    /// Decodes the minisign signature text itself (a `.minisig` file), without Tauri's outer
    /// base64. Lines are read as `minisign_verify` reads them.
    ///
    /// # Errors
    /// [`SignatureError::NotMinisignSignature`] (naming the line) or
    /// [`SignatureError::UnsupportedAlgorithm`].
    pub fn decode_text(text: &str) -> Result<Signature, SignatureError> {
        let not_sig =
            |line: usize, reason: String| SignatureError::NotMinisignSignature { line, reason };
        let mut lines = text.lines();
        let comment = lines
            .next()
            .ok_or_else(|| not_sig(1, "(the untrusted comment) is missing".to_owned()))?;
        let line2 = lines
            .next()
            .ok_or_else(|| not_sig(2, "(the signature) is missing".to_owned()))?;
        let bin1 = inner_line(line2, 74).map_err(|reason| not_sig(2, reason))?;
        let line3 = lines
            .next()
            .ok_or_else(|| not_sig(3, "(the trusted comment) is missing".to_owned()))?;
        let line4 = lines
            .next()
            .ok_or_else(|| not_sig(4, "(the global signature) is missing".to_owned()))?;
        let bin2 = inner_line(line4, 64).map_err(|reason| not_sig(4, reason))?;
        let trusted = line3
            .strip_prefix(PREFIX_TRUSTED)
            .ok_or_else(|| not_sig(3, format!("does not start with `{PREFIX_TRUSTED}`")))?;
        let algorithm_bytes = [bin1[0], bin1[1]];
        let algorithm =
            Algorithm::from_bytes(algorithm_bytes).ok_or(SignatureError::UnsupportedAlgorithm {
                algorithm: algorithm_bytes,
            })?;
        // What the Tauri updater does; it must agree with the checks above.
        minisign_verify::Signature::decode(text)
            .map_err(|e| not_sig(2, format!("is refused by minisign: {e}")))?;
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bin1[2..10]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bin1[10..74]);
        let mut global_signature = [0u8; 64];
        global_signature.copy_from_slice(&bin2);

        let mut relabelled = bin1.clone();
        relabelled[..2].copy_from_slice(b"Ed");
        // CRLF endings: `lines()` strips exactly one `\r\n`, so the trusted comment comes back
        // byte for byte even if it ends with a `\r`.
        let legacy_text = format!(
            "{PREFIX_UNTRUSTED}\r\n{}\r\n{line3}\r\n{line4}\r\n",
            STANDARD.encode(&relabelled)
        );
        let over_message = minisign_verify::Signature::decode(&legacy_text)
            .map_err(|e| not_sig(2, format!("is refused by minisign: {e}")))?;
        Ok(Signature {
            untrusted_comment: strip_untrusted(comment).to_owned(),
            algorithm,
            key_id: KeyId(key_id),
            signature,
            trusted_comment: TrustedComment::new(trusted),
            global_signature,
            over_message,
        })
    }

    /// The id of the key that made the signature.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The algorithm: prehashed (`ED`) or legacy (`Ed`).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The trusted comment (covered by the global signature).
    pub fn trusted_comment(&self) -> &TrustedComment {
        &self.trusted_comment
    }

    /// The untrusted comment, without its `untrusted comment: ` prefix (when it has one). Anyone
    /// can edit it without breaking the signature.
    pub fn untrusted_comment(&self) -> &str {
        &self.untrusted_comment
    }
}

/// The trusted public keys. When there are several (key rotation), the signature's key id picks
/// the one that verifies it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<PublicKey>,
}

impl Keyring {
    /// A keyring holding `keys`.
    pub fn new(keys: Vec<PublicKey>) -> Self {
        Keyring { keys }
    }

    /// The key with this id, if trusted.
    pub fn find(&self, key_id: KeyId) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.key_id == key_id)
    }

    /// Every trusted key, in the order given.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }
}

impl From<PublicKey> for Keyring {
    fn from(key: PublicKey) -> Self {
        Keyring::new(vec![key])
    }
}

/// Whether a signature must carry a signed version (`version:` in its trusted comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignedVersion {
    /// A signature without `version:` is refused (upkit's default; Tauri's
    /// `requireSignedVersion: true`).
    #[default]
    Required,
    /// A signature without `version:` is accepted (Tauri's default). A `version:` that is there
    /// must still match.
    Optional,
}

/// Whether legacy (`Ed`, not prehashed) signatures are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Legacy {
    /// Refused (upkit's default).
    #[default]
    Refuse,
    /// Accepted (Tauri's behaviour). Streaming verification then buffers the whole file,
    /// because a legacy signature covers the raw bytes.
    Allow,
}

/// What a signature must satisfy besides being cryptographically valid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Whether a signed version is required.
    pub signed_version: SignedVersion,
    /// The version the manifest announces. A signed `version:` must equal it as SemVer after
    /// stripping leading `v`s (build metadata counts). `None`: nothing to compare with.
    pub expected_version: Option<semver::Version>,
    /// Whether legacy signatures are accepted.
    pub legacy: Legacy,
    /// When set, the trusted comment's `file:` must equal it (e.g. the download URL's base name).
    pub file_name: Option<String>,
}

/// Proof that some bytes verified: the installer demands it. Only [`verify`] and
/// [`Verifier::finish`] make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    key_id: KeyId,
    algorithm: Algorithm,
    trusted_comment: TrustedComment,
    bytes: u64,
}

impl Verified {
    /// The id of the key that verified the bytes.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The algorithm of the signature.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The trusted comment that the key vouches for.
    pub fn trusted_comment(&self) -> &TrustedComment {
        &self.trusted_comment
    }

    /// How many bytes verified.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

#[derive(Clone)]
enum State {
    Prehashed(Box<blake2b_simd::State>),
    Legacy(Vec<u8>),
}

/// Streaming verification: feed the bytes with [`update`](Verifier::update) as they arrive, then
/// [`finish`](Verifier::finish).
///
/// [`Verifier::new`] checks everything that does not need the bytes first (known key id, legacy
/// policy, the trusted comment's global signature, signed version, file binding), so a bad
/// signature fails before any download. Memory stays flat for prehashed signatures; a legacy
/// signature (only when [`Legacy::Allow`]) makes the verifier buffer every byte.
///
/// A `Verifier` owns its state: it is `'static`, `Send`, `Sync` and `Clone` (a clone continues
/// from the same point; keep a clone of a fresh one to restart a download).
#[derive(Clone)]
pub struct Verifier(Box<Streaming>);

/// The state of a [`Verifier`], boxed so that a `Verifier` is one pointer wide.
#[derive(Clone)]
struct Streaming {
    key: PublicKey,
    signature: Signature,
    state: State,
    bytes: u64,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("key_id", &self.0.key.key_id)
            .field("algorithm", &self.0.signature.algorithm)
            .field("bytes", &self.0.bytes)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Starts verifying `signature` with the key of `keyring` it names, under `policy`.
    ///
    /// # Errors
    /// Everything that does not need the bytes, in this order:
    /// [`VerifyError::KeyIdMismatch`], [`VerifyError::LegacyRefused`],
    /// [`VerifyError::GlobalSignatureMismatch`], [`VerifyError::SignedVersionMissing`] /
    /// [`VerifyError::SignedVersionInvalid`] / [`VerifyError::SignedVersionMismatch`],
    /// [`VerifyError::FileNameMissing`] / [`VerifyError::FileNameMismatch`].
    pub fn new(
        keyring: &Keyring,
        signature: &Signature,
        policy: &Policy,
    ) -> Result<Verifier, VerifyError> {
        let key = keyring
            .find(signature.key_id)
            .ok_or_else(|| VerifyError::KeyIdMismatch {
                signature: signature.key_id,
                trusted: keyring.keys.iter().map(|k| k.key_id).collect(),
            })?;
        if signature.algorithm == Algorithm::Legacy && policy.legacy == Legacy::Refuse {
            return Err(VerifyError::LegacyRefused);
        }
        check_global(key, signature)?;
        check_policy(signature.trusted_comment(), policy)?;
        let state = match signature.algorithm {
            Algorithm::Prehashed => State::Prehashed(Box::new(blake2b_simd::State::new())),
            Algorithm::Legacy => State::Legacy(Vec::new()),
        };
        Ok(Verifier(Box::new(Streaming {
            key: key.clone(),
            signature: signature.clone(),
            state,
            bytes: 0,
        })))
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        match &mut self.0.state {
            State::Prehashed(hasher) => {
                hasher.update(chunk);
            }
            State::Legacy(buffer) => buffer.extend_from_slice(chunk),
        }
        self.0.bytes += chunk.len() as u64;
    }

    /// How many bytes were fed so far.
    pub fn bytes(&self) -> u64 {
        self.0.bytes
    }

    /// The key that will verify the bytes.
    pub fn key(&self) -> &PublicKey {
        &self.0.key
    }

    /// The signature being verified.
    pub fn signature(&self) -> &Signature {
        &self.0.signature
    }

    /// Checks the file signature over every byte fed, and yields the proof.
    ///
    /// # Errors
    /// [`VerifyError::SignatureMismatch`] when the bytes are not the signed ones.
    pub fn finish(self) -> Result<Verified, VerifyError> {
        match &self.0.state {
            State::Prehashed(hasher) => {
                self.check_message(hasher.finalize().as_bytes())?;
            }
            State::Legacy(buffer) => self.check_message(buffer)?,
        }
        Ok(self.proof())
    }

    fn check_message(&self, message: &[u8]) -> Result<(), VerifyError> {
        self.0
            .key
            .inner
            .verify(message, &self.0.signature.over_message, true)
            .map_err(|_| VerifyError::SignatureMismatch {
                key_id: self.0.key.key_id,
                bytes: self.0.bytes,
            })
    }

    fn proof(&self) -> Verified {
        Verified {
            key_id: self.0.key.key_id,
            algorithm: self.0.signature.algorithm,
            trusted_comment: self.0.signature.trusted_comment.clone(),
            bytes: self.0.bytes,
        }
    }
}

fn check_global(key: &PublicKey, signature: &Signature) -> Result<(), VerifyError> {
    let mismatch = || VerifyError::GlobalSignatureMismatch { key_id: key.key_id };
    let pk = ed25519_compact::PublicKey::new(key.key);
    let sig = ed25519_compact::Signature::new(signature.global_signature);
    let mut message = Vec::with_capacity(64 + signature.trusted_comment.text.len());
    message.extend_from_slice(&signature.signature);
    message.extend_from_slice(signature.trusted_comment.text.as_bytes());
    pk.verify(&message, &sig).map_err(|_| mismatch())
}

fn check_policy(comment: &TrustedComment, policy: &Policy) -> Result<(), VerifyError> {
    match (comment.version(), &policy.expected_version) {
        (None, _) => {
            if policy.signed_version == SignedVersion::Required {
                return Err(VerifyError::SignedVersionMissing);
            }
        }
        (Some(_), None) => {}
        (Some(signed), Some(expected)) => {
            let parsed =
                crate::version::parse(signed).map_err(|e| VerifyError::SignedVersionInvalid {
                    signed: signed.to_owned(),
                    reason: e.reason().to_owned(),
                })?;
            if &parsed != expected {
                return Err(VerifyError::SignedVersionMismatch {
                    signed: signed.to_owned(),
                    expected: expected.clone(),
                });
            }
        }
    }
    if let Some(expected) = &policy.file_name {
        match comment.file() {
            None => {
                return Err(VerifyError::FileNameMissing {
                    expected: expected.clone(),
                });
            }
            Some(signed) if signed != expected => {
                return Err(VerifyError::FileNameMismatch {
                    signed: signed.to_owned(),
                    expected: expected.clone(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Verifies `data` against `signature` in one call: the key of `keyring` that the signature
/// names, then `policy`, then the bytes.
///
/// A legacy signature (when allowed) is checked over `data` directly, without a copy.
///
/// # Errors
/// Those of [`Verifier::new`], then [`VerifyError::SignatureMismatch`].
pub fn verify(
    keyring: &Keyring,
    signature: &Signature,
    data: &[u8],
    policy: &Policy,
) -> Result<Verified, VerifyError> {
    let mut verifier = Verifier::new(keyring, signature, policy)?;
    match verifier.0.state {
        State::Prehashed(_) => {
            verifier.update(data);
            verifier.finish()
        }
        State::Legacy(_) => {
            verifier.0.bytes = data.len() as u64;
            verifier.check_message(data)?;
            Ok(verifier.proof())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_prints_little_endian_uppercase_hex() {
        let id = KeyId([0x1f, 0xe8, 0xb4, 0x42, 0x18, 0x0f, 0x62, 0xe7]);
        assert_eq!(id.to_string(), "E7620F1842B4E81F");
        assert_eq!(format!("{id:?}"), "KeyId(E7620F1842B4E81F)");
    }

    #[test]
    fn trusted_comment_fields() {
        let c = TrustedComment::new(
            "timestamp:1700000000\tfile:app.AppImage\tversion:v2.1.0\tx:a:b\tlone",
        );
        assert_eq!(c.timestamp(), Some(1_700_000_000));
        assert_eq!(c.file(), Some("app.AppImage"));
        assert_eq!(c.version(), Some("v2.1.0"));
        assert_eq!(c.field("x"), Some("a:b"));
        assert_eq!(c.fields().count(), 4);
        assert_eq!(TrustedComment::new("timestamp:soon").timestamp(), None);
    }

    #[test]
    fn verifier_is_one_pointer_wide() {
        assert_eq!(
            std::mem::size_of::<Verifier>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn verifier_is_static_send_sync_clone() {
        fn check<T: 'static + Send + Sync + Clone>() {}
        check::<Verifier>();
        check::<Verified>();
        check::<Keyring>();
        check::<Signature>();
    }
}
