//! The IPC commands, with the arguments `@tauri-apps/plugin-updater` 2.x sends and the answers
//! it expects: `check` gives the update's metadata (or `null`), `download` a resource id of the
//! verified artifact (a file on disk, not bytes), `install` takes both ids,
//! `download_and_install` does both. Errors reach JavaScript as their message.

use std::time::Duration;

use serde::Serialize;
use tauri::http::{HeaderMap, HeaderName, HeaderValue};
use tauri::ipc::Channel;
use tauri::{Manager, ResourceId, Runtime, Webview};
use url::Url;

use crate::{DownloadedUpdate, Error, Result, Update, UpdaterExt};

/// A download's progress, as the JS package's `onEvent` callback receives it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", content = "data")]
pub enum DownloadEvent {
    /// The download started; `contentLength` when the server or the manifest gives it.
    #[serde(rename_all = "camelCase")]
    Started {
        /// The artifact's size.
        content_length: Option<u64>,
    },
    /// More bytes arrived.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// Bytes since the previous event.
        chunk_length: usize,
    },
    /// Every byte arrived (and verified: the artifact is refused otherwise).
    Finished,
}

/// What `check` answers: the JS `Update`'s fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    rid: ResourceId,
    current_version: String,
    version: String,
    date: Option<String>,
    body: Option<String>,
    raw_json: serde_json::Value,
}

fn header_map(headers: Vec<(String, String)>) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(HeaderName::try_from(name)?, HeaderValue::try_from(value)?);
    }
    Ok(map)
}

/// The update of `rid`, with a download's `headers` and `timeout` (milliseconds) applied.
fn update_for_download<R: Runtime>(
    webview: &Webview<R>,
    rid: ResourceId,
    headers: Option<Vec<(String, String)>>,
    timeout: Option<u64>,
) -> Result<Update> {
    let mut update = (*webview.resources_table().get::<Update>(rid)?).clone();
    if let Some(headers) = headers {
        update.headers = header_map(headers)?;
    }
    if let Some(timeout) = timeout {
        update.timeout = Some(Duration::from_millis(timeout));
    }
    Ok(update)
}

/// Downloads `update`, sending one `Started`, `Progress` events adding up to the length, then
/// `Finished` on `on_event`.
async fn download_with_events(
    update: &Update,
    on_event: &Channel<DownloadEvent>,
) -> Result<DownloadedUpdate> {
    let started = std::sync::atomic::AtomicBool::new(false);
    update
        .download_file(
            |chunk_length, content_length| {
                if !started.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    let _ = on_event.send(DownloadEvent::Started { content_length });
                }
                let _ = on_event.send(DownloadEvent::Progress { chunk_length });
            },
            || {
                if !started.load(std::sync::atomic::Ordering::Relaxed) {
                    // An empty artifact: no chunk, but the download did start.
                    let _ = on_event.send(DownloadEvent::Started {
                        content_length: Some(0),
                    });
                }
                let _ = on_event.send(DownloadEvent::Finished);
            },
        )
        .await
}

/// Runs the (synchronous) install off the async runtime.
async fn install_blocking(
    update: Update,
    downloaded: std::sync::Arc<DownloadedUpdate>,
) -> Result<()> {
    tauri::async_runtime::spawn_blocking(move || update.install_file(&downloaded))
        .await
        .map_err(|e| Error::Join(e.to_string()))?
}

#[tauri::command]
pub(crate) async fn check<R: Runtime>(
    webview: Webview<R>,
    headers: Option<Vec<(String, String)>>,
    timeout: Option<u64>,
    proxy: Option<String>,
    target: Option<String>,
) -> Result<Option<Metadata>> {
    let mut builder = webview.updater_builder();
    if let Some(headers) = headers {
        for (name, value) in headers {
            builder = builder.header(name, value)?;
        }
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(Duration::from_millis(timeout));
    }
    if let Some(proxy) = proxy {
        builder = builder.proxy(Url::parse(&proxy)?);
    }
    if let Some(target) = target {
        builder = builder.target(target);
    }
    let Some(update) = builder.build()?.check().await? else {
        return Ok(None);
    };
    let date = update
        .date
        .map(|date| date.format(&time::format_description::well_known::Rfc3339))
        .transpose()
        .map_err(|_| Error::FormatDate)?;
    Ok(Some(Metadata {
        current_version: update.current_version.clone(),
        version: update.version.clone(),
        date,
        body: update.body.clone(),
        raw_json: update.raw_json.clone(),
        rid: webview.resources_table().add(update),
    }))
}

#[tauri::command]
pub(crate) async fn download<R: Runtime>(
    webview: Webview<R>,
    rid: ResourceId,
    on_event: Channel<DownloadEvent>,
    headers: Option<Vec<(String, String)>>,
    timeout: Option<u64>,
) -> Result<ResourceId> {
    let update = update_for_download(&webview, rid, headers, timeout)?;
    let downloaded = download_with_events(&update, &on_event).await?;
    Ok(webview.resources_table().add(downloaded))
}

#[tauri::command]
pub(crate) async fn install<R: Runtime>(
    webview: Webview<R>,
    update_rid: ResourceId,
    bytes_rid: ResourceId,
    restart_after_install: Option<bool>,
) -> Result<()> {
    let mut update = (*webview.resources_table().get::<Update>(update_rid)?).clone();
    let downloaded = webview
        .resources_table()
        .get::<DownloadedUpdate>(bytes_rid)?;
    if let Some(restart) = restart_after_install {
        update = update.restart_after_install(restart);
    }
    install_blocking(update, downloaded).await?;
    // The artifact is installed: its file goes.
    let _ = webview.resources_table().close(bytes_rid);
    Ok(())
}

#[tauri::command]
pub(crate) async fn download_and_install<R: Runtime>(
    webview: Webview<R>,
    rid: ResourceId,
    on_event: Channel<DownloadEvent>,
    headers: Option<Vec<(String, String)>>,
    timeout: Option<u64>,
    restart_after_install: Option<bool>,
) -> Result<()> {
    let mut update = update_for_download(&webview, rid, headers, timeout)?;
    if let Some(restart) = restart_after_install {
        update = update.restart_after_install(restart);
    }
    let downloaded = download_with_events(&update, &on_event).await?;
    install_blocking(update, std::sync::Arc::new(downloaded)).await
}
