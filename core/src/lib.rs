//! The no-I/O core of upkit: everything an updater decides, nothing it does.
//!
//! `upkit-core` speaks the Tauri v2 updater protocol: it parses and lints update manifests
//! (`latest.json` and update-server answers), compares versions, picks the platform entry for a
//! target, renders endpoint templates, decodes minisign keys and signatures and verifies them
//! (one-shot or streaming), reads `tauri.conf.json`, and takes the check decision for each
//! endpoint's answer.
//!
//! Out of scope: every kind of I/O. There is no networking, no file system, no environment, no
//! clock and no randomness here; bytes and time are passed in. The native crate `upkit` and the
//! WebAssembly crate `upkit-wasm` carry bytes in and out; this crate decides. The same code runs
//! natively and on `wasm32-unknown-unknown`.
//!
//! ```
//! use upkit_core::{manifest, version};
//!
//! let json = br#"{
//!   "version": "v1.2.0",
//!   "notes": "Bug fixes",
//!   "pub_date": "2026-11-01T12:00:00Z",
//!   "platforms": {
//!     "linux-x86_64": { "url": "https://example.com/app.AppImage", "signature": "c2ln" }
//!   }
//! }"#;
//! let manifest = manifest::parse(json).unwrap();
//! assert_eq!(manifest.version, version::parse("1.2.0").unwrap());
//! ```

pub mod check;
pub mod config;
pub mod manifest;
pub mod rate;
pub mod signature;
pub mod target;
pub mod template;
pub mod version;
