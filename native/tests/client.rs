//! The updater client against real servers on 127.0.0.1: the check loop, TLS, redirects,
//! proxy, and the streaming, resumable, verified download with its limits.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::json;
use support::{
    Part, Proxy, Reply, Request, Server, Signer, TestCa, entries, offered, payload, ranged, vector,
    vector_bytes,
};
use upkit::core::check::CheckError;
use upkit::core::signature::VerifyError;
use upkit::core::target::{Arch, Os};
use upkit::core::template::Transport;
use upkit::core::version::parse;
use upkit::{DownloadEvent, Error, ManifestSize, Progress, RetryPolicy, UpdaterBuilder};
use upkit_fixtures::test_name;

const ARTIFACT: &str = "files/random-256KiB.bin";
const SIG_210: &str = "sigs/secret/random-256KiB.bin.version-2.1.0.sig";
const SIG_PLAIN: &str = "sigs/secret/random-256KiB.bin.sig";

fn pubkey() -> String {
    vector("keys/secret.key.pub")
}

/// A client for Linux x86_64 at 1.0.0 over plain http, with quick retries.
fn client(endpoints: &[String]) -> UpdaterBuilder {
    UpdaterBuilder::new(parse("1.0.0").unwrap())
        .endpoints(endpoints.iter().map(String::as_str))
        .pubkey(&pubkey())
        .os(Os::Linux)
        .arch(Arch::X86_64)
        .installer(None)
        .transport(Transport::Insecure)
        .system_proxy(upkit::SystemProxy::Ignore)
        .retry(RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        })
}

/// The static manifest of 2.1.0 signed with `sig`, its URLs on the https server `r` came to.
fn https_manifest(r: &Request, sig: &str) -> Reply {
    let base = format!("https://{}", r.header("host").unwrap());
    Reply::json(&static_manifest(&base, "2.1.0", sig))
}

fn host(request: &Request) -> String {
    format!("http://{}", request.header("host").unwrap())
}

fn static_manifest(base: &str, version: &str, signature: &str) -> serde_json::Value {
    json!({
        "version": version,
        "notes": "Fixes",
        "pub_date": "2026-11-01T12:00:00Z",
        "platforms": {
            "linux-x86_64": { "url": format!("{base}/app.bin"), "signature": signature.trim() },
            "darwin-aarch64": { "url": format!("{base}/app.tar.gz"), "signature": "c2ln" }
        }
    })
}

/// A server answering `/latest.json` with a static manifest for 2.1.0 and `/app.bin` with the
/// vector artifact, through `artifact` (which may script failures).
async fn release_server(
    artifact: impl Fn(&Request, usize, &[u8]) -> Reply + Send + Sync + 'static,
) -> Server {
    announcing("2.1.0", vector(SIG_210), artifact).await
}

/// A server announcing `version` with `sig` for the vector artifact.
async fn announcing(
    version: &'static str,
    sig: String,
    artifact: impl Fn(&Request, usize, &[u8]) -> Reply + Send + Sync + 'static,
) -> Server {
    let body = vector_bytes(ARTIFACT);
    Server::start(move |r, i| match r.target.as_str() {
        "/latest.json" => Reply::json(&static_manifest(&host(r), version, &sig)),
        "/app.bin" => artifact(r, i, &body),
        _ => Reply::status(404),
    })
    .await
}

/// The update the default client is offered by `endpoints`.
async fn check_update(endpoints: &[String]) -> upkit::updater::Update {
    offered(client(endpoints)).await
}

/// The error of the default client's check over `endpoints`.
async fn check_error(endpoints: &[String]) -> Error {
    client(endpoints)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err()
}

fn artifact_requests(server: &Server) -> Vec<Request> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.target == "/app.bin")
        .collect()
}

fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl FnMut(&Progress) + Send + 'static,
) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (events, move |p: &Progress| {
        sink.lock().unwrap().push(p.clone())
    })
}

#[tokio::test]
async fn static_manifest_check_and_verified_download() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let updater = client(&[server.url("/latest.json")]).build().unwrap();
    let update = updater.check().await.unwrap().expect("an update");
    assert_eq!(update.version().to_string(), "2.1.0");
    assert_eq!(update.current_version().to_string(), "1.0.0");
    assert_eq!(update.notes(), Some("Fixes"));
    assert_eq!(update.target(), "linux");
    assert_eq!(update.platform_key(), Some("linux-x86_64"));
    assert_eq!(update.download_url().as_str(), server.url("/app.bin"));
    assert_eq!(update.endpoint().as_str(), server.url("/latest.json"));
    assert_eq!(
        update.raw()["platforms"]["darwin-aarch64"]["signature"],
        "c2ln"
    );
    assert_eq!(update.pub_date().unwrap().unix_timestamp(), 1_793_534_400);

    let check = &server.requests()[0];
    assert_eq!(check.method, "GET");
    assert_eq!(check.header("accept"), Some("application/json"));
    assert_eq!(
        check.header("user-agent"),
        Some(concat!("upkit/", env!("CARGO_PKG_VERSION")))
    );

    let dir = tempfile::tempdir().unwrap();
    let (events, progress) = recorder();
    let artifact = update.download(dir.path(), progress).await.unwrap();
    assert_eq!(artifact.path(), dir.path().join("app.bin"));
    assert_eq!(
        std::fs::read(artifact.path()).unwrap(),
        vector_bytes(ARTIFACT)
    );
    assert_eq!(artifact.proof().bytes(), 262_144);
    assert_eq!(artifact.proof().trusted_comment().version(), Some("2.1.0"));
    assert_eq!(entries(dir.path()), [dir.path().join("app.bin")]);
    let download = &artifact_requests(&server)[0];
    assert_eq!(download.header("accept"), Some("application/octet-stream"));
    assert_eq!(download.header("range"), None);

    let events = events.lock().unwrap();
    assert_eq!(
        events[0].event,
        DownloadEvent::Started {
            content_length: Some(262_144)
        }
    );
    assert_eq!(events.last().unwrap().event, DownloadEvent::Finished);
    assert_eq!(events.last().unwrap().downloaded, 262_144);
    let sum: u64 = events
        .iter()
        .map(|e| match e.event {
            DownloadEvent::Progress { chunk_length } => chunk_length,
            _ => 0,
        })
        .sum();
    assert_eq!(sum, 262_144);
}

#[tokio::test]
async fn dynamic_manifest_from_a_templated_endpoint() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let body = payload(100_000);
    let signer = Signer::new();
    let sig = signer.sign(&body, "app-2.0.0.bin", "2.0.0");
    let server = Server::start(move |r, _| {
        if r.target.starts_with("/update/") {
            Reply::json(&json!({
                "version": "v2.0.0",
                "url": format!("{}/dl/app-2.0.0.bin", host(r)),
                "signature": sig,
                "notes": null
            }))
        } else {
            Reply::ok(body.clone())
        }
    })
    .await;
    let updater =
        client(&[server
            .url("/update/{{target}}/{{arch}}/{{bundle_type}}/{{current_version}}?c={{channel}}")])
        .pubkey(&signer.pubkey())
        .variable("channel", "beta 1")
        .build()
        .unwrap();
    let update = updater.check().await.unwrap().unwrap();
    assert_eq!(
        server.requests()[0].target,
        "/update/linux/x86_64/unknown/1.0.0?c=beta%201"
    );
    assert_eq!(update.version().to_string(), "2.0.0");
    assert_eq!((update.target(), update.platform_key()), ("linux", None));
    assert_eq!(update.notes(), None);
    let dir = tempfile::tempdir().unwrap();
    let artifact = update.download(dir.path(), |_| {}).await.unwrap();
    assert_eq!(artifact.path(), dir.path().join("app-2.0.0.bin"));
    assert_eq!(artifact.proof().key_id(), support::key_id(&signer.pubkey()));
}

#[tokio::test]
async fn no_content_means_no_update() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|_, _| Reply::status(204)).await;
    let second = Server::start(|_, _| Reply::status(500)).await;
    let updater = client(&[server.url("/u"), second.url("/u")])
        .build()
        .unwrap();
    assert!(updater.check().await.unwrap().is_none());
    assert!(second.requests().is_empty());
}

