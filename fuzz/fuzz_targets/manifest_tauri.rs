//! Differential: on any bytes, `manifest::parse` accepts exactly what a serde-derived model of
//! the Tauri updater's `RemoteRelease` accepts, and reads the same fields.
#![no_main]

#[path = "../../core/tests/tauri_model/mod.rs"]
mod tauri_model;

use libfuzzer_sys::fuzz_target;
use tauri_model::{model, upkit};

fuzz_target!(|body: &[u8]| {
    assert_eq!(upkit(body), model(body));
});
