//! `upkit bundle`: updater artifacts of contract section 8, listed, unpacked and verified.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use upkit::artifact::VerifiedArtifact;
use upkit::core::signature::{Keyring, Policy, PublicKey, Signature};
use upkit_fixtures::{TauriCli, tauri_cli, test_name};

fn upkit(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upkit"));
    command.args(args).stdin(Stdio::null());
    for name in [
        "UPKIT_SIGNING_PRIVATE_KEY",
        "UPKIT_SIGNING_PRIVATE_KEY_PASSWORD",
        "TAURI_SIGNING_PRIVATE_KEY",
        "TAURI_SIGNING_PRIVATE_KEY_PATH",
        "TAURI_SIGNING_PRIVATE_KEY_PASSWORD",
    ] {
        command.env_remove(name);
    }
    command.output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Inputs {
    dir: tempfile::TempDir,
    app: PathBuf,
    appimage: PathBuf,
    deb: PathBuf,
    rpm: PathBuf,
    nsis: PathBuf,
    msi: PathBuf,
}

/// A macOS bundle with an executable, a plist and a symlink, and one file per installer kind.
fn inputs() -> Inputs {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("My App.app");
    fs::create_dir_all(app.join("Contents/MacOS")).unwrap();
    fs::create_dir_all(app.join("Contents/Resources")).unwrap();
    let exe = app.join("Contents/MacOS/my-app");
    fs::write(&exe, b"#!/bin/sh\necho 1.0.0\n").unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(app.join("Contents/Info.plist"), b"<plist/>").unwrap();
    std::os::unix::fs::symlink("../MacOS/my-app", app.join("Contents/Resources/current")).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    Inputs {
        appimage: file("my-app_1.0.0_amd64.AppImage", b"\x7fELF appimage"),
        deb: file("my-app_1.0.0_amd64.deb", b"!<arch>\ndebian-binary   deb"),
        rpm: file("my-app-1.0.0-1.x86_64.rpm", b"\xed\xab\xee\xdb rpm"),
        nsis: file("My App_1.0.0_x64-setup.exe", b"MZ nsis"),
        msi: file(
            "My App_1.0.0_x64_en-US.msi",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 msi",
        ),
        app,
        dir,
    }
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", p.display()))
}

/// `upkit bundle INPUTS... --key <Tauri's key without password> --password "" EXTRA...`
fn bundle_with(v: &TauriCli, inputs: &[&str], extra: &[&str]) -> Output {
    let key = v.path("keys/nopass.key");
    let mut args = vec!["bundle"];
    args.extend(inputs);
    args.extend(["--key", path(&key), "--password", ""]);
    args.extend(extra);
    upkit(&args)
}

/// Every input, signed for 1.0.0.
fn bundle(v: &TauriCli, inputs: &Inputs, extra: &[&str]) -> Output {
    let all = [
        &inputs.app,
        &inputs.appimage,
        &inputs.deb,
        &inputs.rpm,
        &inputs.nsis,
        &inputs.msi,
    ]
    .map(|p| path(p));
    bundle_with(v, &all, &[&["--app-version", "1.0.0"], extra].concat())
}

/// Every listed payload verifies with the Tauri key under version 1.0.0.
fn check_signed(v: &TauriCli, payloads: &[PathBuf]) {
    let public = v.text("keys/nopass.key.pub");
    let keyring = Keyring::from(PublicKey::decode(&public).unwrap());
    let policy = Policy {
        expected_version: Some(upkit::core::version::parse("1.0.0").unwrap()),
        ..Policy::default()
    };
    for payload in payloads {
        let sig = fs::read_to_string(with_suffix(payload, ".sig")).unwrap();
        let sig = Signature::decode(&sig).unwrap();
        let name = payload.file_name().unwrap().to_str().unwrap();
        assert_eq!(sig.trusted_comment().file(), Some(name));
        let artifact = VerifiedArtifact::verify_file(payload, &keyring, &sig, &policy).unwrap();
        assert_eq!(artifact.path(), payload.as_path());
    }
}

fn listed(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn expected_listing(payloads: &[PathBuf]) -> Vec<String> {
    payloads
        .iter()
        .flat_map(|p| [p.display().to_string(), format!("{}.sig", p.display())])
        .collect()
}

#[test]
fn current_artifacts() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let inputs = inputs();
    let output = bundle(&v, &inputs, &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let payloads = vec![
        with_suffix(&inputs.app, ".tar.gz"),
        inputs.appimage.clone(),
        inputs.deb.clone(),
        inputs.rpm.clone(),
        inputs.nsis.clone(),
        inputs.msi.clone(),
    ];
    assert_eq!(listed(&output), expected_listing(&payloads));
    check_signed(&v, &payloads);
    // No v1 wrappers.
    let mut names: Vec<String> = fs::read_dir(inputs.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 13, "{names:?}");

    // The .app.tar.gz: top entry `My App.app/`, symlink kept, modes kept.
    let file = fs::File::open(with_suffix(&inputs.app, ".tar.gz")).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap() & 0o777;
        let link = entry.link_name().unwrap().map(|l| l.display().to_string());
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        entries.push((name, kind, mode, link, content));
    }
    assert_eq!(entries[0].0.trim_end_matches('/'), "My App.app");
    assert!(entries[0].1.is_dir());
    let find = |name: &str| {
        entries
            .iter()
            .find(|e| e.0 == name)
            .unwrap_or_else(|| panic!("{name} not in {entries:?}"))
    };
    let exe = find("My App.app/Contents/MacOS/my-app");
    assert_eq!(
        (exe.2, exe.4.as_slice()),
        (0o755, &b"#!/bin/sh\necho 1.0.0\n"[..])
    );
    let link = find("My App.app/Contents/Resources/current");
    assert!(link.1.is_symlink());
    assert_eq!(link.3.as_deref(), Some("../MacOS/my-app"));
    find("My App.app/Contents/Info.plist");
    assert!(entries.iter().all(|e| e.0.starts_with("My App.app")));

    // Unpacked, the symlink is a symlink.
    let out = tempfile::tempdir().unwrap();
    let file = fs::File::open(with_suffix(&inputs.app, ".tar.gz")).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(out.path())
        .unwrap();
    let unpacked = out.path().join("My App.app/Contents/Resources/current");
    assert_eq!(
        fs::read_link(&unpacked).unwrap(),
        Path::new("../MacOS/my-app")
    );
    assert_eq!(fs::read(&unpacked).unwrap(), b"#!/bin/sh\necho 1.0.0\n");
}

#[test]
fn v1_compatible_artifacts() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let inputs = inputs();
    let output = bundle(&v, &inputs, &["--v1-compatible"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let appimage_tar = with_suffix(&inputs.appimage, ".tar.gz");
    let nsis_zip = inputs.dir.path().join("My App_1.0.0_x64-setup.nsis.zip");
    let msi_zip = inputs.dir.path().join("My App_1.0.0_x64_en-US.msi.zip");
    let payloads = vec![
        with_suffix(&inputs.app, ".tar.gz"),
        inputs.appimage.clone(),
        appimage_tar.clone(),
        inputs.deb.clone(),
        inputs.rpm.clone(),
        inputs.nsis.clone(),
        nsis_zip.clone(),
        inputs.msi.clone(),
        msi_zip.clone(),
    ];
    assert_eq!(listed(&output), expected_listing(&payloads));
    check_signed(&v, &payloads);
    // Every archive has the mode of any new file (0666 less the umask), as the web server that
    // publishes it must read it: not the private 0600 of a temp file.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let probe = inputs.dir.path().join("probe");
    fs::File::create(&probe).unwrap();
    for archive in [
        with_suffix(&inputs.app, ".tar.gz"),
        appimage_tar.clone(),
        nsis_zip.clone(),
        msi_zip.clone(),
    ] {
        assert_eq!(mode(&archive), mode(&probe), "{}", archive.display());
    }

    // The AppImage tar holds the one AppImage.
    let file = fs::File::open(&appimage_tar).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries = archive.entries().unwrap();
    let mut entry = entries.next().unwrap().unwrap();
    assert_eq!(
        entry.path().unwrap().to_str(),
        Some("my-app_1.0.0_amd64.AppImage")
    );
    let mut content = Vec::new();
    entry.read_to_end(&mut content).unwrap();
    assert_eq!(content, b"\x7fELF appimage");
    drop(entry);
    assert!(entries.next().is_none());

    // The zips hold the one installer, stored, mode 0755.
    for (zip_path, name, bytes) in [
        (&nsis_zip, "My App_1.0.0_x64-setup.exe", &b"MZ nsis"[..]),
        (
            &msi_zip,
            "My App_1.0.0_x64_en-US.msi",
            &b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 msi"[..],
        ),
    ] {
        let mut archive = zip::ZipArchive::new(fs::File::open(zip_path).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), name);
        assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, bytes);
    }
}

