//! Key and signature decoding: no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upkit_core::signature::{PublicKey, Signature};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = PublicKey::decode(text) {
            let _ = key.key_id().to_string();
        }
        if let Ok(key) = PublicKey::decode_text(text) {
            let _ = key.key_id().to_string();
        }
        for sig in [Signature::decode(text), Signature::decode_text(text)]
            .into_iter()
            .flatten()
        {
            let _ = sig.key_id().to_string();
            let comment = sig.trusted_comment();
            let _ = (comment.version(), comment.file(), comment.timestamp());
            let _ = comment.fields().count();
        }
    }
});
