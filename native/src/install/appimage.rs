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
        return Err(InstallError::NotAnAppImage {
            path: payload.to_owned(),
        });
    };
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
    let permissions = old_meta.permissions();
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
    keep_owner(temp.as_file(), &old_meta, &temp_path);
    fs::set_permissions(&temp_path, permissions).map_err(io_at(&temp_path))?;
    observer(&InstallEvent::Staged { path: &temp_path });

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
