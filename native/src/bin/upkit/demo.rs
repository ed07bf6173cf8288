//! `upkit demo`: the whole story on this machine, with no setup and no network beyond loopback.
//!
//! The demo's program, `hello-upkit`, is a copy of this very executable with its version appended
//! to the file: started under the name `hello-upkit`, the binary prints `hello-upkit <version>`
//! ([`hello_program`], called first thing in `main`). Two versions are two real programs that
//! differ byte-wise, packaged AppImage-style (one executable file).

use std::ffi::OsStr;
use std::io::{IsTerminal as _, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use upkit::SystemProxy;
use upkit::keys::{KeyPair, Overwrite, SecretKey, sign_file};
use upkit::progress::{DownloadEvent, Progress};
use upkit::release::{self, Artifact, Merge, Platform, ReleaseInfo};
use upkit::serve::{Config, Server};
use upkit::updater::Updater;
use upkit_core::signature::SignedVersion;
use upkit_core::target::{Arch, Installer, Os};
use upkit_core::template::Transport;
use upkit_core::version::Version;

/// The demo program's name.
const PROGRAM: &str = "hello-upkit";
/// What precedes the version at the end of the demo program's file.
const MARKER: &[u8] = b"\n\0upkit-demo-version:";

/// Options of `upkit demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Keep the demo's directory (keys, releases, installed program) instead of removing it.
    #[arg(long)]
    pub keep: bool,
}

/// When this executable was started as `hello-upkit` (the demo's program), prints
/// `hello-upkit <version>` with the version appended to its own file, and returns the exit code.
/// Otherwise returns `None` and the CLI runs as usual.
pub fn hello_program() -> Option<ExitCode> {
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name()?;
    if name != OsStr::new(PROGRAM) {
        return None;
    }
    let version = std::env::current_exe()
        .ok()
        .and_then(|exe| appended_version(&exe));
    Some(match version {
        Some(version) => {
            println!("{PROGRAM} {version}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("{PROGRAM}: no version found in this executable");
            ExitCode::FAILURE
        }
    })
}

/// The version appended to the file at `path` by [`build_program`].
fn appended_version(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let tail_len = len.min(256);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    let start = tail.windows(MARKER.len()).rposition(|w| w == MARKER)? + MARKER.len();
    let version = std::str::from_utf8(&tail[start..]).ok()?.trim_end();
    Some(version.to_owned())
}

/// Writes the demo program at `version` to `path`: this executable plus the version.
fn build_program(exe: &[u8], version: &str, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::with_capacity(exe.len() + 64);
    bytes.extend_from_slice(exe);
    bytes.extend_from_slice(MARKER);
    bytes.extend_from_slice(version.as_bytes());
    bytes.push(b'\n');
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    make_executable(path)
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    let _ = path;
    Ok(())
}

/// Runs the installed program; its one line of output.
fn run_program(path: &Path) -> anyhow::Result<String> {
    let out = Command::new(path)
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The version a `hello-upkit <version>` line announces.
fn version_of(line: &str) -> anyhow::Result<Version> {
    let text = line
        .strip_prefix(PROGRAM)
        .map(str::trim)
        .with_context(|| format!("unexpected output `{line}`"))?;
    Ok(upkit_core::version::parse(text)?)
}

fn host_arch() -> anyhow::Result<Arch> {
    Ok(match std::env::consts::ARCH {
        "x86_64" => Arch::X86_64,
        "x86" => Arch::I686,
        "aarch64" => Arch::Aarch64,
        "arm" => Arch::Armv7,
        "riscv64" => Arch::Riscv64,
        other => bail!("the demo does not know the architecture `{other}`"),
    })
}

/// Prints one step.
struct Steps {
    started: Instant,
}

impl Steps {
    fn say(&self, what: &str, line: impl std::fmt::Display) {
        println!("{what:>10}  {line}");
        let _ = std::io::stdout().flush();
    }
}

/// Shows download progress: a bar on a terminal, a few plain lines otherwise.
struct Meter {
    bar: Option<indicatif::ProgressBar>,
    next_quarter: u64,
}

impl Meter {
    fn new() -> Meter {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "  download  [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Meter {
            bar,
            next_quarter: 0,
        }
    }

    fn update(&mut self, p: &Progress) {
        if let Some(bar) = &self.bar {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.downloaded);
            if p.event == DownloadEvent::Finished {
                bar.finish_and_clear();
            }
            return;
        }
        let Some(total) = p.total.filter(|t| *t > 0) else {
            return;
        };
        let quarter = p.downloaded * 4 / total;
        while self.next_quarter <= quarter && self.next_quarter <= 4 {
            println!(
                "{:>10}  {:>3}% of {} ({}/s)",
                "download",
                self.next_quarter * 25,
                bytes(total),
                bytes(p.bytes_per_second as u64)
            );
            self.next_quarter += 1;
        }
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1 << 20))
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / f64::from(1 << 10))
    } else {
        format!("{n} B")
    }
}

