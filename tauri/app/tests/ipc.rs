//! The plugin through Tauri's IPC, headless: the mock runtime with the app's real context
//! (`generate_context!`, so the ACL is the one `tauri-build` compiled from `capabilities/` and the
//! plugin's permission files), each command invoked with the arguments
//! `@tauri-apps/plugin-updater` 2.14 sends, against `upkit serve` on 127.0.0.1.

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::{Keys, Server, elf, entries, files};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// The channel messages the plugin sent, by channel id, in order.
type Events = Arc<Mutex<Vec<(u32, Value)>>>;

struct Harness {
    _dir: tempfile::TempDir,
    keys: Keys,
    server: Server,
    /// Where the plugin downloads.
    downloads: PathBuf,
    /// The installed app (an AppImage-style file) the installs replace.
    installed: PathBuf,
}

const ARTIFACT: &str = "upkit-tauri-app_1.1.0_amd64.AppImage";

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let downloads = dir.path().join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let installed = dir.path().join("installed/upkit-tauri-app.AppImage");
        std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
        std::fs::write(&installed, elf(1000, 1)).unwrap();
        let server = Server::start(&dir.path().join("releases"));
        Harness {
            keys: Keys::generate(),
            server,
            downloads,
            installed,
            _dir: dir,
        }
    }

    /// Publishes 1.1.0 (`len` bytes), signed by the test's key; returns its bytes.
    fn publish(&self, len: usize) -> Vec<u8> {
        let bytes = elf(len, 7);
        let signature = self.keys.sign(&bytes, ARTIFACT, "1.1.0");
        self.server.publish("1.1.0", ARTIFACT, &bytes, &signature);
        bytes
    }

    /// The app (version 1.0.0, as `tauri.conf.json` says) with `plugins.updater` = `config`.
    fn app(&self, config: Value, events: &Events) -> App<MockRuntime> {
        let mut context = tauri::generate_context!();
        context
            .config_mut()
            .plugins
            .0
            .insert("updater".into(), config);
        let events = Arc::clone(events);
        mock_builder()
            .channel_interceptor(move |_webview, callback, _index, body| {
                let InvokeResponseBody::Json(json) = body else {
                    panic!("a channel message that is not JSON")
                };
                events
                    .lock()
                    .unwrap()
                    .push((callback.0, serde_json::from_str(json).unwrap()));
                true
            })
            .plugin(
                tauri_plugin_updater::Builder::new()
                    .download_dir(&self.downloads)
                    .executable_path(&self.installed)
                    .build(),
            )
            .build(context)
            .unwrap()
    }

    fn default_app(&self, events: &Events) -> App<MockRuntime> {
        self.app(self.server.config(&self.keys.public), events)
    }
}

fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .unwrap()
}

/// `invoke('plugin:updater|<command>', args)` from the page at `tauri://localhost`.
fn invoke(window: &WebviewWindow<MockRuntime>, command: &str, args: Value) -> Result<Value, Value> {
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
    .map(|body| body.deserialize::<Value>().unwrap())
}

/// The JS package's `check()` arguments: `headers` as pairs (here `undefined`).
fn check(window: &WebviewWindow<MockRuntime>) -> Result<Value, Value> {
    invoke(window, "check", json!({}))
}

/// Checks that `channel` got one `Started` with `len`, `Progress` chunks adding up to it, then
/// one `Finished`, and nothing else.
fn assert_events(events: &Events, channel: u32, len: usize) {
    let events: Vec<Value> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|(id, _)| *id == channel)
        .map(|(_, event)| event.clone())
        .collect();
    assert!(events.len() >= 3, "{events:?}");
    assert_eq!(
        events[0],
        json!({"event": "Started", "data": {"contentLength": len}})
    );
    assert_eq!(events[events.len() - 1], json!({"event": "Finished"}));
    let mut sum = 0;
    for event in &events[1..events.len() - 1] {
        assert_eq!(event["event"], "Progress", "{events:?}");
        let chunk = event["data"]["chunkLength"].as_u64().unwrap();
        assert!(chunk > 0);
        sum += chunk;
    }
    assert_eq!(sum, len as u64, "{events:?}");
}

