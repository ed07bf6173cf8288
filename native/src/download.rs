//! The streaming, resumable, verified download.
//!
//! Bytes go to a temporary file beside the destination while the streaming [`Verifier`] hashes
//! them, so memory stays flat whatever the size (a legacy signature, allowed only on request, is
//! over the whole file, which the verifier then holds). A dropped connection resumes with `Range`
//! from the last byte written (with `If-Range` when the server gave a validator); an answer that
//! does not continue where the file stopped restarts from zero with a fresh verifier. The file is
//! renamed into place only after the signature verified; on any failure, or when the future is
//! dropped, the temporary file is removed. The name comes from the download URL, which is not
//! signed: it never replaces a file already in the directory (a numbered name is taken instead,
//! `App_1.1.0_amd64-1.AppImage`).
//!
//! A transfer that falls below the minimum rate ([`upkit_core::rate::RateWatch`], fed with the
//! bytes received over the wire, restarts and retries included, and the time since the download
//! began) fails at once with [`Error::TooSlow`]: a server trickling a byte a second would
//! otherwise hold it forever, as every byte resets the stall timeout.
//!
//! A killed process cannot remove its temporary file: the next download into the same directory
//! does. On Unix a running download holds an advisory lock on its file, so that a file still in
//! use is never taken for a leftover.

use std::fs::{self, File};
use std::future::Future;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, HeaderMap, IF_RANGE, LAST_MODIFIED, RANGE};
use tempfile::NamedTempFile;
use upkit_core::rate::{MinRate, RateError, RateWatch};
use upkit_core::signature::{Verified, Verifier};
use url::Url;

use crate::error::{Error, FoundSize};
use crate::http::{Chunk, Http, ReadError};
use crate::progress::{Progress, Reporter};

/// How a dropped download is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times in a row a failed request or a dropped connection is retried before the
    /// download fails. A retry that received bytes resets the count.
    pub attempts: u32,
    /// The wait before the first retry; it doubles with each retry in a row, up to
    /// [`RetryPolicy::max_backoff`].
    pub backoff: Duration,
    /// The longest wait between two retries.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Five retries, waiting 250 ms, 500 ms, 1 s, 2 s, 4 s.
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Size of the write buffer in front of the temporary file.
const WRITE_BUFFER: usize = 1 << 20;

/// One download to run.
pub(crate) struct Job<'a> {
    pub http: &'a Http,
    pub url: &'a Url,
    pub dest_dir: &'a Path,
    /// A fresh verifier; it is cloned for each (re)start.
    pub verifier: Verifier,
    /// The exact size from the manifest, when given.
    pub size: Option<u64>,
    /// The artifact size limit.
    pub limit: u64,
    pub retry: RetryPolicy,
    /// The minimum rate, if any.
    pub min_rate: Option<MinRate>,
}

/// What identifies the version of the file on the server, for `If-Range`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Validator {
    ETag(String),
    LastModified(String),
}

impl Validator {
    fn of(headers: &HeaderMap) -> Option<Validator> {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        // A weak ETag cannot be used with If-Range.
        match (text(ETAG), text(LAST_MODIFIED)) {
            (Some(etag), _) if !etag.starts_with("W/") => Some(Validator::ETag(etag.to_owned())),
            (_, Some(date)) => Some(Validator::LastModified(date.to_owned())),
            _ => None,
        }
    }

    fn value(&self) -> &str {
        match self {
            Validator::ETag(v) | Validator::LastModified(v) => v,
        }
    }

    /// Whether a partial answer is of the same file: its header of the same kind, when it
    /// sends one, must be unchanged.
    fn matches(&self, headers: &HeaderMap) -> bool {
        let (name, value) = match self {
            Validator::ETag(v) => (ETAG, v),
            Validator::LastModified(v) => (LAST_MODIFIED, v),
        };
        headers
            .get(name)
            .is_none_or(|h| h.as_bytes() == value.as_bytes())
    }
}

/// Why one attempt ended early.
enum Failure {
    Read(ReadError),
    Status(u16),
    Truncated { received: u64, expected: u64 },
}

/// A download's temporary file is `.upkit-XXXXXX.part` in the destination directory.
const PART_PREFIX: &str = ".upkit-";
const PART_SUFFIX: &str = ".part";

