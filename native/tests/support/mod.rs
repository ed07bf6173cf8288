//! Loopback servers for the client tests: a scripted HTTP/1.1 server (plain or TLS), and the
//! same over HTTP/2, that can truncate, reset, stall or never end a body, a forwarding HTTP proxy,
//! a test CA, and signing with throw-away keys.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub use upkit_fixtures::TauriCli;

/// The Tauri CLI vectors, or `None` after reporting that `test` did not run (its name, as
/// `upkit_fixtures::test_name!()` gives it). A test that reads them through [`vector`] or
/// [`vector_bytes`] starts with
/// `let Some(_vectors) = support::tauri_vectors(test_name!()) else { return };`.
pub fn tauri_vectors(test: &str) -> Option<TauriCli> {
    upkit_fixtures::tauri_cli(test)
}

/// The Tauri CLI vectors, for a test that checked they are there ([`tauri_vectors`]).
fn vectors() -> TauriCli {
    upkit_fixtures::find_tauri_cli()
        .unwrap_or_else(|why| panic!("{why}: start the test with `support::tauri_vectors`"))
}

/// Reads a file of the Tauri CLI vectors (after [`tauri_vectors`]).
pub fn vector(path: &str) -> String {
    vectors().text(path)
}

/// Reads a binary file of the Tauri CLI vectors (after [`tauri_vectors`]).
pub fn vector_bytes(path: &str) -> Vec<u8> {
    vectors().bytes(path)
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `CONNECT`...
    pub method: String,
    /// The request target (`/path?query`, or an absolute URL through a proxy).
    pub target: String,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
    /// Header names lowercased, in order.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One piece of a scripted body.
#[derive(Debug, Clone)]
pub enum Part {
    /// These bytes.
    Data(Vec<u8>),
    /// Send nothing more, and keep the connection open forever.
    Stall,
    /// Close the connection abruptly (TCP reset on plain connections; over HTTP/2, reset the
    /// stream with `RST_STREAM` once the data before it went out).
    Reset,
    /// Send zeros until the client goes away.
    Endless,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
    /// `Content-Length` to announce; `None` means a body delimited by closing the connection.
    pub content_length: Option<u64>,
}

impl Reply {
    /// A status with an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            parts: Vec::new(),
            content_length: Some(0),
        }
    }

    /// 200 with this body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200).body(body)
    }

    /// 200 with this JSON.
    pub fn json(body: &serde_json::Value) -> Reply {
        Reply::ok(body.to_string()).header("Content-Type", "application/json")
    }

    /// A redirect.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A whole body, with its length.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        let body = body.into();
        self.content_length = Some(body.len() as u64);
        self.parts = vec![Part::Data(body)];
        self
    }

    /// A scripted body; the announced length stays as set (`None` by default).
    pub fn parts(mut self, parts: Vec<Part>, content_length: Option<u64>) -> Reply {
        self.parts = parts;
        self.content_length = content_length;
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// How a [`Server`] talks.
#[derive(Clone)]
enum Protocol {
    /// HTTP/1.1 over TCP.
    Plain,
    /// HTTP/1.1 over TLS.
    Tls(tokio_rustls::TlsAcceptor),
    /// HTTP/2 over TLS (ALPN `h2` only).
    H2(tokio_rustls::TlsAcceptor),
}

/// A scripted server on 127.0.0.1. Over HTTP/1.1 every answer closes the connection; over
/// HTTP/2 a connection carries as many streams as the client opens.
pub struct Server {
    pub addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a plain HTTP server; `handler` gets each request and its index (from 0).
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Self::spawn(Arc::new(handler), Protocol::Plain).await
    }

    /// Starts an HTTPS server with this TLS configuration.
    pub async fn start_tls(
        tls: Arc<tokio_rustls::rustls::ServerConfig>,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        Self::spawn(Arc::new(handler), Protocol::Tls(acceptor)).await
    }

    /// Starts an HTTPS server that speaks HTTP/2 only (it offers nothing but `h2` in ALPN, as
    /// the CDNs in front of most release hosts negotiate it). Handlers see the `:authority` as
    /// a `host` header, as over HTTP/1.1.
    pub async fn start_h2(
        tls: Arc<tokio_rustls::rustls::ServerConfig>,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let mut config = (*tls).clone();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        Self::spawn(Arc::new(handler), Protocol::H2(acceptor)).await
    }

    async fn spawn(handler: Arc<Handler>, protocol: Protocol) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let scheme = match protocol {
            Protocol::Plain => "http",
            Protocol::Tls(_) | Protocol::H2(_) => "https",
        };
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                let protocol = protocol.clone();
                tokio::spawn(async move {
                    match protocol {
                        Protocol::Plain => {
                            let raw = stream.into_std().unwrap();
                            let stream = TcpStream::from_std(raw).unwrap();
                            let reset = ResetOnDrop(Some(stream));
                            serve(reset, &*handler, &log).await;
                        }
                        Protocol::Tls(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, &*handler, &log).await;
                            }
                        }
                        Protocol::H2(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                h2::serve(stream, handler, log).await;
                            }
                        }
                    }
                });
            }
        });
        Server {
            addr,
            scheme,
            requests,
            task,
        }
    }

    /// A URL on this server (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        let host = if self.scheme == "https" {
            "localhost"
        } else {
            "127.0.0.1"
        };
        format!("{}://{host}:{}{path}", self.scheme, self.addr.port())
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// A plain TCP stream that can be reset instead of closed.
struct ResetOnDrop(Option<TcpStream>);