#[tokio::test]
async fn same_version_is_no_update_and_downgrades_are_opt_in() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let sig = vector(SIG_210);
    let server =
        Server::start(move |r, _| Reply::json(&static_manifest(&host(r), "0.9.0", &sig))).await;
    let updater = client(&[server.url("/latest.json")]).build().unwrap();
    assert!(updater.check().await.unwrap().is_none());
    let updater = client(&[server.url("/latest.json")])
        .allow_downgrades()
        .build()
        .unwrap();
    assert_eq!(
        updater
            .check()
            .await
            .unwrap()
            .unwrap()
            .version()
            .to_string(),
        "0.9.0"
    );
}

/// A port nothing listens on.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/latest.json")
}

#[tokio::test]
async fn falls_back_after_refused_404_500_and_invalid_manifest() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let good = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let bad = Server::start(|r, _| match r.target.as_str() {
        "/404" => Reply::status(404),
        "/500" => Reply::status(500),
        _ => Reply::json(&json!({ "version": "2.0.0" })),
    })
    .await;
    let endpoints = [
        refused_url().await,
        bad.url("/404"),
        bad.url("/500"),
        bad.url("/invalid"),
        good.url("/latest.json"),
    ];
    let update = check_update(&endpoints).await;
    assert_eq!(update.endpoint().as_str(), good.url("/latest.json"));
    assert_eq!(bad.requests().len(), 3);
}

#[tokio::test]
async fn exhausted_endpoints_give_the_last_remembered_error() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let bad = Server::start(|r, _| match r.target.as_str() {
        "/404" => Reply::status(404),
        _ => Reply::json(&json!({ "version": "2.0.0" })),
    })
    .await;
    let refused = refused_url().await;
    // A status does not replace the remembered transport error.
    let err = check_error(&[refused.clone(), bad.url("/404")]).await;
    let Error::Check(check) = &err else { panic!() };
    let CheckError::Transport { endpoint, error } = &**check else {
        panic!("{err:?}")
    };
    assert_eq!(endpoint.as_str(), refused);
    assert!(error.starts_with("connection failed: "), "{error}");
    assert!(
        err.to_string()
            .starts_with(&format!("could not fetch {refused}: connection failed: ")),
        "{err}"
    );

    let err = check_error(&[bad.url("/invalid"), bad.url("/404")]).await;
    assert!(
        matches!(&err, Error::Check(e) if matches!(**e, CheckError::InvalidManifest { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "the answer of {} is not a valid update manifest: ",
            bad.url("/invalid")
        )),
        "{err}"
    );

    let err = check_error(&[bad.url("/404")]).await;
    assert_eq!(
        err.to_string(),
        format!(
            "no endpoint gave a valid release ({} answered 404)",
            bad.url("/404")
        )
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_aborts_the_check() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let first = Server::start(|_, _| Reply::ok("<html>maintenance</html>")).await;
    let good = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let err = check_error(&[first.url("/latest.json"), good.url("/latest.json")]).await;
    assert_eq!(
        err.to_string(),
        format!(
            "the answer of {} is not JSON: expected value at line 1 column 1",
            first.url("/latest.json")
        )
    );
    assert!(good.requests().is_empty());
}

#[tokio::test]
async fn a_body_cut_short_aborts_the_check_as_in_tauri() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    // 200 with a length of 100, then 11 bytes and a reset: Tauri's `res.json().await?` fails the
    // whole check, and so does upkit, without trying the next endpoint.
    let first = Server::start(|_, _| {
        Reply::ok(Vec::new()).parts(
            vec![Part::Data(br#"{"version":"#.to_vec()), Part::Reset],
            Some(100),
        )
    })
    .await;
    let good = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let err = check_error(&[first.url("/latest.json"), good.url("/latest.json")]).await;
    assert!(
        matches!(&err, Error::Check(e) if matches!(**e, CheckError::BodyRead { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "could not read the answer of {}: ",
            first.url("/latest.json")
        )),
        "{err}"
    );
    assert!(good.requests().is_empty());
}

#[tokio::test]
async fn redirects_are_followed_up_to_ten() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let good = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let target = good.url("/latest.json");
    let hops = Server::start(move |r, _| {
        let n: u32 = r.target.trim_start_matches("/hop/").parse().unwrap();
        if n == 0 {
            Reply::redirect(307, &target)
        } else {
            Reply::redirect(302, &format!("/hop/{}", n - 1))
        }
    })
    .await;
    // Ten redirects: fine; the endpoint reported is the one configured.
    let update = check_update(&[hops.url("/hop/9")]).await;
    assert_eq!(update.endpoint().as_str(), hops.url("/hop/9"));
    // Eleven: refused.
    let err = check_error(&[hops.url("/hop/10")]).await;
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch {}: more than 10 redirects (the last one to {})",
            hops.url("/hop/10"),
            good.url("/latest.json")
        )
    );
}

#[tokio::test]
async fn tls_with_a_test_ca_and_the_refused_https_to_http_redirect() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let ca = TestCa::new();
    let plain = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let plain_url = plain.url("/latest.json");
    let sig = vector(SIG_210);
    let tls = Server::start_tls(ca.server.clone(), move |r, _| match r.target.as_str() {
        "/to-http" => Reply::redirect(302, &plain_url),
        "/latest.json" => https_manifest(r, &sig),
        _ => ranged(r, &vector_bytes(ARTIFACT), "\"v1\""),
    })
    .await;
    let secure = |endpoint: &str| {
        client(&[endpoint.to_owned()])
            .transport(Transport::Secure)
            .root_certificate(ca.ca_pem.as_bytes())
    };

    // Trusted through the test CA: check and download over https.
    let update = secure(&tls.url("/latest.json"))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let artifact = update.download(dir.path(), |_| {}).await.unwrap();
    assert_eq!(
        std::fs::read(artifact.path()).unwrap(),
        vector_bytes(ARTIFACT)
    );

    // Without the CA the certificate is refused.
    let err = client(&[tls.url("/latest.json")])
        .transport(Transport::Secure)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    let Error::Check(check) = &err else { panic!() };
    let CheckError::Transport { error, .. } = &**check else {
        panic!("{err:?}")
    };
    assert!(error.contains("certificate"), "{error}");

    // https -> http redirect refused under secure transport...
    let err = secure(&tls.url("/to-http"))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch {0}: redirect from {0} to {1} refused: it leaves https and insecure transport is not allowed",
            tls.url("/to-http"),
            plain.url("/latest.json")
        )
    );
    assert!(plain.requests().is_empty());
    // ...and followed when insecure transport is allowed.
    let update = secure(&tls.url("/to-http"))
        .transport(Transport::Insecure)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap();
    assert!(update.is_some());
}

/// An HTTP/2-only server (ALPN `h2`) with the test CA, announcing 2.1.0 at `/latest.json` and
/// serving the vector artifact at `/app.bin` through `artifact`; and a client that trusts it.
async fn h2_release(
    artifact: impl Fn(&Request, &[u8]) -> Reply + Send + Sync + 'static,
) -> (Server, UpdaterBuilder) {
    let ca = TestCa::new();
    let sig = vector(SIG_210);
    let body = vector_bytes(ARTIFACT);
    let server = Server::start_h2(ca.server.clone(), move |r, _| match r.target.as_str() {
        "/latest.json" => https_manifest(r, &sig),
        "/app.bin" => artifact(r, &body),
        _ => Reply::status(404),
    })
    .await;
    let builder = client(&[server.url("/latest.json")])
        .transport(Transport::Secure)
        .root_certificate(ca.ca_pem.as_bytes());
    (server, builder)
}

