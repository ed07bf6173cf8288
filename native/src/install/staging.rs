//! Temp files and directories beside the installed app (same file system, so renames are
//! atomic), named `.<app name>.upkit-<role>-XXXXXX` so that the leftovers of a killed install are
//! recognised and removed by the next one.

use std::fs;
use std::io;
use std::path::Path;

use tempfile::TempDir;

/// The name prefix of the temp files and directories of role `role` beside the app `name`.
pub(crate) fn prefix(name: &str, role: &str) -> String {
    format!(".{name}.upkit-{role}-")
}

/// A private (0700) directory beside the app named `name` in `dir`.
pub(crate) fn dir(dir: &Path, name: &str, role: &str) -> io::Result<TempDir> {
    let mut builder = tempfile::Builder::new();
    // Created so (`mkdir` with this mode), not changed afterwards by path: in a directory that
    // another user can write, a path is not ours to trust.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o700));
    }
    builder
        .prefix(&prefix(name, role))
        .tempdir_in(dir)
        .map_err(crate::error::without_temp_name)
}

/// A temp file beside the app named `name` in `dir` (removed when dropped). (On Unix the
/// AppImage install uses [`at::file`].)
#[cfg(not(unix))]
pub(crate) fn file(dir: &Path, name: &str, role: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&prefix(name, role))
        .tempfile_in(dir)
        .map_err(crate::error::without_temp_name)
}

/// Serialises the installs into one directory, from before the leftovers of a killed install
/// are looked for (they must never be a running install's files) until the install is done: an
/// exclusive `flock` on the directory itself, so nothing is written for it, and the kernel drops
/// it when the process ends, however it ends. A second install waits for the first.
///
/// Best effort: where the directory cannot be locked (a file system without locks; Windows,
/// where only the installer programs run) installs are not serialised.
pub(crate) struct DirLock {
    _held: Option<fs::File>,
}

/// Takes the [`DirLock`] of `dir`, waiting while another install holds it.
pub(crate) fn lock(dir: &Path) -> DirLock {
    let locked = fs::File::open(dir).and_then(|file| {
        crate::flock::exclusive(&file)?;
        Ok(file)
    });
    match locked {
        Ok(file) => DirLock { _held: Some(file) },
        Err(e) => {
            tracing::debug!("cannot lock {}: {e}", dir.display());
            DirLock { _held: None }
        }
    }
}

/// Removes what an earlier, killed install of the app named `name` left in `dir`. Best effort: a
/// leftover that cannot be removed is only logged.
pub(crate) fn remove(dir: &Path, name: &str) {
    let marker = format!(".{name}.upkit-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&marker) {
            continue;
        }
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
        match removed {
            Ok(()) => tracing::info!("removed {}, left by an interrupted install", path.display()),
            Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
        }
    }
}

/// The same, relative to an open directory (Unix): the AppImage install resolves its path once
/// and then works from the directory's descriptor, so that no later step goes through a path
/// someone could have changed. Names are made with `O_CREAT | O_EXCL | O_NOFOLLOW` (or
/// `mkdirat`), renamed with `renameat` and removed with `unlinkat`, each relative to the
/// descriptor.
#[cfg(unix)]
pub(crate) mod at {
    use std::ffi::{CString, OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::ffi::OsStringExt as _;
    use std::path::{Path, PathBuf};

    use rustix::fs::{
        AtFlags, Dir, FileType, Mode, OFlags, fstat, mkdirat, openat, renameat, statat, unlinkat,
    };
    use rustix::io::Errno;

    use super::DirLock;

    /// How many random names are tried before giving up.
    const ATTEMPTS: u32 = 100;
    /// How deep a leftover directory tree is removed.
    const DEPTH: u32 = 8;

    /// Six random letters and digits, as `tempfile` uses (unpredictability is not needed: the
    /// names are created exclusively and never followed).
    fn random_suffix() -> String {
        use std::hash::{BuildHasher as _, RandomState};
        use std::sync::atomic::{AtomicU64, Ordering};
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut n = RandomState::new()
            .hash_one((COUNTER.fetch_add(1, Ordering::Relaxed), std::process::id()));
        (0..6)
            .map(|_| {
                let c = CHARS[(n % CHARS.len() as u64) as usize];
                n /= CHARS.len() as u64;
                char::from(c)
            })
            .collect()
    }

    /// A new temp file in `dir`, removed when dropped unless persisted.
    pub(crate) struct StagedFile<'a> {
        dir: BorrowedFd<'a>,
        name: OsString,
        path: PathBuf,
        file: File,
        kept: bool,
    }

    impl StagedFile<'_> {
        /// Its name in the directory.
        pub(crate) fn name(&self) -> &OsStr {
            &self.name
        }

        /// Its path, for messages.
        pub(crate) fn path(&self) -> &Path {
            &self.path
        }

        /// The open file (read and write).
        pub(crate) fn file(&self) -> &File {
            &self.file
        }

        /// The open file, mutably.
        pub(crate) fn file_mut(&mut self) -> &mut File {
            &mut self.file
        }

