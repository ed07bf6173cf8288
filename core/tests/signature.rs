//! Signature decoding and verification against the keys and signatures made by the real Tauri
//! CLI (the Tauri CLI vectors: `scripts/tauri-vectors.sh` makes them, or `shared/vectors/tauri-cli`;
//! a test without them reports that it did not run), plus signatures made by Debian's minisign 0.11 with a
//! throw-away key (`tests/data/minisign`: a legacy one, and prehashed ones with unusual trusted
//! comments).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upkit_core::signature::{
    Algorithm, KeyError, KeyId, Keyring, Legacy, Policy, PublicKey, Signature, SignatureError,
    SignedVersion, Verifier, VerifyError, verify,
};
use upkit_fixtures::{TauriCli, tauri_cli, test_name};

/// The Tauri CLI's keys, signatures and signed files, and the key ids as its public keys'
/// comments name them (`minisign public key: <ID>`), which upkit's decoding of the key bytes must
/// match.
struct Tauri {
    files: TauriCli,
    secret_pub: String,
    nopass_pub: String,
    secret_id: String,
    nopass_id: String,
}

/// The Tauri CLI vectors, or `None` when they are absent (`test` then did not run).
fn tauri(test: &str) -> Option<Tauri> {
    let files = tauri_cli(test)?;
    Some(Tauri {
        secret_pub: files.text("keys/secret.key.pub"),
        nopass_pub: files.text("keys/nopass.key.pub"),
        secret_id: files.key_id("secret"),
        nopass_id: files.key_id("nopass"),
        files,
    })
}

struct Case {
    key: &'static str,
    file: &'static str,
    /// The signature's path in the vectors.
    path: String,
    data: Vec<u8>,
    versioned: bool,
    sig: String,
}

impl Tauri {
    /// Every signature: for each key, for each file, unversioned then bound to 2.1.0.
    fn cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        for key in ["secret", "nopass"] {
            for file in ["payload.txt", "random-256KiB.bin", "empty.bin"] {
                for versioned in [false, true] {
                    let suffix = if versioned { ".version-2.1.0" } else { "" };
                    let path = format!("sigs/{key}/{file}{suffix}.sig");
                    cases.push(Case {
                        key,
                        file,
                        data: self.files.bytes(&format!("files/{file}")),
                        versioned,
                        sig: self.files.text(&path),
                        path,
                    });
                }
            }
        }
        cases
    }

    fn own_key(&self, case: &Case) -> PublicKey {
        PublicKey::decode(if case.key == "secret" {
            &self.secret_pub
        } else {
            &self.nopass_pub
        })
        .unwrap()
    }

    fn other_key(&self, case: &Case) -> PublicKey {
        PublicKey::decode(if case.key == "secret" {
            &self.nopass_pub
        } else {
            &self.secret_pub
        })
        .unwrap()
    }
}

fn version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

/// The policy under which `case` must verify.
fn passing_policy(case: &Case) -> Policy {
    if case.versioned {
        Policy {
            expected_version: Some(version("2.1.0")),
            ..Policy::default()
        }
    } else {
        Policy {
            signed_version: SignedVersion::Optional,
            ..Policy::default()
        }
    }
}

fn stream(
    keyring: &Keyring,
    sig: &Signature,
    data: &[u8],
    policy: &Policy,
    chunk: usize,
) -> Result<upkit_core::signature::Verified, VerifyError> {
    let mut verifier = Verifier::new(keyring, sig, policy)?;
    for part in data.chunks(chunk) {
        verifier.update(part);
    }
    assert_eq!(verifier.bytes(), data.len() as u64);
    verifier.finish()
}

fn tamper_base64_text(b64: &str, edit: impl FnOnce(String) -> String) -> String {
    let text = String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
    STANDARD.encode(edit(text))
}

#[test]
fn key_ids_print_like_tauri() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    // The id upkit decodes from the key bytes is the one the Tauri CLI printed in the comment.
    let secret = PublicKey::decode(&t.secret_pub).unwrap();
    let nopass = PublicKey::decode(&t.nopass_pub).unwrap();
    assert_eq!(secret.key_id().to_string(), t.secret_id);
    assert_eq!(nopass.key_id().to_string(), t.nopass_id);
    assert_ne!(t.secret_id, t.nopass_id);
    assert_eq!(
        secret.untrusted_comment(),
        format!("minisign public key: {}", t.secret_id)
    );
}

