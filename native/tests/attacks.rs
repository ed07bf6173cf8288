//! Attacks on the CLI from hostile servers and files (issue 17), each staged for real through the
//! `upkit` binary against a loopback `upkit serve`, and named after what it tries.

mod cli_support;

use std::fs;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cli_support::{ARTIFACT, serve, upkit_in};

/// What a terminal acts on: a title change, a line erased, a carriage return, a bidi override.
const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2K\rhttps://evil.example.com/\u{202e}";

#[test]
fn terminal_escapes_in_unsigned_notes_and_keys_are_shown_escaped() {
    let releases = tempfile::tempdir().unwrap();
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    fs::write(releases.path().join(ARTIFACT), b"\x7fELF").unwrap();
    let trusted = format!("timestamp:1764400000\tfile:{ARTIFACT}\tversion:2.0.0");
    let sig = minisign::sign(
        Some(&pair.pk),
        &pair.sk,
        &b"\x7fELF"[..],
        Some(&trusted),
        None,
    )
    .unwrap();
    let key = format!("linux-x86_64{HOSTILE}");
    let manifest = serde_json::json!({"version": "2.0.0", "notes": format!("fixes\n{HOSTILE}"),
        "platforms": {key.clone(): {"url": ARTIFACT, "signature": STANDARD.encode(sig.to_string())}}});
    fs::write(releases.path().join("latest.json"), manifest.to_string()).unwrap();
    let (_server, base) = serve(releases.path());
    let pubkey = STANDARD.encode(pair.pk.to_box().unwrap().to_string());
    let (code, stdout, stderr) = upkit_in(
        releases.path(),
        &[
            "check",
            "--endpoint",
            &format!("{base}/latest.json"),
            "--insecure-transport",
            "--pubkey",
            &pubkey,
            "--current-version",
            "1.0.0",
            "--target",
            &key,
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let escaped = "\\u{1b}]0;owned\\u{7}\\u{1b}[2K\\u{d}https://evil.example.com/\\u{202e}";
    assert!(
        stdout.starts_with(&format!(
            "update available: 1.0.0 -> 2.0.0 (linux-x86_64{escaped})\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  notes:    fixes\n            {escaped}\n")),
        "{stdout}"
    );
    for c in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(
            !stdout.contains(c) && !stderr.contains(c),
            "{c:?} in {stdout}{stderr}"
        );
    }
}

#[test]
fn terminal_escapes_in_a_validated_file_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("latest.json"),
        "{\"version\": \"1.0.0\", \"notes\": \"\u{9b}2J\u{7f}\u{202e}\", \"url\": 5}",
    )
    .unwrap();
    let (code, stdout, _) = upkit_in(dir.path(), &["validate", "latest.json"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(
            "1 | {\"version\": \"1.0.0\", \"notes\": \"\\u{9b}2J\\u{7f}\\u{202e}\", \"url\": 5}\n"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains(['\u{9b}', '\u{7f}', '\u{202e}']),
        "{stdout}"
    );
}

/// A work directory with a key made by `upkit keygen` and a file to sign.
fn signing_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = upkit_in(dir.path(), &["keygen", "-o", "k", "--no-password"]);
    assert_eq!(code, 0, "{stderr}");
    fs::write(dir.path().join("app.AppImage"), b"\x7fELF").unwrap();
    dir
}

