//! A dynamic update server over a directory of releases: the library behind `upkit serve`.
//!
//! The directory holds one or more manifests (`*.json`, at its top or one directory down, e.g.
//! `latest.json`, or `1.0.0/release.json` and `1.1.0/release.json`) and the artifacts. For each
//! update request the server reads the manifests afresh (so publishing is dropping files in, and
//! every replica behind a load balancer answers alike), and decides with
//! [`upkit_core::check::resolve`], exactly as a client reading the manifest would:
//!
//! | request | answer |
//! | --- | --- |
//! | a release is an update for the client | `200` and the dynamic JSON `{version, notes, pub_date, url, signature, size}` |
//! | releases for the client's platform exist, none is newer | `204 No Content` (the client is up to date) |
//! | no release has an entry for the client's platform keys | `404` (unknown target) |
//! | `{{arch}}` or `{{bundle_type}}` is not a name of the protocol | `404` |
//! | `{{target}}` is not `linux`, `darwin` or `windows`: a custom target, the only key looked up | as above |
//! | `{{current_version}}` is not a version | `400` |
//! | a path that is not an update route | the file under the directory (with `Range`: `206`, `416`), else `404` |
//!
//! Clients treat every non-2xx answer as "try the next endpoint", so a `404` never installs
//! anything; `204` is the only "up to date".
//!
//! The newest release with an entry for the client wins: a release that lacks the client's
//! platform does not hide an older one that has it. Artifact URLs written as bare or relative
//! names in a manifest are resolved against the server's public URL ([`Config::public_url`], or
//! `http://` and the request's `Host`) plus the manifest's directory; absolute URLs are sent as
//! written. Hidden files (a path part starting with `.`, percent-encoded or not) and names with a
//! `:` are never served; `If-Range` and odd `Range` requests are handled as `range` explains.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use upkit::serve::{Config, Server};
//!
//! let server = Server::bind("127.0.0.1:0".parse().unwrap(), Config::new("releases")).await?;
//! println!("listening on http://{}", server.local_addr());
//! server.run(std::future::pending()).await
//! # }
//! ```

use std::fs::Metadata;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use tower_http::services::ServeDir;
use upkit_core::check::{CheckConfig, resolve};
use upkit_core::manifest::{self, Manifest, Release};
use upkit_core::target::{Arch, Installer, Os, Target};
use upkit_core::template::Transport;
use upkit_core::version::{Comparator, Version};
use url::Url;

mod range;

/// The default update route: Tauri's usual endpoint path.
pub const DEFAULT_ROUTE: &str = "/{{target}}/{{arch}}/{{current_version}}";

/// Why a route template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The template does not start with `/`.
    #[error("route `{route}` must start with `/`")]
    NotAbsolute {
        /// The template.
        route: String,
    },
    /// A placeholder is not one of the four the server fills.
    #[error(
        "route `{route}` has unknown placeholder `{{{{{name}}}}}`: expected target, arch, current_version or bundle_type"
    )]
    UnknownPlaceholder {
        /// The template.
        route: String,
        /// The placeholder's name.
        name: String,
    },
    /// A required placeholder is missing.
    #[error("route `{route}` lacks `{{{{{name}}}}}`")]
    Missing {
        /// The template.
        route: String,
        /// The missing placeholder's name.
        name: &'static str,
    },
    /// A path part or query value holds more than one placeholder, or a broken one.
    #[error("route `{route}`: `{part}` must hold at most one whole `{{{{placeholder}}}}`")]
    Part {
        /// The template.
        route: String,
        /// The part at fault.
        part: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Target,
    Arch,
    CurrentVersion,
    BundleType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Literal(String),
    Var {
        prefix: String,
        var: Var,
        suffix: String,
    },
}

