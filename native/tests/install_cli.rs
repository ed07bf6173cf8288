//! `upkit update` end to end: a real update server on loopback, the real `upkit` binary, a real
//! AppImage-style file replaced.

mod cli_support;
mod install_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{serve, upkit};
use install_support::{elf, mode, names, write_mode};

/// Publishes `new` as release 2.0.0 for AppImage clients; returns the key.
fn publish(dir: &Path, new: &[u8]) -> String {
    cli_support::publish(dir, new, &["linux-x86_64-appimage", "linux-x86_64"])
}

/// A release 2.0.0 holding `offered`, served on loopback, and an installed `Demo.AppImage`
/// (mode 0755) holding `installed`.
struct Installed {
    _releases: tempfile::TempDir,
    _server: tokio::runtime::Runtime,
    base: String,
    pubkey: String,
    apps: tempfile::TempDir,
    target: PathBuf,
}

fn installed(offered: &[u8], installed: &[u8]) -> Installed {
    let releases = tempfile::tempdir().unwrap();
    let pubkey = publish(releases.path(), offered);
    let apps = tempfile::tempdir().unwrap();
    let target = apps.path().join("Demo.AppImage");
    write_mode(&target, installed, 0o755);
    let (server, base) = serve(releases.path());
    Installed {
        _releases: releases,
        _server: server,
        base,
        pubkey,
        apps,
        target,
    }
}

#[test]
fn upkit_update_replaces_the_appimage_and_says_so() {
    let new = elf(300_000, 7);
    let Installed {
        base,
        pubkey,
        apps,
        target,
        ..
    } = &installed(&new, &elf(1000, 1));
    let endpoint = format!("{base}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}");
    let target_s = target.to_string_lossy().into_owned();
    let common = [
        "update",
        "--endpoint",
        &endpoint,
        "--insecure-transport",
        "--pubkey",
        pubkey,
        "--target",
        "linux",
        "--arch",
        "x86_64",
        "--bundle-type",
        "appimage",
    ];

    // A missing install path: refused before the check and the download, nothing replaced.
    let missing = apps.path().join("Missing.AppImage");
    let missing_s = missing.to_string_lossy().into_owned();
    let mut args = common.to_vec();
    args.extend(["--current-version", "1.0.0", "--install-path", &missing_s]);
    let (code, stdout, stderr) = upkit(&args);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "error: no installed app at {} (--install-path)\n",
            missing.display()
        )
    );

    // The real thing.
    let mut args = common.to_vec();
    args.extend(["--current-version", "1.0.0", "--install-path", &target_s]);
    let (code, stdout, stderr) = upkit(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "update available: 1.0.0 -> 2.0.0 (linux)");
    assert_eq!(
        lines[1],
        format!("  url:      {base}/Demo_2.0.0_amd64.AppImage")
    );
    assert!(lines[2].starts_with("verified: "), "{stdout}");
    assert_eq!(
        lines[3],
        format!(
            "installed 2.0.0: replaced the AppImage at {}",
            fs::canonicalize(target).unwrap().display()
        )
    );
    assert_eq!(fs::read(target).unwrap(), new);
    assert_eq!(mode(target), 0o755);
    assert_eq!(names(apps.path()), ["Demo.AppImage"]);

    // Up to date now.
    let mut args = common.to_vec();
    args.extend([
        "--current-version",
        "2.0.0",
        "--install-path",
        &target_s,
        "--json",
    ]);
    let (code, stdout, _) = upkit(&args);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "{\"available\":false,\"current_version\":\"2.0.0\"}\n"
    );
}

#[test]
fn upkit_update_takes_endpoints_key_and_downgrades_from_a_tauri_config() {
    let offered = elf(2000, 3);
    let old = elf(1000, 1);
    let Installed {
        base,
        pubkey,
        apps,
        target,
        ..
    } = &installed(&offered, &old);
    let config = |allow_downgrades: bool| {
        let file = apps
            .path()
            .join(format!("tauri-{allow_downgrades}.conf.json"));
        let json = serde_json::json!({"plugins": {"updater": {
            "pubkey": pubkey,
            // The static manifest: the dynamic route answers 204 to any current version that
            // is not older, as a server cannot know that the client takes downgrades.
            "endpoints": [format!("{base}/latest.json")],
            "allowDowngrades": allow_downgrades,
        }}});
        fs::write(&file, json.to_string()).unwrap();
        file.to_string_lossy().into_owned()
    };
    let target_s = target.to_string_lossy().into_owned();
    let update = |config: &str| {
        upkit([
            "update",
            "--config",
            config,
            "--insecure-transport",
            "--current-version",
            "3.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
            "--bundle-type",
            "appimage",
            "--install-path",
            &target_s,
            "--json",
        ])
    };

    // 2.0.0 is older than the running 3.0.0: no update, unless the config allows downgrades.
    let (code, stdout, stderr) = update(&config(false));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "{\"available\":false,\"current_version\":\"3.0.0\"}\n"
    );
    assert_eq!(fs::read(target).unwrap(), old);

    let (code, stdout, stderr) = update(&config(true));
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["version"], "2.0.0", "{stdout}");
    assert_eq!(report["current_version"], "3.0.0", "{stdout}");
    assert_eq!(fs::read(target).unwrap(), offered);
}

/// `upkit update --package NAME`: a deb holding another package is refused before the package
/// manager runs (so nothing here needs root; should that break, the package's unmet
/// pre-dependency still stops dpkg before it unpacks anything on this machine).
#[test]
fn upkit_update_refuses_another_products_package() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    fs::create_dir_all(tree.join("DEBIAN")).unwrap();
    fs::write(
        tree.join("DEBIAN/control"),
        "Package: upkit-other\nVersion: 2.0\nArchitecture: all\n\
         Maintainer: upkit tests <tests@example.com>\nDescription: another product\n\
         Pre-Depends: upkit-nonexistent\n",
    )
    .unwrap();
    let deb = work.path().join("other.deb");
    let built = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");

    let releases = tempfile::tempdir().unwrap();
    let pubkey = cli_support::publish(
        releases.path(),
        &fs::read(&deb).unwrap(),
        &["linux-x86_64-deb"],
    );
    let (_server, base) = serve(releases.path());
    let (code, stdout, stderr) = upkit([
        "update",
        "--endpoint",
        &format!("{base}/latest.json"),
        "--pubkey",
        &pubkey,
        "--insecure-transport",
        "--current-version",
        "1.0.0",
        "--target",
        "linux",
        "--arch",
        "x86_64",
        "--bundle-type",
        "deb",
        "--package",
        "upkit-hello",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: install failed, nothing was replaced: ")
            && last.ends_with(&format!(
                "/{} holds the deb package upkit-other, not upkit-hello, the app's: it would be installed beside the app",
                cli_support::ARTIFACT
            )),
        "{stderr}"
    );
}
