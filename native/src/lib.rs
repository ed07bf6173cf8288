//! upkit: a safe, resumable, Tauri-compatible auto-updater for desktop apps.
//!
//! This crate does the I/O around [`upkit_core`]: HTTP, streaming downloads, installers, keys and
//! signing, a dynamic update server. Every decision is taken by the core.

pub use upkit_core as core;

pub mod artifact;
pub mod bundle;
pub mod install;
pub mod keys;
pub mod release;
pub mod serve;