/// Marks `file` as in use for as long as it is open: an exclusive advisory lock (`flock`), which
/// the kernel drops when the process ends, however it ends. Best effort: a file system without
/// locks leaves the file unmarked, and then only its age protects it.
fn hold(file: &File) {
    if let Err(e) = crate::flock::try_exclusive(file) {
        tracing::debug!("cannot lock the temporary file: {e}");
    }
}

/// Removes from `dir` the temporary files that interrupted downloads left behind (a killed
/// process cannot remove its own). A file counts as left behind when it was not written for a
/// minute and no running download holds its lock (Unix; the minute covers the instant between
/// making a file and locking it), or, where there are no such locks, when it was not written for
/// a day. Failures are logged, never fatal: this is housekeeping.
pub(crate) fn remove_stale_parts(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(PART_PREFIX) && name.ends_with(PART_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        if !left_behind(&path) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => tracing::info!(
                "removed {}, left by an interrupted download",
                path.display()
            ),
            Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
        }
    }
}

/// Whether `path` was last written at least `age` ago.
fn untouched_for(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|elapsed| elapsed >= age)
}

#[cfg(unix)]
fn left_behind(path: &Path) -> bool {
    if !untouched_for(path, Duration::from_secs(60)) {
        return false;
    }
    // The lock is free only if no running download holds the file; it is released when `file`
    // is closed, after the removal.
    File::open(path).is_ok_and(|file| crate::flock::try_exclusive(&file).is_ok())
}

#[cfg(not(unix))]
fn left_behind(path: &Path) -> bool {
    untouched_for(path, Duration::from_secs(24 * 60 * 60))
}

/// The file name an artifact is saved under: the last segment of the URL's path,
/// percent-decoded, when it is a plain file name; `update` otherwise. A `:` is refused too: on
/// Windows `C:name` would be a path on drive C, and `name:stream` an alternate data stream. So
/// is a leading `.`: the URL is not signed, and no artifact is a hidden file, but `.bashrc` or
/// `.profile` beside the download would be replaced by it.
pub(crate) fn file_name(url: &Url) -> String {
    let segment = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    match percent_encoding::percent_decode_str(segment).decode_utf8() {
        Ok(name)
            if !name.is_empty()
                && !name.starts_with('.')
                && !name.contains(['/', '\\', '\0', ':']) =>
        {
            name.into_owned()
        }
        _ => "update".to_owned(),
    }
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL when not `*`).
fn content_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let text = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = text.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((start.parse().ok()?, total))
}

/// The file's length from a 416 answer's `Content-Range: bytes */LENGTH`.
fn unsatisfied_range(headers: &HeaderMap) -> Option<u64> {
    let text = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    text.trim().strip_prefix("bytes */")?.parse().ok()
}

/// Whether a status is worth retrying.
fn transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// Batches waiting for each sink thread; this bounds the memory held.
const SINK_QUEUE: usize = 8;

/// Received chunks are handed to the sink threads in batches of about this size (fewer wake-ups).
const BATCH: usize = 256 * 1024;

/// Chunks not yet handed to the sink threads.
#[derive(Default)]
struct Batch {
    parts: Vec<Bytes>,
    len: usize,
}

impl Batch {
    /// Adds a chunk; `true` when the batch is full.
    fn push(&mut self, bytes: Bytes) -> bool {
        self.len += bytes.len();
        self.parts.push(bytes);
        self.len >= BATCH
    }
}

/// What a sink thread is asked to do.
enum Command {
    /// Hash (or append to the file) these bytes.
    Data(Vec<Bytes>),
    /// Start again from zero.
    Restart,
    /// Hand the result back (after flushing the file).
    Finish,
}

type Inbox = tokio::sync::mpsc::Receiver<Command>;

/// Hashes on one blocking thread and writes on another, so that receiving, hashing and writing
/// overlap; the chunks are shared, not copied. Dropping it (a cancelled download) stops both
/// threads.
struct Sink {
    hasher: tokio::sync::mpsc::Sender<Command>,
    writer: tokio::sync::mpsc::Sender<Command>,
    hashing: tokio::task::JoinHandle<Option<Verifier>>,
    writing: tokio::task::JoinHandle<std::io::Result<bool>>,
}