#[tokio::test]
async fn http2_check_and_a_download_resumed_after_a_stream_reset() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let (server, builder) = h2_release(|r, body| {
        if r.header("range").is_none() {
            reset_after_100_000(body)
        } else {
            ranged(r, body, "\"v1\"")
        }
    })
    .await;
    let events = download_recorded(builder).await;

    let requests = server.requests();
    let versions: Vec<_> = requests.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(versions, ["HTTP/2.0"; 3]);
    // The RST_STREAM is a failed read like a TCP reset: the download resumes where it was.
    let fetches = artifact_requests(&server);
    assert_eq!(fetches.len(), 2);
    assert_eq!(fetches[1].header("range"), Some("bytes=100000-"));
    assert_eq!(fetches[1].header("if-range"), Some("\"v1\""));
    assert_eq!(starts(&events), 1, "a resume is not a restart");
    assert_eq!(events.last().unwrap().downloaded, 262_144);
}

#[tokio::test]
async fn http2_a_stalled_stream_hits_the_stall_timeout() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let (server, builder) = h2_release(|_, body| stall_after(body, 1000)).await;
    assert_download_stalls(&server, builder).await;
}

#[tokio::test]
async fn an_http_endpoint_is_refused_without_insecure_transport() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let err = client(&["http://127.0.0.1:1/latest.json".to_owned()])
        .transport(Transport::Secure)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "endpoint `http://127.0.0.1:1/latest.json` must use https (scheme is `http`); allow insecure transport to use it anyway"
    );
}

#[tokio::test]
async fn headers_and_proxy() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let proxy = Proxy::start().await;
    let update = client(&[server.url("/latest.json")])
        .header("X-Api-Key", "s3cret")
        .header("Accept", "application/vnd.updates+json")
        .header("User-Agent", "my-app/1.0")
        .proxy(&format!("http://{}", proxy.addr))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .unwrap();
    let seen = &server.requests()[0];
    assert_eq!(seen.header("x-api-key"), Some("s3cret"));
    assert_eq!(seen.header("accept"), Some("application/vnd.updates+json"));
    assert_eq!(seen.header("user-agent"), Some("my-app/1.0"));
    let dir = tempfile::tempdir().unwrap();
    update.download(dir.path(), |_| {}).await.unwrap();
    let through: Vec<_> = proxy.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        through,
        [server.url("/latest.json"), server.url("/app.bin")]
    );
    assert_eq!(
        artifact_requests(&server)[0].header("x-api-key"),
        Some("s3cret")
    );

    // no-proxy bypasses it.
    let proxy = Proxy::start().await;
    client(&[server.url("/latest.json")])
        .proxy(&format!("http://{}", proxy.addr))
        .no_proxy("127.0.0.1")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .unwrap();
    assert!(proxy.requests().is_empty());
}

async fn check_and_download(
    server: &Server,
    builder: UpdaterBuilder,
) -> (
    tempfile::TempDir,
    Result<upkit::artifact::VerifiedArtifact, Error>,
) {
    let update = offered(builder).await;
    assert_eq!(update.download_url().as_str(), server.url("/app.bin"));
    let dir = tempfile::tempdir().unwrap();
    let result = update.download(dir.path(), |_| {}).await;
    (dir, result)
}

/// Checks and downloads with a progress recorder; the artifact must be the signed file, alone
/// in its directory.
async fn download_recorded(builder: UpdaterBuilder) -> Vec<Progress> {
    let update = offered(builder).await;
    let dir = tempfile::tempdir().unwrap();
    let (events, progress) = recorder();
    let artifact = update.download(dir.path(), progress).await.unwrap();
    assert_eq!(
        std::fs::read(artifact.path()).unwrap(),
        vector_bytes(ARTIFACT)
    );
    assert_eq!(entries(dir.path()), [artifact.path()]);
    // The mode of any new file (here, of one made beside it), not a temp file's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o7777;
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        assert_eq!(mode(artifact.path()), mode(&probe));
    }
    events.lock().unwrap().clone()
}

/// The first 100 000 bytes of `body` with ETag `"v1"` (announcing all of it), then a reset.
fn reset_after_100_000(body: &[u8]) -> Reply {
    Reply::ok(Vec::new()).header("ETag", "\"v1\"").parts(
        vec![Part::Data(body[..100_000].to_vec()), Part::Reset],
        Some(body.len() as u64),
    )
}

/// How many times a download (re)started from byte zero.
fn starts(events: &[Progress]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e.event, DownloadEvent::Started { .. }))
        .count()
}

#[tokio::test]
async fn a_truncated_body_fails_after_the_retries_and_leaves_nothing() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|_, _, body| {
        Reply::ok(Vec::new()).parts(
            vec![Part::Data(body[..100_000].to_vec())],
            Some(body.len() as u64),
        )
    })
    .await;
    let (dir, result) = check_and_download(&server, client(&[server.url("/latest.json")])).await;
    let err = result.unwrap_err();
    let Error::Network { url, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(url.as_str(), server.url("/app.bin"));
    assert!(message.starts_with("reading the body failed"), "{message}");
    // The first attempt plus three retries, each resuming at 100 000.
    let requests = artifact_requests(&server);
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[1].header("range"), Some("bytes=100000-"));
    assert_eq!(
        requests[1].header("if-range"),
        None,
        "no validator was given"
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_connection_reset_mid_body_resumes_with_range() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, i, body| {
        if r.header("range").is_none() && i < 3 {
            reset_after_100_000(body)
        } else {
            ranged(r, body, "\"v1\"")
        }
    })
    .await;
    let events = download_recorded(client(&[server.url("/latest.json")])).await;
    let requests = artifact_requests(&server);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), Some("bytes=100000-"));
    assert_eq!(requests[1].header("if-range"), Some("\"v1\""));
    assert_eq!(starts(&events), 1, "a resume is not a restart");
    assert_eq!(events.last().unwrap().downloaded, 262_144);
}

#[tokio::test]
async fn a_server_ignoring_range_restarts_cleanly() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|_, i, body| {
        let reply = Reply::ok(Vec::new()).header("ETag", "\"v1\"");
        if i == 1 {
            reply.parts(
                vec![Part::Data(body[..100_000].to_vec()), Part::Reset],
                Some(body.len() as u64),
            )
        } else {
            reply.body(body.to_vec())
        }
    })
    .await;
    let events = download_recorded(client(&[server.url("/latest.json")])).await;
    let requests = artifact_requests(&server);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), Some("bytes=100000-"));
    assert_eq!(starts(&events), 2, "the 200 answer restarts from zero");
    assert_eq!(events.last().unwrap().downloaded, 262_144);
}

#[tokio::test]
async fn a_changed_file_restarts_with_a_fresh_verifier() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    // First attempt: a different file (etag v0) cut short; the resume's If-Range fails, so
    // the server sends the whole current file with 200.
    let server = release_server(|r, i, body| {
        if i == 1 {
            let old = payload(body.len());
            Reply::ok(Vec::new()).header("ETag", "\"v0\"").parts(
                vec![Part::Data(old[..50_000].to_vec()), Part::Reset],
                Some(body.len() as u64),
            )
        } else {
            ranged(r, body, "\"v1\"")
        }
    })
    .await;
    let events = download_recorded(client(&[server.url("/latest.json")])).await;
    let requests = artifact_requests(&server);
    assert_eq!(requests[1].header("if-range"), Some("\"v0\""));
    assert_eq!(starts(&events), 2, "a changed file restarts from zero");
    assert_eq!(events.last().unwrap().downloaded, 262_144);
}

#[tokio::test]
async fn a_stalled_body_hits_the_stall_timeout() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|_, _, body| stall_after(body, 1000)).await;
    assert_download_stalls(&server, client(&[server.url("/latest.json")])).await;
}

/// The first `bytes` bytes of `body` (announcing all of it), then nothing.
fn stall_after(body: &[u8], bytes: usize) -> Reply {
    Reply::ok(Vec::new()).parts(
        vec![Part::Data(body[..bytes].to_vec()), Part::Stall],
        Some(body.len() as u64),
    )
}

