//! Defensive reading of update archives: gzip'd tar (AppImage v1, macOS bundles) and zip (Windows
//! v1).
//!
//! Nothing in an archive is trusted, not even after its signature verified (a release pipeline can
//! be fooled into signing a hostile archive): entry paths must stay inside the destination (no
//! `..`, no absolute paths, no writing through symlinks), symlinks must point inside, device files
//! and FIFOs are refused, and the unpacked size and entry count are capped so that a gzip bomb is
//! an error and not a full disk. A gzip'd tar is read to its end, its end-of-archive marker and
//! gzip trailer checked, so that a truncated archive is not taken for a smaller whole one.

use std::cell::Cell;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use flate2::read::GzDecoder;

/// Caps on what an archive may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes all entries together may unpack to. For a gzip'd tar, the whole
    /// decompressed tar counts: headers, skipped data, and pax and GNU long-name data, which the
    /// tar crate holds in memory.
    pub max_unpacked_bytes: u64,
    /// The most entries an archive may hold.
    pub max_entries: u64,
}

impl Default for Limits {
    /// 4 GiB and 500,000 entries: far above any real app, far below a full disk.
    fn default() -> Self {
        Limits {
            max_unpacked_bytes: 4 << 30,
            max_entries: 500_000,
        }
    }
}

/// Why an archive was refused or could not be unpacked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// Reading the archive failed.
    #[error("cannot unpack {}: {source}", archive.display())]
    Io {
        /// The archive.
        archive: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing what was unpacked failed (a full disk, say): `path` says where.
    #[error("cannot unpack {}: cannot write {}: {source}", archive.display(), path.display())]
    Write {
        /// The archive.
        archive: PathBuf,
        /// The file or directory being written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An entry path is absolute or holds `..`.
    #[error("{}: entry `{entry}` escapes the destination", archive.display())]
    Escape {
        /// The archive.
        archive: PathBuf,
        /// The entry path as stored.
        entry: String,
    },
    /// An entry would be written through a symlink of the archive.
    #[error("{}: entry `{entry}` goes through a symlink", archive.display())]
    ThroughSymlink {
        /// The archive.
        archive: PathBuf,
        /// The entry path as stored.
        entry: String,
    },
    /// A symlink or hard link points outside the destination (or is absolute).
    #[error("{}: link `{entry}` points outside the destination (`{target}`)", archive.display())]
    LinkOutside {
        /// The archive.
        archive: PathBuf,
        /// The link's path.
        entry: String,
        /// Where it points.
        target: String,
    },
    /// A device file, FIFO or another kind of entry that an app never holds.
    #[error("{}: entry `{entry}` is a {kind}, which an update may not hold", archive.display())]
    Special {
        /// The archive.
        archive: PathBuf,
        /// The entry path as stored.
        entry: String,
        /// What it is.
        kind: &'static str,
    },
    /// Two entries with the same path.
    #[error("{}: entry `{entry}` appears twice", archive.display())]
    Duplicate {
        /// The archive.
        archive: PathBuf,
        /// The entry path as stored.
        entry: String,
    },
    /// The entries unpack to more bytes than [`Limits::max_unpacked_bytes`].
    #[error("{}: unpacks to more than {limit} bytes", archive.display())]
    TooLarge {
        /// The archive.
        archive: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// More entries than [`Limits::max_entries`].
    #[error("{}: holds more than {limit} entries", archive.display())]
    TooManyEntries {
        /// The archive.
        archive: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// A bundle archive whose entries are not all under one top directory.
    #[error("{}: entry `{entry}` is not inside {}", archive.display(), top_directory(.top.as_deref()))]
    NotInBundle {
        /// The archive.
        archive: PathBuf,
        /// The entry path as stored.
        entry: String,
        /// The top directory of the entries before it (`.` for `./`), if any.
        top: Option<String>,
    },
    /// A pax or GNU long-name header holds more than [`MAX_EXTENDED_HEADER`] bytes: the tar crate
    /// would read it wholly into memory, several times over.
    #[error(
        "{}: an extended header (pax or GNU long name) of {size} bytes, over the {MAX_EXTENDED_HEADER} allowed",
        archive.display()
    )]
    ExtendedHeader {
        /// The archive.
        archive: PathBuf,
        /// The header's size.
        size: u64,
    },
    /// The archive stops before its end: the gzip stream ends before its trailer, or the tar
    /// (cut, then gzip'd again) ends inside an entry, or has no complete end-of-archive marker
    /// (two zero blocks) after its last entry. What it holds may be a part of the update.
    #[error("{}: is truncated ({what})", archive.display())]
    Truncated {
        /// The archive.
        archive: PathBuf,
        /// What is missing.
        what: &'static str,
    },
    /// The archive does not hold what the update needs.
    #[error("{}: holds no {what}", archive.display())]
    Missing {
        /// The archive.
        archive: PathBuf,
        /// What was looked for.
        what: &'static str,
    },
}

/// What [`ArchiveError::Truncated`] says of a gzip stream that stops before its trailer.
const GZIP_ENDS_EARLY: &str = "the gzip stream ends early";
/// What [`ArchiveError::Truncated`] says of a tar that stops inside an entry's headers or data
/// (in a gzip stream that is whole: a cut tar, gzip'd again).
const TAR_ENDS_IN_ENTRY: &str = "the tar ends inside an entry";

/// The byte budget of one unpacking.
struct Budget<'a> {
    archive: &'a Path,
    limits: Limits,
    bytes: u64,
    entries: u64,
    /// For a gzip'd tar, the state of its reader: whether a failed read is a truncation.
    tar: Option<Rc<ReadState>>,
}

