//! Which `Range` requests the file server answers with part of a file.
//!
//! tower-http's `ServeDir` answers `Range` itself, but it ignores `If-Range` (so a client resuming
//! a file that was replaced would get a splice of two files), and it answers with `416` some
//! requests that RFC 9110 says to answer whole or allows to (a suffix longer than the file, an
//! unknown unit, a malformed or multi-part range), and with an invalid `206` for an empty file.
//! The server therefore drops the `Range` header of those requests before `ServeDir` sees them:
//! ignoring `Range` is always allowed (§14.2), and the client then gets the whole file (`200`).
//! The ranges it keeps are rewritten in the one form `ServeDir`'s strict parser reads (`bytes`
//! in lower case, no spaces, no leading zeros), which RFC 9110 does not require of clients.

use std::fs::Metadata;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};

/// Prepares a request's `Range` for `ServeDir`, for the file `meta` describes: removed when
/// the whole file should be sent, else written in its canonical form, to be answered with part
/// of the file (or with `416` when its start lies beyond the end).
pub(super) fn prepare(headers: &mut HeaderMap, meta: &Metadata) {
    let Some(range) = headers.get(header::RANGE) else {
        return;
    };
    let range = range.to_str().ok().and_then(parse);
    let len = meta.len();
    let served = range.filter(|range| {
        let fits = match *range {
            // A suffix longer than the file means the whole file: simplest sent as a `200`.
            Spec::Suffix(n) => n > 0 && n <= len,
            // A start beyond the end is `416`, which `ServeDir` answers right.
            Spec::From(..) => len > 0,
        };
        fits && if_range_holds(headers, meta)
    });
    match served.and_then(|range| HeaderValue::try_from(range.canonical()).ok()) {
        Some(value) => headers.insert(header::RANGE, value),
        None => headers.remove(header::RANGE),
    };
}

/// One byte range: `bytes=FIRST-[LAST]` or `bytes=-SUFFIX`.
#[derive(Debug, PartialEq, Eq)]
enum Spec {
    From(u64, Option<u64>),
    Suffix(u64),
}

impl Spec {
    fn canonical(&self) -> String {
        match self {
            Spec::From(first, Some(last)) => format!("bytes={first}-{last}"),
            Spec::From(first, None) => format!("bytes={first}-"),
            Spec::Suffix(n) => format!("bytes=-{n}"),
        }
    }
}

/// Parses a `Range` value holding exactly one well-formed byte range.
fn parse(value: &str) -> Option<Spec> {
    let (unit, spec) = value.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    if first.is_empty() {
        return number(last).map(Spec::Suffix);
    }
    let first = number(first)?;
    match last {
        "" => Some(Spec::From(first, None)),
        last => number(last)
            .filter(|&last| last >= first)
            .map(|last| Spec::From(first, Some(last))),
    }
}

/// `If-Range` (RFC 9110 §13.1.5): the range is sent only when the validator is the file's
/// current `Last-Modified` and that date is strong (the file is over a second old, so it cannot
/// have changed again within the same second). `ServeDir` sends no `ETag`, so an entity tag never
/// matches.
fn if_range_holds(headers: &HeaderMap, meta: &Metadata) -> bool {
    let Some(value) = headers.get(header::IF_RANGE) else {
        return true;
    };
    let (Some(date), Ok(modified)) = (
        value
            .to_str()
            .ok()
            .and_then(|v| httpdate::parse_http_date(v.trim()).ok()),
        meta.modified(),
    ) else {
        return false;
    };
    let strong = SystemTime::now()
        .duration_since(modified)
        .is_ok_and(|age| age >= Duration::from_secs(1));
    strong && date == truncate_to_seconds(modified)
}

/// A time as an HTTP date keeps it: whole seconds.
fn truncate_to_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => SystemTime::UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_well_formed_byte_range() {
        assert_eq!(parse("bytes=0-"), Some(Spec::From(0, None)));
        assert_eq!(parse("bytes=5-9"), Some(Spec::From(5, Some(9))));
        assert_eq!(parse("bytes=5-5"), Some(Spec::From(5, Some(5))));
        assert_eq!(parse("Bytes = -400"), Some(Spec::Suffix(400)));
        assert_eq!(parse("bytes=-0"), Some(Spec::Suffix(0)));
        assert_eq!(parse("bytes=00-01"), Some(Spec::From(0, Some(1))));
        assert_eq!(
            parse("BYTES= 007-").map(|s| s.canonical()),
            Some("bytes=7-".to_owned())
        );
        for bad in [
            "bytes=9-5",
            "bytes=abc",
            "bytes=-",
            "bytes=+1-2",
            "bytes=1-2,4-5",
            "items=0-1",
            "bytes 0-1",
            "bytes=99999999999999999999-",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
