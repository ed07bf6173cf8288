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

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::archive::{self, Limits};
use super::package::PackageKind;
use super::{InstallError, InstallEvent, Observer, staging};

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
    refuse_untrusted_link(target)?;
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
    let permissions = plain_permissions(&old_meta);
    let dir = real.parent().expect("a canonical file path has a parent");
    let name = real
        .file_name()
        .expect("a canonical file path has a name")
        .to_string_lossy()
        .into_owned();
    let _lock = staging::lock(dir);
    staging::remove(dir, &name);

    // The backup: a hard link costs nothing and keeps the old inode whatever happens.
    let backup_dir = staging::dir(dir, &name, "backup").map_err(io_at(dir))?;
    let backup = backup_dir.path().join(&name);
    if fs::hard_link(&real, &backup).is_err() {
        copy_synced(&real, &backup).map_err(io_at(&backup))?;
    }
    observer(&InstallEvent::BackedUp { backup: &backup });

    // The new image, complete and durable before it takes the old one's place.
    let mut temp = staging::file(dir, &name, "new").map_err(io_at(dir))?;
    let temp_path = temp.path().to_owned();
    let mut progress = |bytes| observer(&InstallEvent::Written { bytes });
    if compressed {
        archive::extract_appimage(
            payload,
            temp.as_file_mut(),
            &temp_path,
            limits,
            &mut progress,
        )?;
        let inner = super::package::head(&temp_path, 4).map_err(io_at(&temp_path))?;
        if !inner.starts_with(ELF) {
            return Err(InstallError::NotAnAppImage {
                path: payload.to_owned(),
            });
        }
    } else {
        let mut source = File::open(payload).map_err(io_at(payload))?;
        copy_with_progress(&mut source, temp.as_file_mut(), &mut progress)
            .map_err(io_at(&temp_path))?;
    }
    temp.as_file().sync_all().map_err(io_at(&temp_path))?;
    // Through the open file (fchown, fchmod), never by path: the directory may be writable by
    // another user, who could put a link to any file where the temp file was.
    keep_owner(temp.as_file(), &old_meta, &temp_path);
    temp.as_file()
        .set_permissions(permissions)
        .map_err(io_at(&temp_path))?;
    observer(&InstallEvent::Staged { path: &temp_path });

    if !still_at(temp.as_file(), &temp_path) {
        return Err(InstallError::Io {
            path: temp_path,
            source: io::Error::other("the staged file was replaced by someone else"),
        });
    }
    temp.persist(&real).map_err(|e| InstallError::Io {
        path: real.clone(),
        source: e.error,
    })?;
    observer(&InstallEvent::Replaced { path: &real });
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!("cannot sync {}: {e}", dir.display());
    }
    if let Err(e) = backup_dir.close() {
        tracing::warn!("cannot remove the backup of {}: {e}", real.display());
    }
    Ok(real)
}

/// The old file's permissions without set-user-ID, set-group-ID and sticky bits: an AppImage
/// needs none of them, and the new file must not become a set-user-ID program of whoever runs
/// the update.
fn plain_permissions(old: &fs::Metadata) -> fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::Permissions::from_mode(old.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    old.permissions()
}

/// As root, a symlink at the install path must be root's own: another user's link would choose
/// which file root replaces (`/usr/bin/sudo`, say).
#[cfg(unix)]
fn refuse_untrusted_link(target: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(link) = fs::symlink_metadata(target) else {
        return Ok(()); // nothing there: `NotInstalled` follows
    };
    if link.file_type().is_symlink() && rustix::process::geteuid().is_root() && link.uid() != 0 {
        return Err(InstallError::UntrustedLink {
            path: target.to_owned(),
            owner: link.uid(),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_untrusted_link(_target: &Path) -> Result<(), InstallError> {
    Ok(())
}

/// Whether `path` still names the open `file` (same device and inode).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => (open.dev(), open.ino()) == (named.dev(), named.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, _path: &Path) -> bool {
    true
}

/// Gives the new file the old one's owner and group when they differ (an update run as root of
/// a user's AppImage). Best effort: without the right to do so, the new file stays ours.
#[cfg(unix)]
fn keep_owner(file: &File, old: &fs::Metadata, path: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(new) = file.metadata() else {
        return;
    };
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return;
    }
    if let Err(e) = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())) {
        tracing::warn!("cannot give {} the old file's owner: {e}", path.display());
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _old: &fs::Metadata, _path: &Path) {}

/// Copies `from` to a new file `to` and fsyncs it.
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
