//! The real app (wry, WebKitGTK) under Xvfb, updating itself from 1.0.0 to 1.1.0 through
//! `upkit serve` on 127.0.0.1, installed as an AppImage-style executable (`$APPIMAGE` pointing
//! at it, its bundle type written into the binary as Tauri's bundler writes it). Three runs: the
//! unmodified `@tauri-apps/plugin-updater` (`downloadAndInstall`), the global API
//! (`window.__TAURI_PLUGIN_UPDATER__`, `download` then `install`), and the Rust API. Each time the
//! app exits 0 (updated), and the installed file then runs as 1.1.0 and exits 2 (up to date).
//!
//! The two builds of the app come from `./scripts/test tauri` (`UPKIT_TAURI_APP_V1`,
//! `UPKIT_TAURI_APP_V2`); without them this test says it did not run (and fails under CI=true).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Keys, Server};

const ARTIFACT: &str = "upkit-tauri-app_1.1.0_amd64.AppImage";

/// The app's binaries, or why this test cannot run.
fn builds() -> Option<(PathBuf, PathBuf)> {
    let v1 = std::env::var_os("UPKIT_TAURI_APP_V1").map(PathBuf::from);
    let v2 = std::env::var_os("UPKIT_TAURI_APP_V2").map(PathBuf::from);
    let why = match (&v1, &v2) {
        (Some(v1), Some(v2)) if v1.is_file() && v2.is_file() => {
            return Some((v1.clone(), v2.clone()));
        }
        _ => {
            "UPKIT_TAURI_APP_V1 and UPKIT_TAURI_APP_V2 do not name the app's 1.0.0 and 1.1.0 builds (./scripts/test tauri makes them)"
        }
    };
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "real_app: {why}"
    );
    let line = format!("skipped: upkit-tauri-app real_app: {why}\n");
    eprint!("{line}");
    if let Some(file) = std::env::var_os("UPKIT_SKIPPED") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(file)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
    None
}

/// `binary`'s bytes as Tauri's bundler leaves them in an AppImage: the bundle-type marker that
/// `tauri::utils::platform::bundle_type()` reads says `APP` (AppImage).
fn as_appimage(binary: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(binary).unwrap();
    let (unknown, appimage) = (
        b"__TAURI_BUNDLE_TYPE_VAR_UNK",
        b"__TAURI_BUNDLE_TYPE_VAR_APP",
    );
    let mut found = 0;
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(unknown.len()).position(|w| w == unknown) {
        bytes[i + at..i + at + unknown.len()].copy_from_slice(appimage);
        i += at + unknown.len();
        found += 1;
    }
    assert!(found > 0, "no bundle-type marker in {}", binary.display());
    bytes
}

fn install(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the installed app under Xvfb (at most two minutes); its exit code and stdout.
fn run(installed: &Path, mode: &str, config: &Value) -> (i32, String) {
    let output = Command::new("timeout")
        .args(["--kill-after=5", "120", "xvfb-run", "-a"])
        .arg(installed)
        .env("APPIMAGE", installed)
        .env("UPKIT_APP_MODE", mode)
        .env("UPKIT_APP_UPDATER_CONFIG", config.to_string())
        .env_remove("UPKIT_TAURI_APP_V1")
        .env_remove("UPKIT_TAURI_APP_V2")
        .output()
        .expect("timeout and xvfb-run are installed");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "--- {mode} stdout:\n{stdout}--- stderr (tail):\n{}",
        tail(&stderr, 2000)
    );
    (output.status.code().unwrap_or(-1), stdout)
}

fn tail(text: &str, n: usize) -> &str {
    let start = text.len().saturating_sub(n);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[start..]
}

/// The app's `report` line, as JSON.
fn report(stdout: &str) -> Value {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("report "))
        .unwrap_or_else(|| panic!("no report in {stdout:?}"));
    serde_json::from_str(line).unwrap()
}

/// One `Started` with the length, `Progress` chunks adding up to it, one `Finished`.
fn assert_events(events: &Value, len: u64) {
    let events = events.as_array().unwrap();
    assert!(events.len() >= 3, "{events:?}");
    assert_eq!(events[0]["event"], "Started", "{events:?}");
    assert_eq!(events[0]["data"]["contentLength"], len, "{events:?}");
    assert_eq!(events[events.len() - 1]["event"], "Finished", "{events:?}");
    let sum: u64 = events[1..events.len() - 1]
        .iter()
        .map(|e| {
            assert_eq!(e["event"], "Progress", "{events:?}");
            e["data"]["chunkLength"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(sum, len);
}

#[test]
fn the_app_updates_itself_from_1_0_0_to_1_1_0_under_xvfb() {
    let Some((v1, v2)) = builds() else { return };
    let v1 = as_appimage(&v1);
    let v2 = as_appimage(&v2);
    let keys = Keys::generate();
    for mode in ["npm", "global", "rust"] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(&dir.path().join("releases"));
        server.publish("1.1.0", ARTIFACT, &v2, &keys.sign(&v2, ARTIFACT, "1.1.0"));
        let config = server.config(&keys.public);
        let installed = dir.path().join("Applications/upkit-tauri-app.AppImage");
        install(&installed, &v1);

        let (code, stdout) = run(&installed, mode, &config);
        assert!(
            stdout.starts_with("upkit-tauri-app 1.0.0\n"),
            "{mode}: {stdout}"
        );
        let outcome = report(&stdout);
        assert_eq!(
            (code, outcome["status"].as_str()),
            (0, Some("updated")),
            "{mode}: {outcome}"
        );
        if mode == "rust" {
            assert_eq!(outcome["downloaded"], v2.len() as u64, "{outcome}");
        } else {
            assert_eq!(outcome["api"], mode);
            assert_eq!(outcome["currentVersion"], "1.0.0");
            assert_eq!(outcome["version"], "1.1.0");
            assert_eq!(outcome["date"], "2026-12-01T10:00:00Z");
            assert_events(&outcome["events"], v2.len() as u64);
        }
        assert_eq!(
            std::fs::read(&installed).unwrap(),
            v2,
            "{mode}: the AppImage was replaced"
        );

        // The installed app is 1.1.0 now, and up to date.
        let (code, stdout) = run(&installed, mode, &config);
        assert!(
            stdout.starts_with("upkit-tauri-app 1.1.0\n"),
            "{mode}: {stdout}"
        );
        assert_eq!(
            (code, report(&stdout)["status"].as_str()),
            (2, Some("up-to-date")),
            "{mode}"
        );
    }
}