impl Pattern {
    fn parse(route: &str, part: &str) -> Result<Pattern, RouteError> {
        let bad = || RouteError::Part {
            route: route.to_owned(),
            part: part.to_owned(),
        };
        let Some(start) = part.find("{{") else {
            if part.contains("}}") {
                return Err(bad());
            }
            return Ok(Pattern::Literal(part.to_owned()));
        };
        let end = part[start..]
            .find("}}")
            .map(|e| start + e)
            .ok_or_else(bad)?;
        let (prefix, name, suffix) = (&part[..start], &part[start + 2..end], &part[end + 2..]);
        if suffix.contains("{{") || suffix.contains("}}") || prefix.contains("}}") {
            return Err(bad());
        }
        let var = match name {
            "target" => Var::Target,
            "arch" => Var::Arch,
            "current_version" => Var::CurrentVersion,
            "bundle_type" => Var::BundleType,
            _ => {
                return Err(RouteError::UnknownPlaceholder {
                    route: route.to_owned(),
                    name: name.to_owned(),
                });
            }
        };
        Ok(Pattern::Var {
            prefix: prefix.to_owned(),
            var,
            suffix: suffix.to_owned(),
        })
    }

    /// Matches a raw (percent-encoded) request part; binds the decoded value.
    fn bind(&self, raw: &str, values: &mut Values) -> bool {
        match self {
            Pattern::Literal(text) => decode(raw) == *text,
            Pattern::Var {
                prefix,
                var,
                suffix,
            } => {
                let Some(value) = raw.strip_prefix(prefix.as_str()) else {
                    return false;
                };
                let Some(value) = value.strip_suffix(suffix.as_str()) else {
                    return false;
                };
                if value.is_empty() {
                    return false;
                }
                values.set(*var, decode(value));
                true
            }
        }
    }
}

/// Percent-decodes one raw part of a request (a path segment, a query key or value). `+` stays
/// `+`: Tauri sends `{{current_version}}`'s `+` as `%2B`, and a bare one means itself.
fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// The parts of a request path, percent-decoded, or `None` when a part is hidden (starts with
/// `.`, which covers `..`) or names no plain file: a `/`, `\`, NUL, or `:` (on Windows `C:x` is
/// a path on drive C and `x:y` an alternate data stream). ServeDir decodes paths too, so this
/// check must run on the decoded parts.
fn safe_parts(path: &str) -> Option<Vec<String>> {
    path.split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let part = decode(p);
            (!part.starts_with('.') && !part.contains(['/', '\\', '\0', ':'])).then_some(part)
        })
        .collect()
}

/// The file a request path names under `dir`, when its parts are safe (see [`safe_parts`]).
fn file_under(dir: &Path, path: &str) -> Option<PathBuf> {
    Some(
        safe_parts(path)?
            .into_iter()
            .fold(dir.to_owned(), |file, part| file.join(part)),
    )
}

#[derive(Debug, Default)]
struct Values {
    target: Option<String>,
    arch: Option<String>,
    current_version: Option<String>,
    bundle_type: Option<String>,
}

impl Values {
    fn set(&mut self, var: Var, value: String) {
        let slot = match var {
            Var::Target => &mut self.target,
            Var::Arch => &mut self.arch,
            Var::CurrentVersion => &mut self.current_version,
            Var::BundleType => &mut self.bundle_type,
        };
        *slot = Some(value);
    }
}

/// An update route: a path (and optionally a query) with Tauri's placeholders, e.g.
/// `/{{target}}/{{arch}}/{{current_version}}` or
/// `/update?target={{target}}&arch={{arch}}&version={{current_version}}`. `{{target}}`,
/// `{{arch}}` and `{{current_version}}` are required, `{{bundle_type}}` is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    text: String,
    path: Vec<Pattern>,
    query: Vec<(String, Pattern)>,
}

