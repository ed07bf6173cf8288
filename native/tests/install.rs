//! Behaviour of `upkit::install` on real files: AppImage replacement, the macOS bundle swap (with
//! a fake bundle), defensive archives, Windows payloads and command lines, and real `dpkg` and
//! `rpm` runs on private databases.

mod install_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use install_support::*;
use upkit::core::target::{Installer, Os};
use upkit::install::CommandRunner as _;
use upkit::install::windows::{self, WindowsInstaller};
use upkit::install::{
    Downgrades, InstallError, InstallEvent, InstallMode, InstallOptions, Installed, Limits, Method,
    Restart, WindowsOptions, install, prepare_windows,
};

/// Records every event as a short string.
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn new() -> Self {
        Recorder(Mutex::new(Vec::new()))
    }

    fn observe(&self, event: &InstallEvent<'_>) {
        let text = match event {
            InstallEvent::Started { method, .. } => format!("started {method}"),
            InstallEvent::BackedUp { .. } => "backed up".into(),
            InstallEvent::Written { bytes } => format!("written {bytes}"),
            InstallEvent::Unpacked { entries } => format!("unpacked {entries}"),
            InstallEvent::Staged { .. } => "staged".into(),
            InstallEvent::Running { command } => format!("running {command}"),
            InstallEvent::Replaced { .. } => "replaced".into(),
            InstallEvent::Finished => "finished".into(),
            _ => "other".into(),
        };
        self.0.lock().unwrap().push(text);
    }

    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn linux() -> InstallOptions<'static> {
    InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::AppImage)
}

// ---------------------------------------------------------------------------------------------
// AppImage

#[test]
fn appimage_elf_replaces_the_file_keeping_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("apps");
    fs::create_dir(&apps).unwrap();
    let target = apps.join("Demo.AppImage");
    write_mode(&target, &elf(1000, 1), 0o751);
    let new = elf(200_000, 2);
    let payload = put(dir.path(), "Demo_2.0.0_amd64.AppImage", &new);
    let signer = Signer::new();
    let artifact = signer.verified(&payload);

    let recorder = Recorder::new();
    let observe = |e: &InstallEvent<'_>| recorder.observe(e);
    let options = linux().install_path(&target).observer(&observe);
    let installed = install(&artifact, &options).unwrap();

    let real = fs::canonicalize(&target).unwrap();
    assert_eq!(
        installed,
        Installed::Replaced {
            method: Method::AppImage,
            path: real.clone()
        }
    );
    assert_eq!(
        installed.to_string(),
        format!("replaced the AppImage at {}", real.display())
    );
    assert_eq!(fs::read(&target).unwrap(), new);
    assert_eq!(mode(&target), 0o751);
    // No temp file, no backup left.
    assert_eq!(names(&apps), ["Demo.AppImage"]);
    assert_eq!(
        recorder.events(),
        [
            "started AppImage",
            "backed up",
            "written 65536",
            "written 131072",
            "written 196608",
            "written 200000",
            "staged",
            "replaced",
            "finished"
        ]
    );
}

/// Sets or clears the immutable attribute (`chattr +i`): even root then cannot rename, link or
/// create there, which makes a real failure at a chosen step.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        run("chattr", &["+i", &path.to_string_lossy()]);
        Immutable(path.to_owned())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        run("chattr", &["-i", &self.0.to_string_lossy()]);
    }
}

#[test]
fn appimage_failure_at_the_final_rename_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(4000, 1), 0o755);
    let payload_dir = tempfile::tempdir().unwrap();
    let payload = put(payload_dir.path(), "new.AppImage", &elf(300_000, 2));
    let artifact = Signer::new().verified(&payload);
    let recorder = Recorder::new();
    let observe = |e: &InstallEvent<'_>| recorder.observe(e);
    {
        // The file cannot be replaced (nor hard-linked: the backup is a copy then).
        let _guard = Immutable::set(&target);
        let err =
            install(&artifact, &linux().install_path(&target).observer(&observe)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot install at {}: Operation not permitted (os error 1)",
                target.display()
            )
        );
    }
    // Everything was written and synced; only the rename failed.
    let events = recorder.events();
    assert_eq!(events[events.len() - 2..], ["written 300000", "staged"]);
    assert_eq!(fs::read(&target).unwrap(), elf(4000, 1));
    assert_eq!(names(dir.path()), ["Demo.AppImage"]);
}

#[test]
fn appimage_unwritable_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("apps");
    fs::create_dir(&apps).unwrap();
    let target = apps.join("Demo.AppImage");
    write_mode(&target, &elf(4000, 1), 0o755);
    let payload = put(dir.path(), "new.AppImage", &elf(1000, 2));
    let artifact = Signer::new().verified(&payload);
    {
        let _guard = Immutable::set(&apps);
        let err = install(&artifact, &linux().install_path(&target)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot install at {}: Operation not permitted (os error 1)",
                apps.display()
            )
        );
    }
    assert_eq!(fs::read(&target).unwrap(), elf(4000, 1));
    assert_eq!(names(&apps), ["Demo.AppImage"]);
}

/// Installs `install` while another install holds `dir` and keeps a staging file in it: the
/// install waits, leaves the other's file alone, and goes ahead once the other is done.
fn waits_for_a_running_install(dir: &Path, staging: &str, install: impl FnOnce() + Send) {
    use rustix::fs::{FlockOperation, flock};
    let held = fs::File::open(dir).unwrap();
    flock(&held, FlockOperation::LockExclusive).unwrap();
    let theirs = dir.join(staging);
    fs::write(&theirs, "being written").unwrap();
    std::thread::scope(|scope| {
        let waiting = scope.spawn(install);
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !waiting.is_finished(),
            "the install waits for the running one"
        );
        assert!(theirs.exists(), "and leaves its files alone");
        fs::remove_file(&theirs).unwrap();
        drop(held);
        waiting.join().unwrap();
    });
}

#[test]
fn installs_into_one_directory_wait_for_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o755);
    let payloads = tempfile::tempdir().unwrap();
    let payload = put(payloads.path(), "new.AppImage", &elf(1000, 2));
    let artifact = Signer::new().verified(&payload);
    waits_for_a_running_install(dir.path(), ".Demo.AppImage.upkit-new-a1b2c3", || {
        install(&artifact, &linux().install_path(&target)).unwrap();
    });
    assert_eq!(fs::read(&target).unwrap(), elf(1000, 2));
    assert_eq!(names(dir.path()), ["Demo.AppImage"]);

    let app = dir.path().join("Demo.app");
    make_bundle(&app, "1.0");
    let payload = put(
        payloads.path(),
        "Demo.app.tar.gz",
        &tar_gz(&bundle_entries("2.0")),
    );
    let artifact = Signer::new().verified(&payload);
    waits_for_a_running_install(dir.path(), ".Demo.app.upkit-staging-a1b2c3", || {
        install(&artifact, &darwin().install_path(&app)).unwrap();
    });
    assert_eq!(
        fs::read_to_string(app.join("Contents/Info.plist")).unwrap(),
        "plist 2.0"
    );
    assert_eq!(names(dir.path()), ["Demo.AppImage", "Demo.app"]);
}

#[test]
fn appimage_keeps_the_old_owner() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o750);
    std::os::unix::fs::chown(&target, Some(4321), Some(8765)).unwrap();
    let payload = put(dir.path(), "new.AppImage", &elf(1000, 2));
    install(
        &Signer::new().verified(&payload),
        &linux().install_path(&target),
    )
    .unwrap();
    let meta = fs::metadata(&target).unwrap();
    assert_eq!((meta.uid(), meta.gid(), mode(&target)), (4321, 8765, 0o750));
    assert_eq!(fs::read(&target).unwrap(), elf(1000, 2));
}

/// An update run as root (of a user's AppImage, say) must not become a way for that user to
/// choose what root writes: no set-ID bits carried over, no other user's symlink followed.
/// (These tests run as root, as CI does: `chown` and `lchown` to another user need it.)
#[test]
fn appimage_as_root_carries_no_set_id_bit_and_follows_only_roots_links() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o6755);
    let payload = put(dir.path(), "new.AppImage", &elf(1000, 2));
    let artifact = Signer::new().verified(&payload);
    install(&artifact, &linux().install_path(&target)).unwrap();
    assert_eq!(mode(&target), 0o755);

    // Another user's link, pointing at a file of root's.
    let link = dir.path().join("Link.AppImage");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).unwrap();
    let err = install(&artifact, &linux().install_path(&link)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "refusing to follow {}: it is a symlink owned by uid 65534, and this runs as root; pass the path it points to if that is the app",
            link.display()
        )
    );
    assert_eq!(fs::read(&target).unwrap(), elf(1000, 2));
    // Root's own link is followed.
    std::os::unix::fs::lchown(&link, Some(0), Some(0)).unwrap();
    write_mode(&payload, &elf(3000, 3), 0o644);
    let artifact = Signer::new().verified(&payload);
    install(&artifact, &linux().install_path(&link)).unwrap();
    assert_eq!(fs::read(&target).unwrap(), elf(3000, 3));
}

