//! `upkit manifest`: platform inference, explicit platforms, merging, and a result that passes
//! strict validation.

mod support;

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::Signer;
use upkit_core::manifest::{LintOptions, Strictness};
use upkit_core::signature::PublicKey;

/// Releases as the tests make them: a file whose content names it, signed for `version`.
trait Release {
    fn release(&self, dir: &Path, name: &str, version: &str) -> PathBuf;
}

impl Release for Signer {
    fn release(&self, dir: &Path, name: &str, version: &str) -> PathBuf {
        let trusted = format!("timestamp:1764400000\tfile:{name}\tversion:{version}");
        self.artifact(dir, name, format!("{name} {version}").as_bytes(), &trusted)
    }
}

fn upkit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upkit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sig(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.sig"))).unwrap()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn passes_strict(path: &Path, pubkey: &str) -> bool {
    let key = PublicKey::decode(pubkey).unwrap();
    let report = upkit_core::manifest::validate(
        &std::fs::read(path).unwrap(),
        &LintOptions::with_keys(vec![key]),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    report.passes(Strictness::Strict)
}

#[test]
fn infers_platforms_and_passes_strict_validation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let signer = Signer::new();
    for name in [
        "app_1.1.0_amd64.AppImage",
        "app_1.1.0_amd64.deb",
        "app-1.1.0-1.x86_64.rpm",
        "app_1.1.0_x64-setup.exe",
        "app_1.1.0_x64_en-US.msi",
        "App.app.tar.gz",
    ] {
        signer.release(dir, name, "1.1.0");
    }
    let pubkey = signer.pubkey();
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "1.1.0",
            "--notes",
            "Faster startup",
            "--pub-date",
            "2026-11-29T10:00:00Z",
            "--base-url",
            "https://cdn.example.com/app/1.1.0",
            "--pubkey",
            &pubkey,
            "app_1.1.0_amd64.AppImage",
            "app_1.1.0_amd64.AppImage.sig", // skipped
            "app_1.1.0_amd64.deb",
            "app-1.1.0-1.x86_64.rpm",
            "app_1.1.0_x64-setup.exe",
            "app_1.1.0_x64_en-US.msi",
            "--platform",
            "darwin-aarch64-app=App.app.tar.gz",
            "--platform",
            "darwin-x86_64-app=App.app.tar.gz",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("wrote latest.json (version 1.1.0)\n"),
        "{stdout}"
    );

    let base = "https://cdn.example.com/app/1.1.0/";
    let entry = |name: &str| {
        let size = std::fs::metadata(dir.join(name)).unwrap().len();
        serde_json::json!({"url": format!("{base}{name}"), "signature": sig(dir, name), "size": size})
    };
    let expected = serde_json::json!({
        "version": "1.1.0",
        "notes": "Faster startup",
        "pub_date": "2026-11-29T10:00:00Z",
        "platforms": {
            "linux-x86_64-appimage": entry("app_1.1.0_amd64.AppImage"),
            "linux-x86_64-deb": entry("app_1.1.0_amd64.deb"),
            "linux-x86_64-rpm": entry("app-1.1.0-1.x86_64.rpm"),
            "linux-x86_64": entry("app_1.1.0_amd64.AppImage"),
            "windows-x86_64-nsis": entry("app_1.1.0_x64-setup.exe"),
            "windows-x86_64-msi": entry("app_1.1.0_x64_en-US.msi"),
            "windows-x86_64": entry("app_1.1.0_x64-setup.exe"),
            "darwin-aarch64-app": entry("App.app.tar.gz"),
            "darwin-x86_64-app": entry("App.app.tar.gz"),
        }
    });
    assert_eq!(read_json(&dir.join("latest.json")), expected);
    let text = std::fs::read_to_string(dir.join("latest.json")).unwrap();
    assert!(text.starts_with(
        "{\n  \"version\": \"1.1.0\",\n  \"notes\": \"Faster startup\",\n  \"pub_date\""
    ));
    assert!(passes_strict(&dir.join("latest.json"), &pubkey));
    let out = upkit(
        dir,
        &["validate", "--strict", "--pubkey", &pubkey, "latest.json"],
    );
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

