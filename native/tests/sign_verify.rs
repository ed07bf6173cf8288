//! `upkit keygen`, `upkit sign` and `upkit verify`, run as the real binary, with the Tauri CLI's
//! keys and signatures (the Tauri CLI vectors, see `upkit_fixtures`; without them those tests
//! report that they did not run) and Debian's `minisign` for interop.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use upkit_fixtures::{TauriCli, tauri_cli, test_name};

const ENV: [&str; 6] = [
    "UPKIT_SIGNING_PRIVATE_KEY",
    "UPKIT_SIGNING_PRIVATE_KEY_PASSWORD",
    "TAURI_SIGNING_PRIVATE_KEY",
    "TAURI_SIGNING_PRIVATE_KEY_PATH",
    "TAURI_SIGNING_PRIVATE_KEY_PASSWORD",
    "NO_COLOR",
];

/// Runs `upkit ARGS` with `env`, no terminal on stdin, and the signing variables cleared.
fn upkit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upkit"));
    command.args(args).stdin(Stdio::null());
    for name in ENV {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Runs `upkit args` with `env`, and asserts its exit code and the whole of its stderr.
#[track_caller]
fn assert_fails(args: &[&str], env: &[(&str, &str)], code: i32, expected: impl AsRef<str>) {
    let output = upkit(args, env);
    assert_code(&output, code);
    assert_eq!(stderr(&output), expected.as_ref());
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A temp dir holding a payload.txt.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.txt");
    fs::write(&file, "upkit test payload\n").unwrap();
    (dir, file)
}

/// A temp dir holding a copy of the Tauri CLI vectors' payload.txt.
fn tauri_workspace(v: &TauriCli) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.txt");
    fs::copy(v.path("files/payload.txt"), &file).unwrap();
    (dir, file)
}

/// Debian's minisign verifies `file` with Tauri-format `pubkey` and `sig` files (base64-decoded).
fn minisign_verifies(pubkey: &Path, file: &Path, sig: &Path) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let decode = |from: &Path, to: &str| {
        use base64::Engine as _;
        let text = fs::read_to_string(from).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        let to = dir.path().join(to);
        fs::write(&to, bytes).unwrap();
        to
    };
    let pk = decode(pubkey, "key.pub");
    let sig = decode(sig, "file.minisig");
    let status = Command::new("minisign")
        .args([
            "-V",
            "-q",
            "-p",
            path(&pk),
            "-m",
            path(file),
            "-x",
            path(&sig),
        ])
        .status()
        .expect("Debian's minisign is needed: apt-get install -y minisign");
    status.success()
}

