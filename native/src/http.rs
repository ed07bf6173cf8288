//! The HTTP layer of the updater client: one `reqwest` client configured from the builder's
//! options, the redirect rule, bounded body reads and the stall timeout.
//!
//! Nothing here decides what an answer means: the check hands every answer to
//! [`upkit_core::check::Check`], the download hands every byte to the streaming verifier.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Client, RequestBuilder, Response};
use upkit_core::template::Transport;
use url::Url;

use crate::error::Error;

/// The `User-Agent` sent with every request unless the caller set one.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("upkit/", env!("CARGO_PKG_VERSION"));

/// At most this many redirects are followed (Tauri's limit).
pub(crate) const MAX_REDIRECTS: usize = 10;

/// Whether TLS certificates are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertificateCheck {
    /// Certificates must chain to a trusted root (the default).
    #[default]
    Verify,
    /// Any certificate is accepted (Tauri's `dangerousAcceptInvalidCerts`).
    DangerAcceptInvalid,
}

/// Whether the TLS certificate must name the host that was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostnameCheck {
    /// The certificate must be valid for the host (the default).
    #[default]
    Verify,
    /// A certificate for another host is accepted (Tauri's `dangerousAcceptInvalidHostnames`).
    DangerAcceptInvalid,
}

/// Whether the system's proxy settings (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`
/// and the platform's settings) are used when no proxy is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SystemProxy {
    /// Use them (the default, as Tauri does).
    #[default]
    Use,
    /// Connect directly unless a proxy is configured.
    Ignore,
}

/// Everything the HTTP client is built from.
#[derive(Debug, Clone)]
#[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
pub(crate) struct ClientOptions {
    pub headers: HeaderMap,
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub system_proxy: SystemProxy,
    pub connect_timeout: Duration,
    pub stall_timeout: Duration,
    pub transport: Transport,
    pub certificates: CertificateCheck,
    pub hostnames: HostnameCheck,
    pub root_certificates: Vec<Vec<u8>>,
}

/// The configured client plus the caller's headers and the stall timeout.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: Client,
    headers: HeaderMap,
    stall: Duration,
}

/// A redirect refused by the transport rule.
#[derive(Debug)]
struct InsecureRedirect {
    from: Url,
    to: Url,
}

impl fmt::Display for InsecureRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "redirect from {} to {} refused: it leaves https and insecure transport is not allowed",
            self.from, self.to
        )
    }
}

impl std::error::Error for InsecureRedirect {}

/// More than [`MAX_REDIRECTS`] redirects.
#[derive(Debug)]
struct TooManyRedirects {
    last: Url,
}

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "more than {MAX_REDIRECTS} redirects (the last one to {})",
            self.last
        )
    }
}

impl std::error::Error for TooManyRedirects {}

/// How a body read ended.
pub(crate) enum Chunk {
    /// Some bytes.
    Data(bytes::Bytes),
    /// The body is complete.
    End,
}

/// Why a body read failed.
pub(crate) enum ReadError {
    /// No response head arrived within the stall timeout (connecting, TLS and redirects
    /// included).
    Unanswered(Duration),
    /// No byte of the body arrived within the stall timeout.
    Stalled(Duration),
    /// The connection failed (reset, truncated, TLS error...).
    Network(String),
    /// The request was refused in a way that asking again cannot change: a redirect refused
    /// (too many, or to plain http) or a certificate not trusted.
    Refused(String),
}