impl Sink {
    fn start(file: std::fs::File, fresh: Verifier) -> Sink {
        let (hasher, inbox) = tokio::sync::mpsc::channel(SINK_QUEUE);
        let hashing = tokio::task::spawn_blocking(move || Self::hash(inbox, fresh));
        let (writer, inbox) = tokio::sync::mpsc::channel(SINK_QUEUE);
        let writing = tokio::task::spawn_blocking(move || Self::write(inbox, file));
        Sink {
            hasher,
            writer,
            hashing,
            writing,
        }
    }

    fn hash(mut inbox: Inbox, fresh: Verifier) -> Option<Verifier> {
        let mut verifier = fresh.clone();
        while let Some(command) = inbox.blocking_recv() {
            match command {
                Command::Data(parts) => parts.iter().for_each(|bytes| verifier.update(bytes)),
                Command::Restart => verifier = fresh.clone(),
                Command::Finish => return Some(verifier),
            }
        }
        None
    }

    fn write(mut inbox: Inbox, file: std::fs::File) -> std::io::Result<bool> {
        let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        while let Some(command) = inbox.blocking_recv() {
            match command {
                Command::Data(parts) => {
                    for bytes in parts {
                        out.write_all(&bytes)?;
                    }
                }
                Command::Restart => {
                    out.flush()?;
                    out.get_mut().set_len(0)?;
                    out.seek(SeekFrom::Start(0))?;
                }
                Command::Finish => {
                    // No fsync: the file is only trusted through the in-memory proof, so
                    // after a crash it is verified (or fetched) again anyway.
                    out.flush()?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Queues the batched bytes, if any; `false` when the writer stopped on an error.
    async fn flush(&self, batch: &mut Batch) -> bool {
        if batch.parts.is_empty() {
            return true;
        }
        batch.len = 0;
        let parts = std::mem::take(&mut batch.parts);
        self.hasher.send(Command::Data(parts.clone())).await.is_ok()
            && self.writer.send(Command::Data(parts)).await.is_ok()
    }

    /// Empties the file and the hash; `false` when the writer stopped on an error.
    async fn restart(&self) -> bool {
        self.hasher.send(Command::Restart).await.is_ok()
            && self.writer.send(Command::Restart).await.is_ok()
    }

    /// Waits for every queued command; gives the verifier, or the writer's I/O error.
    async fn finish(self) -> std::io::Result<Verifier> {
        let _ = self.writer.send(Command::Finish).await;
        let _ = self.hasher.send(Command::Finish).await;
        drop((self.writer, self.hasher));
        let stopped = || std::io::Error::other("the writer stopped early");
        match self.writing.await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return Err(stopped()),
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(std::io::Error::other(e)),
        }
        self.hashing.await.ok().flatten().ok_or_else(stopped)
    }
}

/// Runs the download; returns the artifact's final path and the proof.
pub(crate) async fn run<F: FnMut(&Progress)>(
    job: Job<'_>,
    progress: F,
) -> Result<(PathBuf, Verified), Error> {
    let Job {
        http,
        url,
        dest_dir,
        verifier: fresh,
        size,
        limit,
        retry,
        min_rate,
    } = job;
    let dest = dest_dir.join(file_name(url));
    let dir = dest_dir.to_owned();
    let (temp, file) = blocking(move || create_part(&dir)).await?;
    let sink = Sink::start(file, fresh.clone());
    let mut batch = Batch::default();

    // A `size` from the manifest caps the body exactly; the configured limit caps it otherwise.
    let cap = size.map_or(limit, |s| s.min(limit));
    let too_big = || match size {
        Some(expected) if expected <= limit => Error::SizeMismatch {
            url: url.clone(),
            expected,
            found: FoundSize::MoreThan(expected),
        },
        _ => Error::TooLarge {
            url: url.clone(),
            limit,
        },
    };

    let mut reporter = Reporter::new(progress);
    let mut written: u64 = 0;
    let mut total: Option<u64> = None;
    let mut validator: Option<Validator> = None;
    let mut failures: u32 = 0;
    // The most bytes ever held: only going past it counts as progress (a restart does not).
    let mut high_water: u64 = 0;
    // Every byte received, for the minimum rate: a restart and a retry take time like any other.
    let started = tokio::time::Instant::now();
    let mut pace = min_rate.map(RateWatch::new);
    let mut received: u64 = 0;
    let too_slow = |source| Error::TooSlow {
        url: url.clone(),
        source: Box::new(source),
    };

    'attempts: loop {
        let failure = 'attempt: {
            let mut request = http.get(url, "application/octet-stream");
            if written > 0 {
                request = request.header(RANGE, format!("bytes={written}-"));
                if let Some(v) = &validator {
                    request = request.header(IF_RANGE, v.value());
                }
            }
            let sent = paced(&mut pace, started, received, http.send(request)).await;
            let mut response = match sent.map_err(too_slow)? {
                Ok(response) => response,
                Err(ReadError::Refused(message)) => {
                    return Err(Error::Network {
                        url: url.clone(),
                        message,
                    });
                }
                Err(e) => break 'attempt Failure::Read(e),
            };
            let status = response.status();
            let now = Validator::of(response.headers());
            // A 416's `bytes */LENGTH`: the file's length as the server has it.
            let unsatisfied = (status == StatusCode::RANGE_NOT_SATISFIABLE)
                .then(|| unsatisfied_range(response.headers()))
                .flatten();
            let continues = status == StatusCode::PARTIAL_CONTENT
                && written > 0
                && content_range(response.headers()).is_some_and(|(start, whole)| {
                    start == written && (whole.is_none() || total.is_none() || whole == total)
                })
                && validator
                    .as_ref()
                    .is_none_or(|v| v.matches(response.headers()));
            if continues {
                tracing::debug!(%url, written, "download resumed");
                if total.is_none() {
                    total = content_range(response.headers()).and_then(|(_, whole)| whole);
                }
                reporter.resumed(total);
            } else if status.is_success() && status != StatusCode::PARTIAL_CONTENT {
                if written > 0 {
                    // The server ignored `Range` or the file changed: start again from zero.
                    tracing::debug!(%url, written, %status, "download restarts from zero");
                    if !sink.restart().await {
                        break 'attempts;
                    }
                    written = 0;
                }
                total = response.content_length();
                validator = now;
                if let (Some(expected), Some(found)) = (size, total)
                    && expected != found
                {
                    return Err(Error::SizeMismatch {
                        url: url.clone(),
                        expected,
                        found: FoundSize::Exactly(found),
                    });
                }
                if total.is_some_and(|t| t > limit) {
                    return Err(Error::TooLarge {
                        url: url.clone(),
                        limit,
                    });
                }
                reporter.started(0, total.or(size));
            } else if let Some(length) = unsatisfied
                && length == written
                && total.is_none_or(|t| t == length)
                && validator
                    .as_ref()
                    .is_none_or(|v| v.matches(response.headers()))
            {
                // Every byte had arrived before the connection broke (a body with no end
                // marker, or a wrong length): the file is whole; the size and the signature
                // decide.
                tracing::debug!(%url, written, "the file was complete");
                break 'attempts;
            } else if let (Some(expected), Some(length)) = (size, unsatisfied)
                && length != expected
            {
                return Err(Error::SizeMismatch {
                    url: url.clone(),
                    expected,
                    found: FoundSize::Exactly(length),
                });
            } else if status == StatusCode::PARTIAL_CONTENT
                || status == StatusCode::RANGE_NOT_SATISFIABLE
            {
                // A range that does not continue the file, or a changed file: restart without
                // `Range` on the next attempt.
                tracing::debug!(%url, written, %status, "partial answer does not continue the file");
                if !sink.restart().await {
                    break 'attempts;
                }
                written = 0;
                validator = None;
                total = None;
                break 'attempt Failure::Status(status.as_u16());
            } else if transient(status) {
                break 'attempt Failure::Status(status.as_u16());
            } else {
                return Err(Error::Status {
                    url: url.clone(),
                    status: status.as_u16(),
                });
            }

            loop {
                let read = paced(&mut pace, started, received, http.chunk(&mut response)).await;
                match read.map_err(too_slow)? {
                    Ok(Chunk::Data(bytes)) => {
                        let n = bytes.len() as u64;
                        if written + n > cap {
                            return Err(too_big());
                        }
                        received += n;
                        if let Some(watch) = &mut pace {
                            watch
                                .observe(started.elapsed(), received)
                                .map_err(too_slow)?;
                        }
                        if batch.push(bytes) && !sink.flush(&mut batch).await {
                            // The writer failed: `finish` below reports why.
                            break 'attempts;
                        }
                        written += n;
                        reporter.advance(n);
                        if written > high_water {
                            high_water = written;
                            failures = 0;
                        }
                    }
                    Ok(Chunk::End) => {
                        if !sink.flush(&mut batch).await {
                            break 'attempts;
                        }
                        let expected = total.or(size);
                        match expected {
                            Some(expected) if written < expected => {
                                break 'attempt Failure::Truncated {
                                    received: written,
                                    expected,
                                };
                            }
                            _ => break 'attempts,
                        }
                    }
                    Err(e) => {
                        // The bytes received so far are good: keep them for the resume.
                        if !sink.flush(&mut batch).await {
                            break 'attempts;
                        }
                        if total.or(size) == Some(written) {
                            // Only the end of the body was lost (a chunked body's last
                            // chunk): every announced byte is here.
                            tracing::debug!(%url, written, "the body broke after its last byte: {e}");
                            break 'attempts;
                        }
                        break 'attempt Failure::Read(e);
                    }
                }
            }
        };
        failures += 1;
        if failures > retry.attempts {
            return Err(match failure {
                Failure::Read(ReadError::Stalled(after)) => Error::Stalled {
                    url: url.clone(),
                    after,
                },
                Failure::Read(ReadError::Network(message)) => Error::Network {
                    url: url.clone(),
                    message,
                },
                Failure::Read(e @ (ReadError::Unanswered(_) | ReadError::Refused(_))) => {
                    Error::Network {
                        url: url.clone(),
                        message: e.to_string(),
                    }
                }
                Failure::Status(status) => Error::Status {
                    url: url.clone(),
                    status,
                },
                // The server announced no length and keeps ending early: the manifest's size
                // is what disagrees.
                Failure::Truncated { received, expected } if total.is_none() => {
                    Error::SizeMismatch {
                        url: url.clone(),
                        expected,
                        found: FoundSize::Exactly(received),
                    }
                }
                Failure::Truncated { received, expected } => Error::Network {
                    url: url.clone(),
                    message: format!("the connection closed after {received} of {expected} bytes"),
                },
            });
        }
        let delay = retry.delay(failures);
        tracing::debug!(%url, written, failures, ?delay, "download interrupted, retrying");
        tokio::time::sleep(delay).await;
    }

