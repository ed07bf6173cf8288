//! Shared helpers of upkit's end-to-end tests. Their data (the Tauri CLI vectors) is found by
//! `upkit_fixtures`, as in every test crate of the workspace.

use std::path::PathBuf;

/// The project root (the workspace folder).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