impl Http {
    /// Builds the client.
    pub(crate) fn new(options: &ClientOptions) -> Result<Http, Error> {
        #[cfg(feature = "rustls")]
        {
            // reqwest is built without a default provider; ring is the one this crate ships.
            // A provider installed earlier by the application wins.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let transport = options.transport;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                let last = attempt.url().clone();
                return attempt.error(TooManyRedirects { last });
            }
            if !transport.allows(attempt.url()) {
                let from = attempt.previous().last().cloned();
                let to = attempt.url().clone();
                return match from {
                    Some(from) => attempt.error(InsecureRedirect { from, to }),
                    None => attempt.stop(),
                };
            }
            attempt.follow()
        });
        let mut builder = Client::builder()
            .user_agent(DEFAULT_USER_AGENT)
            .redirect(policy)
            .connect_timeout(options.connect_timeout)
            .referer(false);
        match &options.proxy {
            Some(proxy) => {
                let mut p = reqwest::Proxy::all(proxy.as_str()).map_err(|e| Error::Proxy {
                    proxy: proxy.clone(),
                    reason: chain(&e),
                })?;
                if let Some(list) = &options.no_proxy {
                    p = p.no_proxy(reqwest::NoProxy::from_string(list));
                }
                builder = builder.proxy(p);
            }
            None if options.system_proxy == SystemProxy::Ignore => builder = builder.no_proxy(),
            None => {}
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        {
            let mut roots = Vec::new();
            for (index, bytes) in options.root_certificates.iter().enumerate() {
                let certs = if bytes.starts_with(b"-----") {
                    reqwest::Certificate::from_pem_bundle(bytes)
                } else {
                    reqwest::Certificate::from_der(bytes).map(|c| vec![c])
                };
                roots.extend(certs.map_err(|e| Error::Certificate {
                    index,
                    reason: chain(&e),
                })?);
            }
            let invalid_certs = options.certificates == CertificateCheck::DangerAcceptInvalid;
            let invalid_hosts = options.hostnames == HostnameCheck::DangerAcceptInvalid;
            #[cfg(feature = "rustls")]
            if invalid_hosts && !invalid_certs {
                // With rustls, reqwest ignores host names only over an explicit root list.
                let native = rustls_native_certs::load_native_certs();
                for cert in native.certs {
                    if let Ok(cert) = reqwest::Certificate::from_der(&cert) {
                        roots.push(cert);
                    }
                }
                builder = builder.tls_certs_only(roots);
                roots = Vec::new();
            }
            builder = builder
                .tls_certs_merge(roots)
                .tls_danger_accept_invalid_certs(invalid_certs)
                .tls_danger_accept_invalid_hostnames(invalid_hosts);
        }
        let client = builder
            .build()
            .map_err(|e| Error::Client { reason: chain(&e) })?;
        Ok(Http {
            client,
            headers: options.headers.clone(),
            stall: options.stall_timeout,
        })
    }

    /// A `GET` with the caller's headers, and `accept` unless the caller set an `Accept`.
    pub(crate) fn get(&self, url: &Url, accept: &'static str) -> RequestBuilder {
        let mut headers = self.headers.clone();
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        }
        self.client.get(url.clone()).headers(headers)
    }

    /// Sends a request, waiting at most the stall timeout for the response head.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response, ReadError> {
        match tokio::time::timeout(self.stall, request.send()).await {
            Err(_) => Err(ReadError::Unanswered(self.stall)),
            Ok(Err(e)) if final_error(&e) => Err(ReadError::Refused(describe(&e))),
            Ok(Err(e)) => Err(ReadError::Network(describe(&e))),
            Ok(Ok(response)) => Ok(response),
        }
    }

    /// Reads the next piece of a body, waiting at most the stall timeout for it.
    pub(crate) async fn chunk(&self, response: &mut Response) -> Result<Chunk, ReadError> {
        match tokio::time::timeout(self.stall, response.chunk()).await {
            Err(_) => Err(ReadError::Stalled(self.stall)),
            Ok(Err(e)) => Err(ReadError::Network(describe(&e))),
            Ok(Ok(Some(bytes))) => Ok(Chunk::Data(bytes)),
            Ok(Ok(None)) => Ok(Chunk::End),
        }
    }

    /// Fetches one endpoint for the check: the whole body of a 2xx answer, cut at `limit`.
    pub(crate) async fn fetch_manifest(&self, url: &Url, limit: u64) -> Fetched {
        self.fetch(url, "application/json", limit).await
    }

    /// Fetches `url` whole (at most `limit` bytes), asking for `accept`.
    pub(crate) async fn fetch(&self, url: &Url, accept: &'static str, limit: u64) -> Fetched {
        let mut response = match self.send(self.get(url, accept)).await {
            Ok(response) => response,
            Err(e) => return Fetched::Failed(e.to_string()),
        };
        let status = response.status().as_u16();
        if !response.status().is_success() {
            // The status decides; the start of the body says why (a server's 400 usually
            // does), so its first KiB is read, no more, and a failure to read it is no error.
            const SHOWN: usize = 1024;
            let mut body = Vec::new();
            while body.len() < SHOWN {
                match self.chunk(&mut response).await {
                    Ok(Chunk::Data(bytes)) => {
                        body.extend_from_slice(&bytes[..bytes.len().min(SHOWN - body.len())]);
                    }
                    Ok(Chunk::End) | Err(_) => break,
                }
            }
            return Fetched::Http {
                status,
                body,
                signature: None,
            };
        }
        // A signing update server's signature of this answer (see `upkit_core::manifest::signed`).
        let signature = response
            .headers()
            .get(upkit_core::manifest::signed::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if response.content_length().is_some_and(|len| len > limit) {
            return Fetched::TooLarge(limit);
        }
        let mut body = Vec::new();
        loop {
            match self.chunk(&mut response).await {
                Ok(Chunk::Data(bytes)) => {
                    if body.len() as u64 + bytes.len() as u64 > limit {
                        return Fetched::TooLarge(limit);
                    }
                    body.extend_from_slice(&bytes);
                }
                Ok(Chunk::End) => {
                    return Fetched::Http {
                        status,
                        body,
                        signature,
                    };
                }
                Err(e) => return Fetched::BodyFailed(e.to_string()),
            }
        }
    }
}

