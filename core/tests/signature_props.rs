//! Property tests: signature and key decoding never panic, and accept exactly what
//! `minisign_verify` (what the Tauri updater calls) accepts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use upkit_core::signature::{PublicKey, Signature};

const SIG: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/vectors/tauri-cli/sigs/secret/payload.txt.version-2.1.0.sig"
));
const KEY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/vectors/tauri-cli/keys/secret.key.pub"
));

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

    #[test]
    fn signature_acceptance_matches_minisign_verify(
        line in 0usize..5,
        edits in proptest::collection::vec((0usize..200, 0u8..3, any::<u8>()), 1..4),
    ) {
        let original = text(SIG);
        let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
        lines[line.min(3)] = mutate(&lines[line.min(3)], &edits);
        let edited = lines.join("\n");
        let ours = Signature::decode_text(&edited).is_ok();
        let theirs = minisign_verify::Signature::decode(&edited).is_ok();
        prop_assert_eq!(ours, theirs, "{:?}", edited);
        prop_assert_eq!(Signature::decode(&STANDARD.encode(&edited)).is_ok(), theirs);
    }

    #[test]
    fn key_acceptance_matches_minisign_verify(
        edits in proptest::collection::vec((0usize..60, 0u8..3, any::<u8>()), 1..4),
    ) {
        let original = text(KEY);
        let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
        lines[1] = mutate(&lines[1], &edits);
        let edited = lines.join("\n");
        let ours = PublicKey::decode_text(&edited).is_ok();
        let theirs = minisign_verify::PublicKey::decode(&edited).is_ok();
        prop_assert_eq!(ours, theirs, "{:?}", edited);
    }
}