#[test]
fn verify_accepts_tauri_signatures_and_prints_the_fields() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let file = v.path("files/payload.txt");
    let output = upkit(
        &[
            "verify",
            path(&file),
            "--pubkey",
            path(&v.path("keys/secret.key.pub")),
            "--signature",
            path(&v.path("sigs/secret/payload.txt.version-2.1.0.sig")),
            "--version",
            "2.1.0",
            "--require-version",
        ],
        &[],
    );
    assert_code(&output, 0);
    let out = stdout(&output);
    // What the Tauri CLI wrote: the key id in the public key's comment, the trusted comment.
    let sig = "sigs/secret/payload.txt.version-2.1.0.sig";
    let timestamp = v.timestamp(sig);
    assert_eq!(
        v.trusted_comment(sig),
        format!("timestamp:{timestamp}\tfile:payload.txt\tversion:2.1.0")
    );
    let date = time::OffsetDateTime::from_unix_timestamp(timestamp.try_into().unwrap())
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(out.starts_with(&format!(
        "valid: {}\nkey id: {}\nalgorithm: ED (prehashed)\ntrusted comment: timestamp:{timestamp}\\tfile:payload.txt\\tversion:2.1.0\n  timestamp: {timestamp} ({date})\n  file: payload.txt\n  version: 2.1.0\nbytes: {}\n",
        file.display(),
        v.key_id("secret"),
        fs::metadata(&file).unwrap().len()
    )), "{out}");

    // The signature given as its text, the key as its text, several keys.
    let sig_text = fs::read_to_string(v.path("sigs/nopass/payload.txt.sig")).unwrap();
    let key_text = fs::read_to_string(v.path("keys/nopass.key.pub")).unwrap();
    let output = upkit(
        &[
            "verify",
            path(&file),
            "--pubkey",
            path(&v.path("keys/secret.key.pub")),
            "--pubkey",
            &key_text,
            "--signature",
            &sig_text,
        ],
        &[],
    );
    assert_code(&output, 0);
    assert!(
        stdout(&output).contains(&format!("key id: {}\n", v.key_id("nopass"))),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_refusals_exit_1_with_the_reason() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let (dir, file) = tauri_workspace(&v);
    let sig = v.path("sigs/secret/payload.txt.version-2.1.0.sig");
    fs::copy(&sig, dir.path().join("payload.txt.sig")).unwrap();
    let secret = v.path("keys/secret.key.pub");
    let nopass = v.path("keys/nopass.key.pub");
    let unversioned = v.path("sigs/secret/payload.txt.sig");
    let shown = file.display().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--pubkey", path(&nopass)],
            format!(
                "signature was made with key {}, but the trusted key is {}",
                v.key_id("secret"),
                v.key_id("nopass")
            ),
        ),
        (
            vec!["--pubkey", path(&secret), "--version", "2.1.1"],
            "signed version 2.1.0 differs from the announced version 2.1.1".to_owned(),
        ),
        (
            vec!["--pubkey", path(&secret), "--version", "2.1.0+1"],
            "signed version 2.1.0 differs from the announced version 2.1.0+1".to_owned(),
        ),
        (
            vec![
                "--pubkey",
                path(&secret),
                "--signature",
                path(&unversioned),
                "--require-version",
            ],
            "signature has no signed version (no `version:` in its trusted comment), but a signed version is required".to_owned(),
        ),
        (
            vec!["--pubkey", path(&secret), "--signature", "bm90IGEgc2lnbmF0dXJl"],
            "signature is not a minisign signature: line 2 (the signature) is missing (--signature)"
                .to_owned(),
        ),
    ];
    for (extra, reason) in cases {
        let mut args = vec!["verify", path(&file)];
        args.extend(extra);
        let output = upkit(&args, &[]);
        assert_code(&output, 1);
        assert_eq!(stderr(&output), format!("invalid: {shown}: {reason}\n"));
        assert_eq!(stdout(&output), "");
    }

    // Tampered bytes.
    fs::write(&file, b"upkit test payload!\n").unwrap();
    assert_fails(
        &["verify", path(&file), "--pubkey", path(&secret)],
        &[],
        1,
        format!(
            "invalid: {shown}: file does not match its signature by key {}: its bytes differ from the signed ones (20 bytes read)\n",
            v.key_id("secret")
        ),
    );
}

#[test]
fn verify_usage_errors_exit_2() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let (_dir, file) = tauri_workspace(&v);
    assert_fails(
        &["verify", path(&file), "--pubkey", "/nonexistent/k.key.pub"],
        &[],
        2,
        "error: cannot read /nonexistent/k.key.pub: no such file, and not a key either\n",
    );
    assert_fails(
        &[
            "verify",
            path(&file),
            "--pubkey",
            path(&v.path("keys/secret.key.pub")),
            "--signature",
            "payload.txt.minisig",
        ],
        &[],
        2,
        "error: cannot read payload.txt.minisig: no such file (and not a signature either)\n",
    );
    assert_fails(
        &["verify", path(&file), "--pubkey", "no-key"],
        &[],
        2,
        "error: invalid public key: public key is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x2d at offset 2\n",
    );
    let output = upkit(
        &[
            "verify",
            path(&file),
            "--pubkey",
            path(&v.path("keys/secret.key.pub")),
        ],
        &[],
    );
    assert_code(&output, 2);
    assert!(
        stderr(&output).starts_with(&format!("error: cannot read {}.sig: ", file.display())),
        "{}",
        stderr(&output)
    );
    // A mistyped FILE is named itself, not through its FILE.sig.
    let missing = file.with_file_name("payload.text");
    assert_fails(
        &[
            "verify",
            path(&missing),
            "--pubkey",
            path(&v.path("keys/secret.key.pub")),
        ],
        &[],
        2,
        format!(
            "error: cannot read {}: No such file or directory (os error 2)\n",
            missing.display()
        ),
    );
    // The help says what the exit status means (compared unwrapped: clap wraps to the terminal).
    let help = stdout(&upkit(&["verify", "--help"], &[]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("Exit status: 0 when the file is valid, 1 when it is not (the reason on stderr), 2 when it could not be checked (a missing file or signature, a key that does not decode, bad arguments)."),
        "{help}"
    );
}

