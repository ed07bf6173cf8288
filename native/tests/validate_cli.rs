//! `upkit validate`, run as a process: exit codes, human diagnostics, `--json`, `--strict`,
//! `--pubkey`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use upkit_fixtures::{TauriCli, real_world_manifests, tauri_cli, test_name};

fn upkit(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upkit"))
        .arg("validate")
        .args(args)
        .current_dir(dir)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn sig(v: &TauriCli, name: &str) -> String {
    v.text(&format!("sigs/{name}"))
}

/// A scratch directory holding `files`.
fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

#[test]
fn json_keeps_every_character() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    // DEL (0x7F), raw and escaped: JSON carries it unescaped, and a pipe must not lose it.
    let body = good_manifest(&v).replace(
        "\"version\"",
        "\"notes\": \"a\u{7f}b\\u007fc\",\n  \"version\"",
    );
    let dir = scratch(&[("latest.json", &body)]);
    let out = upkit(&["--json", "latest.json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["notes"], "a\u{7f}b\u{7f}c");
}

fn good_manifest(v: &TauriCli) -> String {
    format!(
        "{{\n  \"version\": \"v2.1.0\",\n  \"pub_date\": \"2026-11-29T09:30:00Z\",\n  \"platforms\": {{\n    \"linux-x86_64\": {{\"url\": \"https://e.com/a.AppImage\", \"signature\": \"{}\"}}\n  }}\n}}\n",
        sig(v, "secret/payload.txt.version-2.1.0.sig")
    )
}

#[test]
fn a_valid_manifest_exits_0() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let dir = scratch(&[("latest.json", &good_manifest(&v))]);
    let out = upkit(&["latest.json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "latest.json: valid static manifest, 1 platform, version 2.1.0 (0 errors, 0 warnings)\n"
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn an_invalid_manifest_exits_1_with_a_compiler_style_diagnostic() {
    let body =
        "{\n  \"version\": \"1.0\",\n\t\"url\": \"https://e.com/a.exe\", \"signature\": \"\"\n}\n";
    let dir = scratch(&[("answer.json", body)]);
    let out = upkit(&["answer.json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "\
error[invalid_version]: `/version` is not a SemVer version: \"1.0\" (unexpected end of input while parsing minor version number)
 --> answer.json:2:14
  |
2 |   \"version\": \"1.0\",
  |              ^
  = path: /version
  = hint: write MAJOR.MINOR.PATCH, e.g. `1.2.3` or `1.2.3-beta.1`

warning[missing_pub_date]: the manifest has no `pub_date`
 --> answer.json:1:1
  |
1 | {
  | ^
  = path: /pub_date
  = hint: add the release date, e.g. `\"pub_date\": \"2026-11-29T09:30:00Z\"`

warning[empty_signature]: `/signature` is empty, so every install fails verification
 --> answer.json:3:45
  |
3 | \t\"url\": \"https://e.com/a.exe\", \"signature\": \"\"
  | \t                                           ^
  = path: /signature
  = hint: put the content of the artifact's `.sig` file in `signature`

answer.json: invalid: Tauri refuses it (1 error, 2 warnings)
"
    );
}

#[test]
fn long_lines_are_cut_around_the_caret() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let body = format!(
        "{{\"version\":\"1.0.0\",\"pub_date\":\"2026-11-29T09:30:00Z\",\"notes\":\"{}\",\"url\":\"ftp://e.com/a.exe\",\"signature\":\"{}\"}}",
        "n".repeat(200),
        sig(&v, "secret/payload.txt.sig")
    );
    let dir = scratch(&[("long.json", &body)]);
    let out = upkit(&["long.json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "warning[insecure_url]: `/url` uses `ftp`, not `https`"
    );
    assert_eq!(lines[1], " --> long.json:1:271");
    assert_eq!(
        lines[3],
        "1 | …nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\",\"url\":\"ftp://e.com/a.exe\",\"signature\":\"dW50cnVzdGVkIGNvbW1lbnQ6IHN…"
    );
    assert_eq!(lines[4], format!("  | {}^", " ".repeat(41)));
}

#[test]
fn json_prints_one_object_per_file() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let Some(real) = real_world_manifests(test_name!()) else {
        return;
    };
    let dir = scratch(&[("latest.json", &good_manifest(&v))]);
    let clavis = real.join("ClavisPass__ClavisPass__updater.json");
    let out = upkit(
        &["--json", "latest.json", clavis.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let objects: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    assert_eq!(
        objects[0],
        serde_json::json!({
            "file": "latest.json",
            "valid": true,
            "format": "static",
            "version": "2.1.0",
            "notes": null,
            "pub_date": "2026-11-29T09:30:00Z",
            "platforms": {"linux-x86_64": {
                "url": "https://e.com/a.AppImage",
                "signature": sig(&v, "secret/payload.txt.version-2.1.0.sig"),
                "size": null,
            }},
            "url": null,
            "signature": null,
            "size": null,
            "errors": [],
            "warnings": [],
        })
    );
    assert_eq!(objects[1]["file"], clavis.to_str().unwrap());
    assert_eq!(objects[1]["valid"], false);
    assert_eq!(objects[1]["format"], Value::Null);
    assert_eq!(
        objects[1]["errors"][0],
        serde_json::json!({
            "code": "missing_field",
            "message": "`/platforms/windows-x86_64` has no `signature`",
            "path": "/platforms/windows-x86_64/signature",
            "line": 6,
            "column": 23,
        })
    );
    assert_eq!(objects[1]["errors"].as_array().unwrap().len(), 3);
}

#[test]
fn the_three_real_world_manifests_tauri_refuses() {
    let Some(real) = real_world_manifests(test_name!()) else {
        return;
    };
    for (name, code) in [
        (
            "Imzl-zl__xhs-updates__update_latest.json",
            "byte_order_mark",
        ),
        ("ClavisPass__ClavisPass__updater.json", "missing_field"),
        (
            "VirxEC__rlbot_gui_rust__docs_latest__first-version.json",
            "invalid_url",
        ),
    ] {
        let path = real.join(name);
        let out = upkit(&["--json", path.to_str().unwrap()], Path::new("."));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["errors"][0]["code"], code, "{name}");
    }
}

#[test]
fn every_other_real_world_manifest_passes() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .filter(|n| {
            !n.starts_with("Imzl-zl")
                && !n.starts_with("ClavisPass")
                && !n.ends_with("first-version.json")
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 21);
    let mut args = vec!["--json"];
    args.extend(names.iter().map(String::as_str));
    let out = upkit(&args, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout).lines().count(), 21);
}

#[test]
fn strict_makes_warnings_fail() {
    let dir = scratch(&[(
        "w.json",
        r#"{"version":"1.0.0","url":"https://e.com/a.exe","signature":""}"#,
    )]);
    assert_eq!(upkit(&["w.json"], dir.path()).status.code(), Some(0));
    let out = upkit(&["--strict", "w.json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).ends_with(
            "w.json: valid dynamic manifest, version 1.0.0 (0 errors, 2 warnings); warnings fail under --strict\n"
        ),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn pubkey_as_text_or_path() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let dir = scratch(&[("latest.json", &good_manifest(&v))]);
    let other = v.path("keys/nopass.key.pub");
    let own = v.text("keys/secret.key.pub");

    let out = upkit(
        &["--json", "--pubkey", other.to_str().unwrap(), "latest.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["warnings"],
        serde_json::json!([{
            "code": "key_mismatch",
            "message": format!(
                "`/platforms/linux-x86_64/signature` was made with key {}, not with {}",
                v.key_id("secret"),
                v.key_id("nopass")
            ),
            "path": "/platforms/linux-x86_64/signature",
            "line": 5,
            "column": 70,
        }])
    );
    assert_eq!(
        upkit(
            &[
                "--strict",
                "--pubkey",
                other.to_str().unwrap(),
                "latest.json"
            ],
            dir.path()
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        upkit(&["--strict", "--pubkey", &own, "latest.json"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        upkit(
            &[
                "--strict",
                "--pubkey",
                other.to_str().unwrap(),
                "--pubkey",
                &own,
                "latest.json"
            ],
            dir.path()
        )
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn a_bad_pubkey_is_a_usage_error() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let dir = scratch(&[("latest.json", &good_manifest(&v))]);
    let out = upkit(&["--pubkey", "not-a-key", "latest.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: invalid public key: public key is not base64 (standard alphabet, padded, no whitespace): invalid byte 0x2d at offset 3\n"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn the_help_says_what_the_exit_status_means() {
    let out = upkit(&["--help"], Path::new("."));
    assert_eq!(out.status.code(), Some(0));
    // Compared unwrapped: clap wraps the help to the terminal's width.
    let help = text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.ends_with("Exit status: 0 when every file passes, 1 when one does not (an unreadable file does not pass), 2 for bad arguments (such as a --pubkey that does not decode)."),
        "{help}"
    );
}

#[test]
fn an_unreadable_file_is_invalid() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let dir = scratch(&[("latest.json", &good_manifest(&v))]);
    let out = upkit(&["--json", "missing.json", "latest.json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: cannot read missing.json: "),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    // The fields of every report, in the same order.
    assert_eq!(
        lines[0],
        r#"{"file":"missing.json","valid":false,"format":null,"version":null,"notes":null,"pub_date":null,"platforms":null,"url":null,"signature":null,"size":null,"errors":[{"code":"unreadable","message":"cannot read missing.json: No such file or directory (os error 2)","path":"","line":0,"column":0}],"warnings":[]}"#
    );
    let valid: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(valid["valid"], true);
    // Written by hand, the unreadable object has the keys of the core's report.
    let keys = |line: &str| -> Vec<String> {
        let object: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        object.keys().cloned().collect()
    };
    assert_eq!(keys(lines[0]), keys(lines[1]));
}

#[test]
fn dash_reads_stdin() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(["validate", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(good_manifest(&v).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["file"], &report["version"]),
        (&"-".into(), &"2.1.0".into())
    );
}

#[test]
fn colour_only_when_asked_for_or_on_a_terminal() {
    let dir = scratch(&[("w.json", r#"{"version":"1.0"}"#)]);
    // Piped: plain text.
    assert!(!text(&upkit(&["w.json"], dir.path()).stdout).contains('\x1b'));
    let coloured = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(["validate", "w.json"])
        .current_dir(dir.path())
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stdout = text(&coloured.stdout);
    assert!(
        stdout.starts_with("\x1b[1m\x1b[31merror[missing_url]\x1b[0m"),
        "{stdout:?}"
    );
}

/// `upkit validate ... | head`: like other Unix tools, upkit ends quietly by SIGPIPE.
#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = scratch(&[("w.json", r#"{"version":"1.0"}"#)]);
    let names: Vec<String> = (0..200).map(|_| "w.json".to_owned()).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .arg("validate")
        .args(&names)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&out.status),
        Some(13),
        "{:?}",
        out.status
    );
    assert_eq!(text(&out.stderr), "");
}