#[test]
fn appimage_v1_tar_gz_and_symlinked_install_path() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("Demo-1.0.AppImage");
    write_mode(&real, &elf(5000, 3), 0o700);
    let link = dir.path().join("Demo.AppImage");
    std::os::unix::fs::symlink("Demo-1.0.AppImage", &link).unwrap();
    let new = elf(70_000, 4);
    let archive = tar_gz(&[
        Entry::file("README", "read me", 0o644),
        Entry::File("Demo_2.0.0_amd64.AppImage".into(), new.clone(), 0o755),
    ]);
    let payload = put(dir.path(), "Demo_2.0.0_amd64.AppImage.tar.gz", &archive);
    let artifact = Signer::new().verified(&payload);

    let installed = install(&artifact, &linux().install_path(&link)).unwrap();
    assert_eq!(
        installed,
        Installed::Replaced {
            method: Method::AppImage,
            path: fs::canonicalize(&real).unwrap()
        }
    );
    // The real file got the new bytes and kept its mode; the symlink is still a symlink.
    assert_eq!(fs::read(&real).unwrap(), new);
    assert_eq!(mode(&real), 0o700);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        names(dir.path()),
        [
            "Demo-1.0.AppImage",
            "Demo.AppImage",
            "Demo_2.0.0_amd64.AppImage.tar.gz"
        ]
    );
}

/// Installs `payload_bytes` over an AppImage and expects `message`; the old file must be
/// untouched and nothing left beside it.
fn appimage_refused(payload_name: &str, payload_bytes: &[u8], limits: Limits, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("apps");
    fs::create_dir(&apps).unwrap();
    let target = apps.join("Demo.AppImage");
    let old = elf(3000, 5);
    write_mode(&target, &old, 0o755);
    let payload = put(dir.path(), payload_name, payload_bytes);
    let artifact = Signer::new().verified(&payload);
    let err = install(&artifact, &linux().install_path(&target).limits(limits)).unwrap_err();
    assert_eq!(
        err.to_string(),
        message.replace("{payload}", &payload.display().to_string())
    );
    assert_eq!(fs::read(&target).unwrap(), old);
    assert_eq!(mode(&target), 0o755);
    assert_eq!(names(&apps), ["Demo.AppImage"]);
}

#[test]
fn appimage_refusals_leave_the_old_file() {
    appimage_refused(
        "x.AppImage",
        b"#!/bin/sh\necho not an elf\n",
        Limits::default(),
        "{payload} is neither an ELF file nor a gzip'd tar holding an `.AppImage`",
    );
    appimage_refused(
        "x.AppImage.tar.gz",
        &tar_gz(&[Entry::file("x.AppImage", "#!/bin/sh\n", 0o755)]),
        Limits::default(),
        "{payload} is neither an ELF file nor a gzip'd tar holding an `.AppImage`",
    );
    appimage_refused(
        "x.AppImage.tar.gz",
        &tar_gz(&[Entry::file("x.txt", "hello", 0o644)]),
        Limits::default(),
        "{payload}: holds no `.AppImage` file",
    );
    appimage_refused(
        "x.AppImage.tar.gz",
        &tar_gz(&[Entry::File("../x.AppImage".into(), elf(100, 1), 0o755)]),
        Limits::default(),
        "{payload}: entry `../x.AppImage` escapes the destination",
    );
    // A gzip bomb: 64 MiB of zeros in a few KiB, against a 1 MiB limit.
    let bomb = bomb("x.AppImage", 64 << 20);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    appimage_refused(
        "x.AppImage.tar.gz",
        &bomb,
        Limits {
            max_unpacked_bytes: 1 << 20,
            ..Limits::default()
        },
        "{payload}: unpacks to more than 1048576 bytes",
    );
    // A GNU long name of 5 MiB (held in memory several times over by the tar crate): refused
    // at its header, under the default limits.
    appimage_refused(
        "x.AppImage.tar.gz",
        &long_name_bomb(5 << 20),
        Limits::default(),
        "{payload}: an extended header (pax or GNU long name) of 5242880 bytes, over the 65536 allowed",
    );
    // Too many entries.
    let many: Vec<Entry> = (0..20)
        .map(|i| Entry::file(&format!("f{i}"), "x", 0o644))
        .collect();
    appimage_refused(
        "x.AppImage.tar.gz",
        &tar_gz(&many),
        Limits {
            max_entries: 10,
            ..Limits::default()
        },
        "{payload}: holds more than 10 entries",
    );
}

#[test]
fn appimage_truncated_archive_fails_midway_and_cleans_up() {
    let mut archive = tar_gz(&[Entry::File("x.AppImage".into(), elf(300_000, 9), 0o755)]);
    archive.truncate(archive.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o755);
    let payload = put(dir.path(), "cut.tar.gz", &archive);
    let artifact = Signer::new().verified(&payload);
    let err = install(&artifact, &linux().install_path(&target)).unwrap_err();
    assert!(
        matches!(
            err,
            InstallError::Archive(upkit::install::ArchiveError::Truncated { .. })
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: is truncated (the gzip stream ends early)",
            payload.display()
        )
    );
    assert_eq!(fs::read(&target).unwrap(), elf(100, 1));
    assert_eq!(names(dir.path()), ["Demo.AppImage", "cut.tar.gz"]);
}

#[test]
fn appimage_archive_without_its_end_is_refused() {
    let no_end = "{payload}: is truncated (no end-of-archive marker after the last tar entry)";
    // Complete up to the AppImage, but the tar has no end: what followed is lost.
    let (tar, end) = plain_tar(&[
        Entry::File("x.AppImage".into(), elf(3000, 4), 0o755),
        Entry::file("README", "read me", 0o644),
    ]);
    appimage_refused(
        "x.AppImage.tar.gz",
        &gzip(&tar[..end]),
        Limits::default(),
        no_end,
    );
    let cut = header_at(&tar, "README");
    appimage_refused(
        "x.AppImage.tar.gz",
        &gzip(&tar[..cut]),
        Limits::default(),
        no_end,
    );
    // Cut inside an entry, then gzip'd: in the AppImage's data, in a skipped entry's data, in a
    // header.
    let in_entry = "{payload}: is truncated (the tar ends inside an entry)";
    let readme = header_at(&tar, "README");
    for cut in [readme - 1000, readme + 512 + 3, readme + 100] {
        appimage_refused(
            "x.AppImage.tar.gz",
            &gzip(&tar[..cut]),
            Limits::default(),
            in_entry,
        );
    }
    let gz = gzip(&tar);
    appimage_refused(
        "x.AppImage.tar.gz",
        &gz[..gz.len() - 4],
        Limits::default(),
        "{payload}: is truncated (the gzip stream ends early)",
    );
    // Entries after the AppImage are still counted.
    let many: Vec<Entry> = std::iter::once(Entry::File("x.AppImage".into(), elf(300, 4), 0o755))
        .chain((0..20).map(|i| Entry::file(&format!("f{i}"), "x", 0o644)))
        .collect();
    appimage_refused(
        "x.AppImage.tar.gz",
        &tar_gz(&many),
        Limits {
            max_entries: 10,
            ..Limits::default()
        },
        "{payload}: holds more than 10 entries",
    );
}

#[test]
fn appimage_leftovers_of_a_killed_install_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o755);
    fs::write(dir.path().join(".Demo.AppImage.upkit-new-abc123"), "half").unwrap();
    fs::create_dir(dir.path().join(".Demo.AppImage.upkit-backup-def456")).unwrap();
    fs::write(dir.path().join(".Other.AppImage.upkit-new-zzz"), "not ours").unwrap();
    let payload = put(dir.path(), "new.AppImage", &elf(500, 2));
    let artifact = Signer::new().verified(&payload);
    install(&artifact, &linux().install_path(&target)).unwrap();
    assert_eq!(
        names(dir.path()),
        [
            ".Other.AppImage.upkit-new-zzz",
            "Demo.AppImage",
            "new.AppImage"
        ]
    );
}