        /// Renames it over `target` in the same directory; it is then no longer removed.
        pub(crate) fn persist(mut self, target: &OsStr) -> io::Result<()> {
            renameat(self.dir, &self.name, self.dir, target)?;
            self.kept = true;
            Ok(())
        }
    }

    impl Drop for StagedFile<'_> {
        fn drop(&mut self) {
            if !self.kept {
                let _ = unlinkat(self.dir, &self.name, AtFlags::empty());
            }
        }
    }

    /// A new temp file (0600) beside the app named `name` in `dir`, whose path is `dir_path`.
    pub(crate) fn file<'a>(
        dir: BorrowedFd<'a>,
        dir_path: &Path,
        name: &str,
        role: &str,
    ) -> io::Result<StagedFile<'a>> {
        let flags =
            OFlags::RDWR | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        for _ in 0..ATTEMPTS {
            let candidate = format!("{}{}", super::prefix(name, role), random_suffix());
            match openat(dir, candidate.as_str(), flags, Mode::RUSR | Mode::WUSR) {
                Ok(fd) => {
                    return Ok(StagedFile {
                        dir,
                        path: dir_path.join(&candidate),
                        name: candidate.into(),
                        file: File::from(fd),
                        kept: false,
                    });
                }
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "every temporary name tried exists",
        ))
    }

    /// A new private (0700) directory in `parent`, removed with what it holds when dropped.
    pub(crate) struct StagedDir<'a> {
        parent: BorrowedFd<'a>,
        name: OsString,
        path: PathBuf,
        fd: OwnedFd,
        removed: bool,
    }

    impl StagedDir<'_> {
        /// The open directory.
        pub(crate) fn fd(&self) -> BorrowedFd<'_> {
            self.fd.as_fd()
        }

        /// Its path, for messages.
        pub(crate) fn path(&self) -> &Path {
            &self.path
        }

        /// Removes it and what it holds.
        pub(crate) fn close(mut self) -> io::Result<()> {
            self.removed = true;
            clear(self.fd.as_fd(), DEPTH)?;
            Ok(unlinkat(self.parent, &self.name, AtFlags::REMOVEDIR)?)
        }
    }

    impl Drop for StagedDir<'_> {
        fn drop(&mut self) {
            if !self.removed && clear(self.fd.as_fd(), DEPTH).is_ok() {
                let _ = unlinkat(self.parent, &self.name, AtFlags::REMOVEDIR);
            }
        }
    }

    /// A private (0700) directory beside the app named `name` in `parent`, whose path is
    /// `parent_path`.
    pub(crate) fn dir<'a>(
        parent: BorrowedFd<'a>,
        parent_path: &Path,
        name: &str,
        role: &str,
    ) -> io::Result<StagedDir<'a>> {
        for _ in 0..ATTEMPTS {
            let candidate = format!("{}{}", super::prefix(name, role), random_suffix());
            match mkdirat(parent, candidate.as_str(), Mode::RWXU) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = openat(parent, candidate.as_str(), flags, Mode::empty())?;
            // Made by us a moment ago; someone who can write `parent` could have put another in
            // its place since.
            if fstat(&fd)?.st_uid != rustix::process::geteuid().as_raw() {
                return Err(io::Error::other(format!(
                    "{candidate} was replaced by someone else"
                )));
            }
            return Ok(StagedDir {
                parent,
                path: parent_path.join(&candidate),
                name: candidate.into(),
                fd,
                removed: false,
            });
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "every temporary name tried exists",
        ))
    }

    /// The names in `dir`, without `.` and `..`.
    fn names(dir: BorrowedFd<'_>) -> io::Result<Vec<CString>> {
        let mut names = Vec::new();
        for entry in Dir::read_from(dir)? {
            let name = entry?.file_name().to_owned();
            if name.as_bytes() != b"." && name.as_bytes() != b".." {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Whether `name` in `dir` is a directory (not following a symlink).
    fn is_dir(dir: BorrowedFd<'_>, name: &CString) -> io::Result<bool> {
        let stat = statat(dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(FileType::from_raw_mode(stat.st_mode) == FileType::Directory)
    }

    /// Removes what `dir` holds, `depth` directory levels at most, never following a symlink.
    fn clear(dir: BorrowedFd<'_>, depth: u32) -> io::Result<()> {
        for name in names(dir)? {
            remove(dir, &name, depth)?;
        }
        Ok(())
    }

    /// Removes `name` in `dir` (a directory with what it holds, `depth` levels at most).
    fn remove(dir: BorrowedFd<'_>, name: &CString, depth: u32) -> io::Result<()> {
        if !is_dir(dir, name)? {
            return Ok(unlinkat(dir, name.as_c_str(), AtFlags::empty())?);
        }
        if depth == 0 {
            return Err(io::Error::other("nested too deeply"));
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let sub = openat(dir, name.as_c_str(), flags, Mode::empty())?;
        clear(sub.as_fd(), depth - 1)?;
        Ok(unlinkat(dir, name.as_c_str(), AtFlags::REMOVEDIR)?)
    }

    /// Removes what an earlier, killed install of the app named `name` left in `dir` (whose path
    /// is `dir_path`, for the log). Best effort, as [`super::remove`].
    pub(crate) fn remove_leftovers(dir: BorrowedFd<'_>, dir_path: &Path, name: &str) {
        let marker = format!(".{name}.upkit-");
        let Ok(entries) = names(dir) else {
            return;
        };
        for entry in entries {
            if !entry.as_bytes().starts_with(marker.as_bytes()) {
                continue;
            }
            let path = dir_path.join(OsString::from_vec(entry.as_bytes().to_vec()));
            match remove(dir, &entry, DEPTH) {
                Ok(()) => {
                    tracing::info!("removed {}, left by an interrupted install", path.display())
                }
                Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
            }
        }
    }

    /// Takes the [`DirLock`] of the open directory `dir` (see [`super::lock`]).
    pub(crate) fn lock(dir: BorrowedFd<'_>, dir_path: &Path) -> DirLock {
        let locked = dir.try_clone_to_owned().and_then(|fd| {
            let file = File::from(fd);
            crate::flock::exclusive(&file)?;
            Ok(file)
        });
        match locked {
            Ok(file) => DirLock { _held: Some(file) },
            Err(e) => {
                tracing::debug!("cannot lock {}: {e}", dir_path.display());
                DirLock { _held: None }
            }
        }
    }
}
