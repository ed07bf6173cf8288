//! Linux AppImage: the new image replaces the old file in one atomic rename.
//!
//! Order: the old file is hard-linked (or copied) into a private 0700 backup directory beside it;
//! the new image is written to a temp file in the same directory (same file system), fsynced and
//! given the old file's permissions; then it is renamed over the old path, and the directory is
//! fsynced. Until the rename the install path holds the old image, after it the new one: a crash
//! (even `SIGKILL` or power loss) at any point leaves one or the other, never a partial file. The
//! backup is removed once the rename succeeded; leftovers of a killed install are removed by the
//! next one. Installs into one directory wait for each other (an `flock` on the directory), so
//! that no install takes a running one's files for leftovers.
//!
//! On Unix the install path is resolved once, component by component from `/` with `openat`
//! (`O_NOFOLLOW`: each symlink on the way is read and judged, never followed blindly), and every
//! later step works from the descriptor of the AppImage's directory: `fstatat`, `openat` with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`, `fchmod`/`fchown`, `linkat`, `renameat`. A symlink swapped in
//! after the resolution is replaced as a directory entry, never followed. Run as root, the path
//! must also pass [`judge`]: no other user may be able to change what it leads to.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::archive::{self, Limits};
use super::package::PackageKind;
use super::{InstallError, InstallEvent, Observer};

/// The ELF magic.
pub(crate) const ELF: &[u8] = b"\x7fELF";
/// The gzip magic.
pub(crate) const GZIP: &[u8] = &[0x1f, 0x8b];

/// Replaces the AppImage at `target` with `payload` (an ELF file, or a gzip'd tar holding one
/// `.AppImage`). Returns the path that was replaced (symlinks resolved).
pub(crate) fn install(
    payload: &Path,
    target: &Path,
    limits: Limits,
    observer: &Observer<'_>,
) -> Result<PathBuf, InstallError> {
    let head = super::package::head(payload, 4).map_err(|source| InstallError::Io {
        path: payload.to_owned(),
        source,
    })?;
    let compressed = if head.starts_with(ELF) {
        false
    } else if head.starts_with(GZIP) {
        true
    } else {
        let head = super::package::head(payload, 32).unwrap_or_default();
        let package = [PackageKind::Deb, PackageKind::Rpm]
            .into_iter()
            .find(|kind| kind.matches(&head));
        return Err(match package {
            Some(kind) => InstallError::PackageForAppImage {
                path: payload.to_owned(),
                format: kind.name(),
            },
            None => InstallError::NotAnAppImage {
                path: payload.to_owned(),
            },
        });
    };
    let image = Image {
        payload,
        compressed,
        limits,
    };
    replace(&image, target, observer)
}

/// The new image to write.
struct Image<'a> {
    payload: &'a Path,
    compressed: bool,
    limits: Limits,
}

impl Image<'_> {
    /// Writes the new image into `out` (an empty file open for reading and writing, at
    /// `out_path`), reporting the bytes written.
    fn write(
        &self,
        out: &mut File,
        out_path: &Path,
        observer: &Observer<'_>,
    ) -> Result<(), InstallError> {
        let mut progress = |bytes| observer(&InstallEvent::Written { bytes });
        let io_at = |path: &Path| {
            let path = path.to_owned();
            move |source| InstallError::Io { path, source }
        };
        if self.compressed {
            archive::extract_appimage(self.payload, out, out_path, self.limits, &mut progress)?;
            let mut inner = Vec::with_capacity(4);
            out.rewind()
                .and_then(|()| (&*out).take(4).read_to_end(&mut inner))
                .map_err(io_at(out_path))?;
            if !inner.starts_with(ELF) {
                return Err(InstallError::NotAnAppImage {
                    path: self.payload.to_owned(),
                });
            }
        } else {
            let mut source = File::open(self.payload).map_err(io_at(self.payload))?;
            copy_with_progress(&mut source, out, &mut progress).map_err(io_at(out_path))?;
        }
        Ok(())
    }
}

/// The mode bits of the file type (`S_IFMT`) and the three types [`judge`] tells apart: the same
/// values on every Unix.
// The rule and its data are used by the Unix resolution only (and tested everywhere).
#[cfg_attr(not(unix), allow(dead_code))]
const TYPE_BITS: u32 = 0o170_000;
#[cfg_attr(not(unix), allow(dead_code))]
const DIRECTORY: u32 = 0o040_000;
#[cfg_attr(not(unix), allow(dead_code))]
const SYMLINK: u32 = 0o120_000;
#[cfg_attr(not(unix), allow(dead_code))]
const REGULAR: u32 = 0o100_000;