#[test]
fn artifact_changed_after_verification_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o755);
    let payload = put(dir.path(), "new.AppImage", &elf(500, 2));
    let artifact = Signer::new().verified(&payload);
    fs::write(&payload, elf(501, 2)).unwrap();
    let err = install(&artifact, &linux().install_path(&target)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} changed after it was verified (501 bytes, 500 verified)",
            payload.display()
        )
    );
    assert_eq!(fs::read(&target).unwrap(), elf(100, 1));
}

#[test]
fn install_path_and_method_errors() {
    let dir = tempfile::tempdir().unwrap();
    let payload = put(dir.path(), "new.AppImage", &elf(500, 2));
    let artifact = Signer::new().verified(&payload);
    let missing = dir.path().join("missing.AppImage");
    let err = install(&artifact, &linux().install_path(&missing)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("no installed app at {}", missing.display())
    );

    let err = install(
        &artifact,
        &InstallOptions::new()
            .os(Os::Linux)
            .installer(Installer::Msi),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "a msi update cannot be installed on linux");
    let err = install(
        &artifact,
        &InstallOptions::new()
            .os(Os::Darwin)
            .installer(Installer::Deb),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a deb update cannot be installed on darwin"
    );
    // No bundle type, no $APPIMAGE (the test environment has none), no install path, and an ELF
    // payload: nothing says how the app was installed.
    assert!(std::env::var_os("APPIMAGE").is_none());
    let err = install(&artifact, &InstallOptions::new().os(Os::Linux)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot tell how the app was installed: pass the bundle type or an install path"
    );
    // With an install path only, an ELF payload means an AppImage.
    let target = dir.path().join("Demo.AppImage");
    write_mode(&target, &elf(100, 1), 0o755);
    let installed = install(
        &artifact,
        &InstallOptions::new().os(Os::Linux).install_path(&target),
    );
    assert!(matches!(
        installed,
        Ok(Installed::Replaced {
            method: Method::AppImage,
            ..
        })
    ));
    // With an install path only, a package payload is not installed as root by the package
    // manager behind the caller's back: the install path names an AppImage.
    let deb = put(
        dir.path(),
        "app_2.0.0_amd64.deb",
        b"!<arch>\ndebian-binary   0 ...",
    );
    let err = install(
        &Signer::new().verified(&deb),
        &InstallOptions::new().os(Os::Linux).install_path(&target),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is a deb package, but the app to update is an AppImage: set the bundle type to deb to have the package manager install it",
            deb.display()
        )
    );
    assert_eq!(fs::read(&target).unwrap(), elf(500, 2));
}

// ---------------------------------------------------------------------------------------------
// macOS bundle swap (platform-neutral code, fake bundle)

fn darwin() -> InstallOptions<'static> {
    InstallOptions::new().os(Os::Darwin)
}

#[test]
fn bundle_swap_replaces_the_whole_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Demo.app");
    make_bundle(&app, "1.0");
    fs::write(app.join("Contents/only-in-old"), "x").unwrap();
    let payload = put(
        dir.path(),
        "Demo.app.tar.gz",
        &tar_gz(&bundle_entries("2.0")),
    );
    let artifact = Signer::new().verified(&payload);

    let recorder = Recorder::new();
    let observe = |e: &InstallEvent<'_>| recorder.observe(e);
    let installed = install(&artifact, &darwin().install_path(&app).observer(&observe)).unwrap();
    assert_eq!(
        installed,
        Installed::Replaced {
            method: Method::AppBundle,
            path: app.clone()
        }
    );
    let expected: Vec<(String, String)> = [
        (".", "dir 755"),
        ("Contents", "dir 755"),
        ("Contents/Frameworks", "dir 755"),
        ("Contents/Frameworks/A.framework", "dir 755"),
        (
            "Contents/Frameworks/A.framework/A",
            "link -> Versions/Current/A",
        ),
        ("Contents/Frameworks/A.framework/Versions", "dir 755"),
        ("Contents/Frameworks/A.framework/Versions/1", "dir 755"),
        (
            "Contents/Frameworks/A.framework/Versions/1/A",
            "file 755 lib",
        ),
        (
            "Contents/Frameworks/A.framework/Versions/Current",
            "link -> 1",
        ),
        ("Contents/Info.plist", "file 644 plist 2.0"),
        ("Contents/MacOS", "dir 755"),
        ("Contents/MacOS/Demo", "file 755 binary 2.0"),
        ("Contents/MacOS/Demo-hardlink", "file 755 binary 2.0"),
        ("Contents/Resources", "dir 755"),
        ("Contents/Resources/demo-link", "link -> ../MacOS/Demo"),
        // setuid dropped.
        ("Contents/Resources/setuid", "file 755 s"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(snapshot(&app).into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(names(dir.path()), ["Demo.app", "Demo.app.tar.gz"]);
    let events = recorder.events();
    assert_eq!(events.first().unwrap(), "started app bundle");
    assert_eq!(
        events[events.len() - 3..],
        ["staged", "replaced", "finished"]
    );
    assert!(events.contains(&"unpacked 12".to_owned()), "{events:?}");
    // The hard link is one file.
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        fs::metadata(app.join("Contents/MacOS/Demo")).unwrap().ino(),
        fs::metadata(app.join("Contents/MacOS/Demo-hardlink"))
            .unwrap()
            .ino()
    );
}

/// A hostile or broken bundle archive is refused with `message`; the old bundle is untouched and
/// no staging directory is left.
fn bundle_refused(entries: &[Entry], limits: Limits, message: &str) {
    bundle_refused_bytes(&tar_gz(entries), limits, message);
}

fn bundle_refused_bytes(archive: &[u8], limits: Limits, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("Applications");
    let app = apps.join("Demo.app");
    make_bundle(&app, "1.0");
    let before = snapshot(&app);
    let payload = put(dir.path(), "Demo.app.tar.gz", archive);
    let artifact = Signer::new().verified(&payload);
    let err = install(&artifact, &darwin().install_path(&app).limits(limits)).unwrap_err();
    assert_eq!(
        err.to_string(),
        message.replace("{payload}", &payload.display().to_string())
    );
    assert_eq!(snapshot(&app), before);
    assert_eq!(names(&apps), ["Demo.app"]);
    // Nothing was written outside the staging directory either.
    assert_eq!(names(dir.path()), ["Applications", "Demo.app.tar.gz"]);
}

#[test]
fn bundle_archives_are_read_defensively() {
    let base = || bundle_entries("2.0");
    let with = |extra: Entry| {
        let mut entries = base();
        entries.push(extra);
        entries
    };
    let d = Limits::default();
    bundle_refused(
        &with(Entry::file("Demo.app/../../evil", "x", 0o644)),
        d,
        "{payload}: entry `Demo.app/../../evil` escapes the destination",
    );
    bundle_refused(
        &with(Entry::file("/tmp/evil", "x", 0o644)),
        d,
        "{payload}: entry `/tmp/evil` escapes the destination",
    );
    bundle_refused(
        &with(Entry::Symlink("Demo.app/Contents/out", "../../../etc")),
        d,
        "{payload}: link `Demo.app/Contents/out` points outside the destination (`../../../etc`)",
    );
    bundle_refused(
        &with(Entry::Symlink("Demo.app/Contents/abs", "/etc/passwd")),
        d,
        "{payload}: link `Demo.app/Contents/abs` points outside the destination (`/etc/passwd`)",
    );
    bundle_refused(
        &with(Entry::Symlink("Demo.app/Contents/sneak", "MacOS/../../..")),
        d,
        "{payload}: link `Demo.app/Contents/sneak` points outside the destination (`MacOS/../../..`)",
    );
    // A symlink to inside, then an entry written through it.
    let mut through = base();
    through.push(Entry::Symlink("Demo.app/Contents/up", "."));
    through.push(Entry::file("Demo.app/Contents/up/x", "x", 0o644));
    bundle_refused(
        &through,
        d,
        "{payload}: entry `Demo.app/Contents/up/x` goes through a symlink",
    );
    bundle_refused(
        &with(Entry::HardLink("Demo.app/Contents/h", "/etc/passwd")),
        d,
        "{payload}: link `Demo.app/Contents/h` points outside the destination (`/etc/passwd`)",
    );
    bundle_refused(
        &with(Entry::Char("Demo.app/Contents/tty")),
        d,
        "{payload}: entry `Demo.app/Contents/tty` is a character device, which an update may not hold",
    );
    bundle_refused(
        &with(Entry::Fifo("Demo.app/Contents/pipe")),
        d,
        "{payload}: entry `Demo.app/Contents/pipe` is a fifo, which an update may not hold",
    );
    bundle_refused(
        &with(Entry::file("Other.app/x", "x", 0o644)),
        d,
        "{payload}: entry `Other.app/x` is not inside the archive's top directory `Demo.app/`",
    );
    bundle_refused(
        &with(Entry::file("./Contents/x", "x", 0o644)),
        d,
        "{payload}: entry `./Contents/x` is not inside the archive's top directory `Demo.app/`",
    );
    bundle_refused(
        &[Entry::file("Demo.txt", "x", 0o644)],
        d,
        "{payload}: entry `Demo.txt` is not inside a top directory (`<Name>.app/`)",
    );
    bundle_refused(
        &[
            Entry::Dir("./", 0o755),
            Entry::file("./Contents/Info.plist", "plist", 0o644),
            Entry::file("Contents/MacOS/Demo", "binary", 0o755),
        ],
        d,
        "{payload}: entry `Contents/MacOS/Demo` is not inside the archive's top directory `./`",
    );
    bundle_refused(
        &with(Entry::file("Demo.app/Contents/Info.plist", "again", 0o644)),
        d,
        "{payload}: entry `Demo.app/Contents/Info.plist` appears twice",
    );
    bundle_refused(&[], d, "{payload}: holds no top directory (`<Name>.app/`)");
    bundle_refused_bytes(
        &bomb("Demo.app/Contents/big", 32 << 20),
        Limits {
            max_unpacked_bytes: 1 << 20,
            ..d
        },
        "{payload}: unpacks to more than 1048576 bytes",
    );
    // Long-name data is read into memory by the tar crate, out of `Budget::copy`'s sight, and
    // several times over (a 4.6 MB one took 3.1 GB): it is refused at its header, before the
    // crate reads it, whatever the unpacking limits.
    for limits in [
        Limits {
            max_unpacked_bytes: 1 << 20,
            ..d
        },
        d,
    ] {
        bundle_refused_bytes(
            &long_name_bomb(32 << 20),
            limits,
            "{payload}: an extended header (pax or GNU long name) of 33554432 bytes, over the 65536 allowed",
        );
    }
    bundle_refused_bytes(
        b"not gzip at all",
        d,
        "{payload} is not a gzip'd tar of a `.app` bundle",
    );
}

/// The plain tar inside a gzip'd tar.
fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut tar).unwrap();
    tar
}

