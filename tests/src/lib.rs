//! Shared fixtures of upkit's end-to-end tests: where the shared test vectors live.

use std::path::PathBuf;

/// The project root (the workspace folder).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared test vectors (`../shared/vectors` beside the checkout), or `UPKIT_VECTORS`.
pub fn vectors() -> PathBuf {
    match std::env::var_os("UPKIT_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared/vectors"),
    }
}