/// One step of the resolution of an install path, for [`judge`]: a directory walked through, a
/// symlink followed, or the AppImage, with its owner and `st_mode` (file type included).
#[cfg_attr(not(unix), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    /// Where it is (its directory resolved).
    pub(crate) path: PathBuf,
    /// Its owner.
    pub(crate) uid: u32,
    /// Its `st_mode`.
    pub(crate) mode: u32,
}

/// Whether an install as `euid` may go down `chain`: the directories, symlinks and AppImage met
/// while resolving the install path, in order from `/` (each found in the nearest directory
/// before it). The first one refused is the error.
///
/// The rule, for root (`euid` 0), is OpenSSH's for the files it trusts (`safe_path`), with the
/// sticky bit allowed as in `/tmp`:
/// - every directory is owned by root, and writable by neither group nor others unless it has
///   the sticky bit ([`InstallError::UnsafeDirectory`]): otherwise another user could rename
///   what it holds and put a link or a directory of theirs in its place; a sticky directory lets
///   others add names but not remove or rename root's, and what root's path takes from it is
///   checked to be root's in turn;
/// - every symlink followed is root's ([`InstallError::UntrustedLink`]): another user's link
///   would choose which file root replaces;
/// - the AppImage is root's, or else in a directory that no other user can write
///   ([`InstallError::UntrustedAppImage`]): a user's AppImage that root (or the administrator)
///   keeps in a root-only directory is replaced and keeps its owner, but in a shared directory
///   its owner made the name and could have made it a hard link to any file of theirs.
///
/// Not root, nothing is refused here: a user updates what is theirs, and only the no-follow
/// resolution protects them (from a link swapped in during the install).
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn judge(euid: u32, chain: &[Component]) -> Result<(), InstallError> {
    if euid != 0 {
        return Ok(());
    }
    // Whether the directory the next step is in lets others add names (sticky, writable).
    let mut shared = false;
    for step in chain {
        let writable_by_others = step.mode & 0o022 != 0;
        match step.mode & TYPE_BITS {
            DIRECTORY => {
                if step.uid != 0 || (writable_by_others && step.mode & 0o1000 == 0) {
                    return Err(InstallError::UnsafeDirectory {
                        path: step.path.clone(),
                        owner: step.uid,
                        mode: step.mode & 0o7777,
                    });
                }
                shared = writable_by_others;
            }
            SYMLINK if step.uid != 0 => {
                return Err(InstallError::UntrustedLink {
                    path: step.path.clone(),
                    owner: step.uid,
                });
            }
            REGULAR if step.uid != 0 && shared => {
                return Err(InstallError::UntrustedAppImage {
                    path: step.path.clone(),
                    owner: step.uid,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(unix)]
use unix::replace;

#[cfg(unix)]
mod unix {
    use std::collections::VecDeque;
    use std::ffi::{OsStr, OsString};
    use std::fs::{self, File};
    use std::io;
    use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
    use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::{Component as Part, Path, PathBuf};

    use rustix::fs::{AtFlags, Mode, OFlags, Stat, fstat, fsync, linkat, openat, statat};
    use rustix::io::Errno;

    use super::super::staging::at;
    use super::{Component, DIRECTORY, Image, InstallError, InstallEvent, Observer, REGULAR};
    use super::{SYMLINK, TYPE_BITS, copy_with_progress, judge};

    /// At most this many symlinks are followed in one resolution (Linux's own limit).
    const MAX_LINKS: u32 = 40;

    /// What a `stat` says that the install needs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Meta {
        dev: u64,
        ino: u64,
        uid: u32,
        gid: u32,
        mode: u32,
    }

    impl Meta {
        // `st_mode` is 16 bits on some Unixes, `st_dev` signed on others.
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        fn of(stat: &Stat) -> Meta {
            Meta {
                dev: stat.st_dev as u64,
                ino: stat.st_ino as u64,
                uid: stat.st_uid as u32,
                gid: stat.st_gid as u32,
                mode: stat.st_mode as u32,
            }
        }

        fn same_file(&self, other: &Meta) -> bool {
            (self.dev, self.ino) == (other.dev, other.ino)
        }

        fn kind(&self) -> u32 {
            self.mode & TYPE_BITS
        }
    }

    /// The installed AppImage, found once.
    struct Found {
        /// Its directory, open.
        dir: OwnedFd,
        /// The directory's path (symlinks resolved), for messages and the result.
        dir_path: PathBuf,
        /// Its name in the directory.
        name: OsString,
        /// The file, open for reading.
        file: File,
        /// The file's `stat`.
        meta: Meta,
    }

    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);

    fn io_at(path: &Path) -> impl FnOnce(Errno) -> InstallError + use<> {
        let path = path.to_owned();
        move |e| InstallError::Io {
            path,
            source: e.into(),
        }
    }

    /// The directories walked into, each with its path and where it starts in the chain.
    struct Walk {
        dirs: Vec<(OwnedFd, PathBuf, usize)>,
        chain: Vec<Component>,
        euid: u32,
    }

    impl Walk {
        fn top(&self) -> (BorrowedFd<'_>, &Path) {
            let (fd, path, _) = self.dirs.last().expect("the root is never left");
            (fd.as_fd(), path)
        }

        /// Adds a step to the chain and judges it.
        fn step(&mut self, path: PathBuf, meta: &Meta) -> Result<(), InstallError> {
            self.chain.push(Component {
                path,
                uid: meta.uid,
                mode: meta.mode,
            });
            judge(self.euid, &self.chain)
        }
    }

    /// Resolves `target` once, from `/`, never following a symlink without reading and judging
    /// it, and opens the AppImage and its directory.
    fn resolve(target: &Path, euid: u32) -> Result<Found, InstallError> {
        let not_installed = || InstallError::NotInstalled {
            path: target.to_owned(),
        };
        if target.as_os_str().is_empty() {
            return Err(not_installed());
        }
        let absolute = std::path::absolute(target).map_err(|source| InstallError::Io {
            path: target.to_owned(),
            source,
        })?;
        let mut parts: VecDeque<OsString> = VecDeque::new();
        push_parts(&mut parts, &absolute);
        let root_path = PathBuf::from("/");
        let root =
            openat(rustix::fs::CWD, "/", DIR_FLAGS, Mode::empty()).map_err(io_at(&root_path))?;
        let root_meta = Meta::of(&fstat(&root).map_err(io_at(&root_path))?);
        let mut walk = Walk {
            dirs: vec![(root, root_path.clone(), 0)],
            chain: Vec::new(),
            euid,
        };
        walk.step(root_path, &root_meta)?;
        let mut links = 0;
        while let Some(part) = parts.pop_front() {
            if part == ".." {
                if walk.dirs.len() > 1 {
                    let (_, _, start) = walk.dirs.pop().expect("more than the root");
                    walk.chain.truncate(start);
                }
                continue;
            }
            let (dir, dir_path) = walk.top();
            let path = dir_path.join(&part);
            let last = parts.is_empty();
            let meta = match statat(dir, part.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => Meta::of(&stat),
                Err(Errno::NOENT | Errno::NOTDIR) => return Err(not_installed()),
                Err(e) => return Err(io_at(&path)(e)),
            };
            match meta.kind() {
                SYMLINK => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(io_at(target)(Errno::LOOP));
                    }
                    let link = read_link(dir, &part, &meta).map_err(|e| match e {
                        Some(e) => io_at(&path)(e),
                        None => InstallError::Raced { path: path.clone() },
                    })?;
                    walk.step(path, &meta)?;
                    if link.as_bytes().starts_with(b"/") {
                        walk.dirs.truncate(1);
                        walk.chain.truncate(1);
                    }
                    let mut spliced = VecDeque::new();
                    push_parts(&mut spliced, Path::new(&link));
                    spliced.extend(parts);
                    parts = spliced;
                }
                DIRECTORY if !last => {
                    let fd = openat(dir, part.as_os_str(), DIR_FLAGS, Mode::empty());
                    let fd = opened(fd, &path, &meta)?;
                    let start = walk.chain.len();
                    walk.step(path.clone(), &meta)?;
                    walk.dirs.push((fd, path, start));
                }
                REGULAR if last => {
                    let flags = OFlags::RDONLY
                        | OFlags::NOFOLLOW
                        | OFlags::NONBLOCK
                        | OFlags::NOCTTY
                        | OFlags::CLOEXEC;
                    let fd = openat(dir, part.as_os_str(), flags, Mode::empty());
                    let fd = opened(fd, &path, &meta)?;
                    walk.step(path, &meta)?;
                    let (dir, dir_path, _) = walk.dirs.pop().expect("the AppImage's directory");
                    return Ok(Found {
                        dir,
                        dir_path,
                        name: part,
                        file: File::from(fd),
                        meta,
                    });
                }
                _ => return Err(not_installed()),
            }
        }
        // `/`, or a path ending in `..`: a directory.
        Err(not_installed())
    }

    /// The result of opening what `statat` described as `meta`: the same file, or it was
    /// swapped in between.
    fn opened(
        fd: rustix::io::Result<OwnedFd>,
        path: &Path,
        meta: &Meta,
    ) -> Result<OwnedFd, InstallError> {
        let raced = || InstallError::Raced {
            path: path.to_owned(),
        };
        let fd = match fd {
            Ok(fd) => fd,
            // A symlink or another kind of file now.
            Err(Errno::LOOP | Errno::MLINK | Errno::NOTDIR) => return Err(raced()),
            Err(e) => return Err(io_at(path)(e)),
        };
        let now = Meta::of(&fstat(&fd).map_err(io_at(path))?);
        if now.same_file(meta) {
            Ok(fd)
        } else {
            Err(raced())
        }
    }

    /// The components of `path` to walk: names and `..` (`/` and `.` need no step).
    fn push_parts(parts: &mut VecDeque<OsString>, path: &Path) {
        for part in path.components() {
            match part {
                Part::Normal(name) => parts.push_back(name.to_owned()),
                Part::ParentDir => parts.push_back("..".into()),
                Part::RootDir | Part::CurDir | Part::Prefix(_) => {}
            }
        }
    }

    /// The target of the symlink `name` in `dir`, which `statat` described as `meta`: `None`
    /// when another file is there now.
    fn read_link(
        dir: BorrowedFd<'_>,
        name: &OsStr,
        meta: &Meta,
    ) -> Result<OsString, Option<Errno>> {
        // Linux: the link itself, open (`O_PATH`), so that its owner and its target are read from
        // the same inode.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = openat(dir, name, flags, Mode::empty()).map_err(Some)?;
            if !Meta::of(&fstat(&fd).map_err(Some)?).same_file(meta) {
                return Err(None);
            }
            let target = rustix::fs::readlinkat(&fd, "", Vec::new()).map_err(Some)?;
            Ok(OsString::from_vec(target.into_bytes()))
        }
        // Elsewhere: read by name, and the same inode there before and after.
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let target = rustix::fs::readlinkat(dir, name, Vec::new()).map_err(Some)?;
            let after = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).map_err(Some)?;
            if !Meta::of(&after).same_file(meta) {
                return Err(None);
            }
            Ok(OsString::from_vec(target.into_bytes()))
        }
    }

    /// The `stat` of `name` in `dir`, not following a symlink.
    fn meta_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<Meta> {
        Ok(Meta::of(&statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?))
    }

    pub(super) fn replace(
        image: &Image<'_>,
        target: &Path,
        observer: &Observer<'_>,
    ) -> Result<PathBuf, InstallError> {
        let euid = rustix::process::geteuid().as_raw();
        let mut found = resolve(target, euid)?;
        let dir = found.dir.as_fd();
        let dir_path = found.dir_path.as_path();
        let real = dir_path.join(&found.name);
        let name = found.name.to_string_lossy().into_owned();
        let io_at = |path: &Path| {
            let path = path.to_owned();
            move |source| InstallError::Io { path, source }
        };
        let _lock = at::lock(dir, dir_path);
        at::remove_leftovers(dir, dir_path, &name);

        // The backup: a hard link costs nothing and keeps the old inode whatever happens. It
        // must be the file that was checked (the name could have been swapped since): else a
        // copy of it, read through the open file.
        let backup_dir = at::dir(dir, dir_path, &name, "backup").map_err(io_at(dir_path))?;
        let backup = backup_dir.path().join(&found.name);
        let linked = linkat(
            dir,
            &found.name,
            backup_dir.fd(),
            &found.name,
            AtFlags::empty(),
        )
        .is_ok()
            && meta_at(backup_dir.fd(), &found.name).is_ok_and(|m| m.same_file(&found.meta));
        if !linked {
            let _ = rustix::fs::unlinkat(backup_dir.fd(), &found.name, AtFlags::empty());
            copy_into(&mut found.file, backup_dir.fd(), &found.name).map_err(io_at(&backup))?;
        }
        observer(&InstallEvent::BackedUp { backup: &backup });

        // The new image, complete and durable before it takes the old one's place.
        let mut temp = at::file(dir, dir_path, &name, "new").map_err(io_at(dir_path))?;
        let temp_path = temp.path().to_owned();
        image.write(temp.file_mut(), &temp_path, observer)?;
        temp.file().sync_all().map_err(io_at(&temp_path))?;
        // Through the open file (fchown, fchmod), never by path.
        keep_owner(temp.file(), &found.meta, &temp_path);
        // Without set-user-ID, set-group-ID and sticky bits: an AppImage needs none of them, and
        // the new file must not become a set-user-ID program of whoever runs the update.
        let permissions = fs::Permissions::from_mode(found.meta.mode & 0o777);
        temp.file()
            .set_permissions(permissions)
            .map_err(io_at(&temp_path))?;
        observer(&InstallEvent::Staged { path: &temp_path });

        // The name must still hold the file that was checked, and the temp file be ours.
        if !meta_at(dir, &found.name).is_ok_and(|m| m.same_file(&found.meta)) {
            return Err(InstallError::Raced { path: real });
        }
        let ours = fstat(temp.file()).map(|s| Meta::of(&s));
        if !meta_at(dir, temp.name()).is_ok_and(|m| ours.is_ok_and(|o| o.same_file(&m))) {
            return Err(InstallError::Raced { path: temp_path });
        }
        temp.persist(&found.name).map_err(io_at(&real))?;
        observer(&InstallEvent::Replaced { path: &real });
        if let Err(e) = fsync(dir) {
            tracing::warn!("cannot sync {}: {e}", dir_path.display());
        }
        if let Err(e) = backup_dir.close() {
            tracing::warn!("cannot remove the backup of {}: {e}", real.display());
        }
        Ok(real)
    }

    /// Copies the open `source` (from its start) to a new file `name` in `dir`, and fsyncs it.
    fn copy_into(source: &mut File, dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
        use std::io::Seek as _;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut out = File::from(openat(dir, name, flags, Mode::RUSR | Mode::WUSR)?);
        source.rewind()?;
        copy_with_progress(source, &mut out, &mut |_| {})?;
        out.sync_all()
    }

    /// Gives the new file the old one's owner and group when they differ (an update run as root
    /// of a user's AppImage). Best effort: without the right to do so, the new file stays ours.
    fn keep_owner(file: &File, old: &Meta, path: &Path) {
        let Ok(new) = fstat(file).map(|s| Meta::of(&s)) else {
            return;
        };
        if (new.uid, new.gid) == (old.uid, old.gid) {
            return;
        }
        let owner = rustix::fs::Uid::from_raw(old.uid);
        let group = rustix::fs::Gid::from_raw(old.gid);
        if let Err(e) = rustix::fs::fchown(file, Some(owner), Some(group)) {
            tracing::warn!("cannot give {} the old file's owner: {e}", path.display());
        }
    }
}