/// Runs `upkit demo`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if upkit::install::host_os() != Os::Linux {
        bail!("the demo installs an AppImage-style program, which needs Linux");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Ctrl-C (or SIGTERM) stops the story at its next step, and the directory is still removed:
    // the signals are caught from before the directory exists.
    let interrupted = {
        let _runtime = runtime.enter();
        crate::serve::shutdown()
    };
    let tmp = tempfile::Builder::new()
        .prefix("upkit-demo-")
        .tempdir()
        .context("cannot make a temporary directory")?;
    let root = tmp.path().to_owned();
    let steps = Steps {
        started: Instant::now(),
    };
    println!(
        "upkit demo: keys, releases, an update server and a real update, in {}",
        root.display()
    );
    let result = runtime.block_on(async {
        tokio::select! {
            biased;
            () = interrupted => None,
            result = story(&root, &steps) => Some(result),
        }
    });
    drop(runtime);
    if args.keep {
        let kept = tmp.keep();
        println!("      kept  {}", kept.display());
    } else {
        match tmp.close() {
            Ok(()) => println!("   removed  {} (--keep keeps it)", root.display()),
            Err(e) => eprintln!("warning: cannot remove {}: {e}", root.display()),
        }
    }
    let Some(result) = result else {
        eprintln!("interrupted");
        return Ok(ExitCode::from(130));
    };
    result?;
    println!(
        "      done  in {:.1} s",
        steps.started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn story(root: &Path, steps: &Steps) -> anyhow::Result<()> {
    let arch = host_arch()?;
    let dirs = ["keys", "build", "releases", "app", "downloads"].map(|d| root.join(d));
    for dir in &dirs {
        std::fs::create_dir_all(dir)?;
    }
    let [keys, build, releases, app, downloads] = dirs;

    // Keys.
    let pair = KeyPair::generate("")?;
    pair.write(keys.join("demo.key"), Overwrite::Refuse)?;
    let secret = SecretKey::decode(pair.secret_key(), "")?;
    steps.say(
        "keys",
        format_args!(
            "made a key pair (key id {}), empty password: keys/demo.key",
            pair.key_id()
        ),
    );

    // Two real programs, signed.
    let exe = std::fs::read(std::env::current_exe()?).context("cannot read this executable")?;
    let artifact_name = |v: &str| format!("{PROGRAM}_{v}_{arch}.AppImage");
    let v1 = build.join(artifact_name("1.0.0"));
    let v2 = releases.join(artifact_name("1.1.0"));
    build_program(&exe, "1.0.0", &v1)?;
    build_program(&exe, "1.1.0", &v2)?;
    steps.say(
        "build",
        format_args!(
            "built {PROGRAM} 1.0.0 and 1.1.0 ({} each, AppImage-style)",
            bytes(exe.len() as u64)
        ),
    );
    sign_file(&secret, &v1, Some("1.0.0"))?;
    sign_file(&secret, &v2, Some("1.1.0"))?;
    steps.say(
        "sign",
        "signed both, each bound to its version (.sig in Tauri's format)",
    );

    // The static manifest, with names relative to the server.
    let version = upkit_core::version::parse("1.1.0")?;
    let artifact = Artifact::read(
        &v2,
        Platform::Infer,
        &version,
        SignedVersion::Required,
        None,
    )?;
    let info = ReleaseInfo {
        version: version.clone(),
        notes: Some("Says hello with a newer version".into()),
        pub_date: None,
        now: time_now(),
        base_url: None,
    };
    let latest = release::merge(None, &info, &[artifact], Merge::Replace)?;
    std::fs::write(releases.join("latest.json"), &latest)?;
    steps.say(
        "manifest",
        format_args!(
            "wrote releases/latest.json: 1.1.0 for linux-{arch} and linux-{arch}-appimage"
        ),
    );

    // The update server.
    let server = Server::bind("127.0.0.1:0".parse()?, Config::new(&releases)).await?;
    let base = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    steps.say("serve", format_args!("update server on {base} (releases/)"));

    // Version 1, installed and running.
    let installed = app.join(PROGRAM);
    std::fs::copy(&v1, &installed)?;
    make_executable(&installed)?;
    let line = run_program(&installed)?;
    steps.say("run", format_args!("app/{PROGRAM} says: {line}"));

    // The update.
    let endpoint = format!("{base}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}");
    let updater = |current: Version| {
        Updater::builder(current)
            .endpoint(&endpoint)
            .pubkey(pair.public_key())
            .os(Os::Linux)
            .arch(arch)
            .installer(Some(Installer::AppImage))
            // Everything is on loopback: no proxy from the environment gets the requests.
            .system_proxy(SystemProxy::Ignore)
            // Plain http is fine on loopback; real endpoints must use https.
            .transport(Transport::Insecure)
            .build()
    };
    let current = version_of(&line)?;
    let update = updater(current.clone())?
        .check()
        .await?
        .context("the server offered no update")?;
    steps.say(
        "check",
        format_args!(
            "{current} -> {} is available: \"{}\"",
            update.version(),
            update.notes().unwrap_or_default()
        ),
    );
    let mut meter = Meter::new();
    let started = Instant::now();
    let verified = update.download(&downloads, |p| meter.update(p)).await?;
    steps.say(
        "download",
        format_args!(
            "{} in {} ms, resumable, streamed to disk",
            bytes(verified.proof().bytes()),
            started.elapsed().as_millis()
        ),
    );
    steps.say(
        "verify",
        format_args!(
            "signature good: key {}, signed version {}, file {}",
            verified.proof().key_id(),
            verified.proof().trusted_comment().version().unwrap_or("?"),
            verified.proof().trusted_comment().file().unwrap_or("?"),
        ),
    );
    let options = upkit::install::InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::AppImage)
        .install_path(&installed);
    let done = upkit::install::install(&verified, &options)?;
    steps.say("install", done);
    let line = run_program(&installed)?;
    steps.say("run", format_args!("app/{PROGRAM} says: {line}"));

    // A tampered release: signed, then changed.
    let v3_dir = releases.join("1.2.0");
    std::fs::create_dir_all(&v3_dir)?;
    let v3 = v3_dir.join(artifact_name("1.2.0"));
    build_program(&exe, "1.2.0", &v3)?;
    sign_file(&secret, &v3, Some("1.2.0"))?;
    let mut bytes3 = std::fs::read(&v3)?;
    let middle = bytes3.len() / 2;
    bytes3[middle] ^= 0x01;
    std::fs::write(&v3, &bytes3)?;
    let version3 = upkit_core::version::parse("1.2.0")?;
    let artifact3 = Artifact::read(
        &v3,
        Platform::Infer,
        &version3,
        SignedVersion::Required,
        None,
    )?;
    let info3 = ReleaseInfo {
        version: version3,
        notes: Some("Tampered with".into()),
        ..info
    };
    std::fs::write(
        v3_dir.join("latest.json"),
        release::merge(None, &info3, &[artifact3], Merge::Replace)?,
    )?;
    steps.say(
        "tamper",
        format_args!("published 1.2.0 with one byte changed after signing (releases/1.2.0/)"),
    );
    let current = version_of(&line)?;
    let update = updater(current.clone())?
        .check()
        .await?
        .context("the server offered no update")?;
    steps.say(
        "check",
        format_args!("{current} -> {} is available", update.version()),
    );
    let refused = tokio::time::timeout(
        Duration::from_secs(120),
        update.download(&downloads, |_| {}),
    )
    .await
    .context("the download took too long")?;
    match refused {
        Ok(_) => bail!("the tampered release was accepted"),
        Err(e) => steps.say("refused", e),
    }
    let line = run_program(&installed)?;
    steps.say("run", format_args!("app/{PROGRAM} still says: {line}"));

    let _ = stop.send(());
    let _ = serving.await;
    Ok(())
}

fn time_now() -> time::OffsetDateTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