#[test]
fn every_tauri_signature_verifies_with_its_own_key_one_shot_and_streaming() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases() {
        let sig = Signature::decode(&case.sig).unwrap();
        assert_eq!(sig.algorithm(), Algorithm::Prehashed);
        assert_eq!(sig.untrusted_comment(), "signature from tauri secret key");
        assert_eq!(sig.trusted_comment().file(), Some(case.file));
        // upkit's reading of the trusted comment is the text the Tauri CLI signed.
        assert_eq!(
            sig.trusted_comment().text(),
            t.files.trusted_comment(&case.path)
        );
        assert_eq!(
            sig.trusted_comment().timestamp(),
            Some(t.files.timestamp(&case.path))
        );
        let keyring = Keyring::new(vec![t.own_key(&case)]);
        let policy = passing_policy(&case);
        let proof = verify(&keyring, &sig, &case.data, &policy)
            .unwrap_or_else(|e| panic!("{} {}: {e}", case.key, case.file));
        assert_eq!(proof.key_id(), t.own_key(&case).key_id());
        assert_eq!(proof.bytes(), case.data.len() as u64);
        assert_eq!(proof.trusted_comment(), sig.trusted_comment());
        for chunk in [1, 7, 4093, 65_536, 1 << 20] {
            let streamed = stream(&keyring, &sig, &case.data, &policy, chunk)
                .unwrap_or_else(|e| panic!("{} {} chunk {chunk}: {e}", case.key, case.file));
            assert_eq!(streamed, proof);
        }
    }
}

#[test]
fn every_tauri_signature_fails_with_the_other_key() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases() {
        let sig = Signature::decode(&case.sig).unwrap();
        let keyring = Keyring::new(vec![t.other_key(&case)]);
        let err = verify(&keyring, &sig, &case.data, &passing_policy(&case)).unwrap_err();
        let (made, trusted) = if case.key == "secret" {
            (&t.secret_id, &t.nopass_id)
        } else {
            (&t.nopass_id, &t.secret_id)
        };
        assert_eq!(
            err.to_string(),
            format!("signature was made with key {made}, but the trusted key is {trusted}")
        );
        assert!(matches!(err, VerifyError::KeyIdMismatch { .. }));
    }
}

#[test]
fn signed_version_binding() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases().into_iter().filter(|c| c.versioned) {
        let sig = Signature::decode(&case.sig).unwrap();
        assert_eq!(sig.trusted_comment().version(), Some("2.1.0"));
        let keyring = Keyring::new(vec![t.own_key(&case)]);
        for (expected, message) in [
            (
                "2.1.1",
                "signed version 2.1.0 differs from the announced version 2.1.1",
            ),
            (
                "2.1.0+1",
                "signed version 2.1.0 differs from the announced version 2.1.0+1",
            ),
            (
                "2.1.0-rc.1",
                "signed version 2.1.0 differs from the announced version 2.1.0-rc.1",
            ),
        ] {
            for signed_version in [SignedVersion::Required, SignedVersion::Optional] {
                let policy = Policy {
                    expected_version: Some(version(expected)),
                    signed_version,
                    ..Policy::default()
                };
                let err = verify(&keyring, &sig, &case.data, &policy).unwrap_err();
                assert_eq!(err.to_string(), message);
                // Refused before any byte arrives.
                assert_eq!(Verifier::new(&keyring, &sig, &policy).unwrap_err(), err);
            }
        }
        // Nothing announced: nothing to compare, the signed version is present.
        verify(&keyring, &sig, &case.data, &Policy::default()).unwrap();
    }
}