impl<'a> Budget<'a> {
    fn new(archive: &'a Path, limits: Limits) -> Self {
        Budget {
            archive,
            limits,
            bytes: 0,
            entries: 0,
            tar: None,
        }
    }

    fn entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ArchiveError::TooManyEntries {
                archive: self.archive.to_owned(),
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    fn too_large(&self) -> ArchiveError {
        ArchiveError::TooLarge {
            archive: self.archive.to_owned(),
            limit: self.limits.max_unpacked_bytes,
        }
    }

    /// Copies `reader` to `out` (the file at `out_path`; `None` for a sink that cannot fail),
    /// counting every byte against the budget (headers can lie; the count is of the bytes
    /// actually produced). `progress` sees the running total of this copy.
    fn copy(
        &mut self,
        reader: &mut dyn Read,
        out: &mut dyn Write,
        out_path: Option<&Path>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ArchiveError> {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut copied = 0u64;
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => return Ok(copied),
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(e)),
            };
            self.bytes += read as u64;
            if self.bytes > self.limits.max_unpacked_bytes {
                return Err(self.too_large());
            }
            out.write_all(&buffer[..read]).map_err(|e| match out_path {
                Some(path) => self.write(path, e),
                None => self.io(e),
            })?;
            copied += read as u64;
            progress(copied);
        }
    }

    fn io(&self, source: io::Error) -> ArchiveError {
        ArchiveError::Io {
            archive: self.archive.to_owned(),
            source,
        }
    }

    /// A failure to read the archive. In a gzip'd tar, an end of the gzip stream before its
    /// trailer, or an error once the tar's data has ended (the tar crate's "failed to read
    /// entire block", "unexpected EOF during skip"), is a truncation.
    fn read_error(&self, source: io::Error) -> ArchiveError {
        match &self.tar {
            Some(tar) if tar.over.get() => self.too_large(),
            Some(tar) if tar.extended.get().is_some() => ArchiveError::ExtendedHeader {
                archive: self.archive.to_owned(),
                size: tar.extended.get().unwrap_or_default(),
            },
            Some(_) if source.kind() == io::ErrorKind::UnexpectedEof => {
                self.truncated(GZIP_ENDS_EARLY)
            }
            Some(tar) if tar.ended.get() => self.truncated(TAR_ENDS_IN_ENTRY),
            _ => self.io(source),
        }
    }

    fn truncated(&self, what: &'static str) -> ArchiveError {
        ArchiveError::Truncated {
            archive: self.archive.to_owned(),
            what,
        }
    }

    /// Copies the data of a tar entry as [`Budget::copy`] does, refusing it when short: where
    /// the data stops early, the tar crate gives an end of file, not an error.
    fn copy_entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        out: &mut dyn Write,
        out_path: Option<&Path>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ArchiveError> {
        let size = entry.size();
        let copied = self.copy(entry, out, out_path, progress)?;
        if copied < size {
            return Err(self.truncated(TAR_ENDS_IN_ENTRY));
        }
        Ok(copied)
    }

    fn write(&self, path: &Path, source: io::Error) -> ArchiveError {
        ArchiveError::Write {
            archive: self.archive.to_owned(),
            path: path.to_owned(),
            source,
        }
    }
}

