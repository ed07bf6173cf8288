//! Temp files and directories beside the installed app (same file system, so renames are
//! atomic), named `.<app name>.upkit-<role>-XXXXXX` so that the leftovers of a killed install are
//! recognised and removed by the next one.

use std::fs;
use std::io;
use std::path::Path;

use tempfile::{NamedTempFile, TempDir};

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

/// A temp file beside the app named `name` in `dir` (removed when dropped).
pub(crate) fn file(dir: &Path, name: &str, role: &str) -> io::Result<NamedTempFile> {
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
