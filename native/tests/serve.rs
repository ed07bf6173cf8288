//! `upkit serve` over real loopback HTTP: 204 / 200 / 404 / 400, `Range` (206, 416), releases
//! published while it runs, custom routes, and the native client end to end.

mod support;

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::json;
use support::Signer;
use upkit::serve::{Config, Route, Server};

/// A running server; stops when dropped.
struct Running {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(config: Config) -> Running {
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running { base, _stop: stop }
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    path
}

/// 1.1.0 for Linux x86_64 (relative URLs), 1.2.0 for Windows only (in a subdirectory), an
/// invalid manifest, a hidden file.
fn releases(dir: &Path) {
    write(dir, "app_1.1.0_amd64.AppImage", b"0123456789abcdef");
    write(dir, "1.2.0/app_1.2.0_x64-setup.exe", b"windows 1.2.0");
    write(
        dir,
        "latest.json",
        json!({
            "version": "1.1.0",
            "notes": "Linux and Windows",
            "pub_date": "2026-11-29T10:00:00Z",
            "platforms": {
                "linux-x86_64-appimage": {"url": "app_1.1.0_amd64.AppImage", "signature": "sig-linux"},
                "linux-x86_64": {"url": "app_1.1.0_amd64.AppImage", "signature": "sig-linux"},
                "windows-x86_64": {"url": "https://cdn.example.com/w/app_1.1.0.exe", "signature": "sig-w11"},
            }
        })
        .to_string(),
    );
    write(
        dir,
        "1.2.0/release.json",
        json!({
            "version": "1.2.0",
            "platforms": {
                "windows-x86_64-nsis": {"url": "app_1.2.0_x64-setup.exe", "signature": "sig-w12", "size": 13},
            }
        })
        .to_string(),
    );
    write(dir, "broken.json", b"{\"version\": \"2.0\"}");
    write(dir, ".secret", b"not for clients");
}

/// A plain HTTP client (reqwest wants a TLS provider even for `http://`).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn get(url: &str) -> (StatusCode, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// The status of a request sent as raw bytes, path and all.
async fn raw_status(base: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn answers_like_a_client_would_decide() {
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    let server = start(Config::new(tmp.path())).await;
    let base = &server.base;

    // An update: relative URLs resolved against the server, absent fields left out.
    let (status, body) = get(&format!("{base}/linux/x86_64/1.0.0")).await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({
            "version": "1.1.0",
            "notes": "Linux and Windows",
            "pub_date": "2026-11-29T10:00:00Z",
            "url": format!("{base}/app_1.1.0_amd64.AppImage"),
            "signature": "sig-linux",
        })
    );
    // Build metadata counts, `+` arrives percent-encoded.
    let (status, _) = get(&format!("{base}/linux/x86_64/1.1.0-rc.1%2Bb7")).await;
    assert_eq!(status, StatusCode::OK);

    // Up to date, or newer than anything published.
    for version in ["1.1.0", "v1.1.0", "3.0.0"] {
        let response = client()
            .get(format!("{base}/linux/x86_64/{version}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{version}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert_eq!(response.text().await.unwrap(), "");
    }

    // Without `{{bundle_type}}` in the route the server decides like a client that does not
    // know its installer: it looks up `windows-x86_64` only, which 1.2.0 lacks, so 1.1.0 (its
    // absolute URL as written) is the answer.
    let (status, body) = get(&format!("{base}/windows/x86_64/1.0.0")).await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["version"], "1.1.0");
    assert_eq!(body["url"], "https://cdn.example.com/w/app_1.1.0.exe");

    // With it: an NSIS client gets 1.2.0 from its subdirectory, with its size; an MSI client
    // looks up windows-x86_64-msi then windows-x86_64, and gets 1.1.0.
    let route = Route::parse("/{{target}}/{{arch}}/{{current_version}}/{{bundle_type}}").unwrap();
    let typed = start(Config {
        route,
        ..Config::new(tmp.path())
    })
    .await;
    let (status, body) = get(&format!("{}/windows/x86_64/1.0.0/nsis", typed.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!({
            "version": "1.2.0",
            "url": format!("{}/1.2.0/app_1.2.0_x64-setup.exe", typed.base),
            "signature": "sig-w12",
            "size": 13,
        })
    );
    let (status, body) = get(&format!("{}/windows/x86_64/1.0.0/msi", typed.base)).await;
    assert_eq!(status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["version"], "1.1.0");
    let (status, _) = get(&format!("{}/windows/x86_64/1.0.0/unknown", typed.base)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(&format!("{}/windows/x86_64/1.0.0/snap", typed.base)).await;
    assert_eq!(
        (status, body.as_str()),
        (
            StatusCode::NOT_FOUND,
            "unknown bundle type `snap`: expected one of appimage, deb, rpm, app, msi, nsis, unknown\n"
        )
    );

    // Unknown targets, and malformed requests.
    let cases = [
        (
            "/linux/aarch64/1.0.0",
            404,
            "no release has an entry for linux-aarch64\n",
        ),
        (
            "/darwin/aarch64/1.0.0",
            404,
            "no release has an entry for darwin-aarch64\n",
        ),
        (
            "/freebsd/x86_64/1.0.0",
            404,
            "no release has an entry for freebsd\n",
        ),
        (
            "/linux/sparc/1.0.0",
            404,
            "unknown arch `sparc`: expected one of x86_64, i686, aarch64, armv7, riscv64\n",
        ),
        (
            "/linux/x86_64/1.0",
            400,
            "invalid version `1.0`: unexpected end of input while parsing minor version number\n",
        ),
    ];
    for (path, code, message) in cases {
        let (status, body) = get(&format!("{base}{path}")).await;
        assert_eq!((status.as_u16(), body.as_str()), (code, message), "{path}");
    }
    // A custom target is the only key looked up, verbatim.
    let (status, body) = get(&format!("{base}/linux-x86_64-appimage/x86_64/1.0.0")).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Not update routes: files, or 404.
    for path in ["/nope", "/linux/x86_64", "/.secret", "/a/b/c/d"] {
        let (status, _) = get(&format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Nothing outside the directory, whatever the path says (raw, as clients normalise `..`),
    // and no hidden file, however its dot is spelt; no name with a `:` (on Windows a drive or
    // an alternate data stream).
    write(tmp.path(), "sub/.env", b"hidden too");
    write(tmp.path(), "odd:name.bin", b"unportable");
    let parent = tmp.path().file_name().unwrap().to_str().unwrap();
    for path in [
        "/../etc/passwd",
        &format!("/../{parent}/latest.json"),
        "/%2e%2e/etc/passwd",
        "/%2Esecret",
        "/sub/%2eenv",
        "/sub/%2Eenv",
        "/odd:name.bin",
        "/odd%3Aname.bin",
    ] {
        assert_eq!(raw_status(base, path).await, 404, "{path}");
    }
    // A path part is percent-decoded, nothing more: `&` and `+` are themselves.
    let (status, body) = get(&format!("{base}/linux/x86_64/1.0.0&junk")).await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (
            400,
            "invalid version `1.0.0&junk`: unexpected character '&' after patch version number\n"
        )
    );
    let (status, _) = get(&format!("{base}/linux/x86_64/1.0.0+b7")).await;
    assert_eq!(status, StatusCode::OK);
    // A file deep enough to look like an update request is still a file.
    write(tmp.path(), "1.3.0/linux/app.AppImage", b"deep");
    assert_eq!(
        get(&format!("{base}/1.3.0/linux/app.AppImage")).await,
        (StatusCode::OK, "deep".into())
    );
    let (status, body) = get(&format!("{base}/latest.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"1.1.0\""));
}

/// A GET with extra headers: (status, `Content-Range`, body).
async fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, Vec<u8>) {
    let mut request = client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let range = response
        .headers()
        .get("content-range")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        response.status().as_u16(),
        range,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// The `Last-Modified` the server sends for `url`.
async fn last_modified(url: &str) -> String {
    let head = client().head(url).send().await.unwrap();
    head.headers()["last-modified"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn serves_artifacts_with_range() {
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    let server = start(Config::new(tmp.path())).await;
    let url = format!("{}/app_1.1.0_amd64.AppImage", server.base);

    let whole = client().get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), b"0123456789abcdef");

    for (range, status, content_range, body) in [
        ("bytes=4-9", 206, "bytes 4-9/16", &b"456789"[..]),
        ("bytes=10-", 206, "bytes 10-15/16", b"abcdef"),
        ("bytes=-4", 206, "bytes 12-15/16", b"cdef"),
        ("bytes=16-20", 416, "bytes */16", b""),
        // RFC 9110: the unit in any case, leading zeros; tower-http reads neither.
        ("Bytes=0-1", 206, "bytes 0-1/16", b"01"),
        ("BYTES=-2", 206, "bytes 14-15/16", b"ef"),
        ("bytes=004-005", 206, "bytes 4-5/16", b"45"),
    ] {
        assert_eq!(
            fetch(&url, &[("Range", range)]).await,
            (status, Some(content_range.to_owned()), body.to_vec()),
            "{range}"
        );
    }
}

/// RFC 9110 lets a server ignore `Range`: the server answers whole (`200`) what it should not
/// answer in part, instead of `416` or a wrong `206`.
#[tokio::test]
async fn answers_whole_what_it_cannot_answer_in_part() {
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    write(tmp.path(), "empty.bin", b"");
    let server = start(Config::new(tmp.path())).await;
    let url = format!("{}/app_1.1.0_amd64.AppImage", server.base);
    let whole = (200, None, b"0123456789abcdef".to_vec());
    for range in [
        "bytes=-400",    // a suffix longer than the file: all of it
        "bytes=abc",     // malformed
        "bytes=9-5",     // last before first
        "items=0-1",     // an unknown unit
        "bytes=0-0,5-6", // several ranges
    ] {
        assert_eq!(fetch(&url, &[("Range", range)]).await, whole, "{range}");
    }
    let empty = format!("{}/empty.bin", server.base);
    assert_eq!(
        fetch(&empty, &[("Range", "bytes=0-")]).await,
        (200, None, vec![])
    );

    // `If-Range`: only the file's own, strong `Last-Modified` keeps the range.
    let file = std::fs::File::options()
        .write(true)
        .open(tmp.path().join("app_1.1.0_amd64.AppImage"))
        .unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    file.set_modified(hour_ago).unwrap();
    let date = last_modified(&url).await;
    assert_eq!(
        fetch(&url, &[("Range", "bytes=10-"), ("If-Range", &date)]).await,
        (206, Some("bytes 10-15/16".into()), b"abcdef".to_vec())
    );
    for validator in [
        "Mon, 01 Jan 2001 00:00:00 GMT",
        "\"abc\"",
        "W/\"abc\"",
        "soon",
    ] {
        assert_eq!(
            fetch(&url, &[("Range", "bytes=10-"), ("If-Range", validator)]).await,
            whole,
            "{validator}"
        );
    }
    // Modified within the last second, the date could hide a second change: not a validator.
    file.set_modified(std::time::SystemTime::now()).unwrap();
    let date = last_modified(&url).await;
    assert_eq!(
        fetch(&url, &[("Range", "bytes=10-"), ("If-Range", &date)]).await,
        whole
    );

    // HEAD of a manifest describes what GET sends (the names resolved), not the file on disk.
    let manifest = format!("{}/latest.json", server.base);
    let head = client().head(&manifest).send().await.unwrap();
    let length: u64 = head.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, _, body) = fetch(&manifest, &[]).await;
    assert_eq!((status, length), (200, body.len() as u64));
    let on_disk = std::fs::metadata(tmp.path().join("latest.json")).unwrap();
    assert_ne!(length, on_disk.len());
}

#[tokio::test]
async fn custom_routes_public_url_and_live_publishing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a.AppImage", b"a");
    let manifest = |version: &str| {
        json!({"version": version, "platforms": {
            "linux-x86_64": {"url": "a.AppImage", "signature": format!("sig-{version}")}}})
        .to_string()
    };
    write(dir, "latest.json", manifest("1.0.0"));
    let config = Config {
        route: Route::parse("/update?target={{target}}&arch={{arch}}&v={{current_version}}")
            .unwrap(),
        public_url: Some(url::Url::parse("https://updates.example.com/app/").unwrap()),
        max_age: 300,
        ..Config::new(dir)
    };
    let server = start(config).await;
    let query = format!("{}/update?arch=x86_64&v=0.9.0&target=linux", server.base);

    let response = client().get(&query).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["url"], "https://updates.example.com/app/a.AppImage");
    assert_eq!(body["version"], "1.0.0");

    // A release dropped into the directory is served at once: nothing is cached.
    write(dir, "1.1.0.json", manifest("1.1.0"));
    let body: serde_json::Value = serde_json::from_str(&get(&query).await.1).unwrap();
    assert_eq!(
        (&body["version"], &body["signature"]),
        (&json!("1.1.0"), &json!("sig-1.1.0"))
    );

    // The default route is not served when another is configured.
    let (status, _) = get(&format!("{}/linux/x86_64/0.9.0", server.base)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_native_client_updates_through_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("releases");
    let signer = Signer::new();
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    write(&dir, "app_1.1.0_amd64.AppImage", &payload);
    let entry = json!({
        "url": "app_1.1.0_amd64.AppImage",
        "signature": signer.sign(&payload, "app_1.1.0_amd64.AppImage", "1.1.0"),
    });
    let manifest = json!({
        "version": "1.1.0",
        "notes": "Faster",
        "platforms": {
            "linux-x86_64-appimage": entry.clone(),
            "linux-x86_64": entry,
        }
    });
    write(&dir, "latest.json", manifest.to_string());
    let server = start(Config::new(&dir)).await;
    let endpoint = format!(
        "{}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
        server.base
    );

    let updater = |current: &str| {
        upkit::updater::Updater::builder(upkit_core::version::parse(current).unwrap())
            .endpoint(&endpoint)
            .pubkey(&signer.pubkey())
            .os(upkit_core::target::Os::Linux)
            .arch(upkit_core::target::Arch::X86_64)
            .installer(Some(upkit_core::target::Installer::AppImage))
            .transport(upkit_core::template::Transport::Insecure)
            .build()
            .unwrap()
    };

    assert!(updater("1.1.0").check().await.unwrap().is_none());
    let update = updater("1.0.0").check().await.unwrap().expect("an update");
    assert_eq!(update.version().to_string(), "1.1.0");
    assert_eq!(update.notes(), Some("Faster"));
    assert_eq!(
        update.download_url().as_str(),
        format!("{}/app_1.1.0_amd64.AppImage", server.base)
    );
    let out = tmp.path().join("downloads");
    std::fs::create_dir(&out).unwrap();
    let mut reports = 0;
    let artifact = update.download(&out, |_| reports += 1).await.unwrap();
    assert!(reports >= 2);
    assert_eq!(std::fs::read(artifact.path()).unwrap(), payload);
    assert_eq!(artifact.proof().trusted_comment().version(), Some("1.1.0"));

    // Bytes changed after signing: the client refuses them, and leaves nothing behind.
    let mut tampered = payload.clone();
    tampered[1000] ^= 1;
    write(&dir, "app_1.1.0_amd64.AppImage", &tampered);
    let update = updater("1.0.0").check().await.unwrap().expect("an update");
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let err = update.download(&other, |_| {}).await.unwrap_err();
    let key_id = upkit_core::signature::PublicKey::decode(&signer.pubkey())
        .unwrap()
        .key_id();
    assert!(
        err.to_string().contains(&format!(
            "file does not match its signature by key {key_id}: its bytes differ from the signed ones (300000 bytes read)"
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 0);
}

#[tokio::test]
async fn the_cli_prints_its_address_and_logs_each_request() {
    use std::io::BufRead as _;
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg(tmp.path())
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line
        .strip_prefix("listening on ")
        .and_then(|l| l.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let (status, body) = get(&format!("{base}/linux/x86_64/1.0.0")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = get(&format!("{base}/linux/x86_64/1.1.0")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // SIGTERM (what service managers send) stops it cleanly.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    let has = |needle: &str| log.lines().any(|l| l.contains(needle));
    assert!(
        has(" INFO upkit::serve: release 1.2.0 (1.2.0/release.json)"),
        "{log}"
    );
    assert!(
        has(" INFO upkit::serve: release 1.1.0 (latest.json)"),
        "{log}"
    );
    assert!(
        has(
            " WARN upkit::serve: skipping broken.json: the manifest has no `platforms`, so it is an update server's answer and needs `url` (line 1, column 1)"
        ),
        "{log}"
    );
    assert!(has("GET /linux/x86_64/1.0.0 200 update 1.1.0 ("), "{log}");
    assert!(has("GET /linux/x86_64/1.1.0 204 up to date ("), "{log}");
    assert!(has(" INFO upkit::serve: shutting down"), "{log}");
    assert!(!log.contains('\x1b'), "no colours off a terminal: {log}");
    // Skipped manifests are reported at start-up; per request only at debug level.
    assert_eq!(log.matches("skipping broken.json").count(), 1, "{log}");
}

/// A client whose endpoint is the static `latest.json` itself (no update route) can use a
/// manifest that holds bare file names: the server resolves them against the manifest's URL.
#[tokio::test]
async fn a_static_manifest_is_served_with_its_names_resolved() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("releases");
    let signer = Signer::new();
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    write(&dir, "1.1.0/app_1.1.0_amd64.AppImage", &payload);
    let manifest = json!({
        "version": "1.1.0",
        "platforms": {
            "linux-x86_64": {
                "url": "app_1.1.0_amd64.AppImage",
                "signature": signer.sign(&payload, "app_1.1.0_amd64.AppImage", "1.1.0"),
            },
            "windows-x86_64": {"url": "https://cdn.example.com/app.exe", "signature": "s"},
        },
        "extra": {"kept": true}
    });
    write(&dir, "1.1.0/latest.json", manifest.to_string());
    let server = start(Config::new(&dir)).await;

    let (status, body) = get(&format!("{}/1.1.0/latest.json", server.base)).await;
    assert_eq!(status, StatusCode::OK);
    let served: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        served["platforms"]["linux-x86_64"]["url"],
        format!("{}/1.1.0/app_1.1.0_amd64.AppImage", server.base)
    );
    // Absolute URLs and everything else are left as they are.
    assert_eq!(
        served["platforms"]["windows-x86_64"]["url"],
        "https://cdn.example.com/app.exe"
    );
    assert_eq!(served["extra"]["kept"], true);
    assert_eq!(
        served["platforms"]["linux-x86_64"]["signature"],
        manifest["platforms"]["linux-x86_64"]["signature"]
    );

    let update = upkit::updater::Updater::builder(upkit_core::version::parse("1.0.0").unwrap())
        .endpoint(&format!("{}/1.1.0/latest.json", server.base))
        .pubkey(&signer.pubkey())
        .os(upkit_core::target::Os::Linux)
        .arch(upkit_core::target::Arch::X86_64)
        .transport(upkit_core::template::Transport::Insecure)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap()
        .expect("an update");
    let out = tmp.path().join("downloads");
    std::fs::create_dir(&out).unwrap();
    let artifact = update.download(&out, |_| {}).await.unwrap();
    assert_eq!(std::fs::read(artifact.path()).unwrap(), payload);
}

/// The raw response to `request` sent as is, read to the end (the request should close the
/// connection).
async fn raw(base: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// Only regular files inside the directory are served: a symlink out of it, a FIFO (which a
/// reader waits on forever), a directory or a name too long for the file system are `404`.
#[cfg(unix)]
#[tokio::test]
async fn serves_only_regular_files_inside_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("releases");
    releases(&dir);
    let outside = write(tmp.path(), "outside/secret.txt", b"secret");
    std::os::unix::fs::symlink(&outside, dir.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(outside.parent().unwrap(), dir.join("linkdir")).unwrap();
    std::os::unix::fs::symlink("app_1.1.0_amd64.AppImage", dir.join("inside.AppImage")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop"), dir.join("loop")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo.json"))
        .status()
        .unwrap();
    assert!(status.success());
    let server = start(Config::new(&dir)).await;
    let base = &server.base;
    for path in [
        "/link.txt",
        "/linkdir/secret.txt",
        "/fifo.json",
        "/loop",
        "/1.2.0",
    ] {
        let fetched = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            get(&format!("{base}{path}")),
        )
        .await
        .unwrap_or_else(|_| panic!("{path} hangs"));
        assert_eq!(
            fetched,
            (StatusCode::NOT_FOUND, "not found\n".into()),
            "{path}"
        );
    }
    let long = "a".repeat(300);
    assert_eq!(raw_status(base, &format!("/{long}")).await, 404);
    // A symlink within the directory is followed.
    assert_eq!(
        get(&format!("{base}/inside.AppImage")).await,
        (StatusCode::OK, "0123456789abcdef".into())
    );
    // The FIFO named like a manifest does not hold up update requests either.
    let update = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        get(&format!("{base}/linux/x86_64/1.0.0")),
    )
    .await
    .expect("an update request does not wait on the FIFO");
    assert_eq!(update.0, StatusCode::OK);
}

/// The update route's `405` says what is allowed; an HTTP/1.1 request needs exactly one `Host`
/// that is a host, since it makes the artifact URLs.
#[tokio::test]
async fn method_and_host_checks() {
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    let server = start(Config::new(tmp.path())).await;
    let base = &server.base;
    let response = client()
        .post(format!("{base}/linux/x86_64/1.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET,HEAD");

    let update = "GET /linux/x86_64/1.0.0";
    let answer = |response: &str| {
        let status = response.split(' ').nth(1).unwrap().to_owned();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    };
    for (headers, message) in [
        ("", "missing Host header"),
        ("Host: a\r\nHost: b\r\n", "more than one Host header"),
        (
            "Host: a@evil.example\r\n",
            "invalid Host header `a@evil.example`",
        ),
        (
            "Host: evil.example\\x\r\n",
            "invalid Host header `evil.example\\x`",
        ),
        (
            "Host: b\u{fc}cher.example\r\n",
            "invalid Host header: not ASCII",
        ),
    ] {
        let response = raw(
            base,
            &format!("{update} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(
            answer(&response),
            ("400".to_owned(), format!("{message}\n")),
            "{headers:?}"
        );
    }
    // A `204` has no `Content-Length` (RFC 9110 §8.6), for `HEAD` too.
    for method in ["GET", "HEAD"] {
        let response = raw(
            base,
            &format!(
                "{method} /linux/x86_64/1.1.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 204 "), "{response}");
        assert!(
            !response.to_ascii_lowercase().contains("content-length"),
            "{method}: {response}"
        );
    }
    // HTTP/1.0 may leave `Host` out: the URLs then name localhost.
    let response = raw(base, &format!("{update} HTTP/1.0\r\n\r\n")).await;
    let (status, body) = answer(&response);
    assert_eq!(status, "200");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["url"], "http://localhost/app_1.1.0_amd64.AppImage");
}

/// A connection that sends no request, or half of one, or stays idle after one, is closed
/// after the header timeout; shutting down waits for a stuck download at most the grace time.
#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let tmp = tempfile::tempdir().unwrap();
    releases(tmp.path());
    write(tmp.path(), "big.bin", vec![7u8; 64 << 20]);
    let mut config = Config::new(tmp.path());
    config.header_timeout = std::time::Duration::from_secs(1);
    config.shutdown_grace = std::time::Duration::from_secs(1);
    // Not what is tested here: the stuck download below must last until the shutdown.
    config.send_timeout = std::time::Duration::from_secs(60);
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));

    let closed_within = |mut stream: tokio::net::TcpStream, what: &'static str| async move {
        let mut buffer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut buffer),
        )
        .await
        .unwrap_or_else(|_| panic!("{what}: still open"))
        .unwrap();
        String::from_utf8_lossy(&buffer).into_owned()
    };
    let silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /linux/x86_64/1.0.0 HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /latest.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(closed_within(silent, "a silent connection").await, "");
    closed_within(half, "a half-sent request").await;
    // The answer to the request, then the close.
    let answered = closed_within(idle, "an idle keep-alive connection").await;
    assert!(answered.starts_with("HTTP/1.1 200 OK\r\n"), "{answered}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // A download the client never reads does not hold up the shutdown past the grace time.
    let mut stuck = tokio::net::TcpStream::connect(addr).await.unwrap();
    stuck
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stopping = std::time::Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), running)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    let took = stopping.elapsed();
    assert!(
        took >= std::time::Duration::from_secs(1) && took < std::time::Duration::from_secs(4),
        "{took:?}"
    );
    drop(stuck);
}

/// A client that stops taking a response loses its connection after the send timeout, instead
/// of holding it (and a file) for good.
#[tokio::test]
async fn a_download_nobody_reads_is_dropped() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let tmp = tempfile::tempdir().unwrap();
    let size = 64usize << 20;
    write(tmp.path(), "big.bin", vec![7u8; size]);
    let mut config = Config::new(tmp.path());
    config.send_timeout = std::time::Duration::from_secs(1);
    let server = start(config).await;
    let mut stuck = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stuck
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Not reading: the socket buffers fill up, the server's writes wait, then time out.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mut received = Vec::new();
    // Closed, with a reset or an early end: which one is the system's business.
    let _reset_or_end = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stuck.read_to_end(&mut received),
    )
    .await
    .expect("the connection is closed");
    assert!(received.len() < size, "{} bytes", received.len());
}