/// The normal components of an entry path: `.` dropped, anything else than plain names refused.
fn clean_components(archive: &Path, entry: &Path) -> Result<Vec<String>, ArchiveError> {
    let mut parts = Vec::new();
    for component in entry.components() {
        match component {
            Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(ArchiveError::Escape {
                    archive: archive.to_owned(),
                    entry: entry.display().to_string(),
                });
            }
        }
    }
    Ok(parts)
}

/// The top directory of a bundle archive, for [`ArchiveError::NotInBundle`].
fn top_directory(top: Option<&str>) -> String {
    match top {
        Some(top) => format!("the archive's top directory `{top}/`"),
        None => "a top directory (`<Name>.app/`)".to_owned(),
    }
}

/// An entry path of a bundle archive as its top directory and the components below it. The top
/// is what Tauri strips, the first component as written: `<Name>.app`, any other name, or `.`
/// (an archive made inside the bundle, `./Contents/...`). `None` for the empty path.
fn split_top(archive: &Path, entry: &Path) -> Result<Option<(String, Vec<String>)>, ArchiveError> {
    let mut parts = clean_components(archive, entry)?;
    if entry.components().next() == Some(Component::CurDir) {
        return Ok(Some((".".to_owned(), parts)));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let top = parts.remove(0);
    Ok(Some((top, parts)))
}

/// Whether a symlink at `link` (components below the destination) pointing to `target` stays
/// inside the destination. Targets are relative; leading `..` may climb at most to the
/// destination root; after the first name no `..` is allowed (a `..` after a symlinked name is
/// resolved by the kernel relative to the symlink's target, which a lexical check cannot see).
fn symlink_stays_inside(link: &[String], target: &Path) -> bool {
    let depth = link.len().saturating_sub(1);
    let mut climbs = 0usize;
    let mut seen_name = false;
    for component in target.components() {
        match component {
            Component::ParentDir if !seen_name => climbs += 1,
            Component::Normal(_) => seen_name = true,
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    climbs <= depth
}

/// What the reader under a tar has seen, shared with its owner.
struct ReadState {
    /// The bytes read so far.
    read: Cell<u64>,
    /// The most bytes it may read: [`Limits::max_unpacked_bytes`].
    limit: u64,
    /// Whether a read went over the limit.
    over: Cell<bool>,
    /// Whether a read found the end of the data.
    ended: Cell<bool>,
    /// The tar's framing, followed as bytes pass.
    framing: std::cell::RefCell<Framing>,
    /// The size of an extended header refused by [`Framing`].
    extended: Cell<Option<u64>>,
}

/// A reader that records what is read through it, and fails past the limit. This counts what
/// the tar crate reads without [`Budget::copy`] seeing it: headers, skipped data, and pax and
/// GNU long-name data, which it reads wholly into memory.
struct Counted<R> {
    inner: R,
    state: Rc<ReadState>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let state = &self.state;
        if state.read.get() > state.limit {
            state.over.set(true);
            return Err(io::Error::other("over the unpacked size limit"));
        }
        let read = self.inner.read(buf)?;
        state.read.set(state.read.get() + read as u64);
        if read == 0 && !buf.is_empty() {
            state.ended.set(true);
        }
        // Refused before the tar crate holds any of it.
        if let Err(size) = state.framing.borrow_mut().feed(&buf[..read]) {
            state.extended.set(Some(size));
            return Err(io::Error::other("extended header over the limit"));
        }
        Ok(read)
    }
}

/// The most bytes of data a pax header or a GNU long-name or long-link header may hold. The tar
/// crate reads such data wholly into memory (a 4.6 MB payload took 3.1 GB), before it hands out
/// the entry they describe, so it is refused before the crate reads it; real ones hold a path or
/// a few attributes.
pub const MAX_EXTENDED_HEADER: u64 = 64 << 10;

/// The tar's framing (512-byte headers, data padded to 512-byte blocks), followed as the bytes
/// pass on their way to the tar crate, as the crate reads it: a pax `x` header's `size` applies
/// to the next entry, an old GNU sparse header may be followed by extension blocks, and the first
/// zero block ends the archive (the crate stops there; what follows is checked elsewhere). A
/// header it cannot read it stops following: the tar crate refuses it in turn.
#[derive(Default)]
struct Framing {
    /// The header block being filled, and how much of it is.
    block: Vec<u8>,
    /// Padded data bytes still to pass before the next header.
    skip: u64,
    /// The data of a pax `x` header being passed (to read its `size`), and its unpadded length
    /// still to come.
    pax: Option<(Vec<u8>, u64)>,
    /// The `size` that the last pax header gave the next entry.
    next_size: Option<u64>,
    /// Whether old GNU sparse extension blocks come next.
    sparse_extension: bool,
    /// Whether the framing is no longer followed (the archive ended, or was not understood).
    done: bool,
}

impl Framing {
    /// Follows `bytes`; `Err(size)` for an extended header over [`MAX_EXTENDED_HEADER`].
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), u64> {
        while !bytes.is_empty() && !self.done {
            if self.skip > 0 {
                let n = bytes
                    .len()
                    .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                if let Some((pax, left)) = &mut self.pax {
                    let kept = n.min(usize::try_from(*left).unwrap_or(usize::MAX));
                    pax.extend_from_slice(&bytes[..kept]);
                    *left -= kept as u64;
                }
                self.skip -= n as u64;
                bytes = &bytes[n..];
                if self.skip == 0
                    && let Some((pax, _)) = self.pax.take()
                {
                    self.next_size = pax_size(&pax);
                }
                continue;
            }
            let n = (512 - self.block.len()).min(bytes.len());
            self.block.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.block.len() == 512 {
                let block = std::mem::take(&mut self.block);
                self.header(&block)?;
            }
        }
        Ok(())
    }

    fn header(&mut self, block: &[u8]) -> Result<(), u64> {
        if self.sparse_extension {
            self.sparse_extension = block[504] != 0;
            return Ok(());
        }
        if block.iter().all(|&b| b == 0) {
            self.done = true;
            return Ok(());
        }
        let Some(size) = header_size(&block[124..136]) else {
            self.done = true;
            return Ok(());
        };
        let kind = block[156];
        let extended = matches!(kind, b'L' | b'K' | b'x' | b'g');
        if extended && size > MAX_EXTENDED_HEADER {
            return Err(size);
        }
        let size = if extended {
            size
        } else {
            self.next_size.take().unwrap_or(size)
        };
        if kind == b'x' {
            self.pax = Some((Vec::new(), size));
        }
        self.sparse_extension = kind == b'S' && block[482] != 0;
        self.skip = size.div_ceil(512).saturating_mul(512);
        Ok(())
    }
}

/// A header's size field as the tar crate reads it: octal text (up to a NUL, trimmed), or
/// base-256 when its high bit is set.
fn header_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let tail = &field[field.len() - 8..];
        return Some(tail.iter().fold(0, |n, &b| (n << 8) | u64::from(b)));
    }
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let text = std::str::from_utf8(&field[..end]).ok()?;
    u64::from_str_radix(text.trim(), 8).ok()
}