/// With a 300 ms stall timeout and no retries, the download fails as stalled and leaves nothing.
async fn assert_download_stalls(server: &Server, builder: UpdaterBuilder) {
    let builder = builder
        .stall_timeout(Duration::from_millis(300))
        .retry(RetryPolicy {
            attempts: 0,
            ..RetryPolicy::default()
        });
    let (dir, result) = check_and_download(server, builder).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "downloading {} stalled: no data received for 300ms",
            server.url("/app.bin")
        )
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn download_destination_errors_name_the_path_and_leave_nothing() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let update = check_update(&[server.url("/latest.json")]).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let err = update.download(&missing, |_| {}).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot create a temporary file in {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    // The artifact's name is taken (by a directory here): nothing is replaced, the verified
    // file takes the next numbered name (the name comes from the unsigned URL).
    let taken = dir.path().join("app.bin");
    std::fs::create_dir(&taken).unwrap();
    let artifact = update.download(dir.path(), |_| {}).await.unwrap();
    assert_eq!(artifact.path(), dir.path().join("app-1.bin"));
    assert!(taken.is_dir());
    assert_eq!(entries(dir.path()), [dir.path().join("app-1.bin"), taken]);
}

/// Writes `dir/name`, last written `age` ago, and returns it open.
fn part_file(dir: &std::path::Path, name: &str, age: Duration) -> std::fs::File {
    let file = std::fs::File::create(dir.join(name)).unwrap();
    file.set_len(1000).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
    file
}

#[tokio::test]
async fn leftovers_of_killed_downloads_are_removed_and_live_ones_kept() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    use rustix::fs::{FlockOperation, flock};
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let dir = tempfile::tempdir().unwrap();
    let minutes = |n: u64| Duration::from_secs(60 * n);
    // Left by a killed download: old, and nobody holds its lock.
    drop(part_file(dir.path(), ".upkit-dead01.part", minutes(2)));
    // A running download's: old (stalled, or between retries), but locked.
    let live = part_file(dir.path(), ".upkit-live01.part", minutes(2));
    flock(&live, FlockOperation::NonBlockingLockExclusive).unwrap();
    // Just made, not locked yet.
    drop(part_file(dir.path(), ".upkit-new001.part", Duration::ZERO));
    // Not ours.
    drop(part_file(dir.path(), "notes.part", minutes(2)));

    let update = check_update(&[server.url("/latest.json")]).await;
    update.download(dir.path(), |_| {}).await.unwrap();
    let kept = [
        ".upkit-live01.part",
        ".upkit-new001.part",
        "app.bin",
        "notes.part",
    ];
    assert_eq!(entries(dir.path()), kept.map(|n| dir.path().join(n)));
    drop(live);
}

#[tokio::test]
async fn a_killed_cli_download_leaves_a_part_file_that_the_next_download_removes() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let stalled = release_server(|_, _, body| stall_after(body, 1000)).await;
    let good = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let key = pubkey();
    let args = |server: &Server| {
        let mut args = vec!["download".to_owned(), "--out".to_owned(), out.to_owned()];
        let endpoint = server.url("/latest.json");
        args.extend(
            cli_args(&endpoint, &key, "1.0.0")
                .into_iter()
                .map(str::to_owned),
        );
        args
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(args(&stalled))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // It made its temporary file and asked for the artifact, which stalls after 1000 bytes.
    let started = std::time::Instant::now();
    let part = loop {
        let found = entries(dir.path())
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(".part"));
        if let Some(part) = found.filter(|_| !artifact_requests(&stalled).is_empty()) {
            break part;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no .part file");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Old enough to be a leftover, were it not for the lock the running process holds.
    let age = |part: &std::path::Path| {
        let file = std::fs::File::options().write(true).open(part).unwrap();
        let past = std::time::SystemTime::now() - Duration::from_secs(61);
        file.set_modified(past).unwrap();
    };
    age(&part);

    let downloaded = |code: i32, stderr: &str| assert_eq!(code, 0, "{stderr}");
    let args_good: Vec<String> = args(&good);
    let args_good: Vec<&str> = args_good.iter().map(String::as_str).collect();
    let (code, _, stderr) = upkit(&args_good).await;
    downloaded(code, &stderr);
    assert!(part.exists(), "the running download's file is kept");

    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert!(part.exists(), "a killed process leaves its file");
    std::fs::remove_file(dir.path().join("app.bin")).unwrap();
    let (code, _, stderr) = upkit(&args_good).await;
    downloaded(code, &stderr);
    assert_eq!(entries(dir.path()), [dir.path().join("app.bin")]);
}

#[tokio::test]
async fn a_stalled_check_hits_the_stall_timeout_and_the_deadline() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|_, _| Reply::ok(Vec::new()).parts(vec![Part::Stall], None)).await;
    let err = client(&[server.url("/latest.json")])
        .stall_timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not read the answer of {}: no data received for 200ms",
            server.url("/latest.json")
        )
    );
    // A server that never answers at all: the same timeout, told apart.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/latest.json", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let err = client(std::slice::from_ref(&url))
        .stall_timeout(Duration::from_millis(200))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not fetch {url}: no response within 200ms (redirects included)")
    );
    let err = client(&[server.url("/latest.json")])
        .deadline(Duration::from_millis(200))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    // The message names the endpoint that kept the check waiting.
    assert_eq!(
        err.to_string(),
        format!(
            "the check (asking {}) did not finish within the deadline of 200ms",
            server.url("/latest.json")
        )
    );
}

#[tokio::test]
async fn an_endless_body_hits_the_size_limit() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server =
        release_server(|_, _, _| Reply::ok(Vec::new()).parts(vec![Part::Endless], None)).await;
    let builder = client(&[server.url("/latest.json")]).artifact_limit(1 << 20);
    let (dir, result) = check_and_download(&server, builder).await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the artifact at {} is larger than the limit of 1048576 bytes",
            server.url("/app.bin")
        )
    );
    assert!(matches!(
        err,
        Error::TooLarge {
            limit: 1_048_576,
            ..
        }
    ));
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn an_announced_length_over_the_limit_fails_before_the_body() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let (dir, result) = check_and_download(
        &server,
        client(&[server.url("/latest.json")]).artifact_limit(1000),
    )
    .await;
    assert!(matches!(
        &result.unwrap_err(),
        Error::TooLarge { limit: 1000, .. }
    ));
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn an_endless_manifest_hits_the_manifest_limit() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|_, _| Reply::ok(Vec::new()).parts(vec![Part::Endless], None)).await;
    let err = client(&[server.url("/latest.json")])
        .manifest_limit(4096)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the answer of {} is larger than the limit of 4096 bytes",
            server.url("/latest.json")
        )
    );
}

#[tokio::test]
async fn a_tampered_artifact_is_refused() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|_, _, body| {
        let mut tampered = body.to_vec();
        tampered[1234] ^= 1;
        Reply::ok(tampered)
    })
    .await;
    let (dir, result) = check_and_download(&server, client(&[server.url("/latest.json")])).await;
    let err = result.unwrap_err();
    assert!(matches!(
        &err,
        Error::Signature { source, .. } if matches!(**source, VerifyError::SignatureMismatch { bytes: 262_144, .. })
    ));
    let key_id = support::key_id(&pubkey());
    assert_eq!(
        err.to_string(),
        format!(
            "the artifact from {} failed verification: file does not match its signature by key {key_id}: its bytes differ from the signed ones (262144 bytes read)",
            server.url("/app.bin")
        )
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_wrong_key_is_refused_before_any_byte() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let builder = UpdaterBuilder::new(parse("1.0.0").unwrap())
        .endpoint(&server.url("/latest.json"))
        .pubkey(&vector("keys/nopass.key.pub"))
        .os(Os::Linux)
        .arch(Arch::X86_64)
        .transport(Transport::Insecure);
    let (dir, result) = check_and_download(&server, builder).await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Signature { source, .. } if matches!(**source, VerifyError::KeyIdMismatch { .. })
        ),
        "{err:?}"
    );
    assert!(artifact_requests(&server).is_empty());
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_signed_version_mismatch_is_refused_before_any_byte() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = announcing("2.2.0", vector(SIG_210), |_, _, body| {
        Reply::ok(body.to_vec())
    })
    .await;
    let (dir, result) = check_and_download(&server, client(&[server.url("/latest.json")])).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "the artifact from {} failed verification: signed version 2.1.0 differs from the announced version 2.2.0",
            server.url("/app.bin")
        )
    );
    assert!(artifact_requests(&server).is_empty());
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn a_missing_signed_version_is_refused_unless_optional() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = announcing("2.1.0", vector(SIG_PLAIN), |_, _, body| {
        Reply::ok(body.to_vec())
    })
    .await;
    let (_dir, result) = check_and_download(&server, client(&[server.url("/latest.json")])).await;
    assert!(matches!(
        &result.unwrap_err(),
        Error::Signature { source, .. } if matches!(**source, VerifyError::SignedVersionMissing)
    ));
    let builder = client(&[server.url("/latest.json")])
        .signed_version(upkit::core::signature::SignedVersion::Optional);
    let (_dir, result) = check_and_download(&server, builder).await;
    result.unwrap();
}

