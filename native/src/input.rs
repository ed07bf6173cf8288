//! Bounded reads of the files a user or a release names: keys, signatures, manifests. Only
//! regular files are read (a FIFO would hang the read, `/dev/zero` would never end, a directory
//! is no text), and never more than a limit, so that a hostile or mistaken path is a clear error
//! and not an out-of-memory abort.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The most bytes read of a key or signature file: they are under 1 KiB.
pub const KEY_LIMIT: u64 = 64 << 10;

/// The most bytes read of a manifest by the CLI (the updater's own limit is 1 MiB): checking one
/// takes 20 to 100 times its size in memory.
pub const MANIFEST_LIMIT: u64 = 64 << 20;

/// The whole of the regular file at `path`, at most `limit` bytes.
///
/// # Errors
/// The file's own I/O errors; [`io::ErrorKind::InvalidInput`] for anything but a regular file,
/// and for a file over `limit` (checked before reading, and while reading, for a file that
/// grows).
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let not_a_file = || io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
    // Checked before opening (opening a FIFO waits for a writer), and again on what was opened.
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_a_file());
    }
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    read_at_most(file, limit)
}

/// [`read`] as UTF-8 text.
///
/// # Errors
/// Those of [`read`], and [`io::ErrorKind::InvalidData`] for a file that is not UTF-8.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// All of `reader` (standard input, say), at most `limit` bytes.
///
/// # Errors
/// The reader's errors, and [`io::ErrorKind::InvalidInput`] past `limit`.
pub fn read_at_most(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)?;
    if body.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("more than the {limit} bytes read here"),
        ));
    }
    Ok(body)
}

fn too_large(len: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{len} bytes, more than the {limit} read here"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key.pub");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read(&file, 10).unwrap(), b"0123456789");
        let err = read(&file, 9).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "10 bytes, more than the 9 read here");
        let err = read(dir.path(), 10).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file");
        #[cfg(unix)]
        {
            let err = read(Path::new("/dev/zero"), 10).unwrap_err();
            assert_eq!(err.to_string(), "not a regular file");
        }
        assert_eq!(
            read_at_most(&b"abc"[..], 2).unwrap_err().to_string(),
            "more than the 2 bytes read here"
        );
        assert_eq!(read_at_most(&b"abc"[..], 3).unwrap(), b"abc");
        std::fs::write(&file, [0xff]).unwrap();
        assert_eq!(
            read_text(&file, 10).unwrap_err().to_string(),
            "not UTF-8 text"
        );
    }
}
