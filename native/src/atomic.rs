//! Whole-file writes: a temporary file beside the destination, renamed into place when complete,
//! so that readers (a web server publishing the file, a CI job reading it) never see half of it.

use std::fs::File;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;

use tempfile::NamedTempFile;

/// Writes `dest` through `write`, atomically. The file keeps the mode of the regular file it
/// replaces, else gets the mode of any new file (0666 less the umask), not the temp file's
/// private 0600. Nothing is written through `dest`: a symlink or FIFO there is replaced, not
/// followed or opened. Errors never name the temporary file.
pub(crate) fn write(
    dest: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::symlink_metadata(dest)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0o666, |m| m.permissions().mode())
    };
    #[cfg(not(unix))]
    let mode = 0o666;
    let temp = staged(dir, mode, write)?;
    temp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// A new temporary file in `dir` holding what `write` wrote, synced, ready to be renamed into
/// place. Created with `mode` on Unix (less the umask), never changed by path afterwards. Errors
/// never name the temporary file.
pub(crate) fn staged(
    dir: &Path,
    mode: u32,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> io::Result<NamedTempFile> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let temp = builder
        .tempfile_in(dir)
        .map_err(crate::error::without_temp_name)?;
    {
        let mut writer = BufWriter::new(temp.as_file());
        write(&mut writer)?;
        writer.flush()?;
    }
    temp.as_file().sync_all()?;
    Ok(temp)
}
