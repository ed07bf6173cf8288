//! Slow retrieval and endless data (issue 17, item 7): hostile servers on 127.0.0.1 that trickle
//! bytes (each one resets the stall timeout) or never stop sending, against the real `upkit`
//! binary; each test is named after the attack it stages.

mod cli_support;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cli_support::{ARTIFACT, isolated, publish};

/// What a hostile server does for one path.
#[derive(Clone)]
enum Answer {
    /// 200 with this body, at once.
    Whole(Vec<u8>),
    /// 200 announcing the body's length, then one byte of it every `every`.
    Trickle { body: Vec<u8>, every: Duration },
    /// 200 without a length, then zeros until the client goes away.
    Endless,
}

/// A server on 127.0.0.1 answering each path as told (404 otherwise), one thread per
/// connection; it runs until the test process ends.
struct Hostile {
    base: String,
    routes: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Hostile {
    fn start() -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes = Arc::new(Mutex::new(HashMap::new()));
        let shared = Arc::clone(&routes);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = Arc::clone(&shared);
                std::thread::spawn(move || answer(stream, &routes));
            }
        });
        Hostile { base, routes }
    }

    fn route(&self, path: &str, answer: Answer) -> String {
        self.routes.lock().unwrap().insert(path.to_owned(), answer);
        format!("{}{path}", self.base)
    }
}

fn answer(mut stream: TcpStream, routes: &Mutex<HashMap<String, Answer>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
    let found = routes.lock().unwrap().get(&path).cloned();
    let status = |length: Option<usize>| {
        let length = length.map_or(String::new(), |n| format!("Content-Length: {n}\r\n"));
        format!("HTTP/1.1 200 OK\r\nConnection: close\r\n{length}\r\n")
    };
    let _ = match found {
        None => stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
        Some(Answer::Whole(body)) => stream
            .write_all(status(Some(body.len())).as_bytes())
            .and_then(|()| stream.write_all(&body)),
        Some(Answer::Trickle { body, every }) => {
            let _ = stream.write_all(status(Some(body.len())).as_bytes());
            for byte in body {
                std::thread::sleep(every);
                if stream.write_all(&[byte]).is_err() {
                    return;
                }
            }
            Ok(())
        }
        Some(Answer::Endless) => {
            let _ = stream.write_all(status(None).as_bytes());
            let zeros = [0u8; 16 * 1024];
            while stream.write_all(&zeros).is_ok() {}
            Ok(())
        }
    };
}

/// A signed release 2.0.0 of `body` for linux-x86_64 on `server`: the manifest (absolute URL, no
/// `size`), the public key, and the artifact's URL, which answers as `artifact` says.
fn release(server: &Hostile, body: &[u8], artifact: impl FnOnce(Vec<u8>) -> Answer) -> Release {
    let dir = tempfile::tempdir().unwrap();
    let pubkey = publish(dir.path(), body, &["linux-x86_64"]);
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("latest.json")).unwrap()).unwrap();
    let url = server.route(&format!("/{ARTIFACT}"), artifact(body.to_vec()));
    manifest["platforms"]["linux-x86_64"]["url"] = url.clone().into();
    Release {
        manifest: manifest.to_string().into_bytes(),
        pubkey,
        url,
    }
}

struct Release {
    manifest: Vec<u8>,
    pubkey: String,
    url: String,
}

/// Runs `upkit` in `dir` (no signing variables, no `$APPIMAGE`, no proxy): exit code, stdout,
/// stderr, and how long it took.
fn upkit_in(dir: &Path, args: &[&str]) -> (i32, String, String, Duration) {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_upkit"));
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        command.env_remove(name);
    }
    let output = isolated(&mut command)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        started.elapsed(),
    )
}

/// `COMMAND --endpoint ENDPOINT --pubkey KEY` for an app at 1.0.0 on linux-x86_64, over http.
fn client<'a>(command: &'a str, endpoint: &'a str, key: &'a str) -> Vec<&'a str> {
    vec![
        command,
        "--endpoint",
        endpoint,
        "--pubkey",
        key,
        "--current-version",
        "1.0.0",
        "--target",
        "linux",
        "--arch",
        "x86_64",
        "--insecure-transport",
    ]
}