fn is_acl_refusal(error: &Value) -> bool {
    let text = error.as_str().unwrap_or_default();
    text.contains("not allowed") || text.contains("denied")
}

#[test]
fn check_then_download_then_install_with_the_official_arguments() {
    let h = Harness::new();
    let bytes = h.publish(300_000);
    let events = Events::default();
    let app = h.default_app(&events);
    let main = window(&app, "main");

    // check({ headers, timeout, target }): headers as pairs, timeout in milliseconds.
    let metadata = invoke(
        &main,
        "check",
        json!({"headers": [["x-upkit-test", "1"]], "timeout": 30_000, "target": null}),
    )
    .unwrap();
    assert_eq!(metadata["currentVersion"], "1.0.0");
    assert_eq!(metadata["version"], "1.1.0");
    assert_eq!(metadata["date"], "2026-12-01T10:00:00Z");
    assert_eq!(metadata["body"], "release 1.1.0");
    // The update server's answer as it came (upkit serve answers in the dynamic shape).
    assert_eq!(metadata["rawJson"]["version"], "1.1.0");
    assert_eq!(
        metadata["rawJson"]["url"],
        h.server.url(&format!("1.1.0/{ARTIFACT}"))
    );
    let rid = metadata["rid"].as_u64().unwrap();

    // download(onEvent, { headers, timeout }): the artifact stays on disk, verified.
    let bytes_rid = invoke(
        &main,
        "download",
        json!({"onEvent": "__CHANNEL__:41", "rid": rid, "headers": [["x-upkit-test", "2"]], "timeout": 30_000}),
    )
    .unwrap();
    let bytes_rid = bytes_rid.as_u64().expect("a resource id");
    assert_events(&events, 41, bytes.len());
    let on_disk = files(&h.downloads);
    assert_eq!(on_disk.len(), 1, "{on_disk:?}");
    assert_eq!(std::fs::read(&on_disk[0]).unwrap(), bytes);
    assert_eq!(std::fs::read(&h.installed).unwrap(), elf(1000, 1));

    // install({ restartAfterInstall }): the AppImage is replaced, the download removed.
    let installed = invoke(
        &main,
        "install",
        json!({"updateRid": rid, "bytesRid": bytes_rid, "restartAfterInstall": false}),
    )
    .unwrap();
    assert_eq!(installed, Value::Null);
    assert_eq!(std::fs::read(&h.installed).unwrap(), bytes);
    assert_eq!(entries(&h.downloads), Vec::<PathBuf>::new());
    // The artifact's resource is gone, the update's is not.
    let again = invoke(
        &main,
        "install",
        json!({"updateRid": rid, "bytesRid": bytes_rid}),
    )
    .unwrap_err();
    assert!(!is_acl_refusal(&again), "{again}");
}

#[test]
fn download_and_install_with_a_static_manifest() {
    let h = Harness::new();
    let bytes = h.publish(200_000);
    let signature = h.keys.sign(&bytes, ARTIFACT, "1.1.0");
    h.server
        .publish_static("static/latest.json", "1.1.0", ARTIFACT, &signature);
    let config = json!({
        "pubkey": h.keys.public,
        "endpoints": [h.server.url("static/latest.json")],
        "dangerousInsecureTransportProtocol": true,
    });
    let events = Events::default();
    let app = h.app(config, &events);
    let main = window(&app, "main");
    let metadata = check(&main).unwrap();
    // A static manifest's unknown fields reach `rawJson`.
    assert_eq!(metadata["rawJson"]["extra"]["channel"], "stable");
    let rid = metadata["rid"].as_u64().unwrap();
    let done = invoke(
        &main,
        "download_and_install",
        json!({"onEvent": "__CHANNEL__:7", "rid": rid, "restartAfterInstall": true}),
    )
    .unwrap();
    assert_eq!(done, Value::Null);
    assert_events(&events, 7, bytes.len());
    assert_eq!(std::fs::read(&h.installed).unwrap(), bytes);
    assert_eq!(entries(&h.downloads), Vec::<PathBuf>::new());
}