/// `tar` gzip'd, as one valid gzip stream.
fn gzip(tar: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, tar).unwrap();
    gz.finish().unwrap()
}

/// Where the header of the entry `path` starts in the plain tar `tar`.
fn header_at(tar: &[u8], path: &str) -> usize {
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if *entry.path_bytes() == *path.as_bytes() {
            return usize::try_from(entry.raw_header_position()).unwrap();
        }
    }
    panic!("no entry `{path}`");
}

/// The plain tar of `entries` (as [`tar_gz`] writes it) and where its end-of-archive marker (two
/// zero blocks) starts.
fn plain_tar(entries: &[Entry]) -> (Vec<u8>, usize) {
    let tar = gunzip(&tar_gz(entries));
    let end = tar.len() - 1024;
    assert!(tar[end..].iter().all(|b| *b == 0));
    (tar, end)
}

#[test]
fn bundle_archives_without_their_end_are_refused() {
    let d = Limits::default();
    let (tar, end) = plain_tar(&bundle_entries("2.0"));
    // Cut at an entry boundary, then gzip'd: a valid gzip stream holding a tar without its end.
    // This installed a bundle without `Contents/MacOS` and the binary.
    let cut = header_at(&tar, "Demo.app/Contents/MacOS/");
    let no_end = "{payload}: is truncated (no end-of-archive marker after the last tar entry)";
    bundle_refused_bytes(&gzip(&tar[..cut]), d, no_end);
    bundle_refused_bytes(&gzip(&tar[..end]), d, no_end);
    // Cut inside an entry, then gzip'd: in a file's data (it was installed short), in a header.
    let in_entry = "{payload}: is truncated (the tar ends inside an entry)";
    let binary = header_at(&tar, "Demo.app/Contents/MacOS/Demo");
    bundle_refused_bytes(&gzip(&tar[..binary + 512 + 1]), d, in_entry);
    bundle_refused_bytes(&gzip(&tar[..binary + 100]), d, in_entry);
    // The gzip stream cut inside the entries.
    let gz = tar_gz(&bundle_entries("2.0"));
    bundle_refused_bytes(
        &gz[..gz.len() / 2],
        d,
        "{payload}: is truncated (the gzip stream ends early)",
    );
    // One of the two zero blocks.
    let lone =
        "{payload}: is truncated (the tar's end-of-archive marker is one zero block, not two)";
    bundle_refused_bytes(&gzip(&tar[..end + 512]), d, lone);
    // A zero block that hides the entries after it from every tar reader.
    let mut hiding = tar[..cut].to_vec();
    hiding.extend([0; 512]);
    hiding.extend(&tar[cut..]);
    bundle_refused_bytes(&gzip(&hiding), d, lone);
    // The gzip trailer (CRC-32 and length) cut off, or not matching.
    let gz = tar_gz(&bundle_entries("2.0"));
    bundle_refused_bytes(
        &gz[..gz.len() - 4],
        d,
        "{payload}: is truncated (the gzip stream ends early)",
    );
    let mut bad_crc = gz.clone();
    let crc_at = bad_crc.len() - 8;
    bad_crc[crc_at] ^= 1;
    bundle_refused_bytes(
        &bad_crc,
        d,
        "cannot unpack {payload}: corrupt gzip stream does not have a matching checksum",
    );
    // What follows the end is read to the gzip trailer, within the limits: a bomb of zeros there
    // is not read forever.
    let mut padded = tar.clone();
    padded.resize(tar.len() + (8 << 20), 0);
    bundle_refused_bytes(
        &gzip(&padded),
        Limits {
            max_unpacked_bytes: 1 << 20,
            ..d
        },
        "{payload}: unpacks to more than 1048576 bytes",
    );
    // Zeros padding the tar to its record size (GNU tar writes 10 KiB records) are fine.
    let mut record = tar.clone();
    record.resize(10240, 0);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Demo.app");
    make_bundle(&app, "1.0");
    let payload = put(dir.path(), "Demo.app.tar.gz", &gzip(&record));
    install(
        &Signer::new().verified(&payload),
        &darwin().install_path(&app),
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(app.join("Contents/MacOS/Demo")).unwrap(),
        "binary 2.0"
    );
}

#[test]
fn bundle_archive_without_info_plist_is_refused() {
    let d = Limits::default();
    let missing = "{payload}: holds no `<Name>.app/Contents/Info.plist` file";
    // Only the top directory: this left an empty Demo.app.
    bundle_refused(&[Entry::Dir("Demo.app/", 0o755)], d, missing);
    let without = |path: &str| -> Vec<Entry> {
        bundle_entries("2.0")
            .into_iter()
            .filter(|e| !matches!(e, Entry::File(p, ..) if p == path))
            .collect()
    };
    bundle_refused(&without("Demo.app/Contents/Info.plist"), d, missing);
    // Not a regular file.
    let mut entries = without("Demo.app/Contents/Info.plist");
    entries.push(Entry::Dir("Demo.app/Contents/Info.plist/", 0o755));
    bundle_refused(&entries, d, missing);
    let mut entries = without("Demo.app/Contents/Info.plist");
    entries.push(Entry::Symlink("Demo.app/Contents/Info.plist", "MacOS/Demo"));
    bundle_refused(&entries, d, missing);

    // The top directory's name does not matter (Tauri strips it unread): another `.app`, a
    // name without `.app`, or `.` (an archive made inside the bundle, `tar -C Demo.app .`).
    for (top, root) in [
        ("Renamed.app", "Renamed.app/"),
        ("Demo", "Demo/"),
        (".", "./"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("Demo.app");
        make_bundle(&app, "1.0");
        let (plist, binary) = (
            format!("{top}/Contents/Info.plist"),
            format!("{top}/Contents/MacOS/Demo"),
        );
        let renamed: Vec<Entry> = [
            Entry::Dir(root, 0o755),
            Entry::file(&plist, "plist 2.0", 0o644),
            Entry::file(&binary, "binary 2.0", 0o755),
        ]
        .into();
        let payload = put(dir.path(), "Demo.app.tar.gz", &tar_gz(&renamed));
        install(
            &Signer::new().verified(&payload),
            &darwin().install_path(&app),
        )
        .unwrap_or_else(|e| panic!("{top}: {e}"));
        assert_eq!(
            fs::read_to_string(app.join("Contents/Info.plist")).unwrap(),
            "plist 2.0"
        );
    }
}

#[test]
fn bundle_install_path_must_be_an_app_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let payload = put(
        dir.path(),
        "Demo.app.tar.gz",
        &tar_gz(&bundle_entries("2.0")),
    );
    let artifact = Signer::new().verified(&payload);
    let refused = |path: &Path, reason: &str| {
        let before = snapshot(path);
        let err = install(&artifact, &darwin().install_path(path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "refusing to replace {}: it is not an app bundle ({reason})",
                path.display()
            )
        );
        assert!(!err.may_have_changed_the_app());
        assert_eq!(snapshot(path), before);
    };
    // `upkit update --install-path ~/Documents` deleted the documents.
    let documents = dir.path().join("Documents");
    fs::create_dir(&documents).unwrap();
    fs::write(documents.join("thesis.txt"), "years of work").unwrap();
    refused(&documents, "its name does not end in `.app`");
    // Even holding what a bundle holds.
    make_bundle(&documents.join("."), "1.0");
    refused(&documents, "its name does not end in `.app`");
    let empty = dir.path().join("Empty.app");
    fs::create_dir(&empty).unwrap();
    refused(&empty, "it has no `Contents/Info.plist` file");
    let half = dir.path().join("Half.app");
    fs::create_dir_all(half.join("Contents/MacOS")).unwrap();
    fs::write(half.join("Contents/MacOS/Half"), "binary").unwrap();
    refused(&half, "it has no `Contents/Info.plist` file");
    let odd = dir.path().join("Odd.app");
    fs::create_dir_all(odd.join("Contents/Info.plist")).unwrap();
    refused(&odd, "it has no `Contents/Info.plist` file");
    // Nothing staged, nothing left.
    assert_eq!(
        names(dir.path()),
        [
            "Demo.app.tar.gz",
            "Documents",
            "Empty.app",
            "Half.app",
            "Odd.app"
        ]
    );
}