    // Named by its directory: the temporary file is gone by the time the error is read.
    let verifier = sink
        .finish()
        .await
        .map_err(Error::io("cannot write the download into", dest_dir))?;
    if let Some(expected) = size
        && written != expected
    {
        return Err(Error::SizeMismatch {
            url: url.clone(),
            expected,
            found: FoundSize::Exactly(written),
        });
    }
    reporter.finished();

    let proof = verifier.finish().map_err(|source| Error::Signature {
        url: url.clone(),
        source: Box::new(source),
    })?;
    let dest = blocking(move || persist_new(temp, dest)).await?;
    Ok((dest, proof))
}

/// Awaits `read`, unless the transfer falls below the minimum rate first (no byte arriving by the
/// time the watch is due): then the watch's verdict, with `received` bytes received in all.
async fn paced<T>(
    pace: &mut Option<RateWatch>,
    started: tokio::time::Instant,
    received: u64,
    read: impl Future<Output = T>,
) -> Result<T, RateError> {
    let mut read = std::pin::pin!(read);
    loop {
        let Some(due) = pace.as_ref().and_then(RateWatch::due) else {
            return Ok(read.await);
        };
        match tokio::time::timeout_at(started + due, &mut read).await {
            Ok(done) => return Ok(done),
            Err(_) => {
                if let Some(watch) = pace {
                    watch.observe(started.elapsed(), received)?;
                }
            }
        }
    }
}

