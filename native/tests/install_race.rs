//! Races against a root-run AppImage install (issue 17, finding 1): while installs run in a loop,
//! a thread swaps the AppImage in the install directory for a symlink to a root-owned "victim"
//! file outside it, and back (`renameat2(RENAME_EXCHANGE)`, as fast as it can), from the start of
//! each install until the new image is staged. Afterwards the victim must be exactly as it was,
//! and each install must either have put the new image in place (a regular file) or failed with
//! one of the errors pinned here.
//!
//! `UPKIT_RACE_ITERATIONS` sets the number of installs of each test (default 1000); the review that
//! found the bug needed 62 and 290.
//!
//! These tests run as root (as CI does): the swapped-in link and the user's directory belong to
//! uid 65534, as an attacker's would.

#![cfg(target_os = "linux")]

mod install_support;

use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use install_support::*;
use rustix::fs::{Mode, OFlags, RenameFlags, open, renameat_with};
use upkit::core::target::{Installer, Os};
use upkit::install::{InstallEvent, InstallOptions, Installed, Method, install};

/// The user who owns the link (and, in the first test, the install directory).
const USER: u32 = 65534;
const NAME: &str = "Demo.AppImage";

fn iterations() -> u64 {
    std::env::var("UPKIT_RACE_ITERATIONS")
        .ok()
        .map(|n| n.parse().expect("UPKIT_RACE_ITERATIONS is a number"))
        .unwrap_or(1000)
}

/// The swapping thread's controls: it swaps while `go` is set, and says when it has stopped.
struct Control {
    go: AtomicBool,
    /// (idle, stop)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
    swaps: AtomicU64,
}

impl Control {
    fn new() -> Control {
        Control {
            go: AtomicBool::new(false),
            state: Mutex::new((false, false)),
            changed: Condvar::new(),
            swaps: AtomicU64::new(0),
        }
    }