#[test]
fn no_update_is_null() {
    let h = Harness::new();
    // The server offers 1.0.0 only: the app (1.0.0) is up to date (204 from `upkit serve`).
    let bytes = elf(1000, 3);
    let name = "upkit-tauri-app_1.0.0_amd64.AppImage";
    h.server
        .publish("1.0.0", name, &bytes, &h.keys.sign(&bytes, name, "1.0.0"));
    let events = Events::default();
    let app = h.default_app(&events);
    assert_eq!(check(&window(&app, "main")), Ok(Value::Null));
}

/// Runs `download` for an update whose artifact the signature refuses; returns the error.
fn refused_download(h: &Harness, command: &str) -> String {
    let events = Events::default();
    let app = h.default_app(&events);
    let main = window(&app, "main");
    let rid = check(&main).unwrap()["rid"].as_u64().unwrap();
    let error = invoke(
        &main,
        command,
        json!({"onEvent": "__CHANNEL__:3", "rid": rid}),
    )
    .unwrap_err();
    assert!(!is_acl_refusal(&error));
    // Nothing left on disk, the installed app as it was.
    assert_eq!(entries(&h.downloads), Vec::<PathBuf>::new());
    assert_eq!(std::fs::read(&h.installed).unwrap(), elf(1000, 1));
    error.as_str().unwrap().to_owned()
}

#[test]
fn a_tampered_artifact_is_refused_and_leaves_nothing() {
    let h = Harness::new();
    let bytes = h.publish(100_000);
    let mut tampered = bytes.clone();
    tampered[50_000] ^= 1;
    std::fs::write(h.server.dir.join("1.1.0").join(ARTIFACT), &tampered).unwrap();
    for command in ["download", "download_and_install"] {
        let error = refused_download(&h, command);
        assert!(
            error.starts_with(&format!(
                "the artifact from {} failed verification",
                h.server.url(&format!("1.1.0/{ARTIFACT}"))
            )),
            "{error}"
        );
        assert!(error.contains("signature"), "{error}");
    }
}

#[test]
fn a_signature_by_another_key_is_refused_and_leaves_nothing() {
    let h = Harness::new();
    let bytes = elf(100_000, 7);
    let other = Keys::generate();
    h.server.publish(
        "1.1.0",
        ARTIFACT,
        &bytes,
        &other.sign(&bytes, ARTIFACT, "1.1.0"),
    );
    for command in ["download", "download_and_install"] {
        let error = refused_download(&h, command);
        assert!(error.contains("failed verification"), "{error}");
        assert!(error.contains("key"), "{error}");
    }
}

#[test]
fn errors_reach_javascript_as_their_message() {
    let h = Harness::new();
    let events = Events::default();
    // No release at all: `upkit serve` answers 404, the only endpoint fails.
    let app = h.default_app(&events);
    let main = window(&app, "main");
    let error = check(&main).unwrap_err();
    assert!(
        error.as_str().unwrap().contains(&h.server.addr.to_string()),
        "{error}"
    );
    // A resource id that names nothing.
    let error = invoke(
        &main,
        "download",
        json!({"onEvent": "__CHANNEL__:1", "rid": 999}),
    )
    .unwrap_err();
    assert!(error.is_string(), "{error}");
}

const COMMANDS: [&str; 4] = ["check", "download", "install", "download_and_install"];

/// Arguments each command accepts, so that a refusal can only be the ACL's.
fn arguments(command: &str) -> Value {
    match command {
        "check" => json!({}),
        "install" => json!({"updateRid": 999, "bytesRid": 998}),
        _ => json!({"onEvent": "__CHANNEL__:1", "rid": 999}),
    }
}