#[test]
fn bundle_swap_refused_by_the_file_system_leaves_the_old_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Demo.app");
    make_bundle(&app, "1.0");
    let before = snapshot(&app);
    let payload_dir = tempfile::tempdir().unwrap();
    let payload = put(
        payload_dir.path(),
        "Demo.app.tar.gz",
        &tar_gz(&bundle_entries("2.0")),
    );
    let artifact = Signer::new().verified(&payload);
    {
        let _guard = Immutable::set(&app);
        let err = install(&artifact, &darwin().install_path(&app)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot install at {}: Operation not permitted (os error 1)",
                app.display()
            )
        );
    }
    assert_eq!(snapshot(&app), before);
    assert_eq!(names(dir.path()), ["Demo.app"]);
}

/// Verifies `payload` against its `.sig` (as `upkit bundle` or `tauri signer sign` wrote it).
fn verified_by_sig(payload: &Path, pubkey: &str) -> upkit::artifact::VerifiedArtifact {
    use upkit::core::signature::{Keyring, Policy, PublicKey, Signature};
    let mut sig_path = payload.as_os_str().to_owned();
    sig_path.push(".sig");
    let signature = Signature::decode(&fs::read_to_string(sig_path).unwrap()).unwrap();
    let keyring = Keyring::from(PublicKey::decode(pubkey).unwrap());
    upkit::artifact::VerifiedArtifact::verify_file(
        payload,
        &keyring,
        &signature,
        &Policy::default(),
    )
    .unwrap()
}

#[test]
fn archives_made_by_gnu_tar_and_by_upkit_bundle_install() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_bundle(&src.join("Demo.app"), "2.0");
    fs::create_dir_all(src.join("Demo.app/Contents/Frameworks/A.framework/Versions/1")).unwrap();
    write_mode(
        &src.join("Demo.app/Contents/Frameworks/A.framework/Versions/1/A"),
        b"lib",
        0o755,
    );
    std::os::unix::fs::symlink(
        "1",
        src.join("Demo.app/Contents/Frameworks/A.framework/Versions/Current"),
    )
    .unwrap();
    // A path too long for the header: a GNU long-name entry or a pax header comes first, and the
    // end of the archive is still found.
    let long = format!("Demo.app/Contents/Resources/{}", "long-name-".repeat(12));
    write_mode(&src.join(long), b"long", 0o644);
    let expected = snapshot(&src.join("Demo.app"));
    let src_s = src.to_string_lossy().into_owned();
    let signer = Signer::new();

    // GNU tar, in its default format and as pax with a global extended header (`comment=...`
    // goes there; `git archive` writes one too).
    for format in ["gnu", "pax"] {
        let archive = dir.path().join(format!("{format}/Demo.app.tar.gz"));
        fs::create_dir_all(archive.parent().unwrap()).unwrap();
        run(
            "tar",
            &[
                &format!("--format={format}"),
                if format == "pax" {
                    "--pax-option=comment=upkit"
                } else {
                    "--numeric-owner"
                },
                "-czf",
                &archive.to_string_lossy(),
                "-C",
                &src_s,
                "Demo.app",
            ],
        );
        let app = dir.path().join(format!("{format}/Applications/Demo.app"));
        make_bundle(&app, "1.0");
        install(&signer.verified(&archive), &darwin().install_path(&app)).unwrap();
        assert_eq!(snapshot(&app), expected, "{format}");
    }

    // `upkit bundle` (the same code as the `upkit bundle` command), v1 compatible: the
    // `.app.tar.gz` and the `.AppImage.tar.gz`, verified against their `.sig` files.
    let pair = upkit::keys::KeyPair::generate("").unwrap();
    let key = upkit::keys::SecretKey::decode(pair.secret_key(), "").unwrap();
    let appimage = src.join("Demo_2.0.0_amd64.AppImage");
    write_mode(&appimage, &elf(100_000, 11), 0o755);
    let made = upkit::bundle::bundle(
        &[src.join("Demo.app"), appimage.clone()],
        &key,
        Some("2.0.0"),
        upkit::bundle::Compatibility::V1,
    )
    .unwrap();
    let names_made: Vec<String> = made
        .iter()
        .map(|b| b.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names_made,
        [
            "Demo.app.tar.gz",
            "Demo_2.0.0_amd64.AppImage",
            "Demo_2.0.0_amd64.AppImage.tar.gz"
        ]
    );
    let app = dir.path().join("bundled/Demo.app");
    make_bundle(&app, "1.0");
    let verified = verified_by_sig(&made[0].path, pair.public_key());
    install(&verified, &darwin().install_path(&app)).unwrap();
    assert_eq!(snapshot(&app), expected);
    for artifact in &made[1..] {
        let target = dir.path().join("bundled/Demo.AppImage");
        write_mode(&target, &elf(10, 1), 0o700);
        install(
            &verified_by_sig(&artifact.path, pair.public_key()),
            &linux().install_path(&target),
        )
        .unwrap();
        assert_eq!(fs::read(&target).unwrap(), elf(100_000, 11));
        assert_eq!(mode(&target), 0o700);
    }
}

#[test]
fn bundle_parked_by_a_killed_install_is_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Demo.app");
    // A rename-with-rollback killed between its two renames: the old bundle is parked.
    let parked = dir.path().join(".Demo.app.upkit-staging-abc/old");
    make_bundle(&parked, "1.0");
    fs::create_dir(dir.path().join(".Demo.app.upkit-staging-abc/new")).unwrap();
    let payload = put(
        dir.path(),
        "Demo.app.tar.gz",
        &tar_gz(&bundle_entries("2.0")),
    );
    let artifact = Signer::new().verified(&payload);
    install(&artifact, &darwin().install_path(&app)).unwrap();
    assert_eq!(
        fs::read_to_string(app.join("Contents/MacOS/Demo")).unwrap(),
        "binary 2.0"
    );
    assert_eq!(names(dir.path()), ["Demo.app", "Demo.app.tar.gz"]);
}