/// Moves the verified download to `dest`, or, when a file is there already, to the first free
/// of `dest`'s [`numbered`] names: the name comes from the URL, which is not signed, and must
/// not replace a file the user has (an earlier download, or anything else in the directory).
fn persist_new(mut temp: NamedTempFile, dest: PathBuf) -> Result<PathBuf, Error> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut candidate = dest.clone();
    for n in 1..=100 {
        match temp.persist_noclobber(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                temp = e.file;
                candidate = dest.with_file_name(numbered(&name, n));
            }
            Err(e) => {
                return Err(Error::Io {
                    action: "cannot move the verified artifact to",
                    path: candidate,
                    source: e.error,
                });
            }
        }
    }
    Err(Error::Io {
        action: "cannot move the verified artifact to",
        path: dest,
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "it and its numbered names up to 100 exist",
        ),
    })
}

/// `name` with `-n` before its extension (`.tar.gz` and `.nsis.zip`/`.msi.zip` count as one):
/// `App_1.0.AppImage` is `App_1.0-2.AppImage`, `Demo.app.tar.gz` is `Demo.app-2.tar.gz`.
pub(crate) fn numbered(name: &str, n: u32) -> String {
    let split = [".tar.gz", ".nsis.zip", ".msi.zip"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext).map(|stem| stem.len()))
        .or_else(|| name.rfind('.').filter(|&i| i > 0))
        .unwrap_or(name.len());
    format!("{}-{n}{}", &name[..split], &name[split..])
}