#[test]
fn keygen_then_sign_then_verify_round_trip_with_minisign() {
    let (dir, file) = workspace();
    let key = dir.path().join("keys/release.key");
    let output = upkit(&["keygen", "--out", path(&key), "--password", "pw"], &[]);
    assert_code(&output, 0);
    let out = stdout(&output);
    let pubkey = key.with_extension("key.pub");
    let public_text = fs::read_to_string(&pubkey).unwrap();
    assert!(out.contains(&format!("\n{public_text}\n")), "{out}");
    let key_id = out
        .lines()
        .next()
        .unwrap()
        .strip_prefix("key id:      ")
        .unwrap()
        .to_owned();
    assert_eq!(key_id.len(), 16);

    let output = upkit(
        &[
            "sign",
            path(&file),
            "--key",
            path(&key),
            "--password",
            "pw",
            "--app-version",
            "3.0.0",
        ],
        &[],
    );
    assert_code(&output, 0);
    let sig = dir.path().join("payload.txt.sig");
    assert_eq!(
        stdout(&output),
        format!("wrote {} (key id {key_id})\n", sig.display())
    );
    assert!(minisign_verifies(&pubkey, &file, &sig));

    let output = upkit(
        &[
            "verify",
            path(&file),
            "--pubkey",
            path(&pubkey),
            "--version",
            "v3.0.0",
        ],
        &[],
    );
    assert_code(&output, 0);
    assert!(stdout(&output).contains(&format!("key id: {key_id}\n")));
    assert!(stdout(&output).contains("  version: 3.0.0\n"));

    // Tampering is caught by minisign too.
    fs::write(&file, b"other").unwrap();
    assert!(!minisign_verifies(&pubkey, &file, &sig));
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    assert_code(
        &upkit(&["keygen", "--out", path(&key), "--no-password"], &[]),
        0,
    );
    let before = fs::read_to_string(&key).unwrap();
    assert_fails(
        &["keygen", "--out", path(&key), "--no-password"],
        &[],
        2,
        format!(
            "error: {} already exists: pass --force to overwrite it\n",
            key.display()
        ),
    );
    assert_eq!(fs::read_to_string(&key).unwrap(), before);
    let output = upkit(
        &["keygen", "--out", path(&key), "--no-password", "--force"],
        &[],
    );
    assert_code(&output, 0);
    assert_ne!(fs::read_to_string(&key).unwrap(), before);
}

#[test]
fn keygen_password_sources() {
    let dir = tempfile::tempdir().unwrap();
    // No flag, no variable, no terminal: refused.
    let key = dir.path().join("a.key");
    assert_fails(
        &["keygen", "--out", path(&key)],
        &[],
        2,
        "error: no password given: pass --password PW or --no-password, or set UPKIT_SIGNING_PRIVATE_KEY_PASSWORD\n",
    );
    assert!(!key.exists());
    // From the environment.
    let output = upkit(
        &["keygen", "--out", path(&key)],
        &[("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD", "from env")],
    );
    assert_code(&output, 0);
    let (_w, file) = workspace();
    let output = upkit(
        &[
            "sign",
            path(&file),
            "--key",
            path(&key),
            "--password",
            "from env",
            "--no-app-version",
        ],
        &[],
    );
    assert_code(&output, 0);
    // --password and --no-password conflict.
    let output = upkit(
        &[
            "keygen",
            "--out",
            path(&dir.path().join("b.key")),
            "--password",
            "x",
            "--no-password",
        ],
        &[],
    );
    assert_code(&output, 2);
}

/// What `upkit` says when a password is given with `--password`: any user of the machine can read
/// a running command's arguments (`ps`, `/proc/PID/cmdline`).
const PASSWORD_SEEN: &str = "warning: --password is visible to other users in the process list; prefer UPKIT_SIGNING_PRIVATE_KEY_PASSWORD or the prompt\n";