// ---------------------------------------------------------------------------------------------
// Windows (payload handling and command lines; the launch itself needs Windows)

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn nsis_arguments_for_every_mode() {
    let app_args = strings(&["--flag", "some space", "/path/x", "", r#"quote"d"#]);
    let cases = [
        (
            InstallMode::Passive,
            Restart::Relaunch,
            r#"/P /UPDATE /R /ARGS --flag "some space" "/path/x" "" quote\"d /NS"#,
        ),
        (
            InstallMode::Quiet,
            Restart::Relaunch,
            r#"/S /UPDATE /R /ARGS --flag "some space" "/path/x" "" quote\"d /NS"#,
        ),
        (
            InstallMode::BasicUi,
            Restart::Relaunch,
            r#"/UPDATE /ARGS --flag "some space" "/path/x" "" quote\"d /NS"#,
        ),
        (InstallMode::Passive, Restart::No, "/P /UPDATE /NS"),
        (InstallMode::Quiet, Restart::No, "/S /UPDATE /NS"),
        (InstallMode::BasicUi, Restart::No, "/UPDATE /NS"),
    ];
    for (mode, restart, expected) in cases {
        let options = WindowsOptions {
            mode,
            restart,
            installer_args: strings(&["/NS"]),
            app_args: None,
        };
        assert_eq!(
            windows::nsis_args(&options, &app_args).join(" "),
            expected,
            "{mode:?} {restart:?}"
        );
    }
    // The contract's example, exactly.
    let options = WindowsOptions {
        installer_args: strings(&["/NS"]),
        ..WindowsOptions::default()
    };
    assert_eq!(
        windows::nsis_args(&options, &strings(&["--flag", "some space"])),
        strings(&[
            "/P",
            "/UPDATE",
            "/R",
            "/ARGS",
            "--flag",
            "\"some space\"",
            "/NS"
        ])
    );
}

#[test]
fn msiexec_arguments_for_every_mode() {
    let msi = Path::new(r"C:\Users\me\AppData\Local\Temp\upkit-update-x\update.msi");
    let app_args = strings(&["--flag", "some space", r#"say "hi""#, ""]);
    let launch =
        r#"AUTOLAUNCHAPP=True LAUNCHAPPARGS="--flag ""some space"" ""say \""hi\"""" """"""#;
    let cases = [
        (
            InstallMode::Passive,
            Restart::Relaunch,
            format!("/passive /promptrestart /L*V log.txt {launch}"),
        ),
        (
            InstallMode::Quiet,
            Restart::Relaunch,
            format!("/quiet /promptrestart /L*V log.txt {launch}"),
        ),
        (
            InstallMode::BasicUi,
            Restart::Relaunch,
            format!("/qb+ /promptrestart /L*V log.txt {launch}"),
        ),
        (
            InstallMode::Passive,
            Restart::No,
            "/passive /promptrestart /L*V log.txt".to_owned(),
        ),
        (
            InstallMode::Quiet,
            Restart::No,
            "/quiet /promptrestart /L*V log.txt".to_owned(),
        ),
        (
            InstallMode::BasicUi,
            Restart::No,
            "/qb+ /promptrestart /L*V log.txt".to_owned(),
        ),
    ];
    for (mode, restart, expected) in cases {
        let options = WindowsOptions {
            mode,
            restart,
            installer_args: strings(&["/L*V", "log.txt"]),
            app_args: None,
        };
        let command = windows::launch_command(
            WindowsInstaller::Msi,
            msi,
            &options,
            &app_args,
            Some(r"C:\Windows"),
        );
        assert_eq!(command.file, Path::new(r"C:\Windows\System32\msiexec.exe"));
        assert_eq!(
            command.parameters(),
            format!(r#"/i "{}" {expected}"#, msi.display()),
            "{mode:?} {restart:?}"
        );
    }
}

fn windows_options() -> InstallOptions<'static> {
    InstallOptions::new()
        .os(Os::Windows)
        .windows(WindowsOptions {
            app_args: Some(strings(&["--updated"])),
            ..WindowsOptions::default()
        })
}

#[test]
fn windows_payloads_are_detected_and_written_to_a_temp_dir() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new();
    let exe = b"MZ\x90\x00 nsis setup".to_vec();
    let msi = [
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
        b" msi",
    ]
    .concat();
    // (payload name, payload, kind, installer bytes, installer file name)
    type Case<'a> = (&'a str, Vec<u8>, WindowsInstaller, &'a [u8], &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "Demo_2.0.0_x64-setup.exe",
            exe.clone(),
            WindowsInstaller::Nsis,
            &exe,
            "update-setup.exe",
        ),
        (
            "Demo_2.0.0_x64_en-US.msi",
            msi.clone(),
            WindowsInstaller::Msi,
            &msi,
            "update.msi",
        ),
        (
            "Demo_2.0.0_x64-setup.nsis.zip",
            zip(&[("readme.txt", b"hi"), ("Demo_2.0.0_x64-setup.exe", &exe)]),
            WindowsInstaller::Nsis,
            &exe,
            "Demo_2.0.0_x64-setup.exe",
        ),
        (
            "Demo_2.0.0_x64_en-US.msi.zip",
            zip(&[("sub/Demo.MSI", &msi)]),
            WindowsInstaller::Msi,
            &msi,
            "Demo.MSI",
        ),
    ];
    for (name, bytes, kind, inner, file) in cases {
        let payload = put(dir.path(), name, &bytes);
        let artifact = signer.verified(&payload);
        let prepared = prepare_windows(&artifact, &windows_options()).unwrap();
        assert_eq!(prepared.kind(), kind, "{name}");
        let installer = prepared.dir().join(file);
        assert_eq!(fs::read(&installer).unwrap(), inner, "{name}");
        let command = prepared.command();
        match kind {
            WindowsInstaller::Nsis => {
                assert_eq!(command.file, installer);
                assert_eq!(command.parameters(), "/P /UPDATE /R /ARGS --updated");
            }
            _ => {
                assert_eq!(
                    command.parameters(),
                    format!(
                        r#"/i "{}" /passive /promptrestart AUTOLAUNCHAPP=True LAUNCHAPPARGS="--updated""#,
                        installer.display()
                    )
                );
            }
        }
        #[cfg(not(windows))]
        {
            let hook_ran = std::cell::Cell::new(false);
            let dir = prepared.dir().to_owned();
            let err = prepared.launch(|| hook_ran.set(true)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "launching a Windows installer is only possible on Windows"
            );
            assert!(!hook_ran.get());
            // A failed launch removes the installer's directory.
            assert!(!dir.exists());
        }
    }
}

#[test]
fn windows_prepared_installer_dropped_unlaunched_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let payload = put(dir.path(), "setup.exe", b"MZ setup");
    let prepared = prepare_windows(&Signer::new().verified(&payload), &windows_options()).unwrap();
    let installer_dir = prepared.dir().to_owned();
    assert_eq!(
        fs::read(installer_dir.join("update-setup.exe")).unwrap(),
        b"MZ setup"
    );
    drop(prepared);
    assert!(!installer_dir.exists());
}