impl Route {
    /// Parses a route template.
    ///
    /// # Errors
    /// [`RouteError`] for a template that does not start with `/`, an unknown placeholder, a
    /// missing required one, or a part with several placeholders.
    pub fn parse(text: &str) -> Result<Route, RouteError> {
        let (path, query) = text.split_once('?').unwrap_or((text, ""));
        let Some(path) = path.strip_prefix('/') else {
            return Err(RouteError::NotAbsolute {
                route: text.to_owned(),
            });
        };
        let path = path
            .split('/')
            .map(|part| Pattern::parse(text, part))
            .collect::<Result<Vec<_>, _>>()?;
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Ok((k.to_owned(), Pattern::parse(text, v)?))
            })
            .collect::<Result<Vec<_>, RouteError>>()?;
        let route = Route {
            text: text.to_owned(),
            path,
            query,
        };
        for (var, name) in [
            (Var::Target, "target"),
            (Var::Arch, "arch"),
            (Var::CurrentVersion, "current_version"),
        ] {
            let has = route
                .path
                .iter()
                .chain(route.query.iter().map(|(_, p)| p))
                .any(|p| matches!(p, Pattern::Var { var: v, .. } if *v == var));
            if !has {
                return Err(RouteError::Missing {
                    route: text.to_owned(),
                    name,
                });
            }
        }
        Ok(route)
    }

    fn bind(&self, path: &str, query: Option<&str>) -> Option<Values> {
        let mut values = Values::default();
        let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if parts.len() != self.path.len() {
            return None;
        }
        for (pattern, part) in self.path.iter().zip(parts) {
            if !pattern.bind(part, &mut values) {
                return None;
            }
        }
        let pairs: Vec<(&str, &str)> = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        for (key, pattern) in &self.query {
            let raw = pairs.iter().find(|(k, _)| decode(k) == *key)?.1;
            if !pattern.bind(raw, &mut values) {
                return None;
            }
        }
        Some(values)
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory of releases.
    pub dir: PathBuf,
    /// The update route.
    pub route: Route,
    /// The URL clients reach this server at (behind a proxy or CDN). `None`: `http://` and the
    /// request's `Host` header.
    pub public_url: Option<Url>,
    /// `Cache-Control: max-age` of update answers, in seconds; `0` sends `no-cache`.
    pub max_age: u32,
    /// How long a connection may take to send a request's headers, or stay idle between
    /// requests, before it is closed (30 s by default), so that idle and slow clients do not
    /// hold connections (and file descriptors) for good.
    pub header_timeout: Duration,
    /// How long a response may wait for the client to take more of it before the connection
    /// is closed (30 s by default): a client that stops reading a download does not hold its
    /// connection for good.
    pub send_timeout: Duration,
    /// How long [`Server::run`], once shut down, waits for the requests in flight (10 s by
    /// default); connections still open then are closed.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Serves `dir` on the default route, with relative URLs resolved against the `Host`.
    pub fn new(dir: impl Into<PathBuf>) -> Config {
        Config {
            dir: dir.into(),
            #[allow(clippy::expect_used)]
            route: Route::parse(DEFAULT_ROUTE).expect("the default route parses"),
            public_url: None,
            max_age: 0,
            header_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The metadata of `path` when it is a regular file inside `root` (a canonical path) once
/// symlinks are resolved: a symlink in the directory may point anywhere in it, not out of it.
/// Devices and FIFOs (which would block a reader) are not regular files.
fn regular_file_inside(root: &Path, path: &Path) -> Option<Metadata> {
    let real = std::fs::canonicalize(path).ok()?;
    if !real.starts_with(root) {
        return None;
    }
    std::fs::metadata(&real).ok().filter(Metadata::is_file)
}

/// One release found in the directory.
#[derive(Debug, Clone)]
pub struct Found {
    /// The manifest's path, relative to the directory, with `/` separators.
    pub file: String,
    /// The manifest, relative URLs resolved, or why it is skipped.
    pub manifest: Result<Manifest, String>,
}

/// Reads every manifest under `dir` (`*.json` at the top and one directory down), resolving
/// relative artifact URLs against `base` plus the manifest's directory. Sorted newest first;
/// unreadable or invalid manifests come last, with the reason.
///
/// # Errors
/// When `dir` itself cannot be read.
pub fn releases(dir: &Path, base: &Url) -> std::io::Result<Vec<Found>> {
    let root = std::fs::canonicalize(dir)?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let Ok(inner) = std::fs::read_dir(entry.path()) else {
                continue;
            };
            for sub in inner.flatten() {
                let sub_name = sub.file_name().to_string_lossy().into_owned();
                if sub_name.ends_with(".json") && !sub_name.starts_with('.') {
                    files.push((format!("{name}/{sub_name}"), sub.path()));
                }
            }
        } else if name.ends_with(".json") {
            files.push((name, entry.path()));
        }
    }
    let mut found: Vec<Found> = files
        .into_iter()
        .map(|(file, path)| {
            let manifest = regular_file_inside(&root, &path)
                .ok_or_else(|| "not a regular file inside the directory".to_owned())
                .and_then(|_| std::fs::read(&path).map_err(|e| e.to_string()))
                .and_then(|body| {
                    let dir_url = match file.rfind('/') {
                        Some(i) => base
                            .join(&format!("{}/", &file[..i]))
                            .unwrap_or(base.clone()),
                        None => base.clone(),
                    };
                    load(&body, &dir_url)
                });
            Found { file, manifest }
        })
        .collect();
    found.sort_by(|a, b| match (&a.manifest, &b.manifest) {
        (Ok(x), Ok(y)) => y.version.cmp(&x.version).then_with(|| a.file.cmp(&b.file)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.file.cmp(&b.file),
    });
    Ok(found)
}

/// Parses a manifest after resolving its relative `url`s against `base`.
fn load(body: &[u8], base: &Url) -> Result<Manifest, String> {
    // Not JSON: the manifest parser's diagnostic (a byte-order mark, say), as `upkit validate`
    // gives it.
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| match manifest::parse(body) {
            Err(diagnostic) => diagnostic.to_string(),
            Ok(_) => format!("not JSON: {e}"),
        })?;
    manifest::resolve_relative_urls(&mut value, base);
    let body = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
    manifest::parse(&body).map_err(|e| e.to_string())
}

/// The server's answer to an update request, before it becomes HTTP.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `200`: this dynamic manifest.
    Update(Value),
    /// `204`: up to date.
    UpToDate,
    /// `404`: the target, arch or bundle type is unknown; why.
    Unknown(String),
    /// `400`: the request is malformed; why.
    BadRequest(String),
}