/// Snooping on the process list: a password passed as `--password` (or `-p`) is warned about in
/// keygen and sign (and still works); the empty one, which hides nothing, and one from the
/// environment, which other users cannot read, are not.
#[test]
fn a_password_seen_in_the_process_list_is_warned_about() {
    let (dir, file) = workspace();
    let key = dir.path().join("k.key");
    let output = upkit(
        &["keygen", "--out", path(&key), "--password", "s3cret"],
        &[],
    );
    assert_code(&output, 0);
    assert_eq!(stderr(&output), PASSWORD_SEEN);
    let sign = |password: Option<&str>, env: &[(&str, &str)]| {
        let mut args = vec![
            "sign",
            path(&file),
            "-k",
            path(&key),
            "--app-version",
            "1.0.0",
        ];
        if let Some(password) = password {
            args.extend(["-p", password]);
        }
        let output = upkit(&args, env);
        assert_code(&output, 0);
        stderr(&output)
    };
    assert_eq!(sign(Some("s3cret"), &[]), PASSWORD_SEEN);
    assert_eq!(
        sign(None, &[("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD", "s3cret")]),
        ""
    );
    assert_eq!(
        sign(None, &[("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "s3cret")]),
        ""
    );
    let open = dir.path().join("open.key");
    let output = upkit(&["keygen", "--out", path(&open), "--password", ""], &[]);
    assert_code(&output, 0);
    assert_eq!(stderr(&output), "");
    let output = upkit(
        &["keygen", "--out", path(&dir.path().join("env.key"))],
        &[("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD", "s3cret")],
    );
    assert_code(&output, 0);
    assert_eq!(stderr(&output), "");
}

/// `--help` of every command taking `--password` says where a password is safer.
#[test]
fn the_help_says_the_password_flag_is_visible_to_other_users() {
    for command in ["keygen", "sign", "bundle"] {
        let help = stdout(&upkit(&[command, "--help"], &[]));
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains(
                "Visible to other users in the process list: prefer UPKIT_SIGNING_PRIVATE_KEY_PASSWORD or the prompt"
            ),
            "{command}: {help}"
        );
    }
}

#[test]
fn sign_with_tauri_keys_and_wrong_password() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let (dir, file) = tauri_workspace(&v);
    let sig = dir.path().join("payload.txt.sig");
    assert_fails(
        &[
            "sign",
            path(&file),
            "--key",
            path(&v.path("keys/secret.key")),
            "--password",
            "wrong",
            "--app-version",
            "1.0.0",
        ],
        &[],
        2,
        format!(
            "{PASSWORD_SEEN}error: cannot use the key from --key: wrong password for the secret key (or the key is corrupted)\n"
        ),
    );
    assert!(!sig.exists());

    for (name, password) in [("secret", "correct horse"), ("nopass", "")] {
        let output = upkit(
            &[
                "sign",
                path(&file),
                "--key",
                path(&v.path(&format!("keys/{name}.key"))),
                "--password",
                password,
                "--app-version",
                "1.0.0",
            ],
            &[],
        );
        assert_code(&output, 0);
        let pubkey = v.path(&format!("keys/{name}.key.pub"));
        assert!(minisign_verifies(&pubkey, &file, &sig));
        assert_code(
            &upkit(&["verify", path(&file), "--pubkey", path(&pubkey)], &[]),
            0,
        );
    }
}

#[test]
fn sign_environment_fallbacks() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let (dir, file) = tauri_workspace(&v);
    let sig = dir.path().join("payload.txt.sig");
    let secret_path = v.path("keys/secret.key");
    let secret_text = fs::read_to_string(&secret_path).unwrap();
    let nopass_path = v.path("keys/nopass.key");
    let secret_pub = v.path("keys/secret.key.pub");
    let nopass_pub = v.path("keys/nopass.key.pub");
    let signed_by = |pubkey: &Path| {
        assert!(minisign_verifies(pubkey, &file, &sig));
        fs::remove_file(&sig).unwrap();
    };

    // upkit's variables: the key text.
    let output = upkit(
        &["sign", path(&file), "--no-app-version"],
        &[
            ("UPKIT_SIGNING_PRIVATE_KEY", &secret_text),
            ("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD", "correct horse"),
        ],
    );
    assert_code(&output, 0);
    signed_by(&secret_pub);

    // upkit's come first: Tauri's key is ignored when upkit's is set.
    let output = upkit(
        &["sign", path(&file), "--no-app-version"],
        &[
            ("UPKIT_SIGNING_PRIVATE_KEY", path(&nopass_path)),
            ("UPKIT_SIGNING_PRIVATE_KEY_PASSWORD", ""),
            ("TAURI_SIGNING_PRIVATE_KEY", &secret_text),
            ("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "correct horse"),
        ],
    );
    assert_code(&output, 0);
    signed_by(&nopass_pub);

    // Tauri's: the key itself, or a path to it; the password from Tauri's variable.
    for key in [secret_text.as_str(), path(&secret_path)] {
        let output = upkit(
            &["sign", path(&file), "--no-app-version"],
            &[
                ("TAURI_SIGNING_PRIVATE_KEY", key),
                ("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "correct horse"),
            ],
        );
        assert_code(&output, 0);
        signed_by(&secret_pub);
    }

    // TAURI_SIGNING_PRIVATE_KEY_PATH, and no password without a terminal: the empty password.
    let output = upkit(
        &["sign", path(&file), "--app-version", "1.0.0"],
        &[("TAURI_SIGNING_PRIVATE_KEY_PATH", path(&nopass_path))],
    );
    assert_code(&output, 0);
    signed_by(&nopass_pub);

    // Without a version only when told: signed, with a warning that upkit's clients refuse it.
    let output = upkit(
        &["sign", path(&file), "--no-app-version"],
        &[("TAURI_SIGNING_PRIVATE_KEY_PATH", path(&nopass_path))],
    );
    assert_code(&output, 0);
    assert_eq!(
        stderr(&output),
        "warning: --no-app-version: the signature names no version; only clients that do not require one (Tauri's default) accept it, upkit's clients and Tauri's with requireSignedVersion refuse it\n"
    );

    // The flag beats the environment.
    let output = upkit(
        &[
            "sign",
            path(&file),
            "--key",
            path(&nopass_path),
            "--password",
            "",
            "--no-app-version",
        ],
        &[("UPKIT_SIGNING_PRIVATE_KEY", &secret_text)],
    );
    assert_code(&output, 0);
    signed_by(&nopass_pub);

    // No password, no terminal, and the empty one does not open the key: say what to pass.
    assert_fails(
        &["sign", path(&file), "--no-app-version"],
        &[("TAURI_SIGNING_PRIVATE_KEY", path(&secret_path))],
        2,
        "error: cannot use the key from TAURI_SIGNING_PRIVATE_KEY: it needs a password: pass --password PW or set UPKIT_SIGNING_PRIVATE_KEY_PASSWORD (without a terminal only the empty password was tried)\n",
    );
    // A wrong password from the environment names the source.
    assert_fails(
        &["sign", path(&file), "--no-app-version"],
        &[
            ("TAURI_SIGNING_PRIVATE_KEY", path(&secret_path)),
            ("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "wrong"),
        ],
        2,
        "error: cannot use the key from TAURI_SIGNING_PRIVATE_KEY: wrong password for the secret key (or the key is corrupted)\n",
    );

    // No key at all.
    assert_fails(
        &["sign", path(&file), "--no-app-version"],
        &[],
        2,
        "error: no signing key: pass --key KEY_OR_PATH or set UPKIT_SIGNING_PRIVATE_KEY (or Tauri's TAURI_SIGNING_PRIVATE_KEY / TAURI_SIGNING_PRIVATE_KEY_PATH)\n",
    );
    assert!(!sig.exists());
}

#[test]
fn sign_refuses_control_characters_in_the_version() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let (dir, file) = tauri_workspace(&v);
    assert_fails(
        &[
            "sign",
            path(&file),
            "--key",
            path(&v.path("keys/nopass.key")),
            "--password",
            "",
            "--app-version",
            "1.0.0\tfile:evil",
        ],
        &[],
        2,
        "error: version `1.0.0\\tfile:evil` holds a TAB, which the trusted comment cannot carry\n",
    );
    // A version no client can match (they compare it as SemVer) is refused too.
    let sign = |target: &str, version: &str| {
        vec![
            "sign".to_owned(),
            target.to_owned(),
            "--key".into(),
            path(&v.path("keys/nopass.key")).to_owned(),
            "--password".into(),
            String::new(),
            "--app-version".into(),
            version.to_owned(),
        ]
    };
    let args = sign(path(&file), "banana");
    assert_fails(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
        2,
        "error: version `banana` is not SemVer (unexpected character 'b' while parsing major version number): clients would refuse an update signed for it\n",
    );
    assert!(!dir.path().join("payload.txt.sig").exists());
    // A directory is named as such, not by the signer's read error.
    let args = sign(path(dir.path()), "1.0.0");
    assert_fails(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
        2,
        format!(
            "error: cannot read {}: not a regular file\n",
            dir.path().display()
        ),
    );
}

#[test]
fn verify_legacy_signatures_only_when_allowed() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/minisign");
    let file = format!("{data}/payload.txt");
    let key = format!("{data}/key.pub");
    let sig = format!("{data}/payload.txt.sig");
    assert_fails(
        &["verify", &file, "--pubkey", &key, "--signature", &sig],
        &[],
        1,
        format!(
            "invalid: {file}: legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures\n"
        ),
    );
    let output = upkit(
        &[
            "verify",
            &file,
            "--pubkey",
            &key,
            "--signature",
            &sig,
            "--allow-legacy",
            "--version",
            "1.0.0",
        ],
        &[],
    );
    assert_code(&output, 0);
    assert!(stdout(&output).contains("\nalgorithm: Ed (legacy)\n"));

    // minisign's own files (not base64-wrapped) are read too.
    let dir = tempfile::tempdir().unwrap();
    let unwrap = |from: &str, to: &str| {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(fs::read_to_string(from).unwrap())
            .unwrap();
        let to = dir.path().join(to);
        fs::write(&to, bytes).unwrap();
        to
    };
    let bare_key = unwrap(&key, "minisign.pub");
    let bare_sig = unwrap(
        &format!("{data}/payload.txt.vversion.sig"),
        "payload.txt.minisig",
    );
    let output = upkit(
        &[
            "verify",
            &file,
            "--pubkey",
            path(&bare_key),
            "--signature",
            path(&bare_sig),
            "--version",
            "1.0.0",
            "--minisign",
        ],
        &[],
    );
    assert_code(&output, 0);
    assert!(stdout(&output).contains("key id: 3C736F5F26C4AD87\n"));
}

#[test]
fn verified_artifact_errors() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    use upkit::artifact::VerifiedArtifact;
    use upkit::core::signature::{Keyring, Policy, PublicKey, Signature, SignedVersion};

    let (dir, file) = tauri_workspace(&v);
    let public = fs::read_to_string(v.path("keys/secret.key.pub")).unwrap();
    let keyring = Keyring::from(PublicKey::decode(&public).unwrap());
    let sig = fs::read_to_string(v.path("sigs/secret/payload.txt.sig")).unwrap();
    let sig = Signature::decode(&sig).unwrap();
    let policy = Policy {
        signed_version: SignedVersion::Optional,
        ..Policy::default()
    };
    let artifact = VerifiedArtifact::verify_file(&file, &keyring, &sig, &policy).unwrap();
    assert_eq!(artifact.proof().bytes(), fs::metadata(&file).unwrap().len());
    assert_eq!(artifact.clone().into_path(), file);

    let missing = dir.path().join("missing.bin");
    let err = VerifiedArtifact::verify_file(&missing, &keyring, &sig, &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    // Refused before the file is opened: the policy needs a signed version.
    let err =
        VerifiedArtifact::verify_file(&missing, &keyring, &sig, &Policy::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} did not verify: signature has no signed version (no `version:` in its trusted comment), but a signed version is required",
            missing.display()
        )
    );
    fs::write(&file, b"tampered").unwrap();
    let err = VerifiedArtifact::verify_file(&file, &keyring, &sig, &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} did not verify: file does not match its signature by key {}: its bytes differ from the signed ones (8 bytes read)",
            file.display(),
            v.key_id("secret")
        )
    );
}