#[test]
fn unversioned_signatures_are_refused_when_a_signed_version_is_required() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases().into_iter().filter(|c| !c.versioned) {
        let sig = Signature::decode(&case.sig).unwrap();
        assert_eq!(sig.trusted_comment().version(), None);
        let keyring = Keyring::new(vec![t.own_key(&case)]);
        let required = Policy {
            expected_version: Some(version("2.1.0")),
            ..Policy::default()
        };
        let err = Verifier::new(&keyring, &sig, &required).unwrap_err();
        assert_eq!(
            err.to_string(),
            "signature has no signed version (no `version:` in its trusted comment), but a signed version is required"
        );
        assert_eq!(
            verify(&keyring, &sig, &case.data, &required).unwrap_err(),
            err
        );
        let optional = Policy {
            signed_version: SignedVersion::Optional,
            ..required
        };
        verify(&keyring, &sig, &case.data, &optional).unwrap();
    }
}

#[test]
fn tampered_bytes_fail_with_a_signature_mismatch() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases() {
        let sig = Signature::decode(&case.sig).unwrap();
        let keyring = Keyring::new(vec![t.own_key(&case)]);
        let mut data = case.data.to_vec();
        match data.first_mut() {
            Some(b) => *b ^= 1,
            None => data.push(0),
        }
        let policy = passing_policy(&case);
        let err = verify(&keyring, &sig, &data, &policy).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "file does not match its signature by key {}: its bytes differ from the signed ones ({} bytes read)",
                t.own_key(&case).key_id(),
                data.len()
            )
        );
        assert_eq!(
            stream(&keyring, &sig, &data, &policy, 1000).unwrap_err(),
            err
        );
        // A truncated file too.
        if !case.data.is_empty() {
            let short = &case.data[..case.data.len() - 1];
            assert!(matches!(
                verify(&keyring, &sig, short, &policy),
                Err(VerifyError::SignatureMismatch { .. })
            ));
        }
    }
}

#[test]
fn tampered_trusted_comment_fails_before_any_byte() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    for case in t.cases().into_iter().filter(|c| c.versioned) {
        // Someone re-binds the signature to another version.
        let forged = tamper_base64_text(&case.sig, |t| t.replace("version:2.1.0", "version:9.9.9"));
        let sig = Signature::decode(&forged).unwrap();
        assert_eq!(sig.trusted_comment().version(), Some("9.9.9"));
        let keyring = Keyring::new(vec![t.own_key(&case)]);
        let policy = Policy {
            expected_version: Some(version("9.9.9")),
            ..Policy::default()
        };
        let err = Verifier::new(&keyring, &sig, &policy).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "trusted comment does not match its signature by key {}: the trusted comment was altered",
                t.own_key(&case).key_id()
            )
        );
        assert_eq!(
            verify(&keyring, &sig, &case.data, &policy).unwrap_err(),
            err
        );
    }
}

#[test]
fn a_keyring_of_several_keys_picks_the_signing_key() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let both = Keyring::new(vec![
        PublicKey::decode(&t.secret_pub).unwrap(),
        PublicKey::decode(&t.nopass_pub).unwrap(),
    ]);
    assert_eq!(both.keys().len(), 2);
    for case in t.cases() {
        let sig = Signature::decode(&case.sig).unwrap();
        let proof = verify(&both, &sig, &case.data, &passing_policy(&case)).unwrap();
        assert_eq!(proof.key_id(), t.own_key(&case).key_id());
        assert_eq!(
            both.find(sig.key_id()).unwrap().key_id(),
            t.own_key(&case).key_id()
        );
    }
    // A signature by a third key names all trusted ones.
    let legacy = Signature::decode(LEGACY_SIG).unwrap();
    let err = verify(&both, &legacy, LEGACY_DATA, &legacy_policy()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "signature was made with key {LEGACY_ID}, but the trusted keys are {}, {}",
            t.secret_id, t.nopass_id
        )
    );
    let err = verify(&Keyring::default(), &legacy, LEGACY_DATA, &legacy_policy()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("signature was made with key {LEGACY_ID}, but no key is trusted")
    );
}