/// The last line of a download's stderr, the error, after the progress lines (not a terminal:
/// plain `started: ...` and `downloading: ...` lines).
fn error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let (last, progress) = lines.split_last().unwrap_or_else(|| panic!("no stderr"));
    for line in progress {
        assert!(
            line.starts_with("started: ") || line.starts_with("downloading: "),
            "{stderr}"
        );
    }
    format!("{last}\n")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn slow_retrieval_of_the_manifest_hits_the_check_deadline() {
    let server = Hostile::start();
    let release = release(&server, b"\x7fELF", Answer::Whole);
    let endpoint = server.route(
        "/latest.json",
        Answer::Trickle {
            body: release.manifest.clone(),
            every: Duration::from_millis(20),
        },
    );
    let work = tempfile::tempdir().unwrap();
    let mut args = client("check", &endpoint, &release.pubkey);
    args.extend(["--deadline", "1"]);
    let (code, stdout, stderr, took) = upkit_in(work.path(), &args);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            2,
            "",
            format!(
                "error: the check (asking {endpoint}) did not finish within the deadline of 1s\n"
            )
            .as_str()
        )
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn the_check_deadline_can_be_turned_off() {
    let server = Hostile::start();
    let release = release(&server, b"\x7fELF", Answer::Whole);
    let endpoint = server.route("/latest.json", Answer::Whole(release.manifest.clone()));
    let work = tempfile::tempdir().unwrap();
    let mut args = client("check", &endpoint, &release.pubkey);
    args.extend(["--deadline", "none"]);
    let (code, stdout, stderr, _) = upkit_in(work.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 (linux-x86_64)\n"),
        "{stdout}"
    );
}

/// The defaults that bound a check and a download with no settings at all: 60 s for a whole
/// check, at least 1 KiB/s over 30 s for a download (their effect, with small values, is what
/// the tests above and below stage; waiting a minute here would show nothing more).
#[test]
fn the_defaults_bound_every_check_and_download() {
    use upkit::core::rate::MinRate;
    assert_eq!(
        upkit::updater::DEFAULT_CHECK_DEADLINE,
        Duration::from_secs(60)
    );
    assert_eq!(
        MinRate::DEFAULT,
        MinRate::new(1024, Duration::from_secs(30))
    );
    let builder = upkit::UpdaterBuilder::new(upkit::core::version::parse("1.0.0").unwrap());
    let debug = format!("{builder:?}");
    for default in [
        "deadline: None",
        "check_deadline: Some(60s)",
        "min_rate: Some(MinRate { bytes_per_second: 1024, window: 30s })",
    ] {
        assert!(debug.contains(default), "{default} in {debug}");
    }
}

/// The stderr of a download that fell below `minimum` bytes/s over `window`, whatever rate it
/// saw (the trickle's timing varies a little); that rate, for the caller to bound.
fn too_slow(stderr: &str, url: &str, minimum: u64, window: &str) -> u64 {
    let prefix = format!("error: downloading {url} is too slow: ");
    let seen = stderr
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split_once(' '))
        .and_then(|(n, _)| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        stderr,
        format!(
            "{prefix}{seen} bytes/s over the last {window}, below the minimum of {minimum} bytes/s\n"
        )
    );
    seen
}

