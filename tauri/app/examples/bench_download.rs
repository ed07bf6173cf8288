//! The `download` command of one update in the mock app, for `scripts/bench-tauri-download.sh`:
//! `check`, then `download` through Tauri's IPC (the channel's events consumed), then the peak
//! RSS of the process (`VmHWM`) on stdout. It uses only the official plugin's API, so the script
//! builds it against `tauri-plugin-updater` too.
//!
//! `BENCH_ENDPOINT` (a manifest URL on 127.0.0.1) and `BENCH_PUBKEY` configure the updater.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn invoke(window: &WebviewWindow<MockRuntime>, command: &str, args: Value) -> Value {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: format!("plugin:updater|{command}"),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{command}: {e}"))
    .deserialize()
    .unwrap()
}

fn main() {
    let endpoint = std::env::var("BENCH_ENDPOINT").expect("BENCH_ENDPOINT");
    let pubkey = std::env::var("BENCH_PUBKEY").expect("BENCH_PUBKEY");
    let mut context = tauri::generate_context!();
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({"pubkey": pubkey, "endpoints": [endpoint], "dangerousInsecureTransportProtocol": true}),
    );
    let app = mock_builder()
        .channel_interceptor(|_, _, _, _| true)
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .unwrap();
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let rid = invoke(&main, "check", json!({}))["rid"].clone();
    let bytes_rid = invoke(
        &main,
        "download",
        json!({"onEvent": "__CHANNEL__:1", "rid": rid}),
    );
    let seconds = started.elapsed().as_secs_f64();
    assert!(bytes_rid.is_u64(), "{bytes_rid}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim();
    println!("peak_rss {hwm} seconds {seconds:.2}");
}