#[test]
fn merging_keeps_other_platforms_and_refuses_another_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let signer = Signer::new();
    signer.release(dir, "app_2.0.0_x64-setup.exe", "2.0.0");
    signer.release(dir, "app_2.0.0_amd64.deb", "2.0.0");
    signer.release(dir, "app_2.0.0_amd64.AppImage", "2.0.0");
    signer.release(dir, "app_2.0.0_aarch64.AppImage", "2.0.0");
    let base = "https://dl.example.com/";

    // The Windows job writes the file...
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.0.0",
            "--notes",
            "Two",
            "--base-url",
            base,
            "app_2.0.0_x64-setup.exe",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let first = read_json(&dir.join("latest.json"));
    let date = first["pub_date"].as_str().unwrap().to_owned();
    assert!(date.ends_with('Z'), "{date}");

    // ... the Linux job adds a deb: the plain key is the deb, the only Linux installer so far.
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "v2.0.0",
            "--base-url",
            base,
            "app_2.0.0_amd64.deb",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("updated latest.json (version 2.0.0)\n")
    );
    let m = read_json(&dir.join("latest.json"));
    assert_eq!(m["linux-x86_64"], serde_json::Value::Null);
    assert_eq!(
        m["platforms"]["linux-x86_64"]["url"],
        format!("{base}app_2.0.0_amd64.deb")
    );
    assert_eq!(
        m["platforms"]["windows-x86_64-nsis"],
        first["platforms"]["windows-x86_64-nsis"]
    );
    assert_eq!(m["notes"], "Two");
    assert_eq!(m["pub_date"], date.as_str());

    // ... then AppImages: the plain key moves to the preferred installer; nothing else changes.
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.0.0",
            "--base-url",
            base,
            "app_2.0.0_amd64.AppImage",
            "app_2.0.0_aarch64.AppImage",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let m = read_json(&dir.join("latest.json"));
    let keys: Vec<&str> = m["platforms"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "linux-aarch64",
            "linux-aarch64-appimage",
            "linux-x86_64",
            "linux-x86_64-appimage",
            "linux-x86_64-deb",
            "windows-x86_64",
            "windows-x86_64-nsis"
        ]
    );
    assert_eq!(
        m["platforms"]["linux-x86_64"]["url"],
        format!("{base}app_2.0.0_amd64.AppImage")
    );
    assert_eq!(
        m["platforms"]["linux-x86_64-deb"]["url"],
        format!("{base}app_2.0.0_amd64.deb")
    );
    assert!(passes_strict(&dir.join("latest.json"), &signer.pubkey()));

    // Another version would mix releases: refused, and the file is left as it was.
    let before = std::fs::read(dir.join("latest.json")).unwrap();
    signer.release(dir, "app_2.1.0_amd64.deb", "2.1.0");
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.1.0",
            "--base-url",
            base,
            "app_2.1.0_amd64.deb",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: latest.json announces version 2.0.0, not 2.1.0: its other platforms would offer 2.0.0's artifacts as 2.1.0; pass --replace to start it afresh\n"
    );
    assert_eq!(std::fs::read(dir.join("latest.json")).unwrap(), before);

    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.1.0",
            "--base-url",
            base,
            "--replace",
            "app_2.1.0_amd64.deb",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let m = read_json(&dir.join("latest.json"));
    let keys: Vec<&str> = m["platforms"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["linux-x86_64", "linux-x86_64-deb"]);
    assert_eq!(m["notes"], "");
}

/// A plain `{os}-{arch}` entry given on its own (`--platform`, or a hand-written manifest with
/// only plain keys) is what clients without an entry of their own get: adding an installer of
/// another kind must not take it over.
#[test]
fn a_plain_key_set_on_its_own_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let signer = Signer::new();
    signer.release(dir, "app_2.0.0_amd64.AppImage", "2.0.0");
    signer.release(dir, "app_2.0.0_amd64.deb", "2.0.0");
    let base = "https://dl.example.com/";
    let manifest = ["manifest", "--version", "2.0.0", "--base-url", base];
    let explicit = [
        &manifest[..],
        &["--platform", "linux-x86_64=app_2.0.0_amd64.AppImage"],
    ]
    .concat();
    let out = upkit(dir, &explicit);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = upkit(dir, &[&manifest[..], &["app_2.0.0_amd64.deb"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let m = read_json(&dir.join("latest.json"));
    let url = |key: &str| m["platforms"][key]["url"].as_str().map(str::to_owned);
    assert_eq!(
        (url("linux-x86_64"), url("linux-x86_64-deb")),
        (
            Some(format!("{base}app_2.0.0_amd64.AppImage")),
            Some(format!("{base}app_2.0.0_amd64.deb"))
        )
    );
}

/// The manifest is replaced whole, keeps the mode it had, and an error names the manifest, not
/// a temporary file.
#[test]
fn the_manifest_is_written_whole_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    Signer::new().release(dir, "app_2.0.0_amd64.deb", "2.0.0");
    let args = [
        "manifest",
        "--version",
        "2.0.0",
        "--for-serve",
        "app_2.0.0_amd64.deb",
    ];
    let out = upkit(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = dir.join("latest.json");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let probe = dir.join("probe");
    std::fs::File::create(&probe).unwrap();
    assert_eq!(mode(&manifest), mode(&probe));
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = upkit(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&manifest), 0o640);

    let out = upkit(
        dir,
        &[&args[..], &["--out", "missing/latest.json"]].concat(),
    );
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (
            Some(2),
            "note: the urls are bare file names: serve missing/latest.json with `upkit serve` (check it with `upkit validate --for-serve`)\n\
             error: missing/latest.json: No such file or directory (os error 2)\n"
                .into()
        )
    );
}