#[test]
fn file_name_binding() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let case = &t.cases()[1];
    let sig = Signature::decode(&case.sig).unwrap();
    let keyring = Keyring::from(t.own_key(case));
    let bound = |name: &str| Policy {
        expected_version: Some(version("2.1.0")),
        file_name: Some(name.to_owned()),
        ..Policy::default()
    };
    verify(&keyring, &sig, &case.data, &bound("payload.txt")).unwrap();
    let err = Verifier::new(&keyring, &sig, &bound("app.AppImage")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signed file name `payload.txt` differs from the expected `app.AppImage`"
    );
    let minisign = Keyring::from(PublicKey::decode(LEGACY_PUB).unwrap());
    let no_file = Signature::decode(NOFILE_SIG).unwrap();
    let policy = Policy {
        file_name: Some("payload.txt".to_owned()),
        ..legacy_policy()
    };
    let err = Verifier::new(&minisign, &no_file, &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signature has no signed file name (no `file:` in its trusted comment), but `payload.txt` is expected"
    );
    // Without the binding it verifies.
    verify(&minisign, &no_file, LEGACY_DATA, &legacy_policy()).unwrap();
}

const LEGACY_PUB: &str = include_str!("data/minisign/key.pub");
const LEGACY_SIG: &str = include_str!("data/minisign/payload.txt.sig");
const LEGACY_DATA: &[u8] = include_bytes!("data/minisign/payload.txt");
const LEGACY_ID: &str = "3C736F5F26C4AD87";
const NOFILE_SIG: &str = include_str!("data/minisign/payload.txt.nofile.sig");
const BADVERSION_SIG: &str = include_str!("data/minisign/payload.txt.badversion.sig");
const VVERSION_SIG: &str = include_str!("data/minisign/payload.txt.vversion.sig");

fn legacy_policy() -> Policy {
    Policy {
        expected_version: Some(version("1.0.0")),
        ..Policy::default()
    }
}

#[test]
fn legacy_signatures_are_refused_unless_allowed() {
    let key = PublicKey::decode(LEGACY_PUB).unwrap();
    assert_eq!(key.key_id().to_string(), LEGACY_ID);
    let keyring = Keyring::from(key);
    let sig = Signature::decode(LEGACY_SIG).unwrap();
    assert_eq!(sig.algorithm(), Algorithm::Legacy);
    assert_eq!(sig.algorithm().to_string(), "Ed (legacy)");
    let err = Verifier::new(&keyring, &sig, &legacy_policy()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures"
    );
    let allow = Policy {
        legacy: Legacy::Allow,
        ..legacy_policy()
    };
    let proof = verify(&keyring, &sig, LEGACY_DATA, &allow).unwrap();
    assert_eq!(proof.algorithm(), Algorithm::Legacy);
    assert_eq!(proof.bytes(), LEGACY_DATA.len() as u64);
    for chunk in [1, 3, 100] {
        assert_eq!(
            stream(&keyring, &sig, LEGACY_DATA, &allow, chunk).unwrap(),
            proof
        );
    }
    let err = verify(&keyring, &sig, b"legacy payload!\n", &allow).unwrap_err();
    assert!(
        matches!(err, VerifyError::SignatureMismatch { .. }),
        "{err}"
    );
}