#[tokio::test]
async fn the_manifest_size_is_enforced_exactly() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let body = payload(50_000);
    let signer = Signer::new();
    let sig = signer.sign(&body, "app.bin", "2.0.0");
    let pubkey = signer.pubkey();
    let served = body.clone();
    let server = Server::start(move |r, _| match r.target.as_str() {
        "/small.json" | "/big.json" => {
            let size = if r.target == "/small.json" { 40_000 } else { 60_000 };
            Reply::json(&json!({
                "version": "2.0.0",
                "platforms": { "linux-x86_64": { "url": format!("{}/app.bin", host(r)), "signature": sig, "size": size } }
            }))
        }
        _ => Reply::ok(Vec::new()).parts(vec![Part::Data(served.clone())], None),
    })
    .await;
    for (endpoint, expected, found) in [
        ("/small.json", 40_000, "more than 40000"),
        ("/big.json", 60_000, "50000"),
    ] {
        let builder = client(&[server.url(endpoint)])
            .pubkey(&pubkey)
            .retry(RetryPolicy {
                attempts: 0,
                ..RetryPolicy::default()
            });
        let (dir, result) = check_and_download(&server, builder).await;
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the artifact at {} is {found} bytes, but the manifest says {expected}",
                server.url("/app.bin")
            )
        );
        assert!(entries(dir.path()).is_empty());
        // The opt-out, for a manifest whose `size` is wrong: Tauri ignores it.
        let builder = client(&[server.url(endpoint)])
            .pubkey(&pubkey)
            .manifest_size(ManifestSize::Ignored);
        let (dir, result) = check_and_download(&server, builder).await;
        let artifact = result.unwrap();
        assert_eq!(std::fs::read(artifact.path()).unwrap(), body);
        drop(dir);
    }
}

/// A body whose end is lost after its last byte (the connection reset instead of closed), from
/// a server that answers a range past the end with 416 and the file's length, as `upkit serve`
/// does: the bytes are all there, so the download verifies instead of starting over.
#[tokio::test]
async fn a_body_broken_after_its_last_byte_is_complete() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let body = payload(50_000);
    let signer = Signer::new();
    let sig = signer.sign(&body, "app.bin", "2.0.0");
    let pubkey = signer.pubkey();
    let served = body.clone();
    let server = Server::start(move |r, _| {
        let size = match r.target.as_str() {
            "/unsized.json" => json!(null),
            "/sized.json" => json!(50_000),
            "/oversized.json" => json!(50_500),
            _ => {
                return match r.header("range") {
                    Some(_) => Reply::status(416).header("Content-Range", "bytes */50000"),
                    None => Reply::ok(Vec::new())
                        .parts(vec![Part::Data(served.clone()), Part::Reset], None),
                };
            }
        };
        Reply::json(&json!({
            "version": "2.0.0",
            "platforms": { "linux-x86_64": { "url": format!("{}/app.bin", host(r)), "signature": sig, "size": size } }
        }))
    })
    .await;
    for endpoint in ["/unsized.json", "/sized.json"] {
        let before = server.requests().len();
        let builder = client(&[server.url(endpoint)]).pubkey(&pubkey);
        let (dir, result) = check_and_download(&server, builder).await;
        let artifact = result.unwrap_or_else(|e| panic!("{endpoint}: {e}"));
        assert_eq!(std::fs::read(artifact.path()).unwrap(), body);
        assert_eq!(entries(dir.path()), [artifact.path().to_owned()]);
        let requests = server.requests();
        let ranges: Vec<Option<&str>> = requests[before..]
            .iter()
            .filter(|r| r.target == "/app.bin")
            .map(|r| r.header("range"))
            .collect();
        // Without a size, one request for the range past the end tells that the file is whole;
        // with the size, the bytes received tell it.
        let expected: &[Option<&str>] = match endpoint {
            "/unsized.json" => &[None, Some("bytes=50000-")],
            _ => &[None],
        };
        assert_eq!(ranges, expected, "{endpoint}");
    }
    // The file is shorter than the manifest says: the 416 gives its length, and that is the
    // answer (it was 3 more whole downloads, then "the server answered 416").
    let builder = client(&[server.url("/oversized.json")]).pubkey(&pubkey);
    let before = server.requests().len();
    let (dir, result) = check_and_download(&server, builder).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "the artifact at {} is 50000 bytes, but the manifest says 50500",
            server.url("/app.bin")
        )
    );
    assert_eq!(
        server.requests()[before..].len(),
        3,
        "manifest, body, range"
    );
    assert!(entries(dir.path()).is_empty());
}

/// A 416 that gives the length received so far, but for another file (a new ETag, another length
/// than announced), does not end the download: it starts again.
#[tokio::test]
async fn a_416_for_a_changed_file_restarts() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let artifact_requests = std::sync::atomic::AtomicUsize::new(0);
    let server = release_server(move |r, _, body| {
        match artifact_requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => reset_after_100_000(body),
            1 => {
                assert_eq!(r.header("range"), Some("bytes=100000-"));
                Reply::status(416)
                    .header("Content-Range", "bytes */100000")
                    .header("ETag", "\"v2\"")
            }
            _ => ranged(r, body, "\"v1\""),
        }
    })
    .await;
    let builder = client(&[server.url("/latest.json")]);
    let (dir, result) = check_and_download(&server, builder).await;
    let artifact = result.unwrap();
    assert_eq!(
        std::fs::read(artifact.path()).unwrap(),
        vector_bytes(ARTIFACT)
    );
    assert_eq!(entries(dir.path()), [artifact.path().to_owned()]);
    let ranges: Vec<Option<String>> = server
        .requests()
        .iter()
        .filter(|r| r.target == "/app.bin")
        .map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert_eq!(ranges, [None, Some("bytes=100000-".to_owned()), None]);
}

/// A redirect loop is not retried: asking again follows the same loop.
#[tokio::test]
async fn a_redirect_loop_fails_at_once() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|r, _| match r.target.as_str() {
        "/latest.json" => Reply::json(&static_manifest(&host(r), "2.1.0", &vector(SIG_210))),
        _ => Reply::redirect(302, &format!("{}/loop", host(r))),
    })
    .await;
    let builder = client(&[server.url("/latest.json")]);
    let (dir, result) = check_and_download(&server, builder).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "downloading {} failed: more than 10 redirects (the last one to {})",
            server.url("/app.bin"),
            server.url("/loop")
        )
    );
    // The manifest, then one try: the artifact and 10 redirects followed, the 11th refused.
    assert_eq!(server.requests().len(), 1 + 11);
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn dropping_the_download_future_leaves_nothing() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|_, _, body| stall_after(body, 1000)).await;
    let update = check_update(&[server.url("/latest.json")]).await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let download = update.download(dir.path(), move |p| {
        if let (DownloadEvent::Started { .. }, Some(tx)) = (p.event, tx.take()) {
            let _ = tx.send(());
        }
    });
    // Run the download until the server answered, then drop it.
    let mut download = Box::pin(download);
    tokio::select! {
        _ = &mut download => panic!("the download cannot finish"),
        _ = rx => {}
    }
    let during = entries(dir.path());
    assert_eq!(during.len(), 1);
    assert!(
        during[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(".upkit-"),
        "{during:?}"
    );
    drop(download);
    // The download was under way: its temporary file existed. Now it is gone.
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn tauri_config() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let config = json!({
        "plugins": { "updater": {
            "pubkey": pubkey(),
            "endpoints": [server.url("/latest.json")],
            "dangerousInsecureTransportProtocol": true
        }}
    });
    let updater =
        upkit::Updater::from_tauri_config(&config.to_string(), parse("1.0.0").unwrap()).unwrap();
    if updater.target().os == Os::Linux && updater.target().arch == Arch::X86_64 {
        let update = updater.check().await.unwrap().unwrap();
        let dir = tempfile::tempdir().unwrap();
        update.download(dir.path(), |_| {}).await.unwrap();
    }
    let config = json!({ "plugins": { "updater": { "pubkey": pubkey(), "endpoints": ["http://example.com/x"] } } });
    let err = upkit::Updater::from_tauri_config(&config.to_string(), parse("1.0.0").unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid tauri configuration: invalid `plugins.updater.endpoints[0]`: endpoint `http://example.com/x` must use https (scheme is `http`); allow insecure transport to use it anyway"
    );
}