#[test]
fn refuses_what_clients_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let signer = Signer::new();
    let run = |args: &[&str]| {
        let mut all = vec!["manifest", "--base-url", "https://dl.example.com/"];
        all.extend_from_slice(args);
        let out = upkit(dir, &all);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(!dir.join("latest.json").exists());
        stderr(&out)
    };

    signer.release(dir, "app_1.0.0_amd64.AppImage", "1.0.0");
    assert_eq!(
        run(&["--version", "1.0.1", "app_1.0.0_amd64.AppImage"]),
        "error: `app_1.0.0_amd64.AppImage` was signed for version 1.0.0, not 1.0.1: clients would refuse it; sign it again with --app-version 1.0.1\n"
    );

    std::fs::write(dir.join("app_1.0.0_arm64.deb"), b"no signature").unwrap();
    assert_eq!(
        run(&["--version", "1.0.0", "app_1.0.0_arm64.deb"]),
        "error: app_1.0.0_arm64.deb.sig: No such file or directory (os error 2)\n"
    );

    // A directory has no bytes to offer; a name that is not UTF-8 has no URL naming it.
    std::fs::create_dir(dir.join("dir_1.0.0_amd64.deb")).unwrap();
    std::fs::write(
        dir.join("dir_1.0.0_amd64.deb.sig"),
        sig(dir, "app_1.0.0_amd64.AppImage"),
    )
    .unwrap();
    assert_eq!(
        run(&["--version", "1.0.0", "dir_1.0.0_amd64.deb"]),
        "error: dir_1.0.0_amd64.deb: not a file\n"
    );
    let odd = std::ffi::OsStr::from_bytes(b"app\xff_1.0.0_amd64.deb");
    std::fs::write(dir.join(odd), b"bytes").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .current_dir(dir)
        .args([
            "manifest",
            "--version",
            "1.0.0",
            "--base-url",
            "https://dl.example.com/",
        ])
        .arg(odd)
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (
            Some(2),
            "error: app\u{fffd}_1.0.0_amd64.deb: the file name is not UTF-8\n".into()
        )
    );

    // Bytes changed after signing: caught with --pubkey.
    let path = signer.release(dir, "app_1.0.0_x64-setup.exe", "1.0.0");
    std::fs::write(&path, b"tampered").unwrap();
    let key_id = PublicKey::decode(&signer.pubkey()).unwrap().key_id();
    assert_eq!(
        run(&[
            "--version",
            "1.0.0",
            "--pubkey",
            &signer.pubkey(),
            "app_1.0.0_x64-setup.exe"
        ]),
        format!(
            "error: `app_1.0.0_x64-setup.exe` does not verify: file does not match its signature by key {key_id}: its bytes differ from the signed ones (8 bytes read)\n"
        )
    );

    // Another key: named.
    let other = Signer::new();
    other.release(dir, "app_1.0.0_x64_en-US.msi", "1.0.0");
    let other_id = PublicKey::decode(&other.pubkey()).unwrap().key_id();
    assert_eq!(
        run(&[
            "--version",
            "1.0.0",
            "--pubkey",
            &signer.pubkey(),
            "app_1.0.0_x64_en-US.msi"
        ]),
        format!(
            "error: `app_1.0.0_x64_en-US.msi` does not verify: signature was made with key {other_id}, but the trusted key is {key_id}\n"
        )
    );

    signer.release(dir, "App.app.tar.gz", "1.0.0");
    assert_eq!(
        run(&["--version", "1.0.0", "App.app.tar.gz"]),
        "error: cannot tell the architecture of `App.app.tar.gz` from its name: give its key with --platform darwin-ARCH-app=App.app.tar.gz\n"
    );
    assert_eq!(
        run(&[
            "--version",
            "1.0.0",
            "--platform",
            "darwin-universal=App.app.tar.gz"
        ]),
        "error: `darwin-universal` is not a platform key clients look up: expected {os}-{arch} or {os}-{arch}-{installer} with os in linux, darwin, windows\n"
    );
    signer.release(dir, "app_1.0.0_amd64.AppImage.tar.gz", "1.0.0");
    assert_eq!(
        run(&[
            "--version",
            "1.0.0",
            "app_1.0.0_amd64.AppImage",
            "app_1.0.0_amd64.AppImage.tar.gz"
        ]),
        "error: `app_1.0.0_amd64.AppImage` and `app_1.0.0_amd64.AppImage.tar.gz` both claim the platform key `linux-x86_64-appimage`\n"
    );
    std::fs::write(dir.join("app_1.0.0_i686.rpm"), b"x").unwrap();
    std::fs::write(dir.join("app_1.0.0_i686.rpm.sig"), b"not a signature\n").unwrap();
    assert_eq!(
        run(&["--version", "1.0.0", "app_1.0.0_i686.rpm"]),
        "error: app_1.0.0_i686.rpm.sig: signature is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x20 at offset 3\n"
    );
    std::fs::write(dir.join("old.json"), b"<html>").unwrap();
    assert_eq!(
        run(&[
            "--version",
            "1.0.0",
            "--out",
            "old.json",
            "app_1.0.0_amd64.AppImage"
        ]),
        "error: cannot update old.json: not JSON: expected value at line 1 column 1\n"
    );
    std::fs::remove_file(dir.join("old.json")).unwrap();
    assert_eq!(
        run(&["--version", "1.0", "app_1.0.0_amd64.AppImage"]),
        "error: invalid version `1.0`: unexpected end of input while parsing minor version number\n"
    );
}

