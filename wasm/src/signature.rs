//! Minisign keys and signatures: inspection, one-shot and streaming verification.
//!
//! Verification follows upkit's defaults (see `product.md`): a signed version is required unless
//! `requireSignedVersion: false`, legacy signatures are refused unless `allowLegacy: true`.

use serde_json::{Value, json};
use upkit_core::signature::{
    self as core, Algorithm, KeyError, Keyring, Legacy, Policy, PublicKey, Signature,
    SignatureError, SignedVersion, TrustedComment, Verified, VerifyError,
};
use wasm_bindgen::prelude::*;

use crate::convert::{self, Bytes, Failure, Options, output};

/// Options of `verifySignature` and `createVerifier`.
struct VerifyOptions {
    /// The version the manifest announces; a signed `version:` must equal it.
    version: Option<String>,
    /// Whether a signature without `version:` is refused (default `true`).
    require_signed_version: Option<bool>,
    /// Whether legacy (`Ed`) signatures are accepted (default `false`).
    allow_legacy: bool,
    /// The trusted comment's `file:` must equal it.
    file_name: Option<String>,
}

impl VerifyOptions {
    fn read(value: &JsValue) -> Result<Self, Failure> {
        let options = Options::read(
            value,
            &["version", "requireSignedVersion", "allowLegacy", "fileName"],
        )?;
        Ok(VerifyOptions {
            version: options.string("version")?,
            require_signed_version: options.bool("requireSignedVersion")?,
            allow_legacy: options.bool("allowLegacy")?.unwrap_or(false),
            file_name: options.string("fileName")?,
        })
    }

    fn policy(self) -> Result<Policy, Failure> {
        Ok(Policy {
            signed_version: if self.require_signed_version.unwrap_or(true) {
                SignedVersion::Required
            } else {
                SignedVersion::Optional
            },
            expected_version: self
                .version
                .as_deref()
                .map(crate::parse_version)
                .transpose()?,
            legacy: if self.allow_legacy {
                Legacy::Allow
            } else {
                Legacy::Refuse
            },
            file_name: self.file_name,
        })
    }
}

/// Decodes trusted public keys.
pub(crate) fn public_keys(keys: Vec<String>) -> Result<Vec<PublicKey>, Failure> {
    keys.iter()
        .map(|k| PublicKey::decode(k).map_err(key_failure))
        .collect()
}

fn keyring(value: &JsValue) -> Result<Keyring, Failure> {
    let keys = if let Some(key) = value.as_string() {
        vec![key]
    } else if js_sys::Array::is_array(value) {
        js_sys::Array::from(value)
            .iter()
            .map(|k| k.as_string())
            .collect::<Option<Vec<String>>>()
            .ok_or_else(keys_argument)?
    } else {
        return Err(keys_argument());
    };
    Ok(Keyring::new(public_keys(keys)?))
}

fn keys_argument() -> Failure {
    Failure::new(
        "invalid_argument",
        "the public keys must be a string or an array of strings",
    )
}

fn decode_signature(value: &JsValue) -> Result<Signature, Failure> {
    let text = convert::string(value, "the signature")?;
    Signature::decode(&text).map_err(signature_failure)
}

/// The most bytes a legacy (`Ed`, not prehashed) signature is verified over: 1 GiB. Such a
/// signature covers the raw bytes, so the core's verifier holds them all (as the native updater's
/// does), here in the module's memory: 4 GiB at most, and one Rust allocation at most 2 GiB,
/// which the buffer, growing by doubling, could ask for past 1 GiB. Prehashed signatures have
/// no limit: their bytes are hashed as they come.
pub(crate) const LEGACY_LIMIT: u32 = 1 << 30;

fn legacy_too_large(bytes: u64) -> Failure {
    Failure::new(
        "invalid_argument",
        format!(
            "a legacy signature is checked with every byte in memory, and {bytes} bytes is over the limit of {LEGACY_LIMIT}: re-sign the file with a current signer"
        ),
    )
}

/// Feeds `bytes` to a verifier that was fed `fed` bytes, a window at a time; gives the new total.
/// Under a legacy signature, a total over [`LEGACY_LIMIT`] is refused and nothing is fed.
fn feed(verifier: &mut core::Verifier, fed: u64, bytes: &Bytes) -> Result<u64, Failure> {
    let total = fed + bytes.len();
    if verifier.signature().algorithm() == Algorithm::Legacy && total > u64::from(LEGACY_LIMIT) {
        return Err(legacy_too_large(total));
    }
    bytes.feed(|window| verifier.update(window));
    Ok(total)
}

/// Verifies `data` against `signature` with the trusted `publicKeys` (one key or several).
///
/// The bytes are read from the JS array a window at a time: under a prehashed signature, memory
/// stays flat whatever the size; a legacy one needs them all in memory, at most 1 GiB.
///
/// # Errors
/// `invalid_public_key`, `invalid_signature`, then the verification errors (`key_id_mismatch`,
/// `legacy_refused`, `global_signature_mismatch`, `signed_version_missing`,
/// `signed_version_invalid`, `signed_version_mismatch`, `file_name_missing`,
/// `file_name_mismatch`), `invalid_argument` for legacy data over the limit, then
/// `signature_mismatch`.
#[wasm_bindgen(js_name = verifySignature)]
pub fn verify_signature(
    data: JsValue,
    signature: JsValue,
    public_keys: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let data = convert::bytes(&data, "the data")?;
    let signature = decode_signature(&signature)?;
    let keyring = keyring(&public_keys)?;
    let policy = VerifyOptions::read(&options)?.policy()?;
    // Everything that needs no bytes first, as `core::verify` does.
    let mut verifier =
        core::Verifier::new(&keyring, &signature, &policy).map_err(verify_failure)?;
    feed(&mut verifier, 0, &data)?;
    output(&verified_json(&verifier.finish().map_err(verify_failure)?))
}