#[test]
fn verifier_clones_continue_from_the_same_point() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let case = &t.cases()[2];
    let sig = Signature::decode(&case.sig).unwrap();
    let keyring = Keyring::from(t.own_key(case));
    let policy = passing_policy(case);
    let fresh = Verifier::new(&keyring, &sig, &policy).unwrap();
    let mut first = fresh.clone();
    let (head, tail) = case.data.split_at(100_000);
    first.update(head);
    let mut resumed = first.clone();
    resumed.update(tail);
    assert_eq!(resumed.finish().unwrap().bytes(), case.data.len() as u64);
    // A restart from a fresh clone.
    let mut restarted = fresh.clone();
    restarted.update(&case.data);
    restarted.finish().unwrap();
    // Feeding the head twice (a resume gone wrong) fails.
    first.update(head);
    first.update(tail);
    assert!(matches!(
        first.finish(),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn signed_version_forms() {
    let keyring = Keyring::from(PublicKey::decode(LEGACY_PUB).unwrap());
    let bad = Signature::decode(BADVERSION_SIG).unwrap();
    let err = verify(&keyring, &bad, LEGACY_DATA, &legacy_policy()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signed version `1.0` is not a valid version: unexpected end of input while parsing minor version number"
    );
    // Nothing announced: nothing to compare with.
    verify(&keyring, &bad, LEGACY_DATA, &Policy::default()).unwrap();
    // A leading `v` is stripped, as in manifests.
    let v = Signature::decode(VVERSION_SIG).unwrap();
    assert_eq!(v.trusted_comment().version(), Some("v1.0.0"));
    verify(&keyring, &v, LEGACY_DATA, &legacy_policy()).unwrap();
    let err = verify(
        &keyring,
        &v,
        LEGACY_DATA,
        &Policy {
            expected_version: Some(version("1.0.1")),
            ..Policy::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "signed version v1.0.0 differs from the announced version 1.0.1"
    );
}

// ---- decoding ----

#[test]
fn tauri_text_variants_are_accepted() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let case = &t.cases()[1];
    let keyring = Keyring::from(t.own_key(case));
    let policy = passing_policy(case);
    let variants: Vec<Box<dyn Fn(String) -> String>> = vec![
        Box::new(|t| t.replace('\n', "\r\n")),
        Box::new(|t| t.trim_end_matches('\n').to_owned()),
        Box::new(|t| format!("{t}extra line\n\nmore\n")),
        Box::new(|t| t.replacen("signature from tauri secret key", "anything at all", 1)),
        Box::new(|t| t.replacen("untrusted comment: signature from tauri secret key", "", 1)),
    ];
    for edit in variants {
        let sig = Signature::decode(&tamper_base64_text(&case.sig, edit)).unwrap();
        verify(&keyring, &sig, &case.data, &policy).unwrap();
    }
    let sig = Signature::decode(&tamper_base64_text(&case.sig, |t| {
        t.replacen("signature from tauri secret key", "edited", 1)
    }))
    .unwrap();
    assert_eq!(sig.untrusted_comment(), "edited");
    let key = tamper_base64_text(&t.secret_pub, |text| {
        text.replace('\n', "\r\n") + "trailing"
    });
    assert_eq!(
        PublicKey::decode(&key).unwrap().key_id().to_string(),
        t.secret_id
    );
}

#[test]
fn signature_decoding_errors() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let sig = &t.files.text("sigs/secret/payload.txt.sig");
    let newline_at_end = format!(
        "signature is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x0a at offset {}",
        sig.len()
    );
    let text = String::from_utf8(STANDARD.decode(sig).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let enc = |t: &str| STANDARD.encode(t);
    let cases: Vec<(String, &str)> = vec![
        (format!("{sig}\n"), &newline_at_end),
        (
            format!(" {sig}"),
            "signature is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x20 at offset 0",
        ),
        (
            sig.trim_end_matches('=').to_owned(),
            "signature is not base64 (standard alphabet, padded, no whitespace): invalid padding",
        ),
        (
            "abcde".to_owned(),
            "signature is not base64 (standard alphabet, padded, no whitespace): invalid length 5 (not a whole number of padded groups)",
        ),
        (
            "ab==".to_owned(),
            "signature is not base64 (standard alphabet, padded, no whitespace): non-canonical last symbol 0x62 at offset 1",
        ),
        (
            STANDARD.encode([0xff, 0xfe]),
            "signature decodes to bytes that are not utf-8 text: invalid utf-8 sequence of 1 bytes from index 0",
        ),
        (
            String::new(),
            "signature is not a minisign signature: line 1 (the untrusted comment) is missing",
        ),
        (
            enc(lines[0]),
            "signature is not a minisign signature: line 2 (the signature) is missing",
        ),
        (
            enc(&format!("{}\n{}", lines[0], lines[1])),
            "signature is not a minisign signature: line 3 (the trusted comment) is missing",
        ),
        (
            enc(&format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2])),
            "signature is not a minisign signature: line 4 (the global signature) is missing",
        ),
        (
            enc(&format!(
                "{}\n{} \n{}\n{}",
                lines[0], lines[1], lines[2], lines[3]
            )),
            "signature is not a minisign signature: line 2 is not base64: invalid byte 0x20 at offset 100",
        ),
        (
            enc(&format!(
                "{}\n{}\n{}\n{}",
                lines[0],
                &lines[1][4..],
                lines[2],
                lines[3]
            )),
            "signature is not a minisign signature: line 2 decodes to 71 bytes, expected 74",
        ),
        (
            enc(&format!(
                "{}\n{}\n{}\n{}",
                lines[0],
                lines[1],
                lines[2],
                &lines[3][4..]
            )),
            "signature is not a minisign signature: line 4 decodes to 61 bytes, expected 64",
        ),
        (
            enc(&format!(
                "{}\n{}\nTrusted comment: x\n{}",
                lines[0], lines[1], lines[3]
            )),
            "signature is not a minisign signature: line 3 does not start with `trusted comment: `",
        ),
        (
            enc(&format!(
                "{}\n{}\n{}\n{}",
                lines[0],
                {
                    let mut bin = STANDARD.decode(lines[1]).unwrap();
                    bin[..2].copy_from_slice(b"EX");
                    STANDARD.encode(bin)
                },
                lines[2],
                lines[3]
            )),
            "signature has unsupported algorithm bytes 0x45 0x58 (`EX`), expected `ED` (prehashed) or `Ed` (legacy)",
        ),
    ];
    for (input, message) in cases {
        let err = Signature::decode(&input).unwrap_err();
        assert_eq!(err.to_string(), message, "input {input:?}");
        // minisign_verify, as Tauri calls it, refuses the same texts.
        if let Ok(bytes) = STANDARD.decode(&input)
            && let Ok(text) = String::from_utf8(bytes)
        {
            assert!(
                minisign_verify::Signature::decode(&text).is_err(),
                "{text:?}"
            );
        }
    }
    assert!(matches!(
        Signature::decode("").unwrap_err(),
        SignatureError::NotMinisignSignature { line: 1, .. }
    ));
}

