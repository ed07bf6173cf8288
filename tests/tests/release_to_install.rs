//! The whole path across the crates, as a Tauri user switching to upkit would walk it: a key made
//! by the real Tauri CLI signs a release; `upkit::release` writes its manifest; `upkit::serve`
//! publishes it on 127.0.0.1; an app configured by a `tauri.conf.json` checks, downloads,
//! verifies and installs it; then a tampered release is refused and the installed app is left
//! as it was.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use upkit::core::signature::SignedVersion;
use upkit::core::target::{Arch, Installer, Os};
use upkit::core::version::{self, Version};
use upkit::install::{InstallOptions, install};
use upkit::keys::{SecretKey, sign_file};
use upkit::release::{Artifact, Merge, Platform, ReleaseInfo, merge};
use upkit::serve::{Config, Server};
use upkit::updater::UpdaterBuilder;
use upkit_fixtures::{TauriCli, tauri_cli, test_name};

const APP: &str = "MyApp_amd64.AppImage";

/// A small ELF-looking program body, distinct per version.
fn program(version: &str) -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    for i in 0..40_000u32 {
        bytes.extend_from_slice(format!("{version}:{i};").as_bytes());
    }
    bytes
}

fn tauri_secret_key(v: &TauriCli) -> SecretKey {
    SecretKey::load(v.path("keys/secret.key"), "correct horse").expect("the Tauri CLI's key loads")
}

/// Signs `bytes` as release `version` in `releases/<version>/` and writes its manifest there.
fn publish(v: &TauriCli, releases: &Path, version: &str, bytes: &[u8]) -> PathBuf {
    let dir = releases.join(version);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join(APP);
    fs::write(&file, bytes).unwrap();
    sign_file(&tauri_secret_key(v), &file, Some(version)).unwrap();
    let v = version::parse(version).unwrap();
    let artifact =
        Artifact::read(&file, Platform::Infer, &v, SignedVersion::Required, None).unwrap();
    let info = ReleaseInfo {
        version: v,
        notes: Some(format!("release {version}")),
        pub_date: None,
        now: time::OffsetDateTime::UNIX_EPOCH,
        base_url: None,
    };
    let json = merge(None, &info, &[artifact], Merge::Replace).unwrap();
    fs::write(dir.join("latest.json"), json).unwrap();
    file
}

fn tauri_conf(v: &TauriCli, port: u16) -> String {
    serde_json::json!({
        "bundle": { "createUpdaterArtifacts": true },
        "plugins": { "updater": {
            "pubkey": v.text("keys/secret.key.pub"),
            "endpoints": [
                format!("http://127.0.0.1:{port}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}")
            ],
            "dangerousInsecureTransportProtocol": true,
            "requireSignedVersion": true
        }}
    })
    .to_string()
}

fn updater(v: &TauriCli, port: u16, current: &Version) -> upkit::updater::Updater {
    UpdaterBuilder::from_tauri_config(&tauri_conf(v, port), current.clone())
        .unwrap()
        .os(Os::Linux)
        .arch(Arch::X86_64)
        .installer(Some(Installer::AppImage))
        .build()
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tauri_signed_release_is_served_downloaded_verified_and_installed() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let releases = tmp.path().join("releases");
    let downloads = tmp.path().join("downloads");
    fs::create_dir_all(&downloads).unwrap();

    // The installed app, version 1.0.0, with its own mode.
    let installed = tmp.path().join("app").join("MyApp.AppImage");
    fs::create_dir_all(installed.parent().unwrap()).unwrap();
    fs::write(&installed, program("1.0.0")).unwrap();
    fs::set_permissions(&installed, fs::Permissions::from_mode(0o750)).unwrap();

    publish(&v, &releases, "1.1.0", &program("1.1.0"));

    let server = Server::bind("127.0.0.1:0".parse().unwrap(), Config::new(&releases))
        .await
        .unwrap();
    let port = server.local_addr().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));

    // Check and download: the update server decides with the same core as the client.
    let v100 = version::parse("1.0.0").unwrap();
    let update = updater(&v, port, &v100)
        .check()
        .await
        .unwrap()
        .expect("1.1.0 is offered");
    assert_eq!(update.version().to_string(), "1.1.0");
    assert_eq!(update.notes(), Some("release 1.1.0"));
    assert_eq!(update.download_url().path(), format!("/1.1.0/{APP}"));
    let mut events = 0;
    let artifact = update.download(&downloads, |_| events += 1).await.unwrap();
    assert!(events >= 2, "progress reports start and end, got {events}");
    assert_eq!(artifact.proof().trusted_comment().version(), Some("1.1.0"));
    assert_eq!(artifact.proof().trusted_comment().file(), Some(APP));
    assert_eq!(fs::read(artifact.path()).unwrap(), program("1.1.0"));
    assert_eq!(files_in(&downloads), [APP]);

    // Install over the old version: new bytes, old mode.
    let options = InstallOptions::new()
        .installer(Installer::AppImage)
        .install_path(&installed);
    install(&artifact, &options).unwrap();
    assert_eq!(fs::read(&installed).unwrap(), program("1.1.0"));
    assert_eq!(
        fs::metadata(&installed).unwrap().permissions().mode() & 0o777,
        0o750
    );
    assert_eq!(files_in(installed.parent().unwrap()), ["MyApp.AppImage"]);

    // Now up to date: the server answers 204.
    let v110 = version::parse("1.1.0").unwrap();
    assert!(updater(&v, port, &v110).check().await.unwrap().is_none());

    // A release tampered with after signing is offered, then refused; nothing is left behind.
    let file = publish(&v, &releases, "1.2.0", &program("1.2.0"));
    let mut tampered = fs::read(&file).unwrap();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    fs::write(&file, tampered).unwrap();
    let update = updater(&v, port, &v110)
        .check()
        .await
        .unwrap()
        .expect("1.2.0 is offered");
    fs::remove_file(artifact.path()).unwrap();
    let err = update.download(&downloads, |_| {}).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the artifact from http://127.0.0.1:{port}/1.2.0/{APP} failed verification: \
             file does not match its signature by key {}: its bytes differ from the signed ones ({} bytes read)",
            v.key_id("secret"),
            program("1.2.0").len()
        )
    );
    assert!(
        files_in(&downloads).is_empty(),
        "no temp file is left: {:?}",
        files_in(&downloads)
    );
    assert_eq!(fs::read(&installed).unwrap(), program("1.1.0"));

    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
}