/// Decides the answer for a client at `current_version` on `target` among `releases` (newest
/// first, as [`releases`] returns them).
pub fn decide(releases: &[Found], current_version: &Version, target: &Target) -> Answer {
    let config = CheckConfig {
        current_version: current_version.clone(),
        target: target.clone(),
        comparator: Comparator::Newer,
        // The client applies its own transport rule to the URL it gets.
        transport: Transport::Insecure,
        ..CheckConfig::new(current_version.clone(), target.clone())
    };
    for found in releases {
        let Ok(manifest) = &found.manifest else {
            continue;
        };
        match resolve(manifest, &config) {
            Ok(Some(offer)) => {
                let mut answer = Map::new();
                answer.insert("version".into(), Value::String(offer.version.to_string()));
                if let Some(notes) = offer.notes {
                    answer.insert("notes".into(), Value::String(notes));
                }
                if let Some(date) = offer.pub_date.and_then(|d| d.format(&Rfc3339).ok()) {
                    answer.insert("pub_date".into(), Value::String(date));
                }
                answer.insert("url".into(), Value::String(offer.platform.url.to_string()));
                answer.insert("signature".into(), Value::String(offer.platform.signature));
                if let Some(size) = offer.platform.size {
                    answer.insert("size".into(), Value::from(size));
                }
                return Answer::Update(Value::Object(answer));
            }
            // Not newer, and neither is anything after it.
            Ok(None) => break,
            // This release lacks the client's platform: an older one may have it.
            Err(_) => continue,
        }
    }
    if releases_have(releases, target) {
        Answer::UpToDate
    } else {
        Answer::Unknown(unknown_target(target))
    }
}

fn releases_have(releases: &[Found], target: &Target) -> bool {
    releases
        .iter()
        .filter_map(|f| f.manifest.as_ref().ok())
        .any(|m| match &m.release {
            Release::Dynamic(_) => true,
            Release::Static { platforms } => {
                target.keys().iter().any(|k| platforms.contains_key(k))
            }
        })
}

