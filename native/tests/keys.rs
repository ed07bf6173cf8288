//! Keys and signing (`upkit::keys`) against the Tauri CLI's keys (the Tauri CLI vectors, see
//! `upkit_fixtures`; without them those tests report that they did not run), and round trips
//! through the core verifier.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upkit::core::signature::{Keyring, Policy, PublicKey, Signature, SignedVersion, verify};
use upkit::keys::{KeyPair, KeysError, Overwrite, SecretKey, sign_file};
use upkit_fixtures::{tauri_cli, test_name};

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn version_policy(version: &str) -> Policy {
    Policy {
        expected_version: Some(upkit::core::version::parse(version).unwrap()),
        ..Policy::default()
    }
}

/// Signs a payload.txt with `key` and checks the result with the core verifier and `public`
/// (Tauri's base64 public key).
fn sign_and_verify(key: &SecretKey, public: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.txt");
    fs::write(&file, "upkit test payload\n").unwrap();
    let sig_path = sign_file(key, &file, Some("2.1.0")).unwrap();
    assert_eq!(sig_path, dir.path().join("payload.txt.sig"));
    let sig_text = read(&sig_path);
    assert!(!sig_text.ends_with('\n'));
    let sig = Signature::decode(&sig_text).unwrap();
    assert_eq!(sig.untrusted_comment(), "signature from upkit secret key");
    let comment = sig.trusted_comment();
    assert_eq!(comment.file(), Some("payload.txt"));
    assert_eq!(comment.version(), Some("2.1.0"));
    let fields: Vec<&str> = comment.fields().map(|(name, _)| name).collect();
    assert_eq!(fields, ["timestamp", "file", "version"]);
    assert!(comment.timestamp().unwrap() > 1_700_000_000);
    let keyring = Keyring::from(PublicKey::decode(public).unwrap());
    let data = fs::read(&file).unwrap();
    let proof = verify(&keyring, &sig, &data, &version_policy("2.1.0")).unwrap();
    assert_eq!(proof.key_id(), key.key_id());
}

#[test]
fn tauri_made_keys_sign_with_upkit() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    for (name, password) in [("secret", "correct horse"), ("nopass", "")] {
        let public = read(&v.path(&format!("keys/{name}.key.pub")));
        let key = SecretKey::load(v.path(&format!("keys/{name}.key")), password).unwrap();
        assert_eq!(key.key_id(), PublicKey::decode(&public).unwrap().key_id());
        // The public key upkit derives is byte for byte Tauri's.
        assert_eq!(key.public_key_text(), public);
        assert_eq!(key.public_key(), PublicKey::decode(&public).unwrap());
        sign_and_verify(&key, &public);

        // The key text itself (TAURI_SIGNING_PRIVATE_KEY's content) and the bare minisign text.
        let text = read(&v.path(&format!("keys/{name}.key")));
        assert_eq!(
            SecretKey::load(&text, password).unwrap().key_id(),
            key.key_id()
        );
        let bare = String::from_utf8(STANDARD.decode(&text).unwrap()).unwrap();
        assert_eq!(
            SecretKey::decode(&bare, password).unwrap().key_id(),
            key.key_id()
        );
    }
}

#[test]
fn wrong_password_is_a_clear_error() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    for (name, password) in [
        ("secret", "correct horse battery"),
        ("secret", ""),
        ("nopass", "x"),
    ] {
        let err = SecretKey::load(v.path(&format!("keys/{name}.key")), password).unwrap_err();
        assert!(matches!(err, KeysError::WrongPassword));
        assert_eq!(
            err.to_string(),
            "wrong password for the secret key (or the key is corrupted)"
        );
    }
}

#[test]
fn not_a_secret_key() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let public = read(&v.path("keys/secret.key.pub"));
    let cases = [
        (
            public.as_str(),
            "not a secret key: line 2 is not a minisign secret key (42 bytes, expected 158 starting with `Ed`)",
        ),
        (
            "untrusted comment: x\n!!!!\n",
            "not a secret key: line 2 is not base64: invalid byte 0x21 at offset 0",
        ),
        (
            "not a key at all",
            "not a secret key: not base64 (invalid byte 0x20 at offset 3), and not a minisign secret key text either",
        ),
        (
            "aGVsbG8=",
            "not a secret key: its text does not start with `untrusted comment:`",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(
            SecretKey::decode(text, "").unwrap_err().to_string(),
            message,
            "{text}"
        );
    }
    let err = SecretKey::load("/nonexistent/upkit.key", "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read /nonexistent/upkit.key: no such file, and not a key either"
    );
}

