//! The minimum rate of a transfer: the rule that tells a slow but live server (a byte a second,
//! which no stall timeout catches) from a working one.
//!
//! A [`RateWatch`] is told how many bytes have arrived at which time since the transfer started
//! (the shell's clock, passed in as a [`Duration`]); it says whether the transfer is still at
//! least [`MinRate::bytes_per_second`] averaged over the last [`MinRate::window`], and when to ask
//! again if no byte arrives ([`RateWatch::due`]). The first window is a grace period: nothing is
//! judged before a whole window has passed.
//!
//! ```
//! use std::time::Duration;
//! use upkit_core::rate::{MinRate, RateWatch};
//!
//! let secs = Duration::from_secs;
//! let mut watch = RateWatch::new(MinRate::new(1000, secs(10)));
//! assert_eq!(watch.observe(secs(5), 20_000), Ok(()));
//! assert_eq!(watch.due(), Some(secs(15)));
//! // One byte a second from then on: too slow once the fast start left the window.
//! assert_eq!(watch.observe(secs(14), 20_009), Ok(()));
//! let err = watch.observe(secs(16), 20_011).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "1 bytes/s over the last 10s, below the minimum of 1000 bytes/s"
//! );
//! ```

use std::collections::VecDeque;
use std::time::Duration;

/// The slowest a transfer may go: at least `bytes_per_second`, averaged over `window`. A rate
/// of 0 or a window of zero never finds a transfer too slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinRate {
    /// The least average rate, in bytes per second.
    pub bytes_per_second: u64,
    /// The time it is averaged over (and the grace period at the start).
    pub window: Duration,
}

impl MinRate {
    /// upkit's default: 1 KiB/s over 30 s. Any working connection is far faster (GPRS gives
    /// about 5 KiB/s); a server trickling a byte a second is caught within 30 s, the stall
    /// timeout's time, where the stall timeout alone would wait forever.
    pub const DEFAULT: MinRate = MinRate {
        bytes_per_second: 1024,
        window: Duration::from_secs(30),
    };

    /// A minimum of `bytes_per_second` averaged over `window`.
    pub const fn new(bytes_per_second: u64, window: Duration) -> MinRate {
        MinRate {
            bytes_per_second,
            window,
        }
    }

    /// The bytes a window must hold: `bytes_per_second` times the window, rounded up.
    fn needed(&self) -> u128 {
        (u128::from(self.bytes_per_second) * self.window.as_nanos()).div_ceil(NANOS)
    }
}

impl Default for MinRate {
    /// [`MinRate::DEFAULT`].
    fn default() -> Self {
        MinRate::DEFAULT
    }
}

const NANOS: u128 = 1_000_000_000;

/// Why a transfer is judged too slow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// Fewer bytes arrived in the last window than the minimum rate asks for.
    #[error("{seen} bytes/s over the last {window:?}, below the minimum of {minimum} bytes/s")]
    TooSlow {
        /// The bytes that arrived in the last window, per second of the window (rounded down).
        seen: u64,
        /// [`MinRate::bytes_per_second`].
        minimum: u64,
        /// [`MinRate::window`].
        window: Duration,
    },
}

/// `total` bytes had arrived by `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    at: Duration,
    total: u64,
}

/// How many samples a window is cut into: the verdict is never early, and at most this
/// fraction of a window late.
const SLICES: u32 = 16;

/// Watches one transfer against a [`MinRate`]. Its memory is bounded (a few dozen samples)
/// however long the transfer runs.
///
/// Call order: [`RateWatch::observe`] with the bytes received so far whenever bytes arrive
/// (and at [`RateWatch::due`] when none did); times are since the transfer started, and never
/// go back.
#[derive(Debug, Clone)]
pub struct RateWatch {
    min: MinRate,
    /// Oldest first; the first is the latest at least a window before the last observation,
    /// the last holds every byte received.
    samples: VecDeque<Sample>,
}

impl RateWatch {
    /// A watch for a transfer starting now (time zero, no bytes).
    pub fn new(min: MinRate) -> RateWatch {
        RateWatch {
            min,
            samples: VecDeque::from([Sample {
                at: Duration::ZERO,
                total: 0,
            }]),
        }
    }

    /// The minimum this watch holds the transfer to.
    pub fn min_rate(&self) -> MinRate {
        self.min
    }