fn unknown_target(target: &Target) -> String {
    format!("no release has an entry for {}", target.keys().join(" or "))
}

/// Turns the route's values into a client description, or the answer that refuses them.
fn client(values: &Values) -> Result<(Version, Target), Answer> {
    let (Some(target), Some(arch), Some(version)) =
        (&values.target, &values.arch, &values.current_version)
    else {
        return Err(Answer::Unknown("incomplete update request".into()));
    };
    let arch: Arch = arch
        .parse()
        .map_err(|e: upkit_core::target::TargetError| Answer::Unknown(e.to_string()))?;
    let installer = match values.bundle_type.as_deref() {
        None => None,
        Some(name) => {
            Installer::parse_bundle_type(name).map_err(|e| Answer::Unknown(e.to_string()))?
        }
    };
    let target = match target.parse::<Os>() {
        Ok(os) => Target::new(os, arch, installer),
        // Tauri's custom target: the only key looked up, verbatim.
        Err(_) => Target {
            custom: Some(target.clone()),
            ..Target::new(Os::Linux, arch, installer)
        },
    };
    let version =
        upkit_core::version::parse(version).map_err(|e| Answer::BadRequest(e.to_string()))?;
    Ok((version, target))
}

struct Shared {
    config: Config,
    files: ServeDir,
}

/// A bound update server. Bind it, read [`Server::local_addr`], then [`Server::run`] it.
pub struct Server {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    router: Router,
    header_timeout: Duration,
    send_timeout: Duration,
    shutdown_grace: Duration,
}

impl Server {
    /// Binds `addr` (port `0` picks a free port) to serve `config`.
    ///
    /// # Errors
    /// When the address cannot be bound or the directory cannot be read.
    pub async fn bind(addr: SocketAddr, config: Config) -> std::io::Result<Server> {
        let _readable = tokio::fs::read_dir(&config.dir)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", config.dir.display())))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let files = ServeDir::new(&config.dir).append_index_html_on_directories(false);
        let (header_timeout, send_timeout, shutdown_grace) = (
            config.header_timeout,
            config.send_timeout,
            config.shutdown_grace,
        );
        let shared = Arc::new(Shared { config, files });
        let router = Router::new().fallback(handle).with_state(shared);
        Ok(Server {
            listener,
            addr,
            router,
            header_timeout,
            send_timeout,
            shutdown_grace,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight, waiting at most
    /// [`Config::shutdown_grace`] for them.
    ///
    /// A connection that takes longer than [`Config::header_timeout`] to send a request's
    /// headers, or stays idle that long between requests, is closed; so is one whose client
    /// takes no bytes of a response for [`Config::send_timeout`]. A failure to accept a
    /// connection (too many open files, say) is logged and retried after a second, as
    /// `axum::serve` does: it does not stop the server.
    ///
    /// # Errors
    /// None today; the `Result` is kept for failures a future version may report.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use hyper_util::rt::{TokioIo, TokioTimer};
        use hyper_util::server::graceful::GracefulShutdown;
        use hyper_util::service::TowerToHyperService;
        use tower::ServiceExt;

        let graceful = GracefulShutdown::new();
        let mut connections = tokio::task::JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
                // Reap finished connections as they end.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(self.header_timeout);
            let service = ServiceExt::<axum::http::Request<hyper::body::Incoming>>::map_response(
                self.router.clone(),
                no_length_on_204,
            );
            let stream = SendTimeout::new(stream, self.send_timeout);
            let connection =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let connection = graceful.watch(connection);
            connections.spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("connection: {e}");
                }
            });
        }
        drop(self.listener);
        let finished = tokio::time::timeout(self.shutdown_grace, graceful.shutdown()).await;
        if finished.is_err() {
            tracing::warn!(
                "{} connection(s) still open {} s after shutdown: closing them",
                connections.len(),
                self.shutdown_grace.as_secs_f64()
            );
        }
        connections.shutdown().await;
        Ok(())
    }
}

