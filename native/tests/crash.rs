//! The crash test: an installing process is killed with `SIGKILL` at every step of the install
//! (and, a second time, just after each step while it keeps running), and after each kill the app
//! at the install path must be byte-identical to the old version or to the new one, never
//! anything else. Then a normal install must succeed and leave nothing behind.
//!
//! The installing process is this test binary itself, re-run with `UPKIT_CRASH_CHILD` set: its
//! `child` test installs with an observer that announces the chosen step on stdout and, in pause
//! mode, blocks there on stdin. The parent kills it as soon as it reads the announcement: no
//! sleeps, and the kill points are exact.

mod install_support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use install_support::*;
use upkit::core::target::{Installer, Os};
use upkit::install::{InstallEvent, InstallOptions, install};

const CHILD: &str = "UPKIT_CRASH_CHILD";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    /// A raw AppImage of 3 MiB (48 chunks written).
    AppImage,
    /// A v1 `.AppImage.tar.gz` of 640 KiB (10 chunks).
    AppImageTarGz,
    /// A `.app.tar.gz` bundle of 40 entries swapped in.
    Bundle,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::AppImage => "appimage",
            Scenario::AppImageTarGz => "appimage-tar-gz",
            Scenario::Bundle => "bundle",
        }
    }

    fn parse(s: &str) -> Scenario {
        match s {
            "appimage" => Scenario::AppImage,
            "appimage-tar-gz" => Scenario::AppImageTarGz,
            "bundle" => Scenario::Bundle,
            _ => panic!("unknown scenario {s}"),
        }
    }

    fn install_path(self, dir: &Path) -> PathBuf {
        match self {
            Scenario::AppImage | Scenario::AppImageTarGz => dir.join("apps/Demo.AppImage"),
            Scenario::Bundle => dir.join("Applications/Demo.app"),
        }
    }

    fn payload(self, dir: &Path) -> PathBuf {
        dir.join(match self {
            Scenario::AppImage => "Demo_2.0.0_amd64.AppImage",
            Scenario::AppImageTarGz => "Demo_2.0.0_amd64.AppImage.tar.gz",
            Scenario::Bundle => "Demo.app.tar.gz",
        })
    }

    fn options(self, path: &Path) -> InstallOptions<'static> {
        match self {
            Scenario::AppImage | Scenario::AppImageTarGz => InstallOptions::new()
                .os(Os::Linux)
                .installer(Installer::AppImage)
                .install_path(path),
            Scenario::Bundle => InstallOptions::new().os(Os::Darwin).install_path(path),
        }
    }

    /// Lays out the old app and the payload in `dir`.
    fn prepare(self, dir: &Path) {
        match self {
            Scenario::AppImage => {
                fs::create_dir_all(dir.join("apps")).unwrap();
                write_mode(&self.install_path(dir), &elf(1 << 20, 1), 0o755);
                fs::write(self.payload(dir), elf(3 << 20, 2)).unwrap();
            }
            Scenario::AppImageTarGz => {
                fs::create_dir_all(dir.join("apps")).unwrap();
                write_mode(&self.install_path(dir), &elf(1 << 20, 1), 0o755);
                let archive = tar_gz(&[Entry::File(
                    "Demo.AppImage".into(),
                    elf(640 << 10, 3),
                    0o755,
                )]);
                fs::write(self.payload(dir), archive).unwrap();
            }
            Scenario::Bundle => {
                make_bundle(&self.install_path(dir), "1.0");
                let mut entries = bundle_entries("2.0");
                for i in 0..28 {
                    entries.push(Entry::file(
                        &format!("Demo.app/Contents/Resources/r{i:02}"),
                        format!("resource {i}"),
                        0o644,
                    ));
                }
                fs::write(self.payload(dir), tar_gz(&entries)).unwrap();
            }
        }
    }

    /// What is at the install path, exactly.
    fn state(self, dir: &Path) -> State {
        let path = self.install_path(dir);
        match self {
            Scenario::AppImage | Scenario::AppImageTarGz => match fs::read(&path) {
                Ok(bytes) => State::File(bytes, mode(&path)),
                Err(_) => State::Missing,
            },
            Scenario::Bundle if path.exists() => State::Tree(snapshot(&path)),
            Scenario::Bundle => State::Missing,
        }
    }

    /// Puts the old version back (as a fresh start for the next run).
    fn restore(self, dir: &Path, old: &State) {
        let path = self.install_path(dir);
        match (self, old) {
            (Scenario::Bundle, _) => {
                if path.exists() {
                    fs::remove_dir_all(&path).unwrap();
                }
                make_bundle(&path, "1.0");
            }
            (_, State::File(bytes, m)) => {
                let temp = path.with_extension("restore");
                write_mode(&temp, bytes, *m);
                fs::rename(&temp, &path).unwrap();
            }
            _ => unreachable!(),
        }
        assert_eq!(&self.state(dir), old);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    File(Vec<u8>, u32),
    Tree(BTreeMap<String, String>),
    Missing,
}