/// The `size` record of pax extended header data (`<len> size=<n>\n` records).
fn pax_size(data: &[u8]) -> Option<u64> {
    let mut rest = data;
    let mut size = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if len <= space || len > rest.len() {
            return size;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"size=") {
            size = std::str::from_utf8(value).ok()?.parse().ok();
        }
        rest = &rest[len..];
    }
    size
}

/// A gzip'd tar being read, with the count of decompressed bytes read so far: where the entries
/// end is known from it (see [`finish_tar_gz`]).
struct TarGz {
    tar: tar::Archive<Counted<GzDecoder<BufReader<File>>>>,
    state: Rc<ReadState>,
}

/// Where the data of `entry` ends (padded to whole 512-byte blocks), `read` bytes into the tar
/// when the iterator gave it: its headers were just read, its data follows.
fn data_end<R: Read>(entry: &tar::Entry<'_, R>, read: u64) -> io::Result<u64> {
    // The size stored in the archive (a sparse file's expands on reading).
    let stored = if entry.header().entry_type() == tar::EntryType::GNUSparse {
        entry.header().entry_size()?
    } else {
        entry.size()
    };
    Ok(read.saturating_add(stored.div_ceil(512).saturating_mul(512)))
}

/// Opens a gzip'd tar for reading, at most `limits.max_unpacked_bytes` of it, with the budget of
/// reading it.
fn open_tar_gz(archive: &Path, limits: Limits) -> Result<(TarGz, Budget<'_>), ArchiveError> {
    let file = File::open(archive).map_err(|source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    })?;
    let state = Rc::new(ReadState {
        read: Cell::new(0),
        limit: limits.max_unpacked_bytes,
        over: Cell::new(false),
        ended: Cell::new(false),
        framing: std::cell::RefCell::new(Framing::default()),
        extended: Cell::new(None),
    });
    let tar = tar::Archive::new(Counted {
        inner: GzDecoder::new(BufReader::new(file)),
        state: Rc::clone(&state),
    });
    let budget = Budget {
        tar: Some(Rc::clone(&state)),
        ..Budget::new(archive, limits)
    };
    Ok((TarGz { tar, state }, budget))
}