/// Without descriptors (Windows, where AppImages are not installed): the path resolved by
/// `canonicalize`, the temp file made by path.
#[cfg(not(unix))]
fn replace(
    image: &Image<'_>,
    target: &Path,
    observer: &Observer<'_>,
) -> Result<PathBuf, InstallError> {
    use super::staging;
    use std::fs;
    let real = fs::canonicalize(target)
        .ok()
        .filter(|p| p.is_file())
        .ok_or_else(|| InstallError::NotInstalled {
            path: target.to_owned(),
        })?;
    let io_at = |path: &Path| {
        let path = path.to_owned();
        move |source| InstallError::Io { path, source }
    };
    let old_meta = fs::metadata(&real).map_err(io_at(&real))?;
    let dir = real.parent().expect("a canonical file path has a parent");
    let name = real
        .file_name()
        .expect("a canonical file path has a name")
        .to_string_lossy()
        .into_owned();
    let _lock = staging::lock(dir);
    staging::remove(dir, &name);
    let backup_dir = staging::dir(dir, &name, "backup").map_err(io_at(dir))?;
    let backup = backup_dir.path().join(&name);
    if fs::hard_link(&real, &backup).is_err() {
        copy_synced(&real, &backup).map_err(io_at(&backup))?;
    }
    observer(&InstallEvent::BackedUp { backup: &backup });
    let mut temp = staging::file(dir, &name, "new").map_err(io_at(dir))?;
    let temp_path = temp.path().to_owned();
    image.write(temp.as_file_mut(), &temp_path, observer)?;
    temp.as_file().sync_all().map_err(io_at(&temp_path))?;
    temp.as_file()
        .set_permissions(old_meta.permissions())
        .map_err(io_at(&temp_path))?;
    observer(&InstallEvent::Staged { path: &temp_path });
    temp.persist(&real).map_err(|e| InstallError::Io {
        path: real.clone(),
        source: e.error,
    })?;
    observer(&InstallEvent::Replaced { path: &real });
    if let Err(e) = backup_dir.close() {
        tracing::warn!("cannot remove the backup of {}: {e}", real.display());
    }
    Ok(real)
}

