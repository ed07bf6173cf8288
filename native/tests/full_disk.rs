//! A full disk: a download or an install onto a file system with no room left fails with an
//! error that names the file, leaves nothing behind, gives the space back, and leaves the
//! installed app as it was.
//!
//! The file systems are real tmpfs mounts of a few hundred KiB, so these tests need root (as CI
//! has, and as the install tests do).

mod install_support;
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use install_support::{
    Entry, Signer, bundle_entries, elf, make_bundle, mode, names, put, snapshot,
};
use install_support::{run, tar_gz, write_mode};
use serde_json::json;
use support::{Reply, Server, entries, offered, payload};
use upkit::core::target::{Arch, Installer, Os};
use upkit::core::template::Transport;
use upkit::install::{InstallOptions, install};
use upkit::{SystemProxy, UpdaterBuilder};

/// A tmpfs of `kib` KiB mounted on a fresh temporary directory, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(kib: u64) -> Tmpfs {
        // Needs root, as CI has.
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={kib}k,mode=0755");
        let point = dir.path().to_string_lossy();
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &options,
                "upkit-full-disk-test",
                &point,
            ],
        );
        Tmpfs(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// The bytes in use.
    fn used(&self) -> u64 {
        let stat = rustix::fs::statvfs(self.path()).unwrap();
        (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.path()).status();
    }
}

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn a_download_onto_a_full_disk_names_the_file_and_leaves_nothing() {
    let disk = Tmpfs::mount(256);
    let body = payload(MIB);
    let signer = support::Signer::new();
    let signature = signer.sign(&body, "app.bin", "2.1.0");
    let server = Server::start(move |r, _| match r.target.as_str() {
        "/latest.json" => Reply::json(&json!({
            "version": "2.1.0",
            "platforms": {
                "linux-x86_64": {
                    "url": format!("http://{}/app.bin", r.header("host").unwrap()),
                    "signature": signature,
                }
            }
        })),
        "/app.bin" => Reply::ok(body.clone()),
        _ => Reply::status(404),
    })
    .await;
    let update = offered(
        UpdaterBuilder::new(upkit::core::version::parse("1.0.0").unwrap())
            .endpoint(&server.url("/latest.json"))
            .pubkey(&signer.pubkey())
            .os(Os::Linux)
            .arch(Arch::X86_64)
            .installer(None)
            .transport(Transport::Insecure)
            .system_proxy(SystemProxy::Ignore),
    )
    .await;

    let err = update.download(disk.path(), |_| {}).await.unwrap_err();
    // Named by its directory: the temporary file is removed by then.
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write the download into {}: No space left on device (os error 28)",
            disk.path().display()
        )
    );
    // Not retried: a full disk does not get emptier by asking the server again.
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.target == "/app.bin")
            .count(),
        1
    );
    assert!(entries(disk.path()).is_empty());
    assert_eq!(disk.used(), 0, "the space is given back");
}

#[test]
fn an_appimage_install_onto_a_full_disk_leaves_the_old_app() {
    let disk = Tmpfs::mount(512);
    let target = disk.path().join("Demo.AppImage");
    write_mode(&target, &elf(300_000, 1), 0o755);
    let used = disk.used();
    let elsewhere = tempfile::tempdir().unwrap();
    let signer = Signer::new();
    let options = InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::AppImage)
        .install_path(&target);
    let temp = format!("{}/.Demo.AppImage.upkit-new-", disk.path().display());

    // A raw image, and the same in a v1 `.AppImage.tar.gz`.
    let raw = put(elsewhere.path(), "new.AppImage", &elf(400_000, 2));
    let err = install(&signer.verified(&raw), &options).unwrap_err();
    assert_full(&err.to_string(), &format!("cannot install at {temp}"));
    let packed = tar_gz(&[Entry::file("Demo.AppImage", elf(400_000, 2), 0o755)]);
    let packed = put(elsewhere.path(), "new.AppImage.tar.gz", &packed);
    let err = install(&signer.verified(&packed), &options).unwrap_err();
    let prefix = format!("cannot unpack {}: cannot write {temp}", packed.display());
    assert_full(&err.to_string(), &prefix);

    assert_eq!(fs::read(&target).unwrap(), elf(300_000, 1));
    assert_eq!(mode(&target), 0o755);
    assert_eq!(names(disk.path()), ["Demo.AppImage"]);
    assert_eq!(disk.used(), used, "the space is given back");
}

/// `message` is `prefix`, a random temporary name, and ENOSPC.
fn assert_full(message: &str, prefix: &str) {
    assert!(message.starts_with(prefix), "{message}");
    let rest = &message[prefix.len()..];
    let random = rest.split(['/', ':', '.']).next().unwrap();
    assert!(
        random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric()),
        "{message}"
    );
    assert!(
        rest.ends_with(": No space left on device (os error 28)"),
        "{message}"
    );
}

#[test]
fn a_bundle_install_onto_a_full_disk_leaves_the_old_bundle() {
    let disk = Tmpfs::mount(256);
    let app = disk.path().join("Demo.app");
    make_bundle(&app, "1.0");
    let before = snapshot(&app);
    let used = disk.used();
    let mut entries = bundle_entries("2.0");
    entries.push(Entry::file(
        "Demo.app/Contents/MacOS/data",
        payload(MIB),
        0o644,
    ));
    let elsewhere = tempfile::tempdir().unwrap();
    let archive = put(elsewhere.path(), "Demo.app.tar.gz", &tar_gz(&entries));
    let artifact = Signer::new().verified(&archive);

    let options = InstallOptions::new().os(Os::Darwin).install_path(&app);
    let err = install(&artifact, &options).unwrap_err();
    // The staging directory beside the app, and the file that did not fit.
    let message = err.to_string();
    let prefix = format!(
        "cannot unpack {}: cannot write {}/.Demo.app.upkit-staging-",
        archive.display(),
        disk.path().display()
    );
    assert_full(&message, &prefix);
    assert!(message.contains("/new/Contents/MacOS/data: "), "{message}");
    assert_eq!(snapshot(&app), before);
    assert_eq!(names(disk.path()), ["Demo.app"]);
    assert_eq!(disk.used(), used, "the space is given back");
}