#[test]
fn generated_keys_have_tauris_format() {
    let dir = tempfile::tempdir().unwrap();
    for password in ["s3cret", ""] {
        let path = dir.path().join(format!("k{}.key", password.len()));
        let pair = KeyPair::generate(password).unwrap();
        let public_path = pair.write(&path, Overwrite::Refuse).unwrap();
        assert_eq!(
            public_path,
            dir.path().join(format!("k{}.key.pub", password.len()))
        );
        let secret = read(&path);
        let public = read(&public_path);
        assert_eq!(secret, pair.secret_key());
        assert_eq!(public, pair.public_key());
        assert!(!secret.ends_with('\n') && !public.ends_with('\n'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            // The public key is readable like any new file (0666 less the umask).
            let probe = dir.path().join("probe");
            fs::File::create(&probe).unwrap();
            assert_eq!(mode(&public_path), mode(&probe));
        }

        // Public: `untrusted comment: minisign public key: <ID>\n<base64>\n`.
        let pk = PublicKey::decode(&public).unwrap();
        assert_eq!(pk.key_id(), pair.key_id());
        let public_text = String::from_utf8(STANDARD.decode(&public).unwrap()).unwrap();
        assert_eq!(
            public_text.lines().next().unwrap(),
            format!("untrusted comment: minisign public key: {}", pair.key_id())
        );
        assert!(public_text.ends_with('\n'));

        // Secret: scrypt-encrypted even with the empty password, Tauri's parameters.
        let secret_text = String::from_utf8(STANDARD.decode(&secret).unwrap()).unwrap();
        let mut lines = secret_text.lines();
        assert_eq!(
            lines.next(),
            Some("untrusted comment: rsign encrypted secret key")
        );
        let raw = STANDARD.decode(lines.next().unwrap()).unwrap();
        assert_eq!(raw.len(), 158);
        assert_eq!(&raw[0..6], b"EdScB2");
        let opslimit = u64::from_le_bytes(raw[38..46].try_into().unwrap());
        let memlimit = u64::from_le_bytes(raw[46..54].try_into().unwrap());
        assert_eq!((opslimit, memlimit), (1_048_576, 33_554_432));
        let key = SecretKey::load(&path, password).unwrap();
        assert_eq!(key.key_id(), pair.key_id());
        sign_and_verify(&key, &public);
        assert!(matches!(
            SecretKey::load(&path, "wrong").unwrap_err(),
            KeysError::WrongPassword
        ));
    }
}

/// The secret keys upkit makes have the layout of the Tauri CLI's: algorithm, KDF and checksum
/// names, and the scrypt limits.
#[test]
fn generated_secret_keys_are_laid_out_as_the_tauri_clis() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let raw = |key: &str| {
        let text = String::from_utf8(STANDARD.decode(key).unwrap()).unwrap();
        STANDARD.decode(text.lines().nth(1).unwrap()).unwrap()
    };
    for (name, password) in [("secret", "s3cret"), ("nopass", "")] {
        let tauri = raw(&read(&v.path(&format!("keys/{name}.key"))));
        let pair = KeyPair::generate(password).unwrap();
        let ours = raw(pair.secret_key());
        assert_eq!(tauri.len(), ours.len());
        assert_eq!(&tauri[..6], &ours[..6], "{name}");
        assert_eq!(&tauri[38..54], &ours[38..54], "{name}");
    }
}

#[test]
fn writing_refuses_to_overwrite_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.key");
    let first = KeyPair::generate("").unwrap();
    first.write(&path, Overwrite::Refuse).unwrap();
    let second = KeyPair::generate("").unwrap();
    let err = second.write(&path, Overwrite::Refuse).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} already exists: pass --force to overwrite it",
            path.display()
        )
    );
    assert_eq!(read(&path), first.secret_key());
    // Only the .pub exists: still refused, and the secret key is not written.
    fs::remove_file(&path).unwrap();
    let err = second.write(&path, Overwrite::Refuse).unwrap_err();
    assert!(matches!(err, KeysError::Exists { path: p } if p.ends_with("release.key.pub")));
    assert!(!path.exists());
    second.write(&path, Overwrite::Allow).unwrap();
    assert_eq!(read(&path), second.secret_key());
    assert_eq!(read(&path.with_extension("key.pub")), second.public_key());
}