/// Copies `from` to a new file `to` and fsyncs it.
#[cfg(not(unix))]
fn copy_synced(from: &Path, to: &Path) -> io::Result<()> {
    let mut source = File::open(from)?;
    let mut out = File::options().write(true).create_new(true).open(to)?;
    io::copy(&mut source, &mut out)?;
    out.sync_all()
}

/// Copies in 64 KiB chunks, reporting the running total.
fn copy_with_progress(
    source: &mut dyn Read,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> io::Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let read = match source.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.write_all(&buffer[..read])?;
        total += read as u64;
        progress(total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(path: &str, uid: u32, mode: u32) -> Component {
        Component {
            path: path.into(),
            uid,
            mode: DIRECTORY | mode,
        }
    }

    fn link(path: &str, uid: u32) -> Component {
        Component {
            path: path.into(),
            uid,
            mode: SYMLINK | 0o777,
        }
    }

    fn file(path: &str, uid: u32) -> Component {
        Component {
            path: path.into(),
            uid,
            mode: REGULAR | 0o755,
        }
    }

    fn verdict(euid: u32, chain: &[Component]) -> Result<(), String> {
        judge(euid, chain).map_err(|e| e.to_string())
    }

    const REFUSED_DIR: &str = "and each directory down to the app must be owned by root and \
                               writable by no other user (or sticky)";

    #[test]
    fn root_goes_only_through_roots_closed_or_sticky_directories() {
        let root = dir("/", 0, 0o755);
        let opt = dir("/opt", 0, 0o755);
        let app = file("/opt/Demo.AppImage", 0);
        assert_eq!(
            verdict(0, &[root.clone(), opt.clone(), app.clone()]),
            Ok(())
        );
        // Sticky and writable by all, as /tmp, then root's own directory.
        let tmp = dir("/tmp", 0, 0o1777);
        let apps = dir("/tmp/apps", 0, 0o700);
        let in_apps = file("/tmp/apps/Demo.AppImage", 0);
        assert_eq!(
            verdict(0, &[root.clone(), tmp.clone(), apps, in_apps]),
            Ok(())
        );
        // Sticky and group-writable.
        let shared = dir("/srv/shared", 0, 0o1770);
        assert_eq!(verdict(0, &[root.clone(), shared]), Ok(()));

        // Another user's directory, anywhere on the way.
        let home = dir("/home/alice", 1000, 0o755);
        let mine = dir("/home/alice/Apps", 0, 0o755);
        assert_eq!(
            verdict(0, &[root.clone(), dir("/home", 0, 0o755), home, mine]),
            Err(format!(
                "refusing to install under /home/alice as root: the directory has owner uid 1000 \
                 and mode 0755, {REFUSED_DIR}"
            ))
        );
        // Root's, but writable by the group or by all without the sticky bit.
        for (mode, shown) in [(0o775, "0775"), (0o757, "0757"), (0o2777, "2777")] {
            let open = dir("/opt", 0, mode);
            assert_eq!(
                verdict(0, &[root.clone(), open, app.clone()]),
                Err(format!(
                    "refusing to install under /opt as root: the directory has owner uid 0 and \
                     mode {shown}, {REFUSED_DIR}"
                ))
            );
        }
        // The first directory refused is named.
        assert_eq!(
            verdict(0, &[dir("/", 7, 0o777), dir("/opt", 8, 0o777)]),
            Err(format!(
                "refusing to install under / as root: the directory has owner uid 7 and mode \
                 0777, {REFUSED_DIR}"
            ))
        );
    }

    #[test]
    fn root_follows_only_roots_links() {
        let root = dir("/", 0, 0o755);
        let tmp = dir("/tmp", 0, 0o1777);
        let opt = dir("/opt", 0, 0o755);
        let app = file("/opt/Demo.AppImage", 0);
        let roots = link("/tmp/Demo.AppImage", 0);
        assert_eq!(
            verdict(
                0,
                &[root.clone(), tmp.clone(), roots, opt.clone(), app.clone()]
            ),
            Ok(())
        );
        let users = link("/tmp/Demo.AppImage", 1000);
        assert_eq!(
            verdict(0, &[root, tmp, users, opt, app]),
            Err(
                "refusing to follow /tmp/Demo.AppImage: it is a symlink owned by uid 1000, and \
                 this runs as root; pass the path it points to if that is the app"
                    .into()
            )
        );
    }

    #[test]
    fn root_replaces_another_users_appimage_only_in_a_directory_closed_to_others() {
        let root = dir("/", 0, 0o755);
        let opt = dir("/opt", 0, 0o755);
        let users = file("/opt/Demo.AppImage", 1000);
        assert_eq!(verdict(0, &[root.clone(), opt, users]), Ok(()));
        let tmp = dir("/tmp", 0, 0o1777);
        let users = file("/tmp/Demo.AppImage", 1000);
        assert_eq!(
            verdict(0, &[root.clone(), tmp.clone(), users.clone()]),
            Err(
                "refusing to replace /tmp/Demo.AppImage as root: it is owned by uid 1000, in a \
                 directory that other users can write"
                    .into()
            )
        );
        // The AppImage's directory is the nearest before it: a root's link from /tmp to /opt.
        let roots = link("/tmp/Demo.AppImage", 0);
        let opt = dir("/opt", 0, 0o755);
        let users = file("/opt/Demo.AppImage", 1000);
        assert_eq!(verdict(0, &[root, tmp, roots, opt, users]), Ok(()));
    }

    #[test]
    fn a_user_is_refused_nothing() {
        let chain = [
            dir("/", 0, 0o755),
            dir("/home/alice", 1000, 0o777),
            link("/home/alice/Demo.AppImage", 1001),
            file("/home/alice/Demo-1.0.AppImage", 1002),
        ];
        assert_eq!(verdict(1000, &chain), Ok(()));
        assert!(verdict(0, &chain).is_err());
    }

    /// The resolution as root on real files (these tests run as root, as CI does).
    #[cfg(unix)]
    mod as_root {
        use std::os::unix::fs::{PermissionsExt as _, chown, lchown, symlink};

        use super::*;

        fn elf(tag: u8) -> Vec<u8> {
            let mut bytes = ELF.to_vec();
            bytes.extend(std::iter::repeat_n(tag, 1000));
            bytes
        }

        fn chmod(path: &Path, mode: u32) {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }

        /// A root dir with `apps/Demo.AppImage` (old bytes) and a payload beside `apps`.
        fn layout() -> (tempfile::TempDir, PathBuf, PathBuf) {
            assert!(
                rustix::process::geteuid().is_root(),
                "these tests run as root"
            );
            let dir = tempfile::tempdir().unwrap();
            let apps = dir.path().join("apps");
            std::fs::create_dir(&apps).unwrap();
            chmod(&apps, 0o755);
            std::fs::write(apps.join("Demo.AppImage"), elf(1)).unwrap();
            let payload = dir.path().join("new.AppImage");
            std::fs::write(&payload, elf(2)).unwrap();
            (dir, apps, payload)
        }

        fn run(payload: &Path, target: &Path) -> Result<PathBuf, String> {
            install(payload, target, Limits::default(), &|_| {}).map_err(|e| e.to_string())
        }

        #[test]
        fn a_group_writable_directory_is_refused_before_anything_is_written() {
            let (_dir, apps, payload) = layout();
            chmod(&apps, 0o775);
            assert_eq!(
                run(&payload, &apps.join("Demo.AppImage")),
                Err(format!(
                    "refusing to install under {} as root: the directory has owner uid 0 and mode \
                     0775, {REFUSED_DIR}",
                    apps.display()
                ))
            );
            assert_eq!(std::fs::read(apps.join("Demo.AppImage")).unwrap(), elf(1));
            assert_eq!(std::fs::read_dir(&apps).unwrap().count(), 1);
        }

        #[test]
        fn a_users_appimage_in_a_sticky_directory_is_refused() {
            let (_dir, apps, payload) = layout();
            chmod(&apps, 0o1777);
            let target = apps.join("Demo.AppImage");
            chown(&target, Some(65534), Some(65534)).unwrap();
            assert_eq!(
                run(&payload, &target),
                Err(format!(
                    "refusing to replace {} as root: it is owned by uid 65534, in a directory \
                     that other users can write",
                    target.display()
                ))
            );
            assert_eq!(std::fs::read(&target).unwrap(), elf(1));
            // Root's own AppImage there is replaced.
            chown(&target, Some(0), Some(0)).unwrap();
            assert_eq!(run(&payload, &target), Ok(target.clone()));
            assert_eq!(std::fs::read(&target).unwrap(), elf(2));
        }

        #[test]
        fn a_users_link_to_a_directory_on_the_way_is_refused() {
            let (dir, apps, payload) = layout();
            let via = dir.path().join("via");
            symlink("apps", &via).unwrap();
            lchown(&via, Some(65534), Some(65534)).unwrap();
            let target = via.join("Demo.AppImage");
            assert_eq!(
                run(&payload, &target),
                Err(format!(
                    "refusing to follow {}: it is a symlink owned by uid 65534, and this runs as \
                     root; pass the path it points to if that is the app",
                    via.display()
                ))
            );
            assert_eq!(std::fs::read(apps.join("Demo.AppImage")).unwrap(), elf(1));
            // Root's link is followed, and the path returned has the links resolved.
            lchown(&via, Some(0), Some(0)).unwrap();
            assert_eq!(run(&payload, &target), Ok(apps.join("Demo.AppImage")));
            assert_eq!(std::fs::read(apps.join("Demo.AppImage")).unwrap(), elf(2));
        }

        #[test]
        fn dot_dot_and_relative_links_resolve_as_canonicalize_does() {
            let (dir, apps, payload) = layout();
            std::fs::create_dir(apps.join("sub")).unwrap();
            std::fs::create_dir(dir.path().join("other")).unwrap();
            // `sub/..` is `apps`; `other/up` is a link to `../apps/sub`, whose `..` is `apps`.
            symlink("../apps/sub", dir.path().join("other/up")).unwrap();
            let target = dir.path().join("other/up/../Demo.AppImage");
            let real = std::fs::canonicalize(&target).unwrap();
            assert_eq!(real, apps.join("Demo.AppImage"));
            assert_eq!(run(&payload, &target), Ok(real.clone()));
            let target = apps.join("sub/../Demo.AppImage");
            assert_eq!(run(&payload, &target), Ok(real));
        }

        #[test]
        fn what_is_not_a_file_is_not_installed() {
            let (dir, apps, payload) = layout();
            let fifo = apps.join("fifo");
            rustix::fs::mknodat(
                rustix::fs::CWD,
                &fifo,
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
                0,
            )
            .unwrap();
            let loop_link = apps.join("loop");
            symlink("loop", &loop_link).unwrap();
            for (target, message) in [
                (
                    apps.clone(),
                    format!("no installed app at {}", apps.display()),
                ),
                (
                    fifo.clone(),
                    format!("no installed app at {}", fifo.display()),
                ),
                (
                    apps.join("Demo.AppImage/x"),
                    format!("no installed app at {}/Demo.AppImage/x", apps.display()),
                ),
                (
                    dir.path().join("missing/Demo.AppImage"),
                    format!(
                        "no installed app at {}/missing/Demo.AppImage",
                        dir.path().display()
                    ),
                ),
                (
                    loop_link.clone(),
                    format!(
                        "cannot install at {}: Too many levels of symbolic links (os error 40)",
                        loop_link.display()
                    ),
                ),
            ] {
                assert_eq!(run(&payload, &target), Err(message));
            }
        }
    }
}