#[test]
fn windows_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new();
    let refused = |name: &str, bytes: &[u8], message: &str| {
        let payload = put(dir.path(), name, bytes);
        let err = prepare_windows(&signer.verified(&payload), &windows_options()).unwrap_err();
        assert_eq!(
            err.to_string(),
            message.replace("{payload}", &payload.display().to_string())
        );
    };
    refused(
        "x.exe",
        b"#!/bin/sh",
        "{payload} is not a zip, exe or msi file",
    );
    refused(
        "x.zip",
        &zip(&[("readme.txt", b"hi")]),
        "{payload}: holds no `.exe` or `.msi` file",
    );
    refused(
        "y.zip",
        &zip(&[("../evil.exe", b"MZ")]),
        "{payload}: entry `../evil.exe` escapes the destination",
    );
    refused(
        "z.zip",
        &zip(&[("fake.exe", b"not an exe")]),
        "{payload} is not a zip, exe or msi file",
    );
    let big = vec![b'M'; 2 << 20];
    let payload = put(dir.path(), "big.zip", &zip(&[("big.exe", &big)]));
    let options = windows_options().limits(Limits {
        max_unpacked_bytes: 1 << 20,
        ..Limits::default()
    });
    let err = prepare_windows(&signer.verified(&payload), &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: unpacks to more than 1048576 bytes", payload.display())
    );

    #[cfg(not(windows))]
    {
        let payload = put(dir.path(), "ok.exe", b"MZ setup");
        let err = install(&signer.verified(&payload), &windows_options()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "launching a Windows installer is only possible on Windows"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// deb and rpm: the real dpkg and rpm, on private databases

/// A private dpkg root: `--root=DIR` with an empty database.
fn dpkg_root(dir: &Path) -> PathBuf {
    let root = dir.join("dpkg-root");
    fs::create_dir_all(root.join("var/lib/dpkg/updates")).unwrap();
    fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
    fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    root
}

/// Builds `upkit-hello_<version>.deb` with `dpkg-deb`; `extra` goes into the control file.
fn build_deb(dir: &Path, version: &str, extra: &str) -> PathBuf {
    build_named_deb(dir, "upkit-hello", version, extra)
}

/// Builds `<name>_<version>_all.deb` with `dpkg-deb`; `extra` goes into the control file.
fn build_named_deb(dir: &Path, name: &str, version: &str, extra: &str) -> PathBuf {
    let tree = dir.join(format!("deb-{name}-{version}"));
    fs::create_dir_all(tree.join("DEBIAN")).unwrap();
    fs::create_dir_all(tree.join("opt/upkit-hello")).unwrap();
    fs::write(
        tree.join("DEBIAN/control"),
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: all\n\
             Maintainer: upkit tests <tests@example.com>\nDescription: upkit test package\n{extra}"
        ),
    )
    .unwrap();
    fs::write(tree.join("opt/upkit-hello/version"), version).unwrap();
    let out = dir.join(format!("{name}_{version}_all.deb"));
    run(
        "dpkg-deb",
        &[
            "--root-owner-group",
            "--build",
            &tree.to_string_lossy(),
            &out.to_string_lossy(),
        ],
    );
    out
}

fn dpkg_version(root: &Path) -> String {
    run(
        "dpkg-query",
        &[
            &format!("--root={}", root.display()),
            "-W",
            "-f=${Version} ${db:Status-Abbrev}",
            "upkit-hello",
        ],
    )
}

/// The real machine, pretending not to be root: records each invocation, answers the password
/// prompt, and runs the escalated command for real without its escalation prefix (we are root).
struct Unprivileged {
    tools: Vec<&'static str>,
    prompt_answer: Option<&'static str>,
    seen: Mutex<Vec<upkit::install::Invocation>>,
}

impl Unprivileged {
    /// Claims that only `tools` are on PATH; a password prompt answers `prompt_answer`.
    fn new(tools: &[&'static str], prompt_answer: Option<&'static str>) -> Self {
        Unprivileged {
            tools: tools.to_vec(),
            prompt_answer,
            seen: Mutex::new(Vec::new()),
        }
    }
}

/// Installs a deb on Linux through `runner` (with `package_args`, e.g. a private dpkg root),
/// in any version order (these tests are about escalation, not versions).
fn deb_through<'a>(
    runner: &'a dyn upkit::install::CommandRunner,
    package_args: &[&str],
) -> InstallOptions<'a> {
    InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::Deb)
        .runner(runner)
        .package_args(package_args.iter().copied())
        .downgrades(Downgrades::Allow)
}

impl upkit::install::CommandRunner for Unprivileged {
    fn run(
        &self,
        invocation: &upkit::install::Invocation,
    ) -> std::io::Result<upkit::install::Completed> {
        let program = invocation.program.to_string_lossy().into_owned();
        // The queries before an install (package fields, installed version) need no rights:
        // run for real, not recorded.
        if ["dpkg-deb", "dpkg-query", "dpkg"].contains(&program.as_str()) {
            return upkit::install::SystemRunner.run(invocation);
        }
        self.seen.lock().unwrap().push(invocation.clone());
        let skip = match program.as_str() {
            "zenity" | "kdialog" => {
                return Ok(upkit::install::Completed {
                    code: Some(if self.prompt_answer.is_some() { 0 } else { 1 }),
                    stdout: self.prompt_answer.unwrap_or("").as_bytes().to_vec(),
                    stderr: Vec::new(),
                });
            }
            "pkexec" => 0,
            "sudo" if invocation.args.first().is_some_and(|a| a == "-S") => 4,
            "sudo" => 0,
            _ => panic!("unexpected program {program}"),
        };
        let mut real =
            upkit::install::Invocation::new(&invocation.args[skip], &invocation.args[skip + 1..]);
        real.stdin = None;
        upkit::install::SystemRunner.run(&real)
    }

    fn find(&self, program: &str) -> Option<PathBuf> {
        self.tools
            .contains(&program)
            .then(|| PathBuf::from("/usr/bin").join(program))
    }

    fn is_root(&self) -> bool {
        false
    }

    fn has_display(&self) -> bool {
        true
    }
}

#[test]
fn deb_installs_with_the_real_dpkg_on_a_private_database() {
    let dir = tempfile::tempdir().unwrap();
    let root = dpkg_root(dir.path());
    let root_arg = format!("--root={}", root.display());
    run(
        "dpkg",
        &[
            &root_arg,
            "-i",
            &build_deb(dir.path(), "1.0", "").to_string_lossy(),
        ],
    );
    assert_eq!(dpkg_version(&root), "1.0 ii ");

    let signer = Signer::new();
    let v2 = signer.verified(&build_deb(dir.path(), "2.0", ""));
    let recorder = Recorder::new();
    let observe = |e: &InstallEvent<'_>| recorder.observe(e);
    // As root (this test machine): no escalation. The bundle type comes from the payload.
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args([&root_arg])
        .observer(&observe);
    let installed = install(&v2, &options).unwrap();
    let Installed::Package {
        method: Method::Deb,
        command,
    } = &installed
    else {
        panic!("{installed:?}");
    };
    assert!(
        command.starts_with(&format!("dpkg {root_arg} -i /")),
        "{command}"
    );
    assert!(command.ends_with("/update.deb"), "{command}");
    assert_eq!(dpkg_version(&root), "2.0 ii ");
    assert_eq!(
        fs::read_to_string(root.join("opt/upkit-hello/version")).unwrap(),
        "2.0"
    );
    assert_eq!(
        recorder.events(),
        [
            "started deb package".to_owned(),
            format!("running {command}"),
            "finished".to_owned()
        ]
    );
    // The private copy is gone.
    let copy = command.rsplit(' ').next().unwrap();
    assert!(!Path::new(copy).exists());
    assert!(!Path::new(copy).parent().unwrap().exists());

    // dpkg refuses (a pre-dependency is missing): the error carries its message, 2.0 stays.
    let bad = signer.verified(&build_deb(
        dir.path(),
        "3.0",
        "Pre-Depends: upkit-nonexistent\n",
    ));
    let recorder = Recorder::new();
    let observe = |e: &InstallEvent<'_>| recorder.observe(e);
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args([&root_arg])
        .observer(&observe);
    let err = install(&bad, &options).unwrap_err();
    let command = recorder.events()[1]
        .strip_prefix("running ")
        .unwrap()
        .to_owned();
    let copy = command.rsplit(' ').next().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "`dpkg -i` failed for {} (exit code 1): dpkg: regarding .../update.deb containing upkit-hello, pre-dependency problem:\n \
             upkit-hello pre-depends on upkit-nonexistent\n  upkit-nonexistent is not installed.\n\n\
             dpkg: error processing archive {copy} (--install):\n pre-dependency problem - not installing upkit-hello\n\
             Errors were encountered while processing:\n {copy}",
            bad.path().display()
        )
    );
    assert_eq!(dpkg_version(&root), "2.0 ii ");

    // An older package than the installed one: dpkg would downgrade silently; refused unless
    // downgrades are allowed.
    let old = build_deb(dir.path(), "1.0", "");
    let v1 = signer.verified(&old);
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args([&root_arg]);
    let err = install(&v1, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} holds upkit-hello 1.0, older than the installed 2.0: allow downgrades to install it",
            old.display()
        )
    );
    assert!(!err.may_have_changed_the_app());
    assert_eq!(dpkg_version(&root), "2.0 ii ");
    install(&v1, &options.downgrades(Downgrades::Allow)).unwrap();
    assert_eq!(dpkg_version(&root), "1.0 ii ");

    // Another product's package (one key can sign several): dpkg would install it beside the
    // app, as root. Refused when the app's package is known; installed as asked otherwise.
    let other = build_named_deb(dir.path(), "upkit-other", "3.0", "");
    let other = signer.verified(&other);
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args([&root_arg]);
    let err = install(&other, &options.package_name("upkit-hello")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} holds the deb package upkit-other, not upkit-hello, the app's: it would be installed beside the app",
            other.path().display()
        )
    );
    assert!(!err.may_have_changed_the_app());
    assert!(!root.join("var/lib/dpkg/info/upkit-other.list").exists());
    let v3 = signer.verified(&build_deb(dir.path(), "3.0", ""));
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args([&root_arg]);
    install(&v3, &options.package_name("upkit-hello")).unwrap();
    assert_eq!(dpkg_version(&root), "3.0 ii ");

    // Declared deb, but an rpm (or anything else) arrives.
    let not_deb = put(dir.path(), "x.deb", &[0xED, 0xAB, 0xEE, 0xDB, 1, 2, 3]);
    let options = InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::Deb);
    let err = install(&signer.verified(&not_deb), &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} is not a deb package", not_deb.display())
    );
}