/// Removes the parts that interrupted downloads left in `dir`, then creates and locks a new one;
/// returns it and a second handle for the writer.
fn create_part(dir: &Path) -> Result<(NamedTempFile, File), Error> {
    remove_stale_parts(dir);
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = tempfile::Builder::new();
    // The artifact gets the mode of any new file (0666 less the umask), not the temp file's
    // private 0600: a web server or another account may have to read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = builder
        .prefix(PART_PREFIX)
        .suffix(PART_SUFFIX)
        .tempfile_in(dir)
        .map_err(crate::error::without_temp_name)
        .map_err(Error::io("cannot create a temporary file in", dir))?;
    hold(temp.as_file());
    let file = temp
        .as_file()
        .try_clone()
        .map_err(Error::io("cannot open the temporary file", temp.path()))?;
    Ok((temp, file))
}

/// Runs file-system work (a directory scan, creating or renaming a file) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only when the runtime shuts down under the download.
            Err(e) => Err(Error::Io {
                action: "the runtime stopped while working on",
                path: PathBuf::new(),
                source: std::io::Error::other(e),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(url: &str) -> String {
        file_name(&Url::parse(url).unwrap())
    }

    #[test]
    fn numbered_names_keep_the_extension() {
        assert_eq!(
            numbered("App_1.0_amd64.AppImage", 1),
            "App_1.0_amd64-1.AppImage"
        );
        assert_eq!(numbered("Demo.app.tar.gz", 2), "Demo.app-2.tar.gz");
        assert_eq!(numbered("App-setup.nsis.zip", 3), "App-setup-3.nsis.zip");
        assert_eq!(numbered("update", 4), "update-4");
        assert_eq!(numbered("a.b.c", 5), "a.b-5.c");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            name("https://x.test/a/My%20App_1.0.AppImage"),
            "My App_1.0.AppImage"
        );
        assert_eq!(name("https://x.test/a/b.tar.gz?x=1"), "b.tar.gz");
        assert_eq!(name("https://x.test/"), "update");
        assert_eq!(name("https://x.test/a/%2E%2E"), "update");
        assert_eq!(name("https://x.test/a/x%2Fy"), "update");
        assert_eq!(name("https://x.test/a/%zz"), "%zz");
        assert_eq!(name("https://x.test/a/%FF.exe"), "update");
        // Windows would read these as a path on drive C and an alternate data stream.
        assert_eq!(name("https://x.test/C:evil.exe"), "update");
        assert_eq!(name("https://x.test/a/C%3Aevil.exe"), "update");
        assert_eq!(name("https://x.test/a/app.exe:stream"), "update");
        // Hidden files (a shell's start-up files, a download's own temp files) are not replaced.
        assert_eq!(name("https://x.test/a/.bashrc"), "update");
        assert_eq!(name("https://x.test/a/%2Eprofile"), "update");
        assert_eq!(name("https://x.test/a/.upkit-x.part"), "update");
        assert_eq!(name("https://x.test/a/app.v2.AppImage"), "app.v2.AppImage");
    }

    #[test]
    fn content_ranges() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_RANGE, "bytes 100-199/200".parse().unwrap());
        assert_eq!(content_range(&h), Some((100, Some(200))));
        h.insert(CONTENT_RANGE, "bytes 5-9/*".parse().unwrap());
        assert_eq!(content_range(&h), Some((5, None)));
        h.insert(CONTENT_RANGE, "items 5-9/10".parse().unwrap());
        assert_eq!(content_range(&h), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let r = RetryPolicy::default();
        let delays: Vec<_> = (1..=7).map(|k| r.delay(k).as_millis()).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 8000, 8000]);
    }
}