/// A connection whose writes fail with `TimedOut` once the client has taken no bytes for the
/// timeout (hyper has no write timeout). Reads are left to hyper's header-read timeout.
struct SendTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Running while a write or flush waits for the client.
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> SendTimeout<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        SendTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// `poll`'s answer, or `TimedOut` when it has been pending for the whole timeout.
    fn watch<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        poll: std::task::Poll<std::io::Result<T>>,
    ) -> std::task::Poll<std::io::Result<T>> {
        use std::task::Poll;
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client took no bytes of the response",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for SendTimeout<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for SendTimeout<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let poll = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let poll = std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let poll = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A `204` carries no `Content-Length` (RFC 9110 §8.6), which axum sets on every response whose
/// length it knows, and hyper then writes for a `HEAD`.
fn no_length_on_204(mut response: Response) -> Response {
    if response.status() == StatusCode::NO_CONTENT {
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    response
}

/// An accept error about one connection (gone before it was accepted), not the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let (response, detail) = answer(&shared, request).await;
    tracing::info!(
        "{method} {uri} {} {}{} ({} ms)",
        response.status().as_u16(),
        printable(&detail),
        response
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(|r| format!(" {r}"))
            .unwrap_or_default(),
        started.elapsed().as_millis(),
    );
    response
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), for a log line: a request's
/// decoded values cannot forge lines or colour the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

async fn answer(shared: &Shared, request: Request) -> (Response, String) {
    let config = &shared.config;
    let path = request.uri().path().to_owned();
    let file = file_under(&config.dir, &path);
    let meta = match &file {
        Some(file) => {
            let (dir, file) = (config.dir.clone(), file.clone());
            tokio::task::spawn_blocking(move || {
                regular_file_inside(&std::fs::canonicalize(dir).ok()?, &file)
            })
            .await
            .ok()
            .flatten()
        }
        None => None,
    };
    let values = config
        .route
        .bind(&path, request.uri().query())
        // A file that happens to sit where the route points is served as a file.
        .filter(|_| meta.is_none());
    if let Some(values) = values {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return (
                (
                    StatusCode::METHOD_NOT_ALLOWED,
                    [(header::ALLOW, HeaderValue::from_static("GET,HEAD"))],
                )
                    .into_response(),
                "update route".into(),
            );
        }
        let base = match public_base(config, &request) {
            Ok(base) => base,
            Err(why) => return text(StatusCode::BAD_REQUEST, why),
        };
        let decision = match client(&values) {
            Err(answer) => answer,
            Ok((version, target)) => {
                let dir = config.dir.clone();
                let found = tokio::task::spawn_blocking(move || releases(&dir, &base)).await;
                match found {
                    Ok(Ok(found)) => {
                        for f in &found {
                            if let Err(e) = &f.manifest {
                                tracing::debug!("skipping {}: {e}", f.file);
                            }
                        }
                        if let Some(answered) =
                            signed_answer(config, &found, &version, &target).await
                        {
                            return answered;
                        }
                        decide(&found, &version, &target)
                    }
                    Ok(Err(e)) => {
                        return text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("cannot read releases: {e}"),
                        );
                    }
                    Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                }
            }
        };
        return match decision {
            Answer::Update(json) => {
                let detail = format!(
                    "update {}",
                    json.get("version").and_then(Value::as_str).unwrap_or("?")
                );
                let mut response = (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    json.to_string(),
                )
                    .into_response();
                cache(&mut response, config.max_age);
                (response, detail)
            }
            Answer::UpToDate => {
                let mut response = StatusCode::NO_CONTENT.into_response();
                cache(&mut response, config.max_age);
                (response, "up to date".into())
            }
            Answer::Unknown(why) => text(StatusCode::NOT_FOUND, why),
            Answer::BadRequest(why) => text(StatusCode::BAD_REQUEST, why),
        };
    }
    // Only regular files inside the directory are served: not directories, devices or FIFOs
    // (a reader would wait forever), nor what a symlink points to outside.
    let (Some(file), Some(meta)) = (file, meta) else {
        return text(StatusCode::NOT_FOUND, "not found".into());
    };
    let head_or_get = request.method() == Method::GET || request.method() == Method::HEAD;
    if path.ends_with(".json") && head_or_get {
        let base = match public_base(config, &request) {
            Ok(base) => base,
            Err(why) => return text(StatusCode::BAD_REQUEST, why),
        };
        if let Some(answered) = manifest_file(config, &base, &path, &file).await {
            return answered;
        }
    }
    let mut request = request;
    range::prepare(request.headers_mut(), &meta);
    let mut files = shared.files.clone();
    match files.try_call(request).await {
        Ok(response) => {
            let detail = if response.status() == StatusCode::NOT_FOUND {
                "not found"
            } else {
                "file"
            };
            (response.map(Body::new), detail.into())
        }
        // The file went away, or became unreadable, since it was looked at.
        Err(e) => {
            tracing::debug!("{}: {e}", file.display());
            text(StatusCode::NOT_FOUND, "not found".into())
        }
    }
}