#[test]
fn slow_retrieval_of_the_artifact_falls_below_the_minimum_rate() {
    let server = Hostile::start();
    // About 50 bytes/s, which never trips the stall timeout.
    let release = release(&server, &[0x7f; 4096], |body| Answer::Trickle {
        body,
        every: Duration::from_millis(20),
    });
    let endpoint = server.route("/latest.json", Answer::Whole(release.manifest.clone()));
    let work = tempfile::tempdir().unwrap();
    let mut args = client("download", &endpoint, &release.pubkey);
    args.extend([
        "--out",
        "out",
        "--min-rate",
        "1000",
        "--min-rate-window",
        "1",
    ]);
    let (code, _, stderr, took) = upkit_in(work.path(), &args);
    assert_eq!(code, 2, "{stderr}");
    let seen = too_slow(&error_line(&stderr), &release.url, 1000, "1s");
    assert!((1..1000).contains(&seen), "{seen}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(names(&work.path().join("out")).is_empty());
}

#[test]
fn the_minimum_rate_can_be_turned_off() {
    let server = Hostile::start();
    // 40 bytes in about 0.8 s: too slow for 1000 bytes/s over 0.2 s, whole without a minimum.
    let release = release(&server, &[0x7f; 40], |body| Answer::Trickle {
        body,
        every: Duration::from_millis(20),
    });
    let endpoint = server.route("/latest.json", Answer::Whole(release.manifest.clone()));
    let work = tempfile::tempdir().unwrap();
    let mut args = client("download", &endpoint, &release.pubkey);
    args.extend(["--out", "out", "--min-rate-window", "0.2"]);
    let (code, _, stderr, _) =
        upkit_in(work.path(), &[&args[..], &["--min-rate", "1000"]].concat());
    assert_eq!(code, 2, "{stderr}");
    too_slow(&error_line(&stderr), &release.url, 1000, "200ms");
    let (code, stdout, stderr, _) =
        upkit_in(work.path(), &[&args[..], &["--min-rate", "none"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\nverified: out/"), "{stdout}");
    assert_eq!(names(&work.path().join("out")), [ARTIFACT]);
}

#[test]
fn endless_data_without_a_size_stops_at_max_size() {
    let server = Hostile::start();
    let release = release(&server, b"\x7fELF", |_| Answer::Endless);
    let endpoint = server.route("/latest.json", Answer::Whole(release.manifest.clone()));
    let work = tempfile::tempdir().unwrap();
    let expected = format!(
        "error: the artifact at {} is larger than the limit of 65536 bytes\n",
        release.url
    );
    let mut args = client("download", &endpoint, &release.pubkey);
    args.extend(["--out", "out", "--max-size", "64KiB"]);
    let (code, _, stderr, _) = upkit_in(work.path(), &args);
    assert_eq!((code, error_line(&stderr)), (2, expected.clone()));
    assert!(names(&work.path().join("out")).is_empty());

    // `upkit update` alike, and the installed app is left as it was.
    let installed = work.path().join("Demo.AppImage");
    std::fs::write(&installed, b"\x7fELF 1.0.0").unwrap();
    let mut args = client("update", &endpoint, &release.pubkey);
    args.extend([
        "--bundle-type",
        "appimage",
        "--install-path",
        "Demo.AppImage",
    ]);
    args.extend(["--max-size", "64K"]);
    let (code, _, stderr, _) = upkit_in(work.path(), &args);
    assert_eq!((code, error_line(&stderr)), (2, expected.clone()));
    assert_eq!(std::fs::read(&installed).unwrap(), b"\x7fELF 1.0.0");
}

#[test]
fn sizes_and_rates_on_the_command_line() {
    let work = tempfile::tempdir().unwrap();
    let key = &publish(work.path(), b"\x7fELF", &["linux-x86_64"]);
    for (flag, value, reason) in [
        (
            "--max-size",
            "2X",
            "`2X` is not a size (say 500M, 2G, 64KiB or a number of bytes)",
        ),
        ("--max-size", "0", "a size must be above 0"),
        (
            "--min-rate",
            "fast",
            "`fast` is not a rate in bytes per second (say 64KiB, 1M, a number of bytes, or none)",
        ),
        (
            "--min-rate-window",
            "0",
            "`0` is not a window in seconds above 0",
        ),
    ] {
        let mut args = client("download", "http://127.0.0.1:9/x", key);
        args.extend([flag, value]);
        let (code, _, stderr, _) = upkit_in(work.path(), &args);
        let placeholder = match flag {
            "--min-rate-window" => "SECS",
            "--min-rate" => "BYTES|none",
            _ => "BYTES",
        };
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: invalid value '{value}' for '{flag} <{placeholder}>': {reason}\n\nFor more information, try '--help'.\n"
                )
            )
        );
    }
    let mut args = client("check", "http://127.0.0.1:9/x", key);
    args.extend(["--deadline", "soon"]);
    let (code, _, stderr, _) = upkit_in(work.path(), &args);
    assert_eq!(
        (code, stderr.as_str()),
        (
            2,
            "error: invalid --deadline `soon`: expected seconds above 0, or none\n"
        )
    );
}