/// The outcome of fetching one endpoint, in the shape the core's check wants.
pub(crate) enum Fetched {
    /// The request failed before a response.
    Failed(String),
    /// A 2xx answer's body could not be read to its end.
    BodyFailed(String),
    /// The body was cut at the limit.
    TooLarge(u64),
    /// A whole answer, with the manifest signature header of a 2xx one.
    Http {
        status: u16,
        body: Vec<u8>,
        signature: Option<String>,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Unanswered(after) => {
                write!(f, "no response within {after:?} (redirects included)")
            }
            ReadError::Stalled(after) => write!(f, "no data received for {after:?}"),
            ReadError::Network(message) | ReadError::Refused(message) => f.write_str(message),
        }
    }
}

/// Whether retrying cannot help: a redirect refused by the policy (too many, or to plain http),
/// or a TLS certificate that is not trusted (retrying only repeats the handshake).
fn final_error(error: &reqwest::Error) -> bool {
    if error.is_redirect() {
        return true;
    }
    let mut source = error.source();
    while let Some(e) = source {
        #[cfg(feature = "rustls")]
        {
            let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
                e.downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            });
            if matches!(tls, Some(rustls::Error::InvalidCertificate(_))) {
                return true;
            }
        }
        source = e.source();
    }
    false
}

/// A one-line description of a transport error, without reqwest's "for url (...)" wrapper
/// (the caller names the URL): the redirect refusal, a timeout, or the chain of causes.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(e) = e.downcast_ref::<InsecureRedirect>() {
            return e.to_string();
        }
        if let Some(e) = e.downcast_ref::<TooManyRedirects>() {
            return e.to_string();
        }
        source = e.source();
    }
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !causes.iter().any(|c: &String| c.contains(&text)) {
            causes.push(text);
        }
        source = e.source();
    }
    let head = if error.is_timeout() && error.is_connect() {
        "connect timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_body() || error.is_decode() {
        "reading the body failed"
    } else {
        "request failed"
    };
    if causes.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", causes.join(": "))
    }
}

/// The chain of an error's causes, for builder errors.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
