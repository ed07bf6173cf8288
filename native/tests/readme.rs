//! The README's CLI quick start runs as written: its first `sh` block is extracted and run by
//! bash in an empty directory, with the `upkit` under test first on the `PATH`.

mod cli_support;

use std::fs;
use std::path::Path;
use std::process::Command;

/// The first ```sh block after the heading `heading` of the README.
fn block_after(heading: &str) -> String {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no `{heading}` in README.md"))
        .1;
    let block = section.split_once("\n```sh\n").expect("a ```sh block").1;
    block
        .split_once("\n```\n")
        .expect("a closed block")
        .0
        .to_owned()
}

#[test]
fn the_cli_quick_start_runs_as_written() {
    let script = block_after("## Quick start: the CLI (release engineers)");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("quick-start.sh"), &script).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_upkit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // A free port for the server the script starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = cli_support::isolated(&mut Command::new("timeout"))
        .args(["120", "bash", "-euo", "pipefail", "quick-start.sh"])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("PORT", port.to_string())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the quick start failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("update available: 1.0.0 -> 1.1.0 (linux)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\ninstalled 1.1.0: replaced the AppImage at "),
        "{stdout}"
    );
    // The installed app is now the 1.1.0 artifact.
    assert_eq!(
        fs::read(dir.path().join("installed/MyApp.AppImage")).unwrap(),
        fs::read(dir.path().join("build/MyApp_1.1.0_amd64.AppImage")).unwrap()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("releases/1.1.0/latest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["notes"], "- Starts twice as fast\n");
    let mut keys: Vec<&String> = manifest["platforms"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "darwin-aarch64",
            "darwin-aarch64-app",
            "linux-x86_64",
            "linux-x86_64-appimage"
        ]
    );
    // The server the script started is gone (its EXIT trap).
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the quick start left its server running"
    );
}
