//! `upkit demo`, run as a user runs it: its lines, the installed program, and what it leaves.

use std::path::PathBuf;
use std::process::Command;

fn demo(args: &[&str]) -> (Vec<String>, PathBuf) {
    demo_with(args, &[])
}

fn demo_with(args: &[&str], env: &[(&str, &str)]) -> (Vec<String>, PathBuf) {
    let out = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .arg("demo")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    (lines.clone(), demo_dir(&lines[0]))
}

/// The demo's directory, from its first line.
fn demo_dir(first: &str) -> PathBuf {
    first
        .strip_prefix("upkit demo: keys, releases, an update server and a real update, in ")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("first line: {first}"))
}

/// The line of the step named `step` after `after`'s, and its index.
fn step(lines: &[String], step: &str, after: usize) -> (usize, String) {
    let prefix = format!("{step:>10}  ");
    lines
        .iter()
        .enumerate()
        .skip(after)
        .find_map(|(i, l)| l.strip_prefix(&prefix).map(|rest| (i, rest.to_owned())))
        .unwrap_or_else(|| {
            panic!(
                "no `{step}` step after line {after} in:\n{}",
                lines.join("\n")
            )
        })
}

#[test]
fn the_demo_tells_the_whole_story() {
    let (lines, dir) = demo(&["--keep"]);
    let arch = std::env::consts::ARCH;
    let text = lines.join("\n");

    let (i, keys) = step(&lines, "keys", 0);
    assert!(keys.starts_with("made a key pair (key id "), "{keys}");
    let key_id = &keys["made a key pair (key id ".len()..][..16];
    let (i, build) = step(&lines, "build", i);
    assert!(
        build.starts_with("built hello-upkit 1.0.0 and 1.1.0 ("),
        "{build}"
    );
    let (i, _) = step(&lines, "sign", i);
    let (i, manifest) = step(&lines, "manifest", i);
    assert_eq!(
        manifest,
        format!("wrote releases/latest.json: 1.1.0 for linux-{arch} and linux-{arch}-appimage")
    );
    let (i, serve) = step(&lines, "serve", i);
    assert!(
        serve.starts_with("update server on http://127.0.0.1:"),
        "{serve}"
    );
    let base = serve
        .strip_prefix("update server on ")
        .unwrap()
        .strip_suffix(" (releases/)")
        .unwrap();
    let (i, run) = step(&lines, "run", i);
    assert_eq!(run, "app/hello-upkit says: hello-upkit 1.0.0");
    let (i, check) = step(&lines, "check", i);
    assert_eq!(
        check,
        "1.0.0 -> 1.1.0 is available: \"Says hello with a newer version\""
    );
    // Not a terminal: plain progress lines, from 0 % to 100 %.
    let (j, first) = step(&lines, "download", i);
    assert!(first.starts_with("  0% of "), "{first}");
    let (j, last) = step(&lines, "download", j + 4);
    assert!(last.starts_with("100% of "), "{last}");
    let (i, _) = step(&lines, "download", j + 1);
    let (i, verify) = step(&lines, "verify", i);
    assert_eq!(
        verify,
        format!(
            "signature good: key {key_id}, signed version 1.1.0, file hello-upkit_1.1.0_{arch}.AppImage"
        )
    );
    let (i, install) = step(&lines, "install", i);
    assert_eq!(
        install,
        format!(
            "replaced the AppImage at {}",
            dir.join("app/hello-upkit")
                .canonicalize()
                .unwrap()
                .display()
        )
    );
    let (i, run) = step(&lines, "run", i);
    assert_eq!(run, "app/hello-upkit says: hello-upkit 1.1.0");
    let (i, _) = step(&lines, "tamper", i);
    let (i, check) = step(&lines, "check", i);
    assert_eq!(check, "1.1.0 -> 1.2.0 is available");
    let (i, refused) = step(&lines, "refused", i);
    let prefix = format!(
        "the artifact from {base}/1.2.0/hello-upkit_1.2.0_{arch}.AppImage failed verification: file does not match its signature by key {key_id}: its bytes differ from the signed ones ("
    );
    assert!(refused.starts_with(&prefix), "{refused}\n{prefix}");
    assert!(refused.ends_with(" bytes read)"), "{refused}");
    let (i, run) = step(&lines, "run", i);
    assert_eq!(run, "app/hello-upkit still says: hello-upkit 1.1.0");
    let (i, kept) = step(&lines, "kept", i);
    assert_eq!(kept, dir.display().to_string());
    let (_, done) = step(&lines, "done", i);
    assert!(done.starts_with("in ") && done.ends_with(" s"), "{text}");

    // What it leaves: the updated program runs on its own, the refused download left nothing.
    let out = Command::new(dir.join("app/hello-upkit")).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "hello-upkit 1.1.0\n"
    );
    let downloads: Vec<String> = std::fs::read_dir(dir.join("downloads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(downloads, [format!("hello-upkit_1.1.0_{arch}.AppImage")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_demo_cleans_up_after_itself_and_ignores_proxies() {
    // A proxy from the environment that refuses connections: the demo stays on loopback.
    let dead = "http://127.0.0.1:9";
    let proxies = [
        ("HTTP_PROXY", dead),
        ("http_proxy", dead),
        ("ALL_PROXY", dead),
    ];
    let (lines, dir) = demo_with(&[], &proxies);
    let [.., removed, done] = &lines[..] else {
        panic!("{lines:?}")
    };
    assert_eq!(
        removed,
        &format!("   removed  {} (--keep keeps it)", dir.display())
    );
    assert!(done.starts_with("      done  in "), "{done}");
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[test]
fn an_interrupted_demo_removes_its_directory() {
    // At once (keys, builds and signatures still to come: seconds of work before anything
    // waits), and once the server runs.
    interrupt_after(None);
    interrupt_after(Some("     serve  "));
}

/// Runs the demo, sends it SIGINT once it printed its first line and then a line starting with
/// `step`, if any, and checks that it exits 130 having removed its directory.
fn interrupt_after(step: Option<&str>) {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut read_line = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    };
    let dir = demo_dir(&read_line());
    match step {
        Some(step) => loop {
            let line = read_line();
            if line.starts_with(step) {
                break;
            }
            // An empty read is the end: the demo stopped before the step.
            assert!(!line.is_empty(), "the demo ended before `{step}`");
        },
        // Into the first steps, which run without waiting on anything.
        None => std::thread::sleep(std::time::Duration::from_millis(200)),
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{step:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "interrupted\n");
    let rest: String = std::iter::from_fn(|| Some(read_line()))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        rest.ends_with(&format!("   removed  {} (--keep keeps it)", dir.display())),
        "{rest}"
    );
    assert!(!dir.exists(), "{} is left behind", dir.display());
}