fn mkfifo(path: &std::path::Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[test]
fn overwrite_via_a_symlinked_signature_path() {
    let dir = signing_dir();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("app.AppImage.sig")).unwrap();
    let (code, _, stderr) = upkit_in(
        dir.path(),
        &["sign", "app.AppImage", "-k", "k", "--app-version", "1.0.0"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    let sig = fs::symlink_metadata(dir.path().join("app.AppImage.sig")).unwrap();
    assert!(sig.file_type().is_file(), "the link was written through");
    let (code, _, stderr) = upkit_in(dir.path(), &["verify", "app.AppImage", "--pubkey", "k.pub"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn hang_via_fifos_given_to_sign() {
    let dir = signing_dir();
    // A FIFO where the signature goes is replaced, not opened (which would wait for a reader).
    mkfifo(&dir.path().join("app.AppImage.sig"));
    let (code, _, stderr) = upkit_in(
        dir.path(),
        &["sign", "app.AppImage", "-k", "k", "--app-version", "1.0.0"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::symlink_metadata(dir.path().join("app.AppImage.sig"))
            .unwrap()
            .is_file()
    );
    // A FIFO to sign is refused, not opened (which would wait for a writer).
    mkfifo(&dir.path().join("pipe.AppImage"));
    let (code, _, stderr) = upkit_in(
        dir.path(),
        &["sign", "pipe.AppImage", "-k", "k", "--app-version", "1.0.0"],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: cannot read pipe.AppImage: not a regular file\n"
    );
}

#[test]
fn endless_data_via_devices_fifos_and_huge_files() {
    let dir = signing_dir();
    let d = dir.path();
    // `validate` of a device, a FIFO, a file over the limit: each an error that names it.
    mkfifo(&d.join("pipe.json"));
    let huge = fs::File::create(d.join("huge.json")).unwrap();
    huge.set_len(upkit::input::MANIFEST_LIMIT + 1).unwrap();
    let (code, _, stderr) = upkit_in(d, &["validate", "/dev/zero", "pipe.json", "huge.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!(
            "error: cannot read /dev/zero: not a regular file\n\
             error: cannot read pipe.json: not a regular file\n\
             error: cannot read huge.json: {} bytes, more than the {} read here\n",
            upkit::input::MANIFEST_LIMIT + 1,
            upkit::input::MANIFEST_LIMIT
        )
    );

    // A signature that is a link to /dev/zero, a FIFO to verify, a directory as a key.
    let (code, _, stderr) = upkit_in(
        d,
        &["sign", "app.AppImage", "-k", "k", "--app-version", "1.0.0"],
    );
    assert_eq!(code, 0, "{stderr}");
    fs::remove_file(d.join("app.AppImage.sig")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("app.AppImage.sig")).unwrap();
    let (code, _, stderr) = upkit_in(d, &["verify", "app.AppImage", "--pubkey", "k.pub"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: cannot read app.AppImage.sig: not a regular file\n"
    );
    let (code, _, stderr) = upkit_in(d, &["verify", "pipe.json", "--pubkey", "k.pub"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: cannot read pipe.json: not a regular file\n");
    fs::create_dir(d.join("keys")).unwrap();
    let (code, _, stderr) = upkit_in(d, &["verify", "app.AppImage", "--pubkey", "keys"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: cannot read keys: not a regular file\n");
    let (code, _, stderr) = upkit_in(
        d,
        &[
            "sign",
            "app.AppImage",
            "-k",
            "/dev/zero",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: cannot use the key from --key: cannot read /dev/zero: not a regular file\n"
    );
}

/// A release 2.0.0 of `body` signed with `trusted`, offered to `linux-x86_64`; its key.
fn publish(dir: &std::path::Path, body: &[u8], trusted: &str) -> String {
    cli_support::publish_with(dir, body, &["linux-x86_64"], trusted)
}

#[test]
fn overwrite_via_the_unsigned_download_name() {
    let releases = tempfile::tempdir().unwrap();
    let key = publish(
        releases.path(),
        b"\x7fELF new",
        &format!("timestamp:1764400000\tfile:{ARTIFACT}\tversion:2.0.0"),
    );
    let (_server, base) = serve(releases.path());
    let out = tempfile::tempdir().unwrap();
    // A file of the user's that has the artifact's name.
    fs::write(out.path().join(ARTIFACT), b"precious").unwrap();
    let endpoint = format!("{base}/latest.json");
    let download = || {
        upkit_in(
            out.path(),
            &[
                "download",
                "--endpoint",
                &endpoint,
                "--insecure-transport",
                "--pubkey",
                &key,
                "--current-version",
                "1.0.0",
                "--target",
                "linux",
                "--arch",
                "x86_64",
                "-o",
                ".",
                "--json",
            ],
        )
    };
    let stem = ARTIFACT.strip_suffix(".AppImage").unwrap();
    for n in 1..=2 {
        let (code, stdout, stderr) = download();
        assert_eq!(code, 0, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["path"], format!("./{stem}-{n}.AppImage"), "{stdout}");
    }
    assert_eq!(fs::read(out.path().join(ARTIFACT)).unwrap(), b"precious");
    assert_eq!(
        fs::read(out.path().join(format!("{stem}-2.AppImage"))).unwrap(),
        b"\x7fELF new"
    );
}

#[test]
fn wrong_software_via_a_file_signed_under_another_name() {
    let releases = tempfile::tempdir().unwrap();
    // Validly signed for 2.0.0, but as another product's file.
    let key = publish(
        releases.path(),
        b"\x7fELF other",
        "timestamp:1764400000\tfile:OtherProduct_2.0.0_amd64.AppImage\tversion:2.0.0",
    );
    let (_server, base) = serve(releases.path());
    let endpoint = format!("{base}/latest.json");
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--endpoint",
            &endpoint,
            "--insecure-transport",
            "--pubkey",
            &key,
            "--current-version",
            "1.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
        ];
        args.extend(extra);
        upkit_in(releases.path(), &args)
    };
    // Tauri's default: the name is not checked.
    assert_eq!(check(&[]).0, 0);
    let (code, _, stderr) = check(&["--bind-file-name"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("OtherProduct_2.0.0_amd64.AppImage") && stderr.contains(ARTIFACT),
        "{stderr}"
    );
}
