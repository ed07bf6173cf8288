//! `upkit check --config`: a Tauri configuration read as Tauri's build reads it (platform files
//! merged, JSON5 and TOML, `version`), against a real update server on loopback.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use cli_support::serve;

mod cli_support;

/// `upkit check --config CONFIG --insecure-transport --arch x86_64 EXTRA...`: exit code, stdout,
/// stderr.
fn check(config: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["check".as_ref(), "--config".as_ref(), config.as_os_str()];
    args.extend(["--insecure-transport", "--arch", "x86_64"].map(OsStr::new));
    args.extend(extra.iter().map(OsStr::new));
    cli_support::upkit(args)
}

/// A port nothing listens on (the discard port, refused on loopback).
const DEAD: &str = "http://127.0.0.1:9/latest.json";

struct Setup {
    _server: tokio::runtime::Runtime,
    url: String,
    pubkey: String,
    releases: tempfile::TempDir,
    app: tempfile::TempDir,
}

fn setup() -> Setup {
    let releases = tempfile::tempdir().unwrap();
    let pubkey = cli_support::publish(
        releases.path(),
        b"\x7fELF version 2",
        &["linux-x86_64", "windows-x86_64", "darwin-x86_64"],
    );
    let (server, base) = serve(releases.path());
    let url = format!("{base}/latest.json");
    Setup {
        _server: server,
        url,
        pubkey,
        releases,
        app: tempfile::tempdir().unwrap(),
    }
}

impl Setup {
    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.app.path().join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn main_config(&self, endpoint: &str, version: Option<&str>) -> std::path::PathBuf {
        let mut config = serde_json::json!({"plugins": {"updater": {
            "pubkey": self.pubkey, "endpoints": [endpoint],
        }}});
        if let Some(version) = version {
            config["version"] = version.into();
        }
        self.write("tauri.conf.json", &config.to_string())
    }
}

#[test]
fn the_platform_file_is_merged_for_the_target() {
    let s = setup();
    // The main file points at nothing; Linux's and Windows' files point at the server.
    let main = s.main_config(DEAD, Some("1.0.0"));
    s.write(
        "tauri.linux.conf.json",
        &format!(
            r#"{{"plugins": {{"updater": {{"endpoints": ["{}"]}}}}}}"#,
            s.url
        ),
    );
    // JSON5, as Tauri reads `.json5` files: comments, unquoted keys, trailing commas.
    s.write(
        "tauri.windows.conf.json5",
        &format!(
            "// Windows\n{{plugins: {{updater: {{endpoints: ['{}'],}},}},}}\n",
            s.url
        ),
    );
    for target in ["linux", "windows"] {
        let (code, stdout, stderr) = check(&main, &["--target", target]);
        assert_eq!(code, 0, "{target}: {stderr}");
        assert!(
            stdout.starts_with(&format!(
                "update available: 1.0.0 -> 2.0.0 ({target}-x86_64)\n"
            )),
            "{stdout}"
        );
    }
    // macOS has no file of its own: the main file's endpoint, which refuses connections.
    let (code, _, stderr) = check(&main, &["--target", "darwin"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(DEAD), "{stderr}");
    // The directory holding the configuration reads the same.
    let (code, stdout, stderr) = check(s.app.path(), &["--target", "linux"]);
    assert_eq!(
        (code, &stdout[..24]),
        (0, "update available: 1.0.0 "),
        "{stderr}"
    );
    // A file of another name is the whole configuration: no platform file.
    let other = s.app.path().join("release.json");
    fs::copy(&main, &other).unwrap();
    let (code, _, stderr) = check(&other, &["--target", "linux"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(DEAD), "{stderr}");
    // A `null` in the platform file removes the key (JSON Merge Patch): here, the key.
    s.write(
        "tauri.linux.conf.json",
        r#"{"plugins": {"updater": {"pubkey": null}}}"#,
    );
    let (code, _, stderr) = check(&main, &["--target", "linux"]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: in {} (with {} merged): invalid tauri configuration: invalid `plugins.updater`: missing field `pubkey`\n",
                main.display(),
                s.app.path().join("tauri.linux.conf.json").display()
            )
        )
    );
}