/// A failure leaves no lone secret key behind, and `--force` does not destroy the old pair
/// when the new one cannot be written whole.
#[test]
fn writing_leaves_no_half_pair() {
    let dir = tempfile::tempdir().unwrap();
    let pair = KeyPair::generate("").unwrap();
    // 252 bytes fit in a file name; with `.pub`, 256 do not.
    let path = dir.path().join("k".repeat(252));
    let err = pair.write(&path, Overwrite::Refuse).unwrap_err();
    assert!(
        matches!(&err, KeysError::Io { action: "write", source, .. } if source.raw_os_error() == Some(36)),
        "{err:?}"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    let path = dir.path().join("release.key");
    let first = KeyPair::generate("").unwrap();
    first.write(&path, Overwrite::Refuse).unwrap();
    fs::remove_file(path.with_extension("key.pub")).unwrap();
    fs::create_dir(path.with_extension("key.pub")).unwrap();
    let err = pair.write(&path, Overwrite::Allow).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot write {}.pub: is a directory", path.display())
    );
    assert_eq!(read(&path), first.secret_key());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn control_characters_in_signed_fields_are_refused() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let key = SecretKey::load(v.path("keys/nopass.key"), "").unwrap();
    let cases = [
        (
            "payload.txt",
            Some("1.0.0\tversion:9.9.9"),
            "version `1.0.0\\tversion:9.9.9` holds a TAB, which the trusted comment cannot carry",
        ),
        (
            "payload.txt",
            Some("1.0.0\r"),
            "version `1.0.0\\r` holds a carriage return, which the trusted comment cannot carry",
        ),
        (
            "a\nb",
            None,
            "file name `a\\nb` holds a line feed, which the trusted comment cannot carry",
        ),
        (
            "a\tb",
            Some("1.0.0"),
            "file name `a\\tb` holds a TAB, which the trusted comment cannot carry",
        ),
    ];
    for (name, version, message) in cases {
        let err = key.sign(&b"data"[..], name, version, 0).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    // Through sign_file: nothing is written.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.bin");
    fs::write(&file, b"data").unwrap();
    assert!(matches!(
        sign_file(&key, &file, Some("1\t0")),
        Err(KeysError::ControlCharacter {
            what: "version",
            ..
        })
    ));
    assert!(!dir.path().join("app.bin.sig").exists());
    let err = sign_file(&key, "/", None).unwrap_err();
    assert_eq!(err.to_string(), "/ has no file name to sign");
}

#[test]
fn signatures_without_version_are_optional_only() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let key = SecretKey::load(v.path("keys/nopass.key"), "").unwrap();
    let text = key
        .sign(&b"hello"[..], "hello.txt", None, 1_800_000_000)
        .unwrap();
    let sig = Signature::decode(&text).unwrap();
    assert_eq!(
        sig.trusted_comment().text(),
        "timestamp:1800000000\tfile:hello.txt"
    );
    let keyring = Keyring::from(key.public_key());
    assert!(verify(&keyring, &sig, b"hello", &Policy::default()).is_err());
    let optional = Policy {
        signed_version: SignedVersion::Optional,
        ..Policy::default()
    };
    verify(&keyring, &sig, b"hello", &optional).unwrap();
}

/// A trusted comment that ends with a CR (possible with other minisign signers, written with a
/// CR before the CRLF) keeps its CR and verifies, as in `minisign_verify`.
#[test]
fn trusted_comment_ending_with_a_carriage_return() {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let comment = "timestamp:1\tfile:a.bin\tversion:1.0.0\r";
    let sig = minisign::sign(Some(&pair.pk), &pair.sk, &b"data"[..], Some(comment), None).unwrap();
    let text = sig.to_string().replace("1.0.0\r\n", "1.0.0\r\r\n");
    let public = STANDARD.encode(pair.pk.to_box().unwrap().to_string());
    let keyring = Keyring::from(PublicKey::decode(&public).unwrap());
    let sig = Signature::decode(&STANDARD.encode(&text)).unwrap();
    assert_eq!(sig.trusted_comment().text(), comment);
    let optional = Policy {
        signed_version: SignedVersion::Optional,
        ..Policy::default()
    };
    verify(&keyring, &sig, b"data", &optional).unwrap();
}