/// Reads what follows the entries of a gzip'd tar, once the tar crate has no more entries (the
/// last one ending at `entries_end`): the end-of-archive marker, then the rest of the gzip
/// stream, so that its trailer (CRC-32 and length) is checked. The tar crate stops silently
/// where the data ends on an entry boundary (an archive cut there and gzip'd again), and at the
/// first zero block, which it consumes: the second must follow. What follows the marker (GNU
/// tar pads to 10 KiB records) is read within the budget.
fn finish_tar_gz(
    tar: TarGz,
    entries_end: u64,
    budget: &mut Budget<'_>,
) -> Result<(), ArchiveError> {
    let mut rest = tar.tar.into_inner();
    if tar.state.read.get() <= entries_end {
        return Err(budget.truncated("no end-of-archive marker after the last tar entry"));
    }
    let mut block = [0u8; 512];
    let mut read = 0;
    while read < block.len() {
        match rest.read(&mut block[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(budget.read_error(e)),
        }
    }
    // Short, or data after a lone zero block (which hides that data from every tar reader).
    if read < block.len() || block.iter().any(|b| *b != 0) {
        return Err(budget.truncated("the tar's end-of-archive marker is one zero block, not two"));
    }
    budget.copy(&mut rest, &mut io::sink(), None, &mut |_| {})?;
    Ok(())
}

/// Copies the one `.AppImage` file of a gzip'd tar (the v1 `.AppImage.tar.gz`) to `out`, the
/// file at `out_path`.
///
/// The first regular entry whose name ends with `.AppImage` is used; other entries are skipped
/// but still counted against the limits. The archive is read to its end (a truncated one is
/// refused, even past the AppImage). `progress` sees the bytes written so far.
pub(crate) fn extract_appimage(
    archive: &Path,
    out: &mut dyn Write,
    out_path: &Path,
    limits: Limits,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ArchiveError> {
    let (mut tar, mut budget) = open_tar_gz(archive, limits)?;
    let mut copied = None;
    let mut entries_end = 0;
    let entries = tar.tar.entries().map_err(|e| budget.read_error(e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| budget.read_error(e))?;
        budget.entry()?;
        entries_end = data_end(&entry, tar.state.read.get()).map_err(|e| budget.io(e))?;
        let path = entry.path().map_err(|e| budget.io(e))?.into_owned();
        clean_components(archive, &path)?;
        let is_appimage = path.extension() == Some(OsStr::new("AppImage"));
        if copied.is_none() && is_appimage && entry.header().entry_type().is_file() {
            copied = Some(budget.copy_entry(&mut entry, out, Some(out_path), progress)?);
            continue;
        }
        // Skipped entries still cost: a bomb hidden in a skipped entry is found here.
        budget.copy_entry(&mut entry, &mut io::sink(), None, &mut |_| {})?;
    }
    finish_tar_gz(tar, entries_end, &mut budget)?;
    copied.ok_or_else(|| ArchiveError::Missing {
        archive: archive.to_owned(),
        what: "`.AppImage` file",
    })
}

/// Unpacks a macOS `<Name>.app.tar.gz` into `dest` (which must exist and be empty), stripping the
/// top component, as Tauri does: `<Name>.app/`, any other name, or `./` (see [`split_top`]);
/// every entry must be under that one top (Tauri would merge several). Returns the top's name.
/// The archive is read to its end: a truncated one is refused.
///
/// Entry modes are kept without setuid, setgid and sticky bits; the bundle root gets 0755.
/// `progress` sees the number of entries unpacked so far.
pub(crate) fn unpack_bundle(
    archive: &Path,
    dest: &Path,
    limits: Limits,
    progress: &mut dyn FnMut(u64),
) -> Result<String, ArchiveError> {
    let (mut tar, mut budget) = open_tar_gz(archive, limits)?;
    let mut top: Option<String> = None;
    let mut links = Vec::new();
    let mut entries_end = 0;
    let entries = tar.tar.entries().map_err(|e| budget.read_error(e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| budget.read_error(e))?;
        budget.entry()?;
        entries_end = data_end(&entry, tar.state.read.get()).map_err(|e| budget.io(e))?;
        if entry.header().entry_type() == tar::EntryType::XGlobalHeader {
            // pax global metadata (`git archive` writes one), not a file.
            continue;
        }
        let path = entry.path().map_err(|e| budget.io(e))?.into_owned();
        let shown = path.display().to_string();
        let Some((first, rest)) = split_top(archive, &path)? else {
            continue;
        };
        let rest = &rest[..];
        match &top {
            None => top = Some(first),
            Some(name) if *name == first => {}
            _ => {
                return Err(ArchiveError::NotInBundle {
                    archive: archive.to_owned(),
                    entry: shown,
                    top,
                });
            }
        }
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0o644) & 0o777;
        if rest.is_empty() {
            if !kind.is_dir() {
                return Err(ArchiveError::NotInBundle {
                    archive: archive.to_owned(),
                    entry: shown,
                    top: None,
                });
            }
            continue;
        }
        let target = dest_path(archive, dest, rest, &shown)?;
        let exists = fs::symlink_metadata(&target).ok();
        if kind.is_dir() {
            match exists {
                Some(meta) if meta.is_dir() => {}
                Some(_) => {
                    return Err(ArchiveError::Duplicate {
                        archive: archive.to_owned(),
                        entry: shown,
                    });
                }
                None => fs::create_dir(&target).map_err(|e| budget.write(&target, e))?,
            }
            set_mode(&target, mode | 0o700).map_err(|e| budget.write(&target, e))?;
        } else if exists.is_some() {
            return Err(ArchiveError::Duplicate {
                archive: archive.to_owned(),
                entry: shown,
            });
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)
                .map_err(|e| budget.write(&target, e))?;
            budget.copy_entry(&mut entry, &mut file, Some(&target), &mut |_| {})?;
            file.sync_all().map_err(|e| budget.write(&target, e))?;
            drop(file);
            set_mode(&target, mode).map_err(|e| budget.write(&target, e))?;
        } else if kind.is_symlink() {
            let link = entry
                .link_name()
                .map_err(|e| budget.io(e))?
                .map(|l| l.into_owned())
                .unwrap_or_default();
            if link.as_os_str().is_empty() || !symlink_stays_inside(rest, &link) {
                return Err(ArchiveError::LinkOutside {
                    archive: archive.to_owned(),
                    entry: shown,
                    target: link.display().to_string(),
                });
            }
            make_symlink(&link, &target).map_err(|e| budget.write(&target, e))?;
        } else if kind.is_hard_link() {
            // Hard links name another entry of the archive, relative to the archive root.
            let link = entry
                .link_name()
                .map_err(|e| budget.io(e))?
                .map(|l| l.into_owned())
                .unwrap_or_default();
            let outside = || ArchiveError::LinkOutside {
                archive: archive.to_owned(),
                entry: shown.clone(),
                target: link.display().to_string(),
            };
            match split_top(archive, &link).map_err(|_| outside())? {
                Some((head, tail)) if top.as_ref() == Some(&head) && !tail.is_empty() => {
                    links.push((dest_path(archive, dest, &tail, &shown)?, target));
                }
                _ => return Err(outside()),
            }
            // Made after every entry is out, so that the source exists and is a regular file.
        } else {
            let kind = match kind {
                tar::EntryType::Char => "character device",
                tar::EntryType::Block => "block device",
                tar::EntryType::Fifo => "fifo",
                _ => "special entry",
            };
            return Err(ArchiveError::Special {
                archive: archive.to_owned(),
                entry: shown,
                kind,
            });
        }
        progress(budget.entries);
    }
    finish_tar_gz(tar, entries_end, &mut budget)?;
    for (source, target) in links {
        let meta = fs::symlink_metadata(&source).map_err(|e| budget.io(e))?;
        if !meta.is_file() {
            return Err(ArchiveError::LinkOutside {
                archive: archive.to_owned(),
                entry: target.display().to_string(),
                target: source.display().to_string(),
            });
        }
        fs::hard_link(&source, &target).map_err(|e| budget.write(&target, e))?;
    }
    let Some(top) = top else {
        return Err(ArchiveError::Missing {
            archive: archive.to_owned(),
            what: "top directory (`<Name>.app/`)",
        });
    };
    set_mode(dest, 0o755).map_err(|e| budget.write(dest, e))?;
    Ok(top)
}