    /// Records that `received` bytes in all (a count that only grows; a smaller one is taken as
    /// the last) have arrived by `now`, and judges the last window.
    ///
    /// # Errors
    /// [`RateError::TooSlow`] when, a window or more after the start, the last window held
    /// fewer bytes than the minimum rate asks for.
    pub fn observe(&mut self, now: Duration, received: u64) -> Result<(), RateError> {
        let needed = self.min.needed();
        if needed == 0 {
            return Ok(());
        }
        let last = *self.samples.back().expect("never empty");
        let now = now.max(last.at);
        if received > last.total {
            let sample = Sample {
                at: now,
                total: received,
            };
            let slice = self.min.window / SLICES;
            let len = self.samples.len();
            // Within a slice of the sample before the last: move the last one forward instead of
            // adding one (its bytes are then counted up to a slice later than they came, never
            // earlier). Every other sample is thus a slice or more from the next but one.
            if len >= 2 && now.saturating_sub(self.samples[len - 2].at) < slice {
                self.samples[len - 1] = sample;
            } else {
                self.samples.push_back(sample);
            }
        }
        while self.samples.len() >= 2 && self.samples[1].at + self.min.window <= now {
            self.samples.pop_front();
        }
        if now < self.min.window {
            return Ok(());
        }
        let total = self.samples.back().expect("never empty").total;
        let in_window = u128::from(total - self.samples[0].total);
        if in_window >= needed {
            return Ok(());
        }
        let seen = in_window * NANOS / self.min.window.as_nanos();
        Err(RateError::TooSlow {
            seen: u64::try_from(seen).unwrap_or(u64::MAX),
            minimum: self.min.bytes_per_second,
            window: self.min.window,
        })
    }

