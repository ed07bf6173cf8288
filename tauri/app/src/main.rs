//! A minimal Tauri app that updates itself, for tauri-plugin-upkit's tests. Its code is what an
//! app on the official `tauri-plugin-updater` would write: only the dependency line in
//! `Cargo.toml` differs (`scripts/tauri-official-check.sh` builds it against the official plugin).
//!
//! It prints `upkit-tauri-app <version>`, checks for an update, installs it, and exits 0
//! (updated), 2 (up to date) or 1 (error), as the official plugin's end-to-end test app does.
//! `UPKIT_APP_MODE` picks who drives the update: `npm` (the default: `index.html`, with the
//! unmodified `@tauri-apps/plugin-updater`), `global` (`global.html`, with
//! `window.__TAURI_PLUGIN_UPDATER__`) or `rust` (the plugin's Rust API). The frontends report
//! through the `report` command. `UPKIT_APP_UPDATER_CONFIG` replaces `plugins.updater` (the
//! tests' loopback server and key).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri_plugin_updater::UpdaterExt;

const UPDATED: i32 = 0;
const ERROR: i32 = 1;
const UP_TO_DATE: i32 = 2;

/// The frontend's outcome: `{"status": "updated" | "up-to-date" | "error", ...}`. Printed as one
/// JSON line, then the app exits with the status's code.
#[tauri::command]
fn report(outcome: serde_json::Value) {
    println!("report {outcome}");
    std::process::exit(match outcome["status"].as_str() {
        Some("updated") => UPDATED,
        Some("up-to-date") => UP_TO_DATE,
        _ => ERROR,
    });
}

fn main() {
    let mut context = tauri::generate_context!();
    if let Ok(json) = std::env::var("UPKIT_APP_UPDATER_CONFIG") {
        let updater = serde_json::from_str(&json).expect("UPKIT_APP_UPDATER_CONFIG is JSON");
        context
            .config_mut()
            .plugins
            .0
            .insert("updater".into(), updater);
    }
    println!("upkit-tauri-app {}", context.package_info().version);
    let mode = std::env::var("UPKIT_APP_MODE").unwrap_or_else(|_| "npm".into());
    tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(tauri::generate_handler![report])
        .setup(move |app| {
            if mode == "rust" {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(
                    async move { std::process::exit(update(handle).await) },
                );
                return Ok(());
            }
            let page = if mode == "global" {
                "global.html"
            } else {
                "index.html"
            };
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::App(page.into()))
                .title("upkit-tauri-app")
                .build()?;
            Ok(())
        })
        .run(context)
        .expect("error while running the app");
}

/// The update through the plugin's Rust API, as the official end-to-end test app does it.
async fn update(handle: tauri::AppHandle) -> i32 {
    let updater = match handle.updater_builder().build() {
        Ok(updater) => updater,
        Err(e) => {
            println!(
                "report {{\"status\":\"error\",\"error\":{:?}}}",
                e.to_string()
            );
            return ERROR;
        }
    };
    match updater.check().await {
        Ok(Some(update)) => {
            let mut downloaded = 0;
            let result = update
                .download_and_install(|chunk, _total| downloaded += chunk, || {})
                .await;
            match result {
                Ok(()) => {
                    println!(
                        "report {{\"status\":\"updated\",\"version\":{:?},\"downloaded\":{downloaded}}}",
                        update.version
                    );
                    UPDATED
                }
                Err(e) => {
                    println!(
                        "report {{\"status\":\"error\",\"error\":{:?}}}",
                        e.to_string()
                    );
                    ERROR
                }
            }
        }
        Ok(None) => {
            println!("report {{\"status\":\"up-to-date\"}}");
            UP_TO_DATE
        }
        Err(e) => {
            println!(
                "report {{\"status\":\"error\",\"error\":{:?}}}",
                e.to_string()
            );
            ERROR
        }
    }
}