    /// Swaps `apps/NAME` and `side/NAME` while `go` is set, until told to stop.
    fn swap(&self, apps: &OwnedFd, side: &OwnedFd) {
        loop {
            if self.go.load(Ordering::Acquire) {
                renameat_with(apps, NAME, side, NAME, RenameFlags::EXCHANGE).unwrap();
                self.swaps.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let mut state = self.state.lock().unwrap();
            state.0 = true;
            self.changed.notify_all();
            while !self.go.load(Ordering::Acquire) && !state.1 {
                state = self.changed.wait(state).unwrap();
            }
            if state.1 {
                return;
            }
            state.0 = false;
        }
    }

    fn resume(&self) {
        let _state = self.state.lock().unwrap();
        self.go.store(true, Ordering::Release);
        self.changed.notify_all();
    }

    /// Returns once the thread has stopped swapping.
    fn pause(&self) {
        self.go.store(false, Ordering::Release);
        let mut state = self.state.lock().unwrap();
        while !state.0 {
            state = self.changed.wait(state).unwrap();
        }
    }

    fn stop(&self) {
        self.pause();
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

/// Stops the swapping thread when dropped.
struct StopOnDrop<'a>(&'a Control);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// The victim: what it holds, its owner and its mode.
fn victim_state(victim: &Path) -> (Vec<u8>, u32, u32, u32) {
    let meta = fs::symlink_metadata(victim).unwrap();
    (
        fs::read(victim).unwrap(),
        meta.uid(),
        meta.gid(),
        meta.mode() & 0o7777,
    )
}

/// Puts a fresh old image (owned by `owner`) at `apps/NAME` and the user's link to `victim` at
/// `side/NAME`.
fn reset(apps: &Path, side: &Path, victim: &Path, owner: u32, old: &[u8]) {
    let fresh = apps.join(".reset");
    write_mode(&fresh, old, 0o755);
    std::os::unix::fs::chown(&fresh, Some(owner), Some(owner)).unwrap();
    fs::rename(&fresh, apps.join(NAME)).unwrap();
    let link = side.join(".reset");
    std::os::unix::fs::symlink(victim, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(USER), Some(USER)).unwrap();
    fs::rename(&link, side.join(NAME)).unwrap();
}

/// The clear refusals a racing install may end with (`{apps}` stands for the install directory).
const REFUSALS: [&str; 3] = [
    "refusing to install under {apps} as root: the directory has owner uid 65534 and mode 0755, \
     and each directory down to the app must be owned by root and writable by no other user (or \
     sticky)",
    "refusing to follow {apps}/Demo.AppImage: it is a symlink owned by uid 65534, and this runs \
     as root; pass the path it points to if that is the app",
    "{apps}/Demo.AppImage was replaced by someone else during the install",
];

/// How the installs of a race ended: how many succeeded, and how many ended with each of
/// [`REFUSALS`].
#[derive(Debug, PartialEq, Eq)]
struct Tally {
    succeeded: u64,
    refused: [u64; 3],
}

/// Runs `iterations()` installs into `apps` (owned by `owner`, mode 0755, the old image owned by
/// `owner` too) against the swapping thread. After each, the victim must be unchanged, and the
/// install must have put the new image in place or failed with one of [`REFUSALS`].
fn race(owner: u32) -> Tally {
    let root = tempfile::tempdir().unwrap();
    let apps = root.path().join("apps");
    let side = root.path().join("side");
    fs::create_dir(&apps).unwrap();
    fs::create_dir(&side).unwrap();
    std::os::unix::fs::chown(&apps, Some(owner), Some(owner)).unwrap();
    std::os::unix::fs::chown(&side, Some(USER), Some(USER)).unwrap();
    fs::set_permissions(&apps, fs::Permissions::from_mode(0o755)).unwrap();
    // A root-owned file elsewhere, of a mode the attacker would like to keep.
    let victim = root.path().join("victim");
    write_mode(&victim, b"root's own file\n", 0o640);
    let before = victim_state(&victim);

    let old = elf(4096, 1);
    let new = elf(8192, 2);
    let payload = put(root.path(), "Demo_2.0.0_amd64.AppImage", &new);
    let artifact = Signer::new().verified(&payload);
    let target = apps.join(NAME);
    let refusals = REFUSALS.map(|m| m.replace("{apps}", &apps.display().to_string()));

    let dir_fd =
        |path: &Path| open(path, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
    let (apps_fd, side_fd) = (dir_fd(&apps), dir_fd(&side));
    let control = Control::new();
    // The swapping stops once the new image is staged: what happens to the install path after the
    // final rename is no longer the install's doing.
    let observe = |event: &InstallEvent<'_>| {
        if matches!(event, InstallEvent::Staged { .. }) {
            control.pause();
        }
    };
    let options = InstallOptions::new()
        .os(Os::Linux)
        .installer(Installer::AppImage)
        .install_path(&target)
        .observer(&observe);

    let mut tally = Tally {
        succeeded: 0,
        refused: [0; 3],
    };
    std::thread::scope(|scope| {
        scope.spawn(|| control.swap(&apps_fd, &side_fd));
        // Stops the thread however this one ends (a failed assertion too: the scope waits for it).
        let _stop = StopOnDrop(&control);
        let total = iterations();
        for round in 1..=total {
            reset(&apps, &side, &victim, owner, &old);
            control.resume();
            let result = install(&artifact, &options);
            control.pause();
            assert_eq!(
                victim_state(&victim),
                before,
                "install {round} of {total} ({} swaps so far) replaced the victim, a file outside \
                 the install directory: {result:?}",
                control.swaps.load(Ordering::Relaxed)
            );
            match result {
                Ok(installed) => {
                    assert_eq!(
                        installed,
                        Installed::Replaced {
                            method: Method::AppImage,
                            path: target.clone()
                        },
                        "install {round}"
                    );
                    let meta = fs::symlink_metadata(&target).unwrap();
                    assert!(meta.file_type().is_file(), "install {round}");
                    assert_eq!(fs::read(&target).unwrap(), new, "install {round}");
                    tally.succeeded += 1;
                }
                Err(err) => {
                    let message = err.to_string();
                    let Some(kind) = refusals.iter().position(|r| *r == message) else {
                        panic!("install {round}: unexpected error: {message}");
                    };
                    tally.refused[kind] += 1;
                }
            }
            // Nothing of the install left behind.
            assert_eq!(names(&apps), [NAME], "install {round}");
        }
    });
    eprintln!(
        "{} installs: {tally:?}, {} swaps",
        iterations(),
        control.swaps.load(Ordering::Relaxed)
    );
    tally
}

/// The review's case: a user owns the install directory of a root-run update. Root refuses to
/// write there at all.
#[test]
fn a_user_swapping_the_appimage_for_a_link_in_their_directory_cannot_redirect_root() {
    let tally = race(USER);
    assert_eq!(
        tally,
        Tally {
            succeeded: 0,
            refused: [iterations(), 0, 0]
        }
    );
}

/// Defence in depth: even in a directory that passes the owner checks, written by someone with
/// root's rights (this test's thread), a swapped-in link is never followed and nothing outside the
/// directory is replaced; the install either refuses the link, notices the swap, or replaces the
/// file it checked.
#[test]
fn a_link_swapped_in_during_the_install_is_never_followed() {
    let tally = race(0);
    assert_eq!(tally.refused[0], 0, "the directory is root's");
}