    /// When the transfer becomes too slow if no more byte arrives: the time (since the start)
    /// to call [`RateWatch::observe`] at, with the same count, for the verdict. `None` for a
    /// minimum that never judges a transfer too slow.
    pub fn due(&self) -> Option<Duration> {
        let needed = self.min.needed();
        if needed == 0 {
            return None;
        }
        let total = u128::from(self.samples.back().expect("never empty").total);
        // The window must hold `needed` bytes: it fails once the last sample it can start from
        // is one after which fewer than that arrived.
        let from = self
            .samples
            .iter()
            .find(|s| u128::from(s.total) + needed > total)?;
        Some((from.at + self.min.window).max(self.min.window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn too_slow(seen: u64, minimum: u64, window: Duration) -> Result<(), RateError> {
        Err(RateError::TooSlow {
            seen,
            minimum,
            window,
        })
    }

    #[test]
    fn the_message_names_the_rate_seen_and_the_minimum() {
        let err = RateError::TooSlow {
            seen: 3,
            minimum: 1024,
            window: secs(30),
        };
        assert_eq!(
            err.to_string(),
            "3 bytes/s over the last 30s, below the minimum of 1024 bytes/s"
        );
    }

    #[test]
    fn nothing_is_judged_within_the_first_window() {
        let mut watch = RateWatch::new(MinRate::new(1000, secs(10)));
        for t in 0..10 {
            assert_eq!(watch.observe(secs(t), 0), Ok(()), "at {t}s");
        }
        assert_eq!(watch.due(), Some(secs(10)));
        assert_eq!(watch.observe(secs(10), 0), too_slow(0, 1000, secs(10)));
    }

    #[test]
    fn a_byte_a_second_is_too_slow_at_the_end_of_the_first_window() {
        let mut watch = RateWatch::new(MinRate::DEFAULT);
        for t in 1..30 {
            assert_eq!(watch.observe(secs(t), t), Ok(()), "at {t}s");
            assert_eq!(watch.due(), Some(secs(30)));
        }
        assert_eq!(watch.observe(secs(30), 30), too_slow(1, 1024, secs(30)));
    }

    #[test]
    fn a_steady_transfer_at_the_minimum_passes() {
        let mut watch = RateWatch::new(MinRate::new(1000, secs(2)));
        for step in 1..=1000 {
            // 100 bytes every 100 ms: exactly 1000 bytes/s.
            assert_eq!(watch.observe(ms(step * 100), step * 100), Ok(()), "{step}");
        }
        assert!(watch.samples.len() <= 2 * SLICES as usize + 2, "{watch:?}");
    }

    #[test]
    fn a_fast_start_then_a_trickle_is_caught_once_the_start_leaves_the_window() {
        let mut watch = RateWatch::new(MinRate::new(1000, secs(10)));
        assert_eq!(watch.observe(secs(1), 1_000_000), Ok(()));
        // The megabyte counts for the windows that hold it: until 11 s.
        assert_eq!(watch.due(), Some(secs(11)));
        for t in 2..11 {
            assert_eq!(watch.observe(secs(t), 1_000_000 + t), Ok(()), "at {t}s");
        }
        assert_eq!(
            watch.observe(secs(11), 1_000_011),
            too_slow(1, 1000, secs(10))
        );
    }

    #[test]
    fn a_pause_is_judged_at_the_due_time_without_a_new_byte() {
        let mut watch = RateWatch::new(MinRate::new(100, secs(4)));
        for t in 1..=8 {
            assert_eq!(watch.observe(secs(t), t * 100), Ok(()));
        }
        // Nothing after 8 s: the window from 4 s holds 400 bytes, the one from 5 s fewer.
        assert_eq!(watch.due(), Some(secs(9)));
        assert_eq!(watch.observe(ms(8999), 800), Ok(()));
        assert_eq!(watch.observe(secs(9), 800), too_slow(75, 100, secs(4)));
    }

    /// Against the exact rule computed from every arrival: when the watch says too slow, fewer
    /// bytes than needed arrived in the last window (never early); when fewer than needed arrived
    /// in the last window and a slice before it, the watch says so (at most a slice late).
    #[test]
    fn the_verdict_is_never_early_and_at_most_a_slice_late() {
        let window = ms(1600);
        let slice = window / SLICES;
        let min = MinRate::new(1000, window);
        let needed = 1600;
        let mut watch = RateWatch::new(min);
        // Bursts and pauses on a 10 ms grid, from a fixed linear congruential sequence.
        let mut seed: u64 = 7;
        let mut arrivals: Vec<(Duration, u64)> = Vec::new();
        let mut total = 0;
        let (mut lenient, mut judged) = (0, 0);
        for tick in 1..2000u64 {
            let now = ms(tick * 10);
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let phase = (tick / 150) % 3;
            let bytes = match phase {
                0 => (seed >> 33) % 25,
                1 => (seed >> 33) % 8,
                _ => 0,
            };
            if bytes > 0 {
                total += bytes;
                arrivals.push((now, bytes));
            }
            let within = |span: Duration| -> u64 {
                arrivals
                    .iter()
                    .filter(|(at, _)| *at + span > now)
                    .map(|(_, n)| n)
                    .sum()
            };
            let verdict = watch.observe(now, total);
            if verdict.is_err() {
                judged += 1;
                assert!(within(window) < needed, "early at {now:?}");
            }
            if now >= window + slice && within(window + slice) < needed {
                assert!(verdict.is_err(), "late at {now:?}");
            }
            if now >= window && within(window) < needed && verdict.is_ok() {
                lenient += 1;
            }
            // With no more bytes, the verdict changes exactly at the due time.
            if let (Ok(()), Some(due)) = (&verdict, watch.due()) {
                assert!(due > now, "{due:?} at {now:?}");
                let mut idle = watch.clone();
                assert!(idle.observe(due - Duration::from_nanos(1), total).is_ok());
                assert!(idle.observe(due, total).is_err(), "{due:?} at {now:?}");
            }
        }
        assert!(judged > 100 && lenient > 0, "{judged} {lenient}");
        assert!(watch.samples.len() <= 2 * SLICES as usize + 2, "{watch:?}");
    }

    #[test]
    fn a_sub_second_window_and_an_off_switch() {
        let mut watch = RateWatch::new(MinRate::new(1000, ms(500)));
        assert_eq!(watch.observe(ms(499), 499), Ok(()));
        assert_eq!(watch.observe(ms(500), 499), too_slow(998, 1000, ms(500)));
        for off in [MinRate::new(0, secs(1)), MinRate::new(1000, Duration::ZERO)] {
            let mut watch = RateWatch::new(off);
            assert_eq!(watch.observe(secs(100), 0), Ok(()));
            assert_eq!(watch.due(), None);
        }
    }

    #[test]
    fn a_count_that_goes_back_is_taken_as_the_last() {
        let mut watch = RateWatch::new(MinRate::new(10, secs(1)));
        assert_eq!(watch.observe(secs(1), 100), Ok(()));
        assert_eq!(watch.observe(ms(1500), 5), Ok(()));
        assert_eq!(watch.observe(secs(2), 5), too_slow(0, 10, secs(1)));
    }
}
