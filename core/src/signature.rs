//! Minisign keys and signatures in Tauri's encoding, one-shot and streaming verification.
//! (Being written.)