/// `dest` joined with `parts`, refusing to go through anything but real directories (a symlink
/// unpacked earlier must not redirect a later entry).
fn dest_path(
    archive: &Path,
    dest: &Path,
    parts: &[String],
    shown: &str,
) -> Result<PathBuf, ArchiveError> {
    let mut path = dest.to_owned();
    let (last, parents) = parts.split_last().expect("parts is not empty");
    for part in parents {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(ArchiveError::ThroughSymlink {
                    archive: archive.to_owned(),
                    entry: shown.to_owned(),
                });
            }
            Ok(_) => {
                return Err(ArchiveError::Duplicate {
                    archive: archive.to_owned(),
                    entry: shown.to_owned(),
                });
            }
            // Tar archives may omit directory entries.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let write = |source| ArchiveError::Write {
                    archive: archive.to_owned(),
                    path: path.clone(),
                    source,
                };
                fs::create_dir(&path).map_err(write)?;
                set_mode(&path, 0o755).map_err(write)?;
            }
            Err(source) => {
                return Err(ArchiveError::Io {
                    archive: archive.to_owned(),
                    source,
                });
            }
        }
    }
    path.push(last);
    Ok(path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn make_symlink(link: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(link, at)
}

#[cfg(not(unix))]
fn make_symlink(_link: &Path, _at: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symlinks in bundles are only unpacked on unix",
    ))
}