/// The answer for a client when the release that decides it is a signed manifest (`X.json`
/// with `X.json.sig` beside it, made by `upkit sign X.json --expires`): `200` with the
/// manifest's bytes unchanged and its signature in the `Upkit-Manifest-Signature` header, for
/// an update and for "up to date" alike (a `204` could carry no signature; a client that is up
/// to date reads a release that is not newer as no update). Clients pick their platform from
/// the manifest as from a static one. `None` when that release is not signed, or its bytes
/// cannot be sent unchanged (relative URLs, which only the server can resolve).
async fn signed_answer(
    config: &Config,
    found: &[Found],
    current_version: &Version,
    target: &Target,
) -> Option<(Response, String)> {
    let check = CheckConfig {
        transport: Transport::Insecure,
        ..CheckConfig::new(current_version.clone(), target.clone())
    };
    let release = found.iter().find(|f| {
        f.manifest
            .as_ref()
            .is_ok_and(|m| resolve(m, &check).is_ok())
    })?;
    let path = config.dir.join(&release.file);
    let signature = tokio::fs::read_to_string(crate::keys::sig_path_of(&path))
        .await
        .ok()?;
    let body = tokio::fs::read(&path).await.ok()?;
    if let Err(e) = manifest::parse(&body) {
        tracing::warn!(
            "{} is signed but cannot be sent as it is ({e}): answering unsigned",
            release.file
        );
        return None;
    }
    let value = HeaderValue::from_str(signature.trim()).ok()?;
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::HeaderName::from_static(upkit_core::manifest::signed::HEADER),
                value,
            ),
        ],
        body,
    )
        .into_response();
    cache(&mut response, config.max_age);
    Some((response, format!("signed manifest {}", release.file)))
}

/// The URL clients reach this server at: `--public-url`, else `http://` and the `Host` header.
/// Fails with the reason when the `Host` header makes no URL.
/// Without a `Host`, an HTTP/1.0 request gets `localhost`; HTTP/1.1 requires one `Host`
/// (RFC 9112 §3.2), which must be a host and an optional port, nothing else.
fn public_base(config: &Config, request: &Request) -> Result<Url, String> {
    if let Some(url) = &config.public_url {
        return Ok(url.clone());
    }
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (None, _) if request.version() < axum::http::Version::HTTP_11 => "localhost",
        (None, _) => return Err("missing Host header".into()),
        (Some(_), Some(_)) => return Err("more than one Host header".into()),
        (Some(host), None) => host
            .to_str()
            .map_err(|_| "invalid Host header: not ASCII".to_owned())?,
    };
    let invalid = || format!("invalid Host header `{}`", printable(host));
    let url = Url::parse(&format!("http://{host}/")).map_err(|_| invalid())?;
    // `a@b`, `b/x`, `b?x` and `b#x` parse, as a user name, a path, a query, a fragment.
    let only_host = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !host.contains(['/', '\\', '?', '#', '@']);
    if !only_host {
        return Err(invalid());
    }
    Ok(url)
}