/// An update from a `tauri.conf.json` installs with the configuration's Windows settings and
/// downgrade rule, as Tauri's does, and with the platform and bundle type it was checked for.
#[tokio::test]
async fn install_options_follow_the_tauri_config() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let config = |allow_downgrades: bool| {
        json!({
            "plugins": { "updater": {
                "pubkey": pubkey(),
                "endpoints": [server.url("/latest.json")],
                "dangerousInsecureTransportProtocol": true,
                "allowDowngrades": allow_downgrades,
                "windows": { "installMode": "quiet", "installerArgs": ["/NS"] }
            }}
        })
        .to_string()
    };
    let options_with = |config: String, current: &'static str, package: Option<&'static str>| async move {
        let mut builder =
            upkit::UpdaterBuilder::from_tauri_config(&config, parse(current).unwrap())
                .unwrap()
                .os(Os::Linux)
                .arch(Arch::X86_64)
                .installer(Some(upkit::core::target::Installer::Deb));
        if let Some(package) = package {
            builder = builder.app_package(Some(package));
        }
        let update = builder
            .build()
            .unwrap()
            .check()
            .await
            .unwrap()
            .expect("an update");
        format!("{:?}", update.install_options())
    };
    let options = |config, current| options_with(config, current, None);
    let expected_with = |downgrades: &str, package: &str| {
        format!(
            "InstallOptions {{ os: Linux, installer: Some(Deb), install_path: None, limits: {:?}, package_args: [], package_name: {package}, downgrades: {downgrades}, windows: WindowsOptions {{ mode: Quiet, restart: Relaunch, installer_args: [\"/NS\"], app_args: None }}, .. }}",
            upkit::install::Limits::default()
        )
    };
    let expected = |downgrades| expected_with(downgrades, "None");
    // The test binary is no package's: no name to check, unless the app names its package.
    assert_eq!(options(config(false), "1.0.0").await, expected("Refuse"));
    assert_eq!(
        options_with(config(false), "1.0.0", Some("demo-app")).await,
        expected_with("Refuse", "Some(\"demo-app\")")
    );
    // 2.1.0 offered to 3.0.0: a downgrade, which the package manager must then accept.
    assert_eq!(options(config(true), "3.0.0").await, expected("Allow"));
    // Downgrades allowed, but 2.1.0 is newer than 1.0.0: an older package inside is a mistake.
    assert_eq!(options(config(true), "1.0.0").await, expected("Refuse"));
}

/// Ctrl-C during `upkit download` removes the partial download and exits 130.
#[tokio::test]
async fn an_interrupted_cli_download_leaves_nothing() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    use tokio::io::AsyncBufReadExt as _;

    let server = release_server(|_, _, body| stall_after(body, 100_000)).await;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = server.url("/latest.json");
    let key = pubkey();
    let mut args = vec!["download", "--out", dir.path().to_str().unwrap()];
    args.extend(cli_args(&endpoint, &key, "1.0.0"));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    // Under way: the temp file holds the first bytes, and the server stalls.
    while let Some(line) = stderr.next_line().await.unwrap() {
        if line.starts_with("started: ") {
            break;
        }
    }
    while entries(dir.path()).is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let id = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &id])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    let mut rest = Vec::new();
    while let Some(line) = stderr.next_line().await.unwrap() {
        rest.push(line);
    }
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert_eq!(rest, ["interrupted: the partial download was removed"]);
    assert!(entries(dir.path()).is_empty());
}

/// Runs the `upkit` binary; gives (exit code, stdout, stderr).
async fn upkit(args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(args)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn cli_args<'a>(endpoint: &'a str, key: &'a str, version: &'a str) -> Vec<&'a str> {
    vec![
        "--endpoint",
        endpoint,
        "--pubkey",
        key,
        "--current-version",
        version,
        "--target",
        "linux",
        "--arch",
        "x86_64",
        "--bundle-type",
        "unknown",
        "--insecure-transport",
    ]
}

/// The CLI's bundle type is `unknown` unless given: it does not guess from its own machine (an
/// `$APPIMAGE`, a macOS target), so that it answers as `resolveUpdate` does.
#[tokio::test]
async fn cli_bundle_type_is_unknown_unless_given() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|_, _| Reply::status(204)).await;
    let endpoint = server.url("/{{target}}/{{bundle_type}}");
    let key = pubkey();
    for (target, bundle, asked) in [
        ("linux", None, "/linux/unknown"),
        ("darwin", None, "/darwin/unknown"),
        ("darwin", Some("app"), "/darwin/app"),
    ] {
        let mut args = vec!["check", "--endpoint", &endpoint, "--pubkey", &key];
        args.extend(["--current-version", "1.0.0", "--target", target]);
        args.extend(["--arch", "x86_64", "--insecure-transport"]);
        if let Some(bundle) = bundle {
            args.extend(["--bundle-type", bundle]);
        }
        let before = server.requests().len();
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_upkit"))
            .args(&args)
            .env("APPIMAGE", "/opt/Some.AppImage")
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let requests = server.requests();
        let targets: Vec<&str> = requests[before..]
            .iter()
            .map(|r| r.target.as_str())
            .collect();
        assert_eq!(targets, [asked]);
    }
}

#[tokio::test]
async fn cli_timeouts_must_be_above_zero() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let key = pubkey();
    for (arg, flag, value, or) in [
        ("--timeout=0", "--timeout", "0", ""),
        ("--deadline=0", "--deadline", "0", ", or none"),
        ("--timeout=-1", "--timeout", "-1", ""),
    ] {
        let mut args = vec!["check", arg];
        args.extend(cli_args("http://127.0.0.1:9/x", &key, "1.0.0"));
        let (code, _, stderr) = upkit(&args).await;
        assert_eq!(
            (code, stderr),
            (
                2,
                format!("error: invalid {flag} `{value}`: expected seconds above 0{or}\n")
            )
        );
    }
}

#[tokio::test]
async fn cli_check_json_and_text() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let endpoint = server.url("/latest.json");
    let key = pubkey();
    let mut args = vec!["check", "--json"];
    args.extend(cli_args(&endpoint, &key, "1.0.0"));
    let (code, stdout, stderr) = upkit(&args).await;
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report,
        json!({
            "available": true,
            "current_version": "1.0.0",
            "version": "2.1.0",
            "target": "linux",
            "platform_key": "linux-x86_64",
            "url": server.url("/app.bin"),
            "signature": vector(SIG_210).trim(),
            "size": null,
            "notes": "Fixes",
            "pub_date": "2026-11-01T12:00:00Z",
            "endpoint": endpoint,
            "refused": null,
        })
    );

    let mut args = vec!["check", "--json"];
    args.extend(cli_args(&endpoint, &key, "v2.1.0"));
    let (code, stdout, _) = upkit(&args).await;
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["available"], false);
    assert_eq!(report["current_version"], "2.1.0");
    assert_eq!(report["version"], serde_json::Value::Null);

    let mut args = vec!["check"];
    args.extend(cli_args(&endpoint, &key, "2.1.0"));
    let (code, stdout, _) = upkit(&args).await;
    assert_eq!((code, stdout.as_str()), (0, "up to date (2.1.0)\n"));

    let mut args = vec!["check"];
    args.extend(cli_args(&endpoint, &key, "1.0.0"));
    let (code, stdout, _) = upkit(&args).await;
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.1.0 (linux-x86_64)\n"),
        "{stdout}"
    );

    // --pubkey as `upkit verify` reads it: a minisign `.pub` file works, a mistyped path is
    // named as such (not decoded as a key).
    let dir = tempfile::tempdir().unwrap();
    let minisign_pub = dir.path().join("minisign.pub");
    let text = base64::engine::general_purpose::STANDARD
        .decode(&key)
        .unwrap();
    std::fs::write(&minisign_pub, text).unwrap();
    let mut args = vec!["check"];
    args.extend(cli_args(&endpoint, minisign_pub.to_str().unwrap(), "2.1.0"));
    let (code, stdout, stderr) = upkit(&args).await;
    assert_eq!(
        (code, stdout.as_str()),
        (0, "up to date (2.1.0)\n"),
        "{stderr}"
    );
    let mut args = vec!["check"];
    args.extend(cli_args(&endpoint, "typo.pub", "2.1.0"));
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(
        (code, stderr.as_str()),
        (
            2,
            "error: cannot read typo.pub: no such file, and not a key either\n"
        )
    );
}