/// Shells complete a bundle's name with a `/`: the archive still goes beside the bundle.
#[test]
fn a_trailing_slash_names_the_same_bundle() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let inputs = inputs();
    let app = format!("{}/", path(&inputs.app));
    let output = bundle_with(&v, &[&app], &["--app-version", "1.0.0"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let packed = with_suffix(&inputs.app, ".tar.gz");
    assert_eq!(
        listed(&output),
        expected_listing(std::slice::from_ref(&packed))
    );
    check_signed(&v, &[packed]);
    let mut inside: Vec<String> = fs::read_dir(&inputs.app)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    inside.sort();
    assert_eq!(inside, ["Contents"]);
}

#[test]
fn unknown_inputs_are_refused_before_anything_is_written() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let inputs = inputs();
    let other = inputs.dir.path().join("notes.txt");
    fs::write(&other, b"x").unwrap();
    let output = bundle_with(
        &v,
        &[path(&inputs.appimage), path(&other)],
        &["--app-version", "1.0.0"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: {} is not an updater input: expected a .app directory, .app.tar.gz, .AppImage, .deb, .rpm, -setup.exe or .msi\n",
            other.display()
        )
    );
    assert!(!with_suffix(&inputs.appimage, ".sig").exists());

    // A directory named like an installer, and a version no client could match: refused up
    // front too, with nothing written (not even the .app archive that comes first).
    let dir_input = inputs.dir.path().join("folder_1.0.0_amd64.AppImage");
    fs::create_dir(&dir_input).unwrap();
    let run = |input: &Path, version: &str| {
        bundle_with(
            &v,
            &[path(&inputs.app), path(input)],
            &["--v1-compatible", "--app-version", version],
        )
    };
    for (output, message) in [
        (
            run(&dir_input, "1.0.0"),
            format!("error: cannot read {}: not a file\n", dir_input.display()),
        ),
        (
            run(&inputs.appimage, "1.0"),
            "error: version `1.0` is not SemVer (unexpected end of input while parsing minor version number): clients would refuse an update signed for it\n".to_owned(),
        ),
    ] {
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(String::from_utf8(output.stderr).unwrap(), message);
    }
    assert!(!with_suffix(&inputs.app, ".tar.gz").exists());
    assert!(!with_suffix(&dir_input, ".tar.gz").exists());
}