#[test]
fn key_decoding_errors() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let text = String::from_utf8(STANDARD.decode(&t.secret_pub).unwrap()).unwrap();
    let newline_at_end = format!(
        "public key is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x0a at offset {}",
        t.secret_pub.len()
    );
    let lines: Vec<&str> = text.lines().collect();
    let enc = |t: &str| STANDARD.encode(t);
    let mut bin = STANDARD.decode(lines[1]).unwrap();
    bin[1] = 0;
    let bad_alg = STANDARD.encode(&bin);
    let cases: Vec<(String, &str)> = vec![
        (format!("{}\n", t.secret_pub), &newline_at_end),
        (
            STANDARD.encode([b'a', 0xc3]),
            "public key decodes to bytes that are not utf-8 text: incomplete utf-8 byte sequence from index 1",
        ),
        (
            String::new(),
            "public key is not a minisign public key: line 1 (the untrusted comment) is missing",
        ),
        (
            enc(lines[0]),
            "public key is not a minisign public key: line 2 (the key) is missing",
        ),
        (
            enc(&format!("{}\n{}AAAA\n", lines[0], lines[1])),
            "public key is not a minisign public key: line 2 decodes to 45 bytes, expected 42",
        ),
        (
            enc(&format!("{}\n*{}\n", lines[0], lines[1])),
            "public key is not a minisign public key: line 2 is not base64: invalid byte 0x2a at offset 0",
        ),
        (
            enc(&format!("{}\n{bad_alg}\n", lines[0])),
            "public key has unsupported algorithm bytes 0x45 0x00 (`E?`), expected `Ed`",
        ),
        // Tauri's pubkey is the base64 of the text, not the bare minisign key line.
        (
            lines[1].to_owned(),
            "public key is a bare minisign key line, but Tauri's form is the base64 of the whole .pub text (comment line included)",
        ),
    ];
    for (input, message) in cases {
        let err = PublicKey::decode(&input).unwrap_err();
        assert_eq!(err.to_string(), message, "input {input:?}");
    }
    assert!(matches!(
        PublicKey::decode("!").unwrap_err(),
        KeyError::NotBase64 { .. }
    ));
}

#[test]
fn key_id_of_a_signature_matches_its_key() {
    let Some(t) = tauri(test_name!()) else {
        return;
    };
    let sig = Signature::decode(&t.files.text("sigs/nopass/payload.txt.sig")).unwrap();
    // The 8 bytes are the little-endian form of the number the Tauri CLI prints in hex.
    let printed = u64::from_str_radix(&t.nopass_id, 16).unwrap();
    assert_eq!(sig.key_id(), KeyId(printed.to_le_bytes()));
    assert_eq!(sig.key_id().to_string(), t.nopass_id);
}