/// Extracts the first `.exe` or `.msi` file of a zip (the v1 `….nsis.zip` / `….msi.zip`) into
/// `dest_dir`, under its base name. Returns the extracted file's path.
pub(crate) fn extract_windows_installer(
    archive: &Path,
    dest_dir: &Path,
    limits: Limits,
) -> Result<PathBuf, ArchiveError> {
    let mut budget = Budget::new(archive, limits);
    let file = File::open(archive).map_err(|e| budget.io(e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| budget.io(e.into()))?;
    for index in 0..zip.len() {
        budget.entry()?;
        let mut entry = zip.by_index(index).map_err(|e| budget.io(e.into()))?;
        if !entry.is_file() {
            continue;
        }
        let raw = entry.name().to_owned();
        let Some(name) = entry.enclosed_name() else {
            return Err(ArchiveError::Escape {
                archive: archive.to_owned(),
                entry: raw,
            });
        };
        let Some(base) = name.file_name().map(|n| n.to_owned()) else {
            continue;
        };
        let ext = Path::new(&base)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if !matches!(ext.as_deref(), Some("exe" | "msi")) {
            continue;
        }
        let path = dest_dir.join(&base);
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| budget.write(&path, e))?;
        budget.copy(&mut entry, &mut out, Some(&path), &mut |_| {})?;
        out.sync_all().map_err(|e| budget.write(&path, e))?;
        return Ok(path);
    }
    Err(ArchiveError::Missing {
        archive: archive.to_owned(),
        what: "`.exe` or `.msi` file",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Vec<String> {
        s.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn symlink_rule() {
        let link = parts("Contents/Frameworks/A.framework/A");
        assert!(symlink_stays_inside(&link, Path::new("Versions/Current/A")));
        assert!(symlink_stays_inside(&link, Path::new("../../MacOS/app")));
        assert!(symlink_stays_inside(&link, Path::new("../../../x")));
        assert!(!symlink_stays_inside(&link, Path::new("../../../../x")));
        assert!(!symlink_stays_inside(&link, Path::new("/etc/passwd")));
        assert!(!symlink_stays_inside(
            &link,
            Path::new("Versions/../../../../x")
        ));
        assert!(!symlink_stays_inside(&parts("top"), Path::new("..")));
        assert!(symlink_stays_inside(&parts("top"), Path::new(".")));
    }

    /// A gzip'd tar, written by the tar crate's builder from `build`.
    fn tar_gz(dir: &Path, build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> PathBuf {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        let tar = builder.into_inner().unwrap();
        let path = dir.join("update.tar.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        fs::write(&path, gz.finish().unwrap()).unwrap();
        path
    }

    fn file_header(size: u64, kind: tar::EntryType) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o755);
        header.set_entry_type(kind);
        header
    }

    fn extract(archive: &Path) -> Result<Vec<u8>, ArchiveError> {
        let mut out = Vec::new();
        extract_appimage(
            archive,
            &mut out,
            Path::new("out"),
            Limits::default(),
            &mut |_| {},
        )
        .map(|_| out)
    }

    #[test]
    fn a_huge_gnu_long_name_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let size = 4 << 20;
        let archive = tar_gz(dir.path(), |b| {
            // A long-name entry as GNU tar writes one, but of 4 MiB.
            let mut header = file_header(size, tar::EntryType::GNULongName);
            header.set_path("././@LongLink").unwrap();
            header.set_cksum();
            b.append(&header, std::io::repeat(b'a').take(size)).unwrap();
            let mut header = file_header(4, tar::EntryType::Regular);
            header.set_path("App.AppImage").unwrap();
            header.set_cksum();
            b.append(&header, &b"\x7fELF"[..]).unwrap();
        });
        match extract(&archive) {
            Err(ArchiveError::ExtendedHeader { size: found, .. }) => assert_eq!(found, size),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            extract(&archive).unwrap_err().to_string(),
            format!(
                "{}: an extended header (pax or GNU long name) of 4194304 bytes, over the 65536 allowed",
                archive.display()
            )
        );
    }

    #[test]
    fn a_huge_pax_header_is_refused_and_ordinary_ones_still_work() {
        let dir = tempfile::tempdir().unwrap();
        let long_name = format!("{}/App.AppImage", "d".repeat(300));
        // The builder writes a GNU long name for a path over 100 bytes, and pax records here.
        let archive = tar_gz(dir.path(), |b| {
            b.append_pax_extensions([("comment", &b"x"[..])]).unwrap();
            let mut header = file_header(7, tar::EntryType::Regular);
            b.append_data(&mut header, &long_name, &b"\x7fELF1.0"[..])
                .unwrap();
        });
        assert_eq!(extract(&archive).unwrap(), b"\x7fELF1.0");

        let big = "v".repeat(100 << 10);
        let archive = tar_gz(dir.path(), |b| {
            b.append_pax_extensions([("comment", big.as_bytes())])
                .unwrap();
            let mut header = file_header(4, tar::EntryType::Regular);
            b.append_data(&mut header, "App.AppImage", &b"\x7fELF"[..])
                .unwrap();
        });
        assert!(
            matches!(extract(&archive), Err(ArchiveError::ExtendedHeader { size, .. }) if size > 100 << 10),
            "{:?}",
            extract(&archive)
        );
    }

    #[test]
    fn framing_follows_pax_sizes_and_sparse_extensions() {
        // A pax `size` that differs from the header's: the next header is found where the pax
        // size says, as the tar crate finds it.
        let mut f = Framing::default();
        let record = b"12 size=600\n";
        let mut pax = file_header(record.len() as u64, tar::EntryType::XHeader);
        pax.set_path("pax").unwrap();
        pax.set_cksum();
        f.feed(pax.as_bytes()).unwrap();
        let mut data = record.to_vec();
        data.resize(512, 0);
        f.feed(&data).unwrap();
        assert_eq!(f.next_size, Some(600));
        let mut entry = file_header(0, tar::EntryType::Regular);
        entry.set_path("App.AppImage").unwrap();
        entry.set_cksum();
        f.feed(entry.as_bytes()).unwrap();
        assert_eq!(f.skip, 1024);
        f.feed(&[7; 1024]).unwrap();
        // Then a long name of 64 KiB + 1, refused as its header passes.
        let mut long = file_header(MAX_EXTENDED_HEADER + 1, tar::EntryType::GNULongName);
        long.set_path("././@LongLink").unwrap();
        long.set_cksum();
        assert_eq!(f.feed(long.as_bytes()), Err(MAX_EXTENDED_HEADER + 1));

        assert_eq!(header_size(b"0000000644\0 "), Some(0o644));
        let mut base256 = [0u8; 12];
        base256[0] = 0x80;
        base256[11] = 5;
        assert_eq!(header_size(&base256), Some(5));
        assert_eq!(header_size(b"zz\0         "), None);
        assert_eq!(pax_size(b"11 path=ab\n12 size=777\n"), Some(777));
    }
}