/// The installing process (a no-op unless run by the crash test).
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut parts = spec.split(' ');
    let scenario = Scenario::parse(parts.next().unwrap());
    let dir = PathBuf::from(parts.next().unwrap());
    let stop_at: usize = parts.next().unwrap().parse().unwrap();
    let pause = parts.next().unwrap() == "pause";

    let artifact = Signer::new().verified(&scenario.payload(&dir));
    let count = AtomicUsize::new(0);
    let observe = |_: &InstallEvent<'_>| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        if n == stop_at {
            println!("UPKIT-AT {n}");
            if pause {
                // Blocks until killed: the parent holds our stdin open.
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).unwrap();
                panic!("the crash test should have killed this process");
            }
        }
    };
    let path = scenario.install_path(&dir);
    install(&artifact, &scenario.options(&path).observer(&observe)).unwrap();
    println!("UPKIT-DONE {}", count.load(Ordering::SeqCst));
}

/// How a child run ended.
enum Ended {
    /// Killed after announcing the step.
    Killed,
    /// Ran to the end; it saw this many events.
    Done(usize),
}

fn run_child(scenario: Scenario, dir: &Path, stop_at: usize, pause: bool) -> Ended {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(
            CHILD,
            format!(
                "{} {} {stop_at} {}",
                scenario.name(),
                dir.display(),
                if pause { "pause" } else { "run" }
            ),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        // libtest prints `test child ... ` before our output, on the same line.
        if line.contains("UPKIT-AT ") {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return Ended::Killed;
        }
        if let Some((_, n)) = line.split_once("UPKIT-DONE ") {
            assert!(child.wait().unwrap().success());
            return Ended::Done(n.parse().unwrap());
        }
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    panic!(
        "the child ended without a report: {:?}\n{}\n{stderr}",
        child.wait().unwrap(),
        seen.join("\n")
    );
}

/// Runs one scenario: returns (runs, old outcomes, new outcomes).
fn crash_scenario(scenario: Scenario) -> (usize, usize, usize) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    scenario.prepare(dir);
    let old = scenario.state(dir);

    // A full run tells the number of steps and the new version.
    let Ended::Done(steps) = run_child(scenario, dir, usize::MAX, false) else {
        panic!("the dry run was killed");
    };
    let new = scenario.state(dir);
    assert_ne!(old, new);
    assert!(steps >= 15, "{scenario:?}: only {steps} steps");

    let (mut runs, mut olds, mut news) = (0, 0, 0);
    for stop_at in 0..steps {
        for pause in [true, false] {
            scenario.restore(dir, &old);
            let ended = run_child(scenario, dir, stop_at, pause);
            runs += 1;
            let state = scenario.state(dir);
            if state == old {
                olds += 1;
            } else if state == new {
                news += 1;
            } else {
                panic!(
                    "{scenario:?}: killed at step {stop_at} (pause: {pause}), the install path \
                     holds neither version: {state:?}"
                );
            }
            if let Ended::Done(_) = ended {
                assert_eq!(state, new);
            }
            // Paused up to `Staged`: certainly the old version; at `Replaced` and after: the new.
            if pause {
                let expected = if stop_at + 2 < steps { &old } else { &new };
                assert_eq!(&state, expected, "{scenario:?}: paused at step {stop_at}");
            }
        }
    }

    // After all the kills, a normal install succeeds and cleans every leftover.
    scenario.restore(dir, &old);
    let path = scenario.install_path(dir);
    let artifact = Signer::new().verified(&scenario.payload(dir));
    install(&artifact, &scenario.options(&path)).unwrap();
    assert_eq!(scenario.state(dir), new);
    let parent = path.parent().unwrap();
    assert_eq!(
        names(parent),
        [path.file_name().unwrap().to_string_lossy().into_owned()]
    );
    (runs, olds, news)
}

#[test]
fn sigkill_at_every_step_leaves_the_old_or_the_new_version() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let mut total = 0;
    for scenario in [
        Scenario::AppImage,
        Scenario::AppImageTarGz,
        Scenario::Bundle,
    ] {
        let (runs, olds, news) = crash_scenario(scenario);
        println!("{scenario:?}: {runs} kills, {olds} left the old version, {news} the new one");
        assert!(olds > 0 && news > 0, "{scenario:?}: {olds} old, {news} new");
        total += runs;
    }
    assert!(total >= 50, "{total}");
    println!("{total} kills in all");
}