impl ResetOnDrop {
    fn stream(&mut self) -> &mut TcpStream {
        self.0.as_mut().unwrap()
    }
}

impl AsyncRead for ResetOnDrop {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(self.stream()).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResetOnDrop {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(self.stream()).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(self.stream()).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(self.stream()).poll_shutdown(cx)
    }
}

trait Resettable {
    fn reset(&mut self);
}

impl Resettable for ResetOnDrop {
    fn reset(&mut self) {
        if let Some(stream) = self.0.take() {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    }
}

impl<S> Resettable for tokio_rustls::server::TlsStream<S> {
    fn reset(&mut self) {}
}

/// Reads a request head (up to the blank line).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(Request, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf[end + 4..].to_vec();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            let version = first.next()?.to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            return Some((
                Request {
                    method,
                    target,
                    version,
                    headers,
                },
                rest,
            ));
        }
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin + Resettable>(
    mut stream: S,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
) {
    let Some((request, _)) = read_head(&mut stream).await else {
        return;
    };
    let reply = answer(handler, log, request);
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nConnection: close\r\n",
        reply.status,
        reason(reply.status)
    );
    if let Some(len) = reply.content_length {
        head += &format!("Content-Length: {len}\r\n");
    }
    for (n, v) in &reply.headers {
        head += &format!("{n}: {v}\r\n");
    }
    head += "\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for part in reply.parts {
        match part {
            Part::Data(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
            }
            Part::Stall => {
                let _ = stream.flush().await;
                std::future::pending::<()>().await;
            }
            Part::Reset => {
                let _ = stream.flush().await;
                stream.reset();
                return;
            }
            Part::Endless => {
                let zeros = vec![0u8; 64 * 1024];
                while stream.write_all(&zeros).await.is_ok() {}
                return;
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// Logs `request` and asks `handler` for the answer.
fn answer(handler: &Handler, log: &Mutex<Vec<Request>>, request: Request) -> Reply {
    let index = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    handler(&request, index)
}

/// The HTTP/2 side of [`Server`], on hyper.
mod h2 {
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use bytes::Bytes;
    use futures_util::stream::{self, BoxStream, StreamExt as _};
    use http_body_util::StreamBody;
    use hyper::body::Frame;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use tokio::io::{AsyncRead, AsyncWrite};

    use super::{Handler, Part, Reply, Request};

    type Body = StreamBody<BoxStream<'static, Result<Frame<Bytes>, std::io::Error>>>;

    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

    /// Serves one connection: every stream is a request for `handler`.
    pub(super) async fn serve<S>(stream: S, handler: Arc<Handler>, log: Arc<Mutex<Vec<Request>>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = hyper::service::service_fn(move |request| {
            let reply = super::answer(&*handler, &log, seen(&request));
            async move { Ok::<_, Infallible>(response(reply)) }
        });
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), service)
            .await;
    }

    fn seen<B>(request: &hyper::Request<B>) -> Request {
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        if let Some(authority) = request.uri().authority() {
            headers.insert(0, ("host".to_owned(), authority.to_string()));
        }
        Request {
            method: request.method().to_string(),
            target: request
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_owned(), ToString::to_string),
            version: format!("{:?}", request.version()),
            headers,
        }
    }

    fn response(reply: Reply) -> hyper::Response<Body> {
        let mut builder = hyper::Response::builder().status(reply.status);
        if let Some(len) = reply.content_length {
            builder = builder.header("content-length", len);
        }
        for (name, value) in &reply.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let frames = stream::iter(reply.parts).flat_map(|part| match part {
            Part::Data(bytes) => {
                stream::once(async { Ok(Frame::data(Bytes::from(bytes))) }).boxed()
            }
            Part::Stall => stream::pending().boxed(),
            // hyper resets the stream when the body fails; the pause lets the data queued
            // before it reach the client first (a reset drops what is still queued).
            Part::Reset => stream::once(async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(std::io::Error::other("scripted reset"))
            })
            .boxed(),
            Part::Endless => {
                stream::repeat_with(|| Ok(Frame::data(Bytes::from_static(&ZEROS)))).boxed()
            }
        });
        builder.body(StreamBody::new(frames.boxed())).unwrap()
    }
}

