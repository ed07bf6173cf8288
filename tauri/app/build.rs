//! Compiles the app's configuration, capabilities and the plugins' permissions (the ACL the
//! tests run against) into the app, as every Tauri app does.

fn main() {
    // `TAURI_CONFIG` merges JSON over `tauri.conf.json` (the 1.1.0 build of the app test sets
    // `{"version": "1.1.0"}`): recompile the app when it changes, not only this script.
    println!("cargo:rerun-if-env-changed=TAURI_CONFIG");
    let stamp = std::env::var("TAURI_CONFIG").unwrap_or_default();
    println!("cargo:rustc-env=UPKIT_APP_TAURI_CONFIG={stamp}");
    tauri_build::build();
}