/// A `tauri.conf.json` in `dir` for the test key and `endpoint`, with `key: value` in
/// `plugins.updater`.
fn write_tauri_config(
    dir: &std::path::Path,
    endpoint: &str,
    key: &str,
    value: bool,
) -> std::path::PathBuf {
    let mut updater = json!({ "pubkey": pubkey(), "endpoints": [endpoint] });
    updater[key] = value.into();
    let path = dir.join("tauri.conf.json");
    std::fs::write(
        &path,
        json!({ "plugins": { "updater": updater } }).to_string(),
    )
    .unwrap();
    path
}

/// `--insecure-transport` means the configuration's `dangerousInsecureTransportProtocol`, whose
/// endpoints are checked as it is read.
#[tokio::test]
async fn cli_insecure_transport_applies_to_a_tauri_config() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = server.url("/latest.json");
    let config = write_tauri_config(
        dir.path(),
        &endpoint,
        "dangerous-insecure-transport-protocol",
        false,
    );
    let check = [
        "check",
        "--config",
        config.to_str().unwrap(),
        "--current-version",
        "2.1.0",
    ];
    let (code, _, stderr) = upkit(&check).await;
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: in {}: invalid tauri configuration: invalid `plugins.updater.endpoints[0]`: endpoint `{}` must use https (scheme is `http`); allow insecure transport to use it anyway\n",
                config.display(),
                server.url("/latest.json")
            )
        )
    );
    let (code, stdout, stderr) = upkit(&[&check[..], &["--insecure-transport"]].concat()).await;
    assert_eq!(
        (code, stdout.as_str()),
        (0, "up to date (2.1.0)\n"),
        "{stderr}"
    );
}

/// Legacy (non-prehashed) signatures, which Tauri still accepts: refused unless allowed.
#[tokio::test]
async fn cli_download_takes_legacy_signatures_only_when_allowed() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/minisign");
    let payload = std::fs::read(format!("{data}/payload.txt")).unwrap();
    let sig = std::fs::read_to_string(format!("{data}/payload.txt.sig")).unwrap();
    let key = std::fs::read_to_string(format!("{data}/key.pub")).unwrap();
    let server = Server::start(move |r, _| match r.target.as_str() {
        "/latest.json" => Reply::json(&static_manifest(&host(r), "1.0.0", &sig)),
        "/app.bin" => Reply::ok(payload.clone()),
        _ => Reply::status(404),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = server.url("/latest.json");
    let mut args = vec!["download", "--out", dir.path().to_str().unwrap()];
    args.extend(cli_args(&endpoint, key.trim(), "0.9.0"));
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: the artifact from {} failed verification: legacy signature (algorithm Ed, not prehashed) refused: re-sign the file with a current signer or allow legacy signatures\n",
                server.url("/app.bin")
            )
        )
    );
    args.push("--allow-legacy");
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("app.bin")).unwrap(),
        std::fs::read(format!("{data}/payload.txt")).unwrap()
    );
}

#[tokio::test]
async fn cli_download_with_a_tauri_config_and_a_refused_tamper() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = server.url("/latest.json");
    let config = write_tauri_config(
        dir.path(),
        &endpoint,
        "dangerousInsecureTransportProtocol",
        true,
    );
    let out = dir.path().join("out");
    let (code, stdout, stderr) = upkit(&[
        "download",
        "--config",
        config.to_str().unwrap(),
        "--current-version",
        "1.0.0",
        "--target",
        "linux",
        "--arch",
        "x86_64",
        "--bundle-type",
        "unknown",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let path = out.join("app.bin");
    assert_eq!(report["path"], path.to_str().unwrap());
    assert_eq!(report["version"], "2.1.0");
    assert_eq!(std::fs::read(&path).unwrap(), vector_bytes(ARTIFACT));
    // Not a terminal: plain progress lines on stderr.
    assert!(stderr.contains("started: 0 of 262144 bytes"), "{stderr}");
    assert!(
        stderr.contains("received: 262144 of 262144 bytes"),
        "{stderr}"
    );

    let tampered = Server::start(|r, _| match r.target.as_str() {
        "/latest.json" => Reply::json(&static_manifest(&host(r), "2.1.0", &vector(SIG_210))),
        _ => {
            let mut body = vector_bytes(ARTIFACT);
            body[0] ^= 0xff;
            Reply::ok(body)
        }
    })
    .await;
    let endpoint = tampered.url("/latest.json");
    let key = pubkey();
    let out = dir.path().join("tampered");
    let mut args = vec!["download", "--out", out.to_str().unwrap()];
    args.extend(cli_args(&endpoint, &key, "1.0.0"));
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(code, 2);
    let key_id = support::key_id(&key);
    assert!(
        stderr.ends_with(&format!(
            "error: the artifact from {} failed verification: file does not match its signature by key {key_id}: its bytes differ from the signed ones (262144 bytes read)\n",
            tampered.url("/app.bin")
        )),
        "{stderr}"
    );
    assert!(entries(&out).is_empty());
}

/// A manifest `size` that is wrong fails the CLI's download at once, naming both sizes;
/// `--ignore-size` downloads it as Tauri would, still verified.
#[tokio::test]
async fn cli_ignore_size() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = Server::start(|r, _| match r.target.as_str() {
        "/latest.json" => {
            let mut manifest = static_manifest(&host(r), "2.1.0", &vector(SIG_210));
            manifest["platforms"]["linux-x86_64"]["size"] = json!(1000);
            Reply::json(&manifest)
        }
        _ => Reply::ok(vector_bytes(ARTIFACT)),
    })
    .await;
    let endpoint = server.url("/latest.json");
    let key = pubkey();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["download", "--out", out.to_str().unwrap()];
    args.extend(cli_args(&endpoint, &key, "1.0.0"));
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(code, 2);
    assert!(
        stderr.ends_with(&format!(
            "error: the artifact at {} is 262144 bytes, but the manifest says 1000\n",
            server.url("/app.bin")
        )),
        "{stderr}"
    );
    assert!(entries(&out).is_empty());
    args.push("--ignore-size");
    let (code, _, stderr) = upkit(&args).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(out.join("app.bin")).unwrap(),
        vector_bytes(ARTIFACT)
    );
}

#[tokio::test]
async fn tls_dangerous_settings() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    // A certificate from the test CA, but for another host name.
    let ca = TestCa::for_names(&["updates.example.test"]);
    let sig = vector(SIG_210);
    let tls = Server::start_tls(ca.server.clone(), move |r, _| {
        let base = format!("https://{}", r.header("host").unwrap());
        Reply::json(&static_manifest(&base, "2.1.0", &sig))
    })
    .await;
    let endpoint = tls.url("/latest.json");
    let secure = || {
        client(std::slice::from_ref(&endpoint))
            .transport(Transport::Secure)
            .root_certificate(ca.ca_pem.as_bytes())
    };
    let err = secure().build().unwrap().check().await.unwrap_err();
    let Error::Check(check) = &err else {
        panic!("{err:?}")
    };
    let CheckError::Transport { error, .. } = &**check else {
        panic!("{err:?}")
    };
    assert!(error.contains("certificate not valid for name"), "{error}");

    let update = secure()
        .hostnames(upkit::HostnameCheck::DangerAcceptInvalid)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap();
    assert!(update.is_some());

    // Without the CA, only accepting any certificate gets through.
    let update = client(std::slice::from_ref(&endpoint))
        .transport(Transport::Secure)
        .certificates(upkit::CertificateCheck::DangerAcceptInvalid)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap();
    assert!(update.is_some());
}

