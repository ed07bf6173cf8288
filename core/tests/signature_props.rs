//! Property tests: signature and key decoding never panic, and accept exactly what
//! `minisign_verify` (what the Tauri updater calls) accepts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use upkit_core::signature::{PublicKey, Signature};
use upkit_fixtures::{tauri_cli, test_name};

/// A Tauri CLI signature (bound to 2.1.0) and public key, or `None` when the Tauri CLI vectors
/// are absent (`test` then did not run).
fn tauri_sig_and_key(test: &str) -> Option<(String, String)> {
    let vectors = tauri_cli(test)?;
    Some((
        vectors.text("sigs/secret/payload.txt.version-2.1.0.sig"),
        vectors.text("keys/secret.key.pub"),
    ))
}

fn text(b64: &str) -> String {
    String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -_\r";

/// Substitutes, inserts or deletes characters of `line`.
fn mutate(line: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = line.as_bytes().to_vec();
    for &(pos, op, c) in edits {
        let c = ALPHABET[c as usize % ALPHABET.len()];
        let pos = pos % (bytes.len() + 1);
        match op % 3 {
            0 if pos < bytes.len() => bytes[pos] = c,
            1 => bytes.insert(pos, c),
            _ if pos < bytes.len() => {
                bytes.remove(pos);
            }
            _ => {}
        }
    }
    String::from_utf8(bytes).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_any_string_never_panics(s in ".{0,400}") {
        let _ = PublicKey::decode(&s);
        let _ = Signature::decode(&s);
        let _ = PublicKey::decode_text(&s);
        let _ = Signature::decode_text(&s);
    }

    #[test]
    fn decoding_any_base64_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let encoded = STANDARD.encode(&bytes);
        let _ = PublicKey::decode(&encoded);
        let _ = Signature::decode(&encoded);
    }
}

/// Decoding Tauri's signature text with edits accepts exactly what `minisign_verify` accepts.
#[test]
fn signature_acceptance_matches_minisign_verify() {
    let Some((sig, _)) = tauri_sig_and_key(test_name!()) else {
        return;
    };
    let original = text(&sig);
    proptest!(ProptestConfig::with_cases(2000), |(
        line in 0usize..5,
        edits in proptest::collection::vec((0usize..200, 0u8..3, any::<u8>()), 1..4),
    )| {
        let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
        lines[line.min(3)] = mutate(&lines[line.min(3)], &edits);
        let edited = lines.join("\n");
        let ours = Signature::decode_text(&edited).is_ok();
        let theirs = minisign_verify::Signature::decode(&edited).is_ok();
        prop_assert_eq!(ours, theirs, "{:?}", edited);
        prop_assert_eq!(Signature::decode(&STANDARD.encode(&edited)).is_ok(), theirs);
    });
}

/// Decoding Tauri's public key text with edits accepts exactly what `minisign_verify` accepts.
#[test]
fn key_acceptance_matches_minisign_verify() {
    let Some((_, key)) = tauri_sig_and_key(test_name!()) else {
        return;
    };
    let original = text(&key);
    proptest!(ProptestConfig::with_cases(2000), |(
        edits in proptest::collection::vec((0usize..60, 0u8..3, any::<u8>()), 1..4),
    )| {
        let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
        lines[1] = mutate(&lines[1], &edits);
        let edited = lines.join("\n");
        let ours = PublicKey::decode_text(&edited).is_ok();
        let theirs = minisign_verify::PublicKey::decode(&edited).is_ok();
        prop_assert_eq!(ours, theirs, "{:?}", edited);
    });
}