#[test]
fn without_a_capability_every_command_is_refused() {
    let h = Harness::new();
    h.publish(1000);
    let events = Events::default();
    let app = h.default_app(&events);
    // `capabilities/main.json` names the window `main` only.
    let bare = window(&app, "bare");
    for command in COMMANDS {
        let error = invoke(&bare, command, arguments(command)).unwrap_err();
        assert!(is_acl_refusal(&error), "{command}: {error}");
        assert!(
            error
                .as_str()
                .unwrap()
                .contains(&format!("updater.{command}"))
                || error.as_str().unwrap().contains(command),
            "{command}: {error}"
        );
    }
}

#[test]
fn updater_default_allows_all_four() {
    let h = Harness::new();
    h.publish(1000);
    let events = Events::default();
    let app = h.default_app(&events);
    let main = window(&app, "main");
    for command in COMMANDS {
        // They reach the plugin: `check` finds the update, the others miss resource 999.
        match invoke(&main, command, arguments(command)) {
            Ok(value) => assert_eq!(command, "check", "{value}"),
            Err(error) => assert!(!is_acl_refusal(&error), "{command}: {error}"),
        }
    }
}

#[test]
fn updater_deny_install_refuses_install_while_check_works() {
    let h = Harness::new();
    let bytes = h.publish(50_000);
    let events = Events::default();
    let app = h.default_app(&events);
    app.add_capability(
        tauri::ipc::CapabilityBuilder::new("restricted")
            .window("restricted")
            .permission("updater:default")
            .permission("updater:deny-install"),
    )
    .unwrap();
    let restricted = window(&app, "restricted");
    let rid = check(&restricted).unwrap()["rid"].as_u64().unwrap();
    let bytes_rid = invoke(
        &restricted,
        "download",
        json!({"onEvent": "__CHANNEL__:5", "rid": rid}),
    )
    .unwrap();
    let error = invoke(
        &restricted,
        "install",
        json!({"updateRid": rid, "bytesRid": bytes_rid}),
    )
    .unwrap_err();
    assert!(is_acl_refusal(&error), "{error}");
    assert_eq!(std::fs::read(&h.installed).unwrap(), elf(1000, 1));
    assert_eq!(files(&h.downloads).len(), 1);
    let _ = bytes;
}

/// The Rust API an app calls, on the same app: `app.updater()`, `check`, the public fields,
/// `download` (bytes, for Tauri's API) then `install(bytes)`.
#[test]
fn the_rust_api_downloads_bytes_and_installs_them() {
    use tauri_plugin_updater::UpdaterExt;
    let h = Harness::new();
    let bytes = h.publish(120_000);
    let events = Events::default();
    let app = h.default_app(&events);
    let update = tauri::async_runtime::block_on(async {
        app.updater().unwrap().check().await.unwrap().unwrap()
    });
    assert_eq!(update.current_version, "1.0.0");
    assert_eq!(update.version, "1.1.0");
    assert_eq!(update.body.as_deref(), Some("release 1.1.0"));
    assert_eq!(update.target, "linux");
    assert_eq!(
        update.download_url.as_str(),
        h.server.url(&format!("1.1.0/{ARTIFACT}"))
    );
    assert!(!update.signature.is_empty());
    assert_eq!(update.raw_json["signature"], update.signature.as_str());
    let mut chunks = 0;
    let mut finished = false;
    let downloaded = tauri::async_runtime::block_on(update.download(
        |chunk, total| {
            chunks += chunk;
            assert_eq!(total, Some(bytes.len() as u64));
        },
        || finished = true,
    ))
    .unwrap();
    assert_eq!(
        (downloaded.as_slice(), chunks, finished),
        (bytes.as_slice(), bytes.len(), true)
    );
    assert_eq!(entries(&h.downloads), Vec::<PathBuf>::new());
    // Tampered bytes are refused; the right ones install.
    let mut tampered = downloaded.clone();
    tampered[10] ^= 1;
    assert!(
        update
            .install(&tampered)
            .unwrap_err()
            .to_string()
            .contains("failed verification")
    );
    update.install(&downloaded).unwrap();
    assert_eq!(std::fs::read(&h.installed).unwrap(), bytes);
    assert_eq!(entries(&h.downloads), Vec::<PathBuf>::new());
}