#[test]
fn the_current_version_comes_from_the_config() {
    let s = setup();
    // A version, or a package.json beside the configuration's directory, as Tauri reads it.
    let main = s.main_config(&s.url, Some("2.0.0"));
    let (code, stdout, stderr) = check(&main, &[]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "up to date (2.0.0)\n"),
        "{stderr}"
    );
    fs::write(
        s.releases.path().join("package.json"),
        r#"{"version": "1.5.0"}"#,
    )
    .unwrap();
    let relative = format!(
        "../{}/package.json",
        s.releases.path().file_name().unwrap().to_str().unwrap()
    );
    let main = s.main_config(&s.url, Some(&relative));
    let (code, stdout, stderr) = check(&main, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.5.0 -> 2.0.0 "),
        "{stdout}"
    );
    // The flag wins.
    let (code, stdout, _) = check(&main, &["--current-version", "2.0.0"]);
    assert_eq!((code, stdout.as_str()), (0, "up to date (2.0.0)\n"));

    let refused = |version: Option<&str>| {
        let main = s.main_config(&s.url, version);
        let (code, stdout, stderr) = check(&main, &[]);
        assert_eq!((code, stdout.as_str()), (2, ""));
        stderr.replace(&main.display().to_string(), "CONFIG")
    };
    assert_eq!(
        refused(None),
        "error: --current-version is required: CONFIG has no `version` (Tauri then takes the version of the app's Cargo.toml)\n"
    );
    assert_eq!(
        refused(Some("v1.0.0")),
        "error: in CONFIG: `version` must be a SemVer version, found `v1.0.0`: unexpected character 'v' while parsing major version number\n"
    );
    fs::write(s.releases.path().join("package.json"), r#"{"name": "app"}"#).unwrap();
    assert_eq!(
        refused(Some(&relative)),
        format!(
            "error: in CONFIG: {}, named by `version`, has no `version` string\n",
            s.app.path().join(&relative).display()
        )
    );
    // `--current-version` stands in for a `version` that does not resolve.
    let (code, stdout, stderr) = check(&main, &["--current-version", "1.0.0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 "),
        "{stdout}"
    );
    assert_eq!(
        refused(Some("../nowhere/package.json")),
        format!(
            "error: in CONFIG: `version` `../nowhere/package.json` is neither a SemVer version nor a file ({} does not exist)\n",
            s.app.path().join("../nowhere/package.json").display()
        )
    );
    assert_eq!(
        refused(Some("")),
        "error: in CONFIG: `version` must be a SemVer version, found ``: empty string, expected a semver version\n"
    );
}

#[test]
fn json5_and_toml_as_tauri_reads_them() {
    let s = setup();
    // JSON5 in a `.json` file, and a byte order mark: Tauri falls back to JSON5.
    let main = s.write(
        "tauri.conf.json",
        &format!(
            "\u{feff}{{\n  // the updater\n  \"version\": \"1.0.0\",\n  \"plugins\": {{\"updater\": {{\"pubkey\": \"{}\", \"endpoints\": [\"{}\"],}},}},\n}}\n",
            s.pubkey, s.url
        ),
    );
    let (code, stdout, stderr) = check(&main, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 "),
        "{stdout}"
    );
    // Neither JSON nor JSON5: the JSON error.
    let broken = s.write("tauri.conf.json", "{\"plugins\": }");
    let (code, _, stderr) = check(&broken, &["--current-version", "1.0.0"]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: in {}: invalid tauri configuration: the configuration is not JSON: expected value at line 1 column 13\n",
                broken.display()
            )
        )
    );
    fs::remove_file(&broken).unwrap();
    // Tauri.toml, found in the directory when there is no tauri.conf.json.
    s.write(
        "Tauri.toml",
        &format!(
            "version = \"1.0.0\"\n[plugins.updater]\npubkey = \"{}\"\nendpoints = [\"{}\"]\n",
            s.pubkey, s.url
        ),
    );
    let (code, stdout, stderr) = check(s.app.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 "),
        "{stdout}"
    );
    fs::remove_file(s.app.path().join("Tauri.toml")).unwrap();
    let (code, _, stderr) = check(s.app.path(), &[]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: no tauri.conf.json, tauri.conf.json5 or Tauri.toml in {}\n",
                s.app.path().display()
            )
        )
    );
}