/// Starts a streaming verification; everything that does not need the bytes is checked here.
///
/// # Errors
/// As [`verify_signature`], except `signature_mismatch`, which comes from `finish()`.
#[wasm_bindgen(js_name = createVerifier)]
pub fn create_verifier(
    signature: JsValue,
    public_keys: JsValue,
    options: JsValue,
) -> Result<Verifier, JsValue> {
    let signature = decode_signature(&signature)?;
    let keyring = keyring(&public_keys)?;
    let policy = VerifyOptions::read(&options)?.policy()?;
    let inner = core::Verifier::new(&keyring, &signature, &policy).map_err(verify_failure)?;
    Ok(Verifier {
        inner: Some(inner),
        fed: 0,
    })
}

/// Decodes a signature (the `.sig` content) and describes it.
///
/// # Errors
/// `invalid_signature`.
#[wasm_bindgen(js_name = inspectSignature)]
pub fn inspect_signature(signature: JsValue) -> Result<JsValue, JsValue> {
    let signature = decode_signature(&signature)?;
    output(&json!({
        "keyId": signature.key_id().to_string(),
        "algorithm": algorithm(signature.algorithm()),
        "untrustedComment": signature.untrusted_comment(),
        "trustedComment": comment_json(signature.trusted_comment()),
    }))
}

/// Decodes a public key (Tauri's `pubkey`) and describes it.
///
/// # Errors
/// `invalid_public_key`.
#[wasm_bindgen(js_name = inspectPublicKey)]
pub fn inspect_public_key(key: JsValue) -> Result<JsValue, JsValue> {
    let key = PublicKey::decode(&convert::string(&key, "the public key")?).map_err(key_failure)?;
    output(&json!({
        "keyId": key.key_id().to_string(),
        "untrustedComment": key.untrusted_comment(),
    }))
}

/// A streaming verification in progress: `update(chunk)` as the bytes arrive, then `finish()`.
#[wasm_bindgen]
pub struct Verifier {
    inner: Option<core::Verifier>,
    /// Bytes fed, kept after `finish()` (which consumes `inner`).
    fed: u64,
}

#[wasm_bindgen]
impl Verifier {
    /// Feeds the next bytes of the file, read from the JS array a window at a time. Under a
    /// legacy signature, a chunk that would take the total over 1 GiB is refused
    /// (and not fed: the verifier stays usable).
    ///
    /// # Errors
    /// `invalid_argument` for a chunk that is not bytes or over the legacy limit,
    /// `verifier_finished` after `finish()`.
    pub fn update(&mut self, chunk: JsValue) -> Result<(), JsValue> {
        let chunk = convert::bytes(&chunk, "the chunk")?;
        let inner = self.inner.as_mut().ok_or_else(finished)?;
        self.fed = feed(inner, self.fed, &chunk)?;
        Ok(())
    }

    /// How many bytes were fed so far (also after `finish()`).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.fed as f64
    }

    /// The id of the key that will verify the bytes.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> Option<String> {
        self.inner.as_ref().map(|v| v.key().key_id().to_string())
    }

    /// Checks the signature over every byte fed; the verifier cannot be used afterwards.
    ///
    /// # Errors
    /// `signature_mismatch` when the bytes are not the signed ones, `verifier_finished` when
    /// called twice.
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let verifier = self.inner.take().ok_or_else(finished)?;
        let verified = verifier.finish().map_err(verify_failure)?;
        output(&verified_json(&verified))
    }
}

fn finished() -> JsValue {
    Failure::new("verifier_finished", "the verifier has already finished").into()
}

fn algorithm(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Legacy => "legacy",
        _ => "prehashed",
    }
}

fn comment_json(comment: &TrustedComment) -> Value {
    // Inserted one by one (a repeated key keeps its last value, as `collect()` does):
    // `collect()` into a map sorts first, a sizeable instantiation in the wasm build.
    let mut fields = serde_json::Map::new();
    for (k, v) in comment.fields() {
        fields.insert(k.to_owned(), Value::from(v));
    }
    json!({
        "text": comment.text(),
        "timestamp": comment.timestamp(),
        "file": comment.file(),
        "version": comment.version(),
        "fields": fields,
    })
}

fn verified_json(verified: &Verified) -> Value {
    json!({
        "keyId": verified.key_id().to_string(),
        "algorithm": algorithm(verified.algorithm()),
        "trustedComment": comment_json(verified.trusted_comment()),
        "bytes": verified.bytes(),
    })
}

fn key_failure(error: KeyError) -> Failure {
    Failure::new("invalid_public_key", error)
}

fn signature_failure(error: SignatureError) -> Failure {
    Failure::new("invalid_signature", error)
}

fn verify_failure(error: VerifyError) -> Failure {
    let code = match &error {
        VerifyError::KeyIdMismatch { .. } => "key_id_mismatch",
        VerifyError::LegacyRefused => "legacy_refused",
        VerifyError::GlobalSignatureMismatch { .. } => "global_signature_mismatch",
        VerifyError::SignatureMismatch { .. } => "signature_mismatch",
        VerifyError::SignedVersionMissing => "signed_version_missing",
        VerifyError::SignedVersionInvalid { .. } => "signed_version_invalid",
        VerifyError::SignedVersionMismatch { .. } => "signed_version_mismatch",
        VerifyError::FileNameMissing { .. } => "file_name_missing",
        VerifyError::FileNameMismatch { .. } => "file_name_mismatch",
        _ => "verification_failed",
    };
    Failure::new(code, error)
}
