//! Download progress: throttled reports with bytes, total, rate and ETA, carrying Tauri-style
//! `Started` / `Progress` / `Finished` events.

use std::time::{Duration, Instant};

/// The smallest interval between two [`DownloadEvent::Progress`] reports.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Tauri's download events, for code ported from `tauri-plugin-updater`.
///
/// Unlike Tauri's per-chunk callback, `Progress` events are throttled; their `chunk_length`s
/// still add up to the bytes downloaded. A download that has to restart from zero (the server
/// ignored `Range`, or the file changed) sends `Started` again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadEvent {
    /// The download (re)started; the length is the whole artifact's, when known.
    Started {
        /// The artifact's size in bytes, when the server or the manifest gives it.
        content_length: Option<u64>,
    },
    /// More bytes arrived.
    Progress {
        /// Bytes received since the previous event.
        chunk_length: u64,
    },
    /// Every byte arrived (verification follows).
    Finished,
}

/// One progress report.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// What happened.
    pub event: DownloadEvent,
    /// Bytes of the artifact received so far (a resumed download counts the bytes it kept).
    pub downloaded: u64,
    /// The artifact's size, when known.
    pub total: Option<u64>,
    /// The recent transfer rate in bytes per second (0 until it can be measured).
    pub bytes_per_second: f64,
    /// The estimated time left, when the total and the rate are known.
    pub eta: Option<Duration>,
}

/// Turns byte counts into throttled [`Progress`] reports.
pub(crate) struct Reporter<F> {
    callback: F,
    total: Option<u64>,
    downloaded: u64,
    pending: u64,
    last: Instant,
    last_bytes: u64,
    rate: f64,
}

impl<F: FnMut(&Progress)> Reporter<F> {
    pub(crate) fn new(callback: F) -> Self {
        Reporter {
            callback,
            total: None,
            downloaded: 0,
            pending: 0,
            last: Instant::now(),
            last_bytes: 0,
            rate: 0.0,
        }
    }

    /// A (re)start at `downloaded` bytes (0, or the bytes kept by a resume).
    pub(crate) fn started(&mut self, downloaded: u64, total: Option<u64>) {
        self.total = total;
        self.downloaded = downloaded;
        self.pending = 0;
        self.last = Instant::now();
        self.last_bytes = downloaded;
        self.emit(DownloadEvent::Started {
            content_length: total,
        });
    }

    /// A resume: keep counting, learn the total if it was unknown.
    pub(crate) fn resumed(&mut self, total: Option<u64>) {
        if total.is_some() {
            self.total = total;
        }
    }

    /// `n` more bytes arrived; reports at most every [`PROGRESS_INTERVAL`].
    pub(crate) fn advance(&mut self, n: u64) {
        self.downloaded += n;
        self.pending += n;
        let now = Instant::now();
        let elapsed = now.duration_since(self.last);
        if elapsed >= PROGRESS_INTERVAL {
            self.measure(now, elapsed);
            self.flush();
        }
    }

    /// Every byte arrived: the last `Progress` (if bytes are pending), then `Finished`.
    pub(crate) fn finished(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last);
        if self.pending > 0 {
            if !elapsed.is_zero() {
                self.measure(now, elapsed);
            }
            self.flush();
        }
        self.emit(DownloadEvent::Finished);
    }

    fn measure(&mut self, now: Instant, elapsed: Duration) {
        let instant = (self.downloaded - self.last_bytes) as f64 / elapsed.as_secs_f64();
        // An exponential moving average, so that one slow interval does not swing the ETA.
        self.rate = if self.rate == 0.0 {
            instant
        } else {
            0.7 * self.rate + 0.3 * instant
        };
        self.last = now;
        self.last_bytes = self.downloaded;
    }

    fn flush(&mut self) {
        let chunk_length = std::mem::take(&mut self.pending);
        self.emit(DownloadEvent::Progress { chunk_length });
    }

    fn emit(&mut self, event: DownloadEvent) {
        let eta = match self.total {
            Some(total) if self.rate > 0.0 => Some(Duration::from_secs_f64(
                total.saturating_sub(self.downloaded) as f64 / self.rate,
            )),
            Some(total) if total == self.downloaded => Some(Duration::ZERO),
            _ => None,
        };
        let progress = Progress {
            event,
            downloaded: self.downloaded,
            total: self.total,
            bytes_per_second: self.rate,
            eta,
        };
        (self.callback)(&progress);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_lengths_add_up_and_the_last_event_is_finished() {
        let mut events = Vec::new();
        {
            let mut r = Reporter::new(|p: &Progress| events.push(p.clone()));
            r.started(0, Some(3000));
            for _ in 0..3000 {
                r.advance(1);
            }
            r.finished();
        }
        assert_eq!(
            events.first().unwrap().event,
            DownloadEvent::Started {
                content_length: Some(3000)
            }
        );
        assert_eq!(events.last().unwrap().event, DownloadEvent::Finished);
        let sum: u64 = events
            .iter()
            .map(|e| match e.event {
                DownloadEvent::Progress { chunk_length } => chunk_length,
                _ => 0,
            })
            .sum();
        assert_eq!(sum, 3000);
        assert_eq!(events.last().unwrap().downloaded, 3000);
        // A tight loop of 3000 calls takes far less than 100 ms: only the final report is sent.
        assert!(events.len() <= 4, "{} events", events.len());
    }
}