/// A static manifest (`latest.json`) under the directory, with its relative artifact URLs
/// resolved, so that a client configured with the file's URL as a static endpoint can use it.
/// `None` when the file is not a JSON object: it is then served as it is.
async fn manifest_file(
    config: &Config,
    base: &Url,
    path: &str,
    file: &Path,
) -> Option<(Response, String)> {
    // A signed manifest is sent byte for byte: its signature covers these bytes.
    if tokio::fs::try_exists(crate::keys::sig_path_of(file))
        .await
        .unwrap_or(false)
    {
        return None;
    }
    let body = tokio::fs::read(file).await.ok()?;
    let mut value: Value = serde_json::from_slice(&body).ok()?;
    if !value.is_object() {
        return None;
    }
    // Relative names resolve against the manifest's own URL, i.e. its directory.
    let here = base.join(path.trim_start_matches('/')).ok()?;
    manifest::resolve_relative_urls(&mut value, &here);
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        value.to_string(),
    )
        .into_response();
    cache(&mut response, config.max_age);
    Some((response, "manifest".into()))
}

fn cache(response: &mut Response, max_age: u32) {
    let value = if max_age == 0 {
        "no-cache".to_owned()
    } else {
        format!("public, max-age={max_age}")
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
}

fn text(status: StatusCode, message: String) -> (Response, String) {
    let response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        format!("{message}\n"),
    )
        .into_response();
    (response, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_details_cannot_forge_lines() {
        assert_eq!(
            printable("invalid version `x\n2026 INFO GET /admin 200`\u{1b}[31m é"),
            "invalid version `x\\n2026 INFO GET /admin 200`\\u{1b}[31m é"
        );
    }

    #[test]
    fn route_errors() {
        let err = |r: &str| Route::parse(r).unwrap_err().to_string();
        assert_eq!(
            err("{{target}}/{{arch}}/{{current_version}}"),
            "route `{{target}}/{{arch}}/{{current_version}}` must start with `/`"
        );
        assert_eq!(
            err("/{{os}}/{{arch}}/{{current_version}}"),
            "route `/{{os}}/{{arch}}/{{current_version}}` has unknown placeholder `{{os}}`: expected target, arch, current_version or bundle_type"
        );
        assert_eq!(
            err("/{{target}}/{{current_version}}"),
            "route `/{{target}}/{{current_version}}` lacks `{{arch}}`"
        );
        assert_eq!(
            err("/{{target}}-{{arch}}/{{current_version}}"),
            "route `/{{target}}-{{arch}}/{{current_version}}`: `{{target}}-{{arch}}` must hold at most one whole `{{placeholder}}`"
        );
    }

    #[test]
    fn route_binding() {
        let route = Route::parse(DEFAULT_ROUTE).unwrap();
        let v = route.bind("/linux/x86_64/1.0.0-beta.1%2Bb5", None).unwrap();
        assert_eq!(v.current_version.as_deref(), Some("1.0.0-beta.1+b5"));
        assert!(route.bind("/linux/x86_64", None).is_none());
        assert!(route.bind("/a/linux/x86_64/1.0.0", None).is_none());

        let route =
            Route::parse("/u/{{target}}-app/{{arch}}?v={{current_version}}&t={{bundle_type}}")
                .unwrap();
        let v = route
            .bind("/u/darwin-app/aarch64", Some("t=app&v=v2.0.0"))
            .unwrap();
        assert_eq!(
            (
                v.target.as_deref(),
                v.arch.as_deref(),
                v.current_version.as_deref(),
                v.bundle_type.as_deref()
            ),
            (Some("darwin"), Some("aarch64"), Some("v2.0.0"), Some("app"))
        );
        assert!(route.bind("/u/darwin-app/aarch64", Some("t=app")).is_none());
        assert!(
            route
                .bind("/u/darwin/aarch64", Some("t=app&v=1.0.0"))
                .is_none()
        );
    }
}
