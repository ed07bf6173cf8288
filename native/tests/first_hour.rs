//! The traps of a newcomer's first hour (issue 15), each through the real `upkit` binary: a real
//! `upkit serve` on loopback, real keys made by `upkit keygen`, real files.

mod cli_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cli_support::{ARTIFACT, serve};

/// An ELF header and some bytes: what an AppImage starts with.
const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0 an AppImage stand-in";

/// Runs `upkit` with `args` in `dir` (isolated): exit code, stdout, stderr.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_support::upkit_in(dir, args)
}

/// A work directory with a key pair made by `upkit keygen` (`app.key`, `app.key.pub`).
fn with_key() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(dir.path(), &["keygen", "-o", "app.key", "--no-password"]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

/// A release 2.0.0 signed by a fresh key with `trusted` as trusted comment, offered under
/// `linux-x86_64` by a `latest.json` in `dir`; its public key.
fn publish_signed(dir: &Path, trusted: &str) -> String {
    cli_support::publish_with(dir, ELF, &["linux-x86_64"], trusted)
}

fn sha(path: &Path) -> Vec<u8> {
    // Not a hash: the bytes themselves, which is what "unchanged" means.
    fs::read(path).unwrap()
}

// 1. `upkit update` never replaces upkit itself.
#[test]
fn update_refuses_before_downloading_without_an_install_path() {
    let releases = tempfile::tempdir().unwrap();
    let key = cli_support::publish(releases.path(), ELF, &["linux-x86_64-appimage"]);
    let (_server, base) = serve(releases.path());
    let endpoint = format!("{base}/latest.json");
    let work = tempfile::tempdir().unwrap();
    let upkit = PathBuf::from(env!("CARGO_BIN_EXE_upkit"));
    let before = sha(&upkit);
    let common = [
        "update",
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

    let mut args = common.to_vec();
    args.extend(["--bundle-type", "appimage"]);
    let (code, stdout, stderr) = run_in(work.path(), &args);
    assert_eq!(code, 2, "{stdout}{stderr}");
    // Refused before the check: nothing was fetched, let alone downloaded.
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: an AppImage update needs the AppImage to replace: pass --install-path PATH or set $APPIMAGE (upkit never replaces its own executable)\n"
    );
    assert_eq!(sha(&upkit), before, "the upkit binary was changed");

    // No bundle type, no path: it cannot tell, and says which flags tell it.
    let (code, stdout, stderr) = run_in(work.path(), &common);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "error: cannot tell how the app was installed: pass --bundle-type (appimage, deb or rpm), or --install-path PATH for an AppImage\n"
    );

    // A macOS update likewise (the library would take the bundle holding this executable).
    let mut args = common.to_vec();
    args[9] = "darwin";
    let (code, _, stderr) = run_in(work.path(), &args);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: a macOS update needs the `.app` bundle to replace: pass --install-path PATH (upkit never replaces its own bundle)\n"
    );

    // A path naming nothing is refused before downloading too (11: check that first).
    let mut args = common.to_vec();
    args.extend([
        "--bundle-type",
        "appimage",
        "--install-path",
        "Missing.AppImage",
    ]);
    let (code, stdout, stderr) = run_in(work.path(), &args);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: no installed app at Missing.AppImage (--install-path)\n"
    );

    // Likewise a `$APPIMAGE` naming nothing.
    let mut args = common.to_vec();
    args.extend(["--bundle-type", "appimage"]);
    let output = Command::new(&upkit)
        .args(&args)
        .env("APPIMAGE", work.path().join("Gone.AppImage"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: no installed app at {} ($APPIMAGE)\n",
            work.path().join("Gone.AppImage").display()
        )
    );

    // `$APPIMAGE` names the app, as it does for an AppImage app.
    let app = work.path().join("Demo.AppImage");
    fs::write(&app, b"\x7fELF old").unwrap();
    let mut args = common.to_vec();
    args.extend(["--bundle-type", "appimage"]);
    let output = Command::new(&upkit)
        .args(&args)
        .env("APPIMAGE", &app)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(fs::read(&app).unwrap(), ELF);
    assert_eq!(sha(&upkit), before);
}

