//! upkit: a safe, resumable, Tauri-compatible auto-updater for desktop apps.
//!
//! This crate does the I/O around [`upkit_core`]: HTTP, streaming downloads, installers, keys and
//! signing. Every decision is taken by the core.

pub use upkit_core as core;