#[test]
fn notes_on_signatures_without_version_or_under_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let signer = Signer::new();
    signer.artifact(
        dir,
        "app_3.0.0_amd64.AppImage",
        b"x",
        "timestamp:1764400000\tfile:old.AppImage",
    );
    let args = [
        "manifest",
        "--version",
        "3.0.0",
        "--base-url",
        "https://dl.example.com/",
        "app_3.0.0_amd64.AppImage",
    ];
    // Refused as upkit's clients would refuse it, unless told.
    let out = upkit(dir, &args);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `app_3.0.0_amd64.AppImage` has no signed version: upkit's clients (and Tauri's with requireSignedVersion) would refuse it; sign it again with --app-version 3.0.0, or pass --no-app-version to publish it for clients that do not require one\n"
    );
    let out = upkit(dir, &[&args[..], &["--no-app-version"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: `app_3.0.0_amd64.AppImage` has no signed version: only clients that do not require one (Tauri's default) accept it\n\
         warning: `app_3.0.0_amd64.AppImage` was signed under the name `old.AppImage`: clients that bind file names will refuse it\n"
    );

    // Without a base url the urls would be bare names, which Tauri refuses: only on request.
    let bare = [
        "manifest",
        "--version",
        "3.0.0",
        "--out",
        "bare.json",
        "app_3.0.0_amd64.AppImage",
    ];
    let out = upkit(dir, &bare);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: the following required arguments were not provided:\n  <--base-url <URL>|--for-serve>\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("bare.json").exists());
    let out = upkit(
        dir,
        &[&bare[..], &["--for-serve", "--no-app-version"]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).ends_with(
        "note: the urls are bare file names: serve bare.json with `upkit serve` (check it with `upkit validate --for-serve`)\n"
    ));
    assert_eq!(
        read_json(&dir.join("bare.json"))["platforms"]["linux-x86_64"]["url"],
        "app_3.0.0_amd64.AppImage"
    );
}

/// Artifacts signed by the real Tauri CLI (`tauri signer sign --app-version 2.1.0`) go into a
/// manifest unchanged and verify with the Tauri key.
#[test]
fn takes_signatures_made_by_the_tauri_cli() {
    let Some(vectors) = upkit_fixtures::tauri_cli(upkit_fixtures::test_name!()) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sig =
        std::fs::read_to_string(vectors.path("sigs/secret/payload.txt.version-2.1.0.sig")).unwrap();
    std::fs::copy(vectors.path("files/payload.txt"), dir.join("payload.txt")).unwrap();
    std::fs::write(dir.join("payload.txt.sig"), &sig).unwrap();
    let pubkey = std::fs::read_to_string(vectors.path("keys/secret.key.pub")).unwrap();
    let key_path = vectors.path("keys/secret.key.pub");
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.1.0",
            "--base-url",
            "https://dl.example.com/",
            "--pubkey",
            key_path.to_str().unwrap(),
            "--platform",
            "linux-x86_64=payload.txt",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let m = read_json(&dir.join("latest.json"));
    assert_eq!(m["platforms"]["linux-x86_64"]["signature"], sig.as_str());
    assert!(passes_strict(&dir.join("latest.json"), &pubkey));

    // Bound to 2.1.0: refused for any other release.
    let out = upkit(
        dir,
        &[
            "manifest",
            "--version",
            "2.2.0",
            "--replace",
            "--for-serve",
            "--platform",
            "linux-x86_64=payload.txt",
        ],
    );
    assert_eq!(
        stderr(&out),
        "error: `payload.txt` was signed for version 2.1.0, not 2.2.0: clients would refuse it; sign it again with --app-version 2.2.0\n"
    );
}