// 2. The publishing side is as strict as the clients about the signed version.
#[test]
fn sign_bundle_and_manifest_need_a_signed_version_unless_told() {
    let dir = with_key();
    let work = dir.path();
    fs::write(work.join("App_1.1.0_amd64.AppImage"), ELF).unwrap();

    let (code, _, stderr) = run_in(work, &["sign", "App_1.1.0_amd64.AppImage", "-k", "app.key"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: the following required arguments were not provided:\n  --app-version <V>\n"
        ),
        "{stderr}"
    );
    assert!(!work.join("App_1.1.0_amd64.AppImage.sig").exists());
    fs::create_dir_all(work.join("App.app/Contents")).unwrap();
    fs::write(work.join("App.app/Contents/Info.plist"), "<plist/>").unwrap();
    let (code, _, stderr) = run_in(work, &["bundle", "App.app", "-k", "app.key"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--app-version <V>"), "{stderr}");

    // The explicit opt-out signs, and says who will accept it.
    let (code, stdout, stderr) = run_in(
        work,
        &[
            "sign",
            "App_1.1.0_amd64.AppImage",
            "-k",
            "app.key",
            "--no-app-version",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "warning: --no-app-version: the signature names no version; only clients that do not require one (Tauri's default) accept it, upkit's clients and Tauri's with requireSignedVersion refuse it\n"
    );

    // `manifest` refuses it, unless given the same opt-out.
    let manifest = [
        "manifest",
        "App_1.1.0_amd64.AppImage",
        "--app-version",
        "1.1.0",
        "--base-url",
        "https://dl.example.com/1.1.0/",
    ];
    let (code, _, stderr) = run_in(work, &manifest);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: `App_1.1.0_amd64.AppImage` has no signed version: upkit's clients (and Tauri's with requireSignedVersion) would refuse it; sign it again with --app-version 1.1.0, or pass --no-app-version to publish it for clients that do not require one\n"
    );
    assert!(!work.join("latest.json").exists());
    let mut args = manifest.to_vec();
    args.push("--no-app-version");
    let (code, stdout, stderr) = run_in(work, &args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.starts_with("warning: `App_1.1.0_amd64.AppImage` has no signed version: only clients that do not require one (Tauri's default) accept it\n"), "{stderr}");

    // 11: `v1.1.0` is written as the `1.1.0` clients compare it with.
    let (code, _, stderr) = run_in(
        work,
        &[
            "sign",
            "App_1.1.0_amd64.AppImage",
            "-k",
            "app.key",
            "--app-version",
            "v1.1.0",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run_in(
        work,
        &[
            "verify",
            "App_1.1.0_amd64.AppImage",
            "--pubkey",
            "app.key.pub",
            "--app-version",
            "1.1.0",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("\n  version: 1.1.0\n"), "{stdout}");
}

// 3. `upkit verify` answers as a Tauri client would.
#[test]
fn verify_refuses_minisign_text_unless_told() {
    let dir = with_key();
    let work = dir.path();
    fs::write(work.join("payload.bin"), b"payload").unwrap();
    let (code, _, stderr) = run_in(
        work,
        &[
            "sign",
            "payload.bin",
            "-k",
            "app.key",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let decode = |name: &str, to: &str| {
        let text = STANDARD
            .decode(fs::read_to_string(work.join(name)).unwrap())
            .unwrap();
        fs::write(work.join(to), text).unwrap();
    };
    decode("payload.bin.sig", "payload.bin.minisig");
    decode("app.key.pub", "app.minisign.pub");

    let (code, stdout, stderr) = run_in(
        work,
        &[
            "verify",
            "payload.bin",
            "--pubkey",
            "app.key.pub",
            "--signature",
            "payload.bin.minisig",
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "invalid: payload.bin: the signature payload.bin.minisig is minisign's text, not the base64 of it that Tauri reads (Tauri refuses it with a base64 error): put `base64 -w0 payload.bin.minisig` into the manifest or tauri.conf.json, or pass --minisign to read minisign files\n"
    );
    let (code, _, stderr) = run_in(
        work,
        &["verify", "payload.bin", "--pubkey", "app.minisign.pub"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "invalid: payload.bin: the public key app.minisign.pub is minisign's text, not the base64 of it that Tauri reads (Tauri refuses it with a base64 error): put `base64 -w0 app.minisign.pub` into the manifest or tauri.conf.json, or pass --minisign to read minisign files\n"
    );
    // Both read with --minisign.
    let (code, stdout, stderr) = run_in(
        work,
        &[
            "verify",
            "payload.bin",
            "--pubkey",
            "app.minisign.pub",
            "--signature",
            "payload.bin.minisig",
            "--minisign",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("valid: payload.bin\n"), "{stdout}");
}

// 5. `upkit check` says when the offered update would be refused.
#[test]
fn check_reports_an_update_the_client_would_refuse() {
    let releases = tempfile::tempdir().unwrap();
    let (_server, base) = serve(releases.path());
    let endpoint = format!("{base}/latest.json");
    let check = |key: &str, extra: &[&str]| {
        let mut args = vec![
            "check",
            "--endpoint",
            &endpoint,
            "--insecure-transport",
            "--pubkey",
            key,
            "--current-version",
            "1.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
        ];
        args.extend(extra);
        run_in(releases.path(), &args)
    };

    let good = publish_signed(
        releases.path(),
        &format!("timestamp:1764400000\tfile:{ARTIFACT}\tversion:2.0.0"),
    );
    let (code, stdout, _) = check(&good, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0"),
        "{stdout}"
    );
    // 11: --exit-code for scripts.
    let (code, _, _) = check(&good, &["--exit-code"]);
    assert_eq!(code, 10);
    let (code, stdout, _) = check(&good, &["--json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["refused"], serde_json::Value::Null);

    // Another key.
    let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let other = STANDARD.encode(other.pk.to_box().unwrap().to_string());
    let (code, stdout, stderr) = check(&other, &["--exit-code"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0"),
        "{stdout}"
    );
    let line = stderr.trim_end();
    assert!(
        line.starts_with(&format!(
            "error: the update would be refused: the artifact from {base}/{ARTIFACT} failed verification: signature was made with key "
        )) && line.contains(", but the trusted key is "),
        "{stderr}"
    );
    let (code, stdout, _) = check(&other, &["--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["available"], true);
    assert!(
        report["refused"]
            .as_str()
            .unwrap()
            .contains("signature was made with key "),
        "{report}"
    );

    // No signed version, and another one.
    let pair = publish_signed(
        releases.path(),
        &format!("timestamp:1764400000\tfile:{ARTIFACT}"),
    );
    let (code, _, stderr) = check(&pair, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no signed version"), "{stderr}");
    let pair = publish_signed(
        releases.path(),
        &format!("timestamp:1764400000\tfile:{ARTIFACT}\tversion:1.9.0"),
    );
    let (code, _, stderr) = check(&pair, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("1.9.0"), "{stderr}");
}

// 6. What the installer would refuse is caught when it is made.
#[test]
fn bundle_and_sign_run_the_installers_checks() {
    let dir = with_key();
    let work = dir.path();
    fs::create_dir_all(work.join("Empty.app/Contents")).unwrap();
    let (code, stdout, stderr) = run_in(
        work,
        &[
            "bundle",
            "Empty.app",
            "-k",
            "app.key",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "error: Empty.app is not an app bundle: it has no `Contents/Info.plist` file, which the macOS installer requires\n"
    );
    assert!(!work.join("Empty.app.tar.gz").exists());

    fs::write(work.join("App.AppImage"), b"#!/bin/sh\necho not an ELF\n").unwrap();
    let (code, _, stderr) = run_in(
        work,
        &[
            "bundle",
            "App.AppImage",
            "-k",
            "app.key",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: App.AppImage is neither an ELF file nor a gzip'd tar holding an `.AppImage`: the installer would refuse it on the user's machine\n"
    );
    assert!(!work.join("App.AppImage.sig").exists());

    // `sign` signs what it is given, but says so.
    let (code, _, stderr) = run_in(
        work,
        &[
            "sign",
            "App.AppImage",
            "-k",
            "app.key",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "warning: App.AppImage is neither an ELF file nor a gzip'd tar holding an `.AppImage`: the installer would refuse it on the user's machine\n"
    );
    fs::write(work.join("App.deb"), ELF).unwrap();
    let (_, _, stderr) = run_in(
        work,
        &["sign", "App.deb", "-k", "app.key", "--app-version", "1.0.0"],
    );
    assert_eq!(
        stderr,
        "warning: App.deb is not a deb package: the installer would refuse it on the user's machine\n"
    );
    fs::write(work.join("Good.AppImage"), ELF).unwrap();
    let (_, _, stderr) = run_in(
        work,
        &[
            "sign",
            "Good.AppImage",
            "-k",
            "app.key",
            "--app-version",
            "1.0.0",
        ],
    );
    assert_eq!(stderr, "");
}

// 8. Endpoint typos and the server's own words.
#[test]
fn unknown_placeholders_are_refused_and_error_bodies_shown() {
    let releases = tempfile::tempdir().unwrap();
    let key = cli_support::publish(releases.path(), ELF, &["linux-x86_64"]);
    let (_server, base) = serve(releases.path());
    let check = |endpoint: &str| {
        run_in(
            releases.path(),
            &[
                "check",
                "--endpoint",
                endpoint,
                "--insecure-transport",
                "--pubkey",
                &key,
                "--current-version",
                "1.0.0",
            ],
        )
    };
    let (code, _, stderr) = check(&format!("{base}/linux/{{{{version}}}}"));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: unknown placeholder `{{{{version}}}}` in --endpoint `{base}/linux/{{{{version}}}}`: expected {{{{current_version}}}}, {{{{target}}}}, {{{{arch}}}}, {{{{bundle_type}}}} (Tauri would leave it in the URL, percent-encoded)\n"
        )
    );
    // upkit serve's 404 says why; the client shows its first line.
    let route = format!("{base}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}");
    let (code, _, stderr) = run_in(
        releases.path(),
        &[
            "check",
            "--endpoint",
            &route,
            "--insecure-transport",
            "--pubkey",
            &key,
            "--current-version",
            "1.0.0",
            "--target",
            "weird",
            "--arch",
            "x86_64",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: no endpoint gave a valid release ({base}/weird/x86_64/1.0.0 answered 404: no release has an entry for weird)\n"
        )
    );

    // 11: the https refusal names the flag.
    let (code, _, stderr) = run_in(
        releases.path(),
        &[
            "check",
            "--endpoint",
            &format!("{base}/latest.json"),
            "--pubkey",
            &key,
            "--current-version",
            "1.0.0",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: plain http was refused: pass --insecure-transport to allow it: endpoint `{base}/latest.json` must use https (scheme is `http`); allow insecure transport to use it anyway\n"
        )
    );
}

// 9. The manifest a user is told to publish validates; 11: notes files, directories, dates.
#[test]
fn manifest_for_serve_validates_and_reads_directories() {
    let dir = with_key();
    let work = dir.path();
    let release = work.join("releases/1.1.0");
    fs::create_dir_all(&release).unwrap();
    fs::write(release.join("App_1.1.0_amd64.AppImage"), ELF).unwrap();
    fs::write(
        release.join("App_1.1.0_amd64.deb"),
        b"!<arch>\ndebian-binary   ",
    )
    .unwrap();
    fs::write(
        release.join("unsigned_1.1.0_amd64.rpm"),
        b"\xed\xab\xee\xdb",
    )
    .unwrap();
    for file in ["App_1.1.0_amd64.AppImage", "App_1.1.0_amd64.deb"] {
        let path = format!("releases/1.1.0/{file}");
        let (code, _, stderr) = run_in(
            work,
            &["sign", &path, "-k", "app.key", "--app-version", "1.1.0"],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    fs::write(work.join("NOTES.md"), "# 1.1.0\n\n- Fixes\n").unwrap();

    let (code, stdout, stderr) = run_in(
        work,
        &[
            "manifest",
            "releases/1.1.0",
            "--app-version",
            "1.1.0",
            "--notes-file",
            "NOTES.md",
            "--for-serve",
            "--pubkey",
            "app.key.pub",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("wrote releases/1.1.0/latest.json (version 1.1.0)\n"),
        "{stdout}"
    );
    let written: serde_json::Value =
        serde_json::from_slice(&fs::read(release.join("latest.json")).unwrap()).unwrap();
    assert_eq!(written["notes"], "# 1.1.0\n\n- Fixes\n");
    let keys: Vec<&String> = written["platforms"].as_object().unwrap().keys().collect();
    // The AppImage and the deb (each under its own key and the plain one for the first); not
    // the unsigned rpm.
    assert!(
        keys.contains(&&"linux-x86_64-appimage".to_owned()),
        "{keys:?}"
    );
    assert!(keys.contains(&&"linux-x86_64-deb".to_owned()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("rpm")), "{keys:?}");

    let manifest = "releases/1.1.0/latest.json";
    let (code, stdout, _) = run_in(work, &["validate", manifest]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("error[invalid_url]"), "{stdout}");
    let (code, stdout, stderr) = run_in(work, &["validate", manifest, "--for-serve", "--strict"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, _) = run_in(
        work,
        &[
            "validate",
            manifest,
            "--base-url",
            "https://updates.example.com/1.1.0/",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stdout}");

    // A date in the future is worth a warning.
    let future = work.join("future.json");
    fs::write(
        &future,
        r#"{"version":"1.0.0","pub_date":"2999-01-01T00:00:00Z","url":"https://x.example.com/a","signature":""}"#,
    )
    .unwrap();
    let (code, stdout, _) = run_in(work, &["validate", "future.json", "--json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let codes: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"future_pub_date"), "{codes:?}");
}

// 10. One name per concept; old spellings still work.
#[test]
fn flags_have_one_name_and_the_old_ones_still_work() {
    let dir = with_key();
    let work = dir.path();
    fs::write(work.join("App_1.1.0_amd64.AppImage"), ELF).unwrap();
    // Short flags as the peers have them: -k key, -p password (and Tauri's -f for the key path).
    let (code, _, stderr) = run_in(
        work,
        &[
            "sign",
            "App_1.1.0_amd64.AppImage",
            "-f",
            "app.key",
            "-p",
            "",
            "--app-version",
            "1.1.0",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // `--version` of `manifest` and `verify` is the release's, as it was.
    let (code, _, stderr) = run_in(
        work,
        &[
            "manifest",
            "App_1.1.0_amd64.AppImage",
            "--version",
            "1.1.0",
            "--for-serve",
            "-o",
            "out.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(work.join("out.json").is_file());
    let (code, _, stderr) = run_in(
        work,
        &[
            "verify",
            "App_1.1.0_amd64.AppImage",
            "--pubkey",
            "app.key.pub",
            "--version",
            "1.1.0",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run_in(
        work,
        &[
            "verify",
            "App_1.1.0_amd64.AppImage",
            "--pubkey",
            "app.key.pub",
            "--version",
            "1.2.0",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    // The hidden spellings are not advertised.
    let (_, help, _) = run_in(work, &["manifest", "--help"]);
    assert!(help.contains("--app-version <V>"), "{help}");
    assert!(!help.contains("--version"), "{help}");
    // `-V` is the program's version, at the top only.
    let (code, stdout, _) = run_in(work, &["-V"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("upkit {}\n", env!("CARGO_PKG_VERSION")));
    for command in ["sign", "check", "manifest", "verify"] {
        let (code, _, stderr) = run_in(work, &[command, "-V"]);
        assert_eq!(code, 2, "{command}");
        assert!(
            stderr.starts_with("error: unexpected argument '-V' found"),
            "{stderr}"
        );
    }
}

// 11. `upkit serve` errors that name their cause.
#[test]
fn serve_names_a_busy_address_and_diagnoses_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (code, _, stderr) = run_in(dir.path(), &["serve", ".", "--listen", &addr]);
    assert_eq!(code, 2);
    assert!(
        stderr.ends_with(&format!(
            "error: cannot listen on {addr}: Address already in use (os error 98)\n"
        )),
        "{stderr}"
    );

    // A manifest with a byte-order mark: validate's diagnostic in the start-up log.
    fs::write(
        dir.path().join("latest.json"),
        "\u{feff}{\"version\":\"1.0.0\",\"url\":\"https://x.example.com/a\",\"signature\":\"\"}",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(["serve", ".", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    use std::io::BufRead as _;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut out)
        .unwrap();
    assert!(out.starts_with("listening on "), "{out}");
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(
        log.contains("skipping latest.json: the body starts with a UTF-8 byte-order mark"),
        "{log}"
    );
    assert!(!log.contains("expected value at line 1 column 1"), "{log}");
}
