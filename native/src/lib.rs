//! upkit: a safe, resumable, Tauri-compatible auto-updater for desktop apps.
//!
//! This crate does the I/O around [`upkit_core`]: HTTP, streaming downloads, installers, keys and
//! signing, a dynamic update server. Every decision is taken by the core.
//!
//! Features: `rustls` (default) or `native-tls` for TLS; `server` for [`serve`]; `cli` (default)
//! for the `upkit` binary. An app that only updates itself needs `rustls` (or `native-tls`)
//! alone: `default-features = false, features = ["rustls"]`.

pub use upkit_core as core;

pub mod artifact;
mod atomic;
pub mod bundle;
pub mod download;
pub mod error;
mod flock;
mod http;
pub mod input;
pub mod install;
pub mod keys;
pub mod progress;
pub mod release;
#[cfg(feature = "server")]
pub mod serve;
pub mod updater;

pub use download::RetryPolicy;
pub use error::{Error, FoundSize};
pub use http::{CertificateCheck, HostnameCheck, SystemProxy};
pub use progress::{DownloadEvent, Progress};
pub use updater::{FileBinding, ManifestSize, Update, Updater, UpdaterBuilder};

/// The README's Rust examples, compiled as doctests so that they keep working.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