#[tokio::test]
async fn file_binding_and_the_download_deadline() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    // The vector's signed file name is `random-256KiB.bin`; the URL's is `app.bin`.
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let builder =
        client(&[server.url("/latest.json")]).file_binding(upkit::FileBinding::UrlBaseName);
    let (dir, result) = check_and_download(&server, builder).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "the artifact from {} failed verification: signed file name `random-256KiB.bin` differs from the expected `app.bin`",
            server.url("/app.bin")
        )
    );
    assert!(entries(dir.path()).is_empty());

    let stalled = release_server(|_, _, body| stall_after(body, 1000)).await;
    let builder = client(&[stalled.url("/latest.json")]).deadline(Duration::from_millis(300));
    let (dir, result) = check_and_download(&stalled, builder).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "the download of {} did not finish within the deadline of 300ms",
            stalled.url("/app.bin")
        )
    );
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn https_through_a_connect_proxy() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let ca = TestCa::new();
    let sig = vector(SIG_210);
    let tls = Server::start_tls(ca.server.clone(), move |r, _| match r.target.as_str() {
        "/latest.json" => https_manifest(r, &sig),
        _ => ranged(r, &vector_bytes(ARTIFACT), "\"v1\""),
    })
    .await;
    let proxy = Proxy::start().await;
    let update = client(&[tls.url("/latest.json")])
        .transport(Transport::Secure)
        .root_certificate(ca.ca_pem.as_bytes())
        .proxy(&format!("http://{}", proxy.addr))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    update.download(dir.path(), |_| {}).await.unwrap();
    let seen: Vec<_> = proxy
        .requests()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect();
    let authority = format!("localhost:{}", tls.addr.port());
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|(m, t)| m == "CONNECT" && *t == authority),
        "{seen:?}"
    );
}

/// An update to an AppImage served on loopback, and an installed old version of it.
struct AppImageUpdate {
    _server: Server,
    update: upkit::Update,
    body: Vec<u8>,
    app: std::path::PathBuf,
    _app_dir: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

async fn appimage_update() -> AppImageUpdate {
    let mut body = b"\x7fELF".to_vec();
    body.extend(payload(60_000));
    let signer = Signer::new();
    let sig = signer.sign(&body, "My.AppImage", "2.0.0");
    let served = body.clone();
    let server = Server::start(move |r, _| match r.target.as_str() {
        "/latest.json" => Reply::json(&json!({
            "version": "2.0.0",
            "url": format!("{}/My.AppImage", host(r)),
            "signature": sig
        })),
        _ => Reply::ok(served.clone()),
    })
    .await;
    let update = offered(client(&[server.url("/latest.json")]).pubkey(&signer.pubkey())).await;
    let app_dir = tempfile::tempdir().unwrap();
    let app = app_dir.path().join("My.AppImage");
    let mut old = b"\x7fELF".to_vec();
    old.extend(payload(100));
    std::fs::write(&app, &old).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    AppImageUpdate {
        _server: server,
        update,
        body,
        app,
        _app_dir: app_dir,
        downloads,
    }
}

#[tokio::test]
async fn download_and_install_an_appimage() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let AppImageUpdate {
        update,
        body,
        app,
        downloads,
        ..
    } = &appimage_update().await;
    let options = upkit::install::InstallOptions::new()
        .installer(upkit::core::target::Installer::AppImage)
        .install_path(app);
    let installed = update
        .download_and_install(downloads.path(), |_| {}, &options)
        .await
        .unwrap();
    assert_eq!(
        installed.to_string(),
        format!(
            "replaced the AppImage at {}",
            app.canonicalize().unwrap().display()
        )
    );
    assert_eq!(std::fs::read(app).unwrap(), *body);
}

/// The install step is synchronous; on the multi-thread runtime it must not hold the runtime's
/// worker. With one worker running the update (in a spawned task: the test's own body runs
/// beside the workers), a task spawned while the install runs (here: from the install's
/// observer, which then waits for it) only runs if the install let go of that worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_runtime_goes_on_while_the_install_step_runs() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let fixture = appimage_update().await;
    let went_on = tokio::spawn(async move {
        let AppImageUpdate {
            update,
            body,
            app,
            downloads,
            ..
        } = &fixture;
        let runtime = tokio::runtime::Handle::current();
        let went_on = Mutex::new(None);
        let observer = |event: &upkit::install::InstallEvent<'_>| {
            if matches!(event, upkit::install::InstallEvent::Started { .. }) {
                let (tx, rx) = std::sync::mpsc::channel();
                runtime.spawn(async move { tx.send(()).ok() });
                *went_on.lock().unwrap() = Some(rx.recv_timeout(Duration::from_secs(5)).is_ok());
            }
        };
        let options = upkit::install::InstallOptions::new()
            .installer(upkit::core::target::Installer::AppImage)
            .install_path(app)
            .observer(&observer);
        update
            .download_and_install(downloads.path(), |_| {}, &options)
            .await
            .unwrap();
        assert_eq!(std::fs::read(app).unwrap(), *body);
        went_on.into_inner().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(went_on, Some(true));
}

#[tokio::test]
async fn the_connect_timeout() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    // A listener that never accepts, with its queue filled: further SYNs are dropped, so a
    // connection attempt hangs until the client gives up.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        );
        match attempt.await {
            Ok(stream) => fillers.push(stream.unwrap()),
            Err(_) => break, // the queue is full
        }
        assert!(fillers.len() < 64, "the accept queue never filled");
    }
    let endpoint = format!("http://{addr}/latest.json");
    let started = std::time::Instant::now();
    let err = client(std::slice::from_ref(&endpoint))
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        err.to_string()
            .starts_with(&format!("could not fetch {endpoint}: connect timed out")),
        "{err}"
    );
    drop((listener, fillers));
}

/// `Updater::adopt` (an update found by one updater, downloaded with another's settings, as the
/// Tauri plugin's `download` command applies its own headers) and `Update::verify_file` (a file
/// verified as a download is).
#[tokio::test]
async fn an_adopted_update_downloads_with_the_adopting_updater_and_files_verify_as_downloads() {
    let Some(_vectors) = support::tauri_vectors(test_name!()) else {
        return;
    };
    let server = release_server(|r, _, body| ranged(r, body, "\"v1\"")).await;
    let found = check_update(&[server.url("/latest.json")]).await;
    let other = client(&[server.url("/latest.json")])
        .header("x-download", "adopted")
        .build()
        .unwrap();
    let mut info = found.info().clone();
    info.notes = Some("edited".into());
    let adopted = other.adopt(info);
    assert_eq!(adopted.notes(), Some("edited"));
    let dir = tempfile::tempdir().unwrap();
    let artifact = adopted.download(dir.path(), |_| {}).await.unwrap();
    assert_eq!(
        artifact_requests(&server)[0].header("x-download"),
        Some("adopted")
    );

    let verified = found.verify_file(artifact.path()).unwrap();
    assert_eq!(verified.proof().bytes(), 262_144);
    let tampered = dir.path().join("tampered.bin");
    let mut bytes = vector_bytes(ARTIFACT);
    bytes[1000] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    let error = found.verify_file(&tampered).unwrap_err();
    assert!(
        matches!(&error, Error::Signature { url, .. } if url.as_str() == server.url("/app.bin")),
        "{error}"
    );
    let missing = found.verify_file(dir.path().join("missing")).unwrap_err();
    assert!(
        missing.to_string().starts_with(&format!(
            "cannot read {}",
            dir.path().join("missing").display()
        )),
        "{missing}"
    );
}