/// Serves `body` with support for `Range` (206 + `Content-Range`) and an ETag.
pub fn ranged(request: &Request, body: &[u8], etag: &str) -> Reply {
    let range = request
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|start| start.parse::<usize>().ok());
    let if_range_ok = request.header("if-range").is_none_or(|v| v == etag);
    match range {
        Some(start) if if_range_ok && start < body.len() => Reply::status(206)
            .header("ETag", etag)
            .header(
                "Content-Range",
                &format!("bytes {start}-{}/{}", body.len() - 1, body.len()),
            )
            .body(body[start..].to_vec()),
        _ => Reply::ok(body.to_vec()).header("ETag", etag),
    }
}

/// A forwarding HTTP proxy on 127.0.0.1: absolute-form requests and `CONNECT`.
pub struct Proxy {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// Starts the proxy.
    pub async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let Some((request, rest)) = read_head(&mut client).await else {
                        return;
                    };
                    log.lock().unwrap().push(request.clone());
                    if request.method == "CONNECT" {
                        let Ok(mut upstream) = TcpStream::connect(&request.target).await else {
                            return;
                        };
                        if client
                            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                            .await
                            .is_err()
                        {
                            return;
                        }
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        return;
                    }
                    let url = url::Url::parse(&request.target).unwrap();
                    let authority = format!(
                        "{}:{}",
                        url.host_str().unwrap(),
                        url.port_or_known_default().unwrap()
                    );
                    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
                        return;
                    };
                    let mut path = url.path().to_owned();
                    if let Some(q) = url.query() {
                        path = format!("{path}?{q}");
                    }
                    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
                    for (n, v) in &request.headers {
                        if n != "proxy-connection" {
                            head += &format!("{n}: {v}\r\n");
                        }
                    }
                    head += "\r\n";
                    if upstream.write_all(head.as_bytes()).await.is_err()
                        || upstream.write_all(&rest).await.is_err()
                    {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        Proxy {
            addr,
            requests,
            task,
        }
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// A test CA and a `localhost` certificate it issued.
pub struct TestCa {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server configuration.
    pub server: Arc<tokio_rustls::rustls::ServerConfig>,
}

impl TestCa {
    /// Makes a CA and a server certificate for `localhost` and 127.0.0.1.
    pub fn new() -> TestCa {
        Self::for_names(&["localhost", "127.0.0.1"])
    }

    /// Makes a CA and a server certificate for these names.
    pub fn for_names(names: &[&str]) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "upkit test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&server_key, &issuer).unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let server = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(
                    server_key.serialize_der(),
                )
                .unwrap(),
            )
            .unwrap();
        TestCa {
            ca_pem: ca_cert.pem(),
            server: Arc::new(server),
        }
    }
}

/// A throw-away signing key in Tauri's format.
pub struct Signer {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Signer {
    /// A fresh key pair.
    pub fn new() -> Signer {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Signer {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    /// The public key as `tauri.conf.json` holds it.
    pub fn pubkey(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.pk.to_box().unwrap().to_string())
    }

    /// A prehashed signature in Tauri's format, with this trusted comment.
    pub fn sign_with_comment(&self, data: &[u8], trusted: &str) -> String {
        let sig = minisign::sign(Some(&self.pk), &self.sk, data, Some(trusted), None).unwrap();
        base64::engine::general_purpose::STANDARD.encode(sig.to_string())
    }

    /// Writes `dir/name` with `data`, and `dir/name.sig` signed with the trusted comment `trusted`.
    pub fn artifact(&self, dir: &Path, name: &str, data: &[u8], trusted: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, data).unwrap();
        let sig = self.sign_with_comment(data, trusted);
        std::fs::write(dir.join(format!("{name}.sig")), sig).unwrap();
        path
    }

    /// A signature as `tauri signer sign --app-version VERSION` writes it.
    pub fn sign(&self, data: &[u8], file: &str, version: &str) -> String {
        self.sign_with_comment(
            data,
            &format!("timestamp:1700000000\tfile:{file}\tversion:{version}"),
        )
    }
}

/// The key id of a public key in Tauri's format.
pub fn key_id(pubkey: &str) -> upkit::core::signature::KeyId {
    upkit::core::signature::PublicKey::decode(pubkey)
        .unwrap()
        .key_id()
}

/// The update that `builder`'s updater is offered (panics when it is up to date or fails).
pub async fn offered(builder: upkit::UpdaterBuilder) -> upkit::Update {
    builder
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .expect("an update")
}

/// Deterministic pseudo-random bytes.
pub fn payload(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The entries of a directory (to prove nothing was left behind).
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}