/// A key made by `upkit keygen` without a password, in `dir`.
fn keygen(dir: &Path) -> PathBuf {
    let key = dir.join("release.key");
    let output = upkit(&["keygen", "-o", path(&key), "--no-password"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    key
}

/// Each entry of a `.tar.gz`: its path and its whole mode field.
fn modes(archive: &Path) -> Vec<(String, String)> {
    let file = fs::File::open(archive).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.path().unwrap().display().to_string();
            let mode = entry.header().mode().unwrap();
            (name.trim_end_matches('/').to_owned(), format!("{mode:04o}"))
        })
        .collect()
}

/// What a release tool does with the modes of a build tree (a umask of 000 on a build machine, a
/// `chmod -R 777`, a set-ID bit left by a packaging step): no group or other write bit reaches
/// the users' machines (0777 is 0755, 0666 is 0644), no set-user-ID or set-group-ID bit (an app
/// bundle has no business being set-ID, and the installers clear those bits anyway), the read and
/// execute bits as they were (a private 0600 file stays private), and a directory's sticky bit
/// kept. The AppImage's v1 tar alike.
#[test]
fn world_writable_and_set_id_modes_are_not_bundled_and_a_sticky_bit_is_kept() {
    use std::os::unix::fs::PermissionsExt as _;
    let inputs = inputs();
    let key = keygen(inputs.dir.path());
    let app = &inputs.app;
    let chmod =
        |p: &Path, mode: u32| fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    let file = |name: &str, mode: u32| {
        let p = app.join(name);
        fs::write(&p, b"x").unwrap();
        chmod(&p, mode);
    };
    let dir = |name: &str, mode: u32| {
        let p = app.join(name);
        fs::create_dir(&p).unwrap();
        chmod(&p, mode);
    };
    chmod(&app.join("Contents/MacOS/my-app"), 0o777);
    chmod(&app.join("Contents/Info.plist"), 0o666);
    file("Contents/Resources/private.key", 0o600);
    file("Contents/MacOS/helper", 0o4755);
    dir("Contents/Shared", 0o1777);
    dir("Contents/Group", 0o2775);
    file("Contents/Shared/cache", 0o1644);
    chmod(app, 0o777);
    chmod(&inputs.appimage, 0o777);
    let output = upkit(&[
        "bundle",
        path(app),
        path(&inputs.appimage),
        "--v1-compatible",
        "-k",
        path(&key),
        "--app-version",
        "1.0.0",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mut entries = modes(&with_suffix(app, ".tar.gz"));
    entries.sort();
    let expected: Vec<(String, String)> = [
        ("My App.app", 0o755),
        ("My App.app/Contents", 0o755),
        ("My App.app/Contents/Group", 0o755),
        ("My App.app/Contents/Info.plist", 0o644),
        ("My App.app/Contents/MacOS", 0o755),
        ("My App.app/Contents/MacOS/helper", 0o755),
        ("My App.app/Contents/MacOS/my-app", 0o755),
        ("My App.app/Contents/Resources", 0o755),
        ("My App.app/Contents/Resources/current", 0o755),
        ("My App.app/Contents/Resources/private.key", 0o600),
        ("My App.app/Contents/Shared", 0o1755),
        ("My App.app/Contents/Shared/cache", 0o644),
    ]
    .into_iter()
    .map(|(name, mode): (&str, u32)| (name.to_owned(), format!("{mode:04o}")))
    .collect();
    assert_eq!(entries, expected);
    assert_eq!(
        modes(&with_suffix(&inputs.appimage, ".tar.gz")),
        [("my-app_1.0.0_amd64.AppImage".to_owned(), "0755".to_owned())]
    );
}

/// A FIFO (or a device, a socket) in an app is no file any installer takes: refused, naming it,
/// and no archive written.
#[test]
fn a_fifo_in_an_app_is_refused() {
    let inputs = inputs();
    let key = keygen(inputs.dir.path());
    let fifo = inputs.app.join("Contents/Resources/pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let output = upkit(&[
        "bundle",
        path(&inputs.app),
        "-k",
        path(&key),
        "--app-version",
        "1.0.0",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let archive = with_suffix(&inputs.app, ".tar.gz");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "error: cannot write {}: {} is not a file, directory or symlink, which no installer takes\n",
            archive.display(),
            fifo.display()
        )
    );
    assert!(!archive.exists());
}