#[test]
fn escalation_chain_with_the_real_dpkg() {
    let dir = tempfile::tempdir().unwrap();
    let root = dpkg_root(dir.path());
    let root_arg = format!("--root={}", root.display());
    let signer = Signer::new();
    let v1 = signer.verified(&build_deb(dir.path(), "1.0", ""));
    let v2 = signer.verified(&build_deb(dir.path(), "2.0", ""));

    // pkexec first.
    let runner = Unprivileged::new(&["pkexec", "sudo", "zenity"], Some("hunter2\n"));
    let options = deb_through(&runner, &[&root_arg]);
    install(&v1, &options).unwrap();
    assert_eq!(dpkg_version(&root), "1.0 ii ");
    let seen = runner.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].program, "pkexec");
    assert_eq!(
        seen[0].args[..3],
        ["dpkg".into(), root_arg.clone().into(), "-i".into()] as [std::ffi::OsString; 3]
    );
    assert_eq!(seen[0].stdin, None);

    // No pkexec: the graphical prompt's answer goes to sudo -S.
    let runner = Unprivileged::new(&["sudo", "zenity"], Some("hunter2\n"));
    let options = deb_through(&runner, &[&root_arg]);
    install(&v2, &options).unwrap();
    assert_eq!(dpkg_version(&root), "2.0 ii ");
    let seen = runner.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].display(),
        "zenity --password --title Install update"
    );
    assert_eq!(seen[1].program, "sudo");
    assert_eq!(
        seen[1].args[..5],
        ["-S", "-k", "-p", "", "dpkg"].map(std::ffi::OsString::from)
    );
    assert_eq!(seen[1].stdin.as_deref(), Some(&b"hunter2\n"[..]));
    // The password never shows in debug output.
    assert!(!format!("{:?}", seen[1]).contains("hunter2"));

    // The prompt cancelled: nothing runs.
    let runner = Unprivileged::new(&["sudo", "kdialog"], None);
    let options = deb_through(&runner, &[&root_arg]);
    let err = install(&v1, &options).unwrap_err();
    assert_eq!(err.to_string(), "the password prompt was cancelled");
    let seen = runner.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].args,
        [
            "--title",
            "Install update",
            "--password",
            "Enter your password to install the update"
        ]
        .map(std::ffi::OsString::from)
    );
    assert_eq!(seen[0].program, "kdialog");
    assert_eq!(dpkg_version(&root), "2.0 ii ");

    // sudo alone.
    let runner = Unprivileged::new(&["sudo"], None);
    let options = deb_through(&runner, &[&root_arg]);
    install(&v1, &options).unwrap();
    assert_eq!(dpkg_version(&root), "1.0 ii ");
    assert_eq!(runner.seen.lock().unwrap()[0].args[0], "dpkg");

    // A prompt program on PATH that cannot be started (zenity is not installed here: the runner
    // claims it is).
    struct Claims;
    impl upkit::install::CommandRunner for Claims {
        fn run(
            &self,
            invocation: &upkit::install::Invocation,
        ) -> std::io::Result<upkit::install::Completed> {
            upkit::install::SystemRunner.run(invocation)
        }
        fn find(&self, program: &str) -> Option<PathBuf> {
            ["sudo", "zenity"]
                .contains(&program)
                .then(|| PathBuf::from(program))
        }
        fn is_root(&self) -> bool {
            false
        }
        fn has_display(&self) -> bool {
            true
        }
    }
    assert!(upkit::install::SystemRunner.find("zenity").is_none());
    let options = deb_through(&Claims, &[]);
    let err = install(&v2, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot run `zenity --password --title Install update`: No such file or directory (os error 2)"
    );

    // Nothing to escalate with.
    let runner = Unprivileged::new(&[], None);
    let options = deb_through(&runner, &[]);
    let err = install(&v2, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot install the package: not root, and neither pkexec nor sudo is available"
    );
}

/// Builds `upkit-hello-<version>-1.noarch.rpm` with `rpmbuild`.
fn build_rpm(dir: &Path, version: &str) -> PathBuf {
    build_named_rpm(dir, "upkit-hello", version)
}

/// Builds `<name>-<version>-1.noarch.rpm` with `rpmbuild`.
fn build_named_rpm(dir: &Path, name: &str, version: &str) -> PathBuf {
    let top = dir.join(format!("rpmbuild-{name}-{version}"));
    fs::create_dir_all(top.join("SPECS")).unwrap();
    let spec = top.join("SPECS/hello.spec");
    fs::write(
        &spec,
        format!(
            "Name: {name}\nVersion: {version}\nRelease: 1\nSummary: upkit test package\n\
             License: MIT\nBuildArch: noarch\n%description\nupkit test package\n\
             %install\nmkdir -p %{{buildroot}}/opt/upkit-hello\n\
             echo {version} > %{{buildroot}}/opt/upkit-hello/version\n\
             %files\n/opt/upkit-hello/version\n"
        ),
    )
    .unwrap();
    run(
        "rpmbuild",
        &[
            "-bb",
            "--quiet",
            "--define",
            &format!("_topdir {}", top.display()),
            &spec.to_string_lossy(),
        ],
    );
    top.join(format!("RPMS/noarch/{name}-{version}-1.noarch.rpm"))
}

#[test]
fn rpm_installs_with_the_real_rpm_on_a_private_database() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rpm-root");
    fs::create_dir(&root).unwrap();
    let root_s = root.to_string_lossy().into_owned();
    run("rpm", &["--root", &root_s, "--initdb"]);
    run(
        "rpm",
        &[
            "--root",
            &root_s,
            "-U",
            &build_rpm(dir.path(), "1.0").to_string_lossy(),
        ],
    );
    let query = || run("rpm", &["--root", &root_s, "-q", "upkit-hello"]);
    assert_eq!(query(), "upkit-hello-1.0-1.noarch\n");

    let signer = Signer::new();
    let v2 = signer.verified(&build_rpm(dir.path(), "2.0"));
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args(["--root", &root_s]);
    let installed = install(&v2, &options).unwrap();
    assert!(
        matches!(&installed, Installed::Package { method: Method::Rpm, command } if command.starts_with(&format!("rpm --root {root_s} -U /"))),
        "{installed:?}"
    );
    assert_eq!(query(), "upkit-hello-2.0-1.noarch\n");
    assert_eq!(
        fs::read_to_string(root.join("opt/upkit-hello/version")).unwrap(),
        "2.0\n"
    );

    // The same version again: rpm refuses, the error says so.
    let err = install(&v2, &options).unwrap_err();
    // (Debian's rpm adds its two warning lines.)
    assert_eq!(
        err.to_string(),
        format!(
            "`rpm -U` failed for {} (exit code 2): \
             rpm: RPM should not be used directly install RPM packages, use Alien instead!\n\
             rpm: However assuming you know what you are doing...\n\
             \tpackage upkit-hello-2.0-1.noarch is already installed",
            v2.path().display()
        )
    );

    // An older package: rpm refuses it, unless downgrades are allowed (`--oldpackage`).
    let v1 = signer.verified(&build_rpm(dir.path(), "1.0"));
    let err = install(&v1, &options).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("package upkit-hello-2.0-1.noarch (which is newer than upkit-hello-1.0-1.noarch) is already installed"),
        "{err}"
    );
    assert_eq!(query(), "upkit-hello-2.0-1.noarch\n");
    let installed = install(&v1, &options.downgrades(Downgrades::Allow)).unwrap();
    assert!(
        matches!(&installed, Installed::Package { command, .. } if command.starts_with(&format!("rpm --root {root_s} --oldpackage -U /"))),
        "{installed:?}"
    );
    assert_eq!(query(), "upkit-hello-1.0-1.noarch\n");

    // Another product's package: refused when the app's package is known.
    let other = signer.verified(&build_named_rpm(dir.path(), "upkit-other", "3.0"));
    let options = InstallOptions::new()
        .os(Os::Linux)
        .package_args(["--root", &root_s])
        .package_name("upkit-hello");
    let err = install(&other, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} holds the rpm package upkit-other, not upkit-hello, the app's: it would be installed beside the app",
            other.path().display()
        )
    );
    let others = std::process::Command::new("rpm")
        .args(["--root", &root_s, "-q", "upkit-other"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&others.stdout),
        "package upkit-other is not installed\n"
    );

    // Declared rpm, but a deb arrives.
    let deb = signer.verified(&build_deb(dir.path(), "9.0", ""));
    let options = InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::Rpm);
    let err = install(&deb, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} is not a rpm package", deb.path().display())
    );
}
