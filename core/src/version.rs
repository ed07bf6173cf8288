//! Versions: Tauri's parsing (leading `v`s stripped, then strict SemVer 2.0) and its ordering,
//! in which build metadata counts (`1.0.0+2 > 1.0.0+1 > 1.0.0`).

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

pub use semver::Version;

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The text, once leading `v`s are stripped, is not a SemVer 2.0 version.
    #[error("invalid version `{text}`: {reason}")]
    Invalid {
        /// The text as given.
        text: String,
        /// What the SemVer parser objected to.
        reason: String,
    },
}

impl VersionError {
    /// What the SemVer parser objected to, without the text (for messages that name it already).
    pub fn reason(&self) -> &str {
        match self {
            VersionError::Invalid { reason, .. } => reason,
        }
    }
}

/// Parses a version the way Tauri does: every leading lowercase `v` is stripped, then strict
/// SemVer 2.0 applies (`v1.0.0` and `vv1.0.0` are fine; `V1.0.0`, `1.0` and `01.0.0` are not).
///
/// # Errors
/// [`VersionError::Invalid`] when the rest is not a SemVer version.
pub fn parse(text: &str) -> Result<Version, VersionError> {
    Version::parse(text.trim_start_matches('v')).map_err(|e| VersionError::Invalid {
        text: text.to_owned(),
        reason: e.to_string(),
    })
}

/// Tauri's total order on versions: SemVer precedence, then build metadata.
///
/// This is `semver::Version`'s `Ord`, named here so that callers do not mistake it for plain
/// SemVer precedence (which ignores build metadata).
pub fn compare(a: &Version, b: &Version) -> Ordering {
    a.cmp(b)
}

/// A custom comparator: `(current, release) -> is this release an update?`.
pub type CustomComparator = Arc<dyn Fn(&Version, &Version) -> bool + Send + Sync>;

/// How the check decides whether a release is an update.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Comparator {
    /// The release must be newer than the current version (Tauri's default).
    #[default]
    Newer,
    /// Any different version is an update, so downgrades are offered (`allowDowngrades`).
    Different,
    /// The caller decides.
    Custom(CustomComparator),
}

impl Comparator {
    /// Whether `release` is an update for an app at `current`.
    pub fn is_update(&self, current: &Version, release: &Version) -> bool {
        match self {
            Comparator::Newer => compare(release, current) == Ordering::Greater,
            Comparator::Different => release != current,
            Comparator::Custom(f) => f(current, release),
        }
    }
}

impl fmt::Debug for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparator::Newer => f.write_str("Newer"),
            Comparator::Different => f.write_str("Different"),
            Comparator::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        parse(s).unwrap()
    }

    #[test]
    fn strips_every_leading_v() {
        assert_eq!(v("v1.0.0"), v("1.0.0"));
        assert_eq!(v("vv1.0.0"), v("1.0.0"));
    }

    #[test]
    fn refuses_what_tauri_refuses() {
        for bad in ["V1.0.0", " 1.0.0", "1.0", "01.0.0", "", "v", "1.0.0 "] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn error_message_names_the_text() {
        assert_eq!(
            parse("V1.0.0").unwrap_err().to_string(),
            "invalid version `V1.0.0`: unexpected character 'V' while parsing major version number"
        );
    }

    #[test]
    fn build_metadata_counts() {
        assert!(v("1.0.0+2") > v("1.0.0+1"));
        assert!(v("1.0.0+1") > v("1.0.0"));
        assert!(v("1.0.0") > v("1.0.0-rc.1"));
    }

    #[test]
    fn comparators() {
        let (a, b) = (v("1.0.0"), v("0.9.0"));
        assert!(!Comparator::Newer.is_update(&a, &b));
        assert!(Comparator::Different.is_update(&a, &b));
        assert!(!Comparator::Different.is_update(&a, &a.clone()));
        assert!(!Comparator::Newer.is_update(&a, &a.clone()));
        let always: CustomComparator = Arc::new(|_, _| true);
        assert!(Comparator::Custom(always).is_update(&a, &a.clone()));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn version() -> impl Strategy<Value = Version> {
        let ident = "[0-9A-Za-z-]{1,6}".prop_filter("no leading zero numbers", |s| {
            !(s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
        });
        (
            0u64..4,
            0u64..4,
            0u64..4,
            proptest::option::of(ident.clone()),
            proptest::option::of(ident),
        )
            .prop_map(|(ma, mi, pa, pre, build)| {
                let mut s = format!("{ma}.{mi}.{pa}");
                if let Some(p) = pre {
                    s += &format!("-{p}");
                }
                if let Some(b) = build {
                    s += &format!("+{b}");
                }
                Version::parse(&s).unwrap()
            })
    }

    proptest! {
        #[test]
        fn order_is_total_and_antisymmetric(a in version(), b in version()) {
            let ab = compare(&a, &b);
            prop_assert_eq!(ab, compare(&b, &a).reverse());
            prop_assert_eq!(ab == Ordering::Equal, a == b);
        }

        #[test]
        fn order_is_transitive(a in version(), b in version(), c in version()) {
            if compare(&a, &b) != Ordering::Greater && compare(&b, &c) != Ordering::Greater {
                prop_assert_ne!(compare(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn newer_is_strictly_greater_and_different_is_inequality(a in version(), b in version()) {
            prop_assert_eq!(Comparator::Newer.is_update(&a, &b), b > a);
            prop_assert_eq!(Comparator::Different.is_update(&a, &b), a != b);
        }

        #[test]
        fn leading_vs_are_ignored(a in version(), n in 1usize..4) {
            let text = format!("{}{}", "v".repeat(n), a);
            prop_assert_eq!(parse(&text).unwrap(), a);
        }

        #[test]
        fn display_round_trips(a in version()) {
            prop_assert_eq!(parse(&a.to_string()).unwrap(), a);
        }
    }
}
