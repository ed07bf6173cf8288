//! The check decision over scripted endpoint answers: Tauri's loop, without I/O.

use upkit_core::check::{Check, CheckConfig, CheckError, Response, Step, resolve};
use upkit_core::manifest;
use upkit_core::target::{Arch, Installer, Os, Target};
use upkit_core::template::Transport;
use upkit_core::version::{self, Comparator};
use url::Url;

const STATIC: &[u8] = br#"{
  "version": "v1.2.0",
  "notes": "fixes",
  "pub_date": "2026-11-01T12:00:00Z",
  "extra": {"kept": true},
  "platforms": {
    "linux-x86_64-appimage": {"url": "https://dl.example.com/app.AppImage", "signature": "A", "size": 10},
    "linux-x86_64": {"url": "https://dl.example.com/app-any.AppImage", "signature": "B"},
    "darwin-aarch64": {"url": "http://dl.example.com/app.app.tar.gz", "signature": "C"}
  }
}"#;

fn config(current: &str, os: Os, arch: Arch, installer: Option<Installer>) -> CheckConfig {
    CheckConfig::new(
        version::parse(current).unwrap(),
        Target::new(os, arch, installer),
    )
}

fn linux(current: &str) -> CheckConfig {
    config(current, Os::Linux, Arch::X86_64, Some(Installer::AppImage))
}

fn url(n: u8) -> Url {
    Url::parse(&format!("https://u{n}.example.com/latest.json")).unwrap()
}

fn ok(body: &[u8]) -> Response<'_> {
    Response::Http { status: 200, body }
}

fn update(step: Step) -> upkit_core::check::Update {
    match step {
        Step::Update(u) => *u,
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn installer_key_is_tried_first_and_everything_is_carried() {
    let mut check = Check::new(linux("1.0.0"));
    let u = update(check.evaluate(&url(1), ok(STATIC)));
    assert_eq!(u.version.to_string(), "1.2.0");
    assert_eq!(u.current_version.to_string(), "1.0.0");
    // `target` is Tauri's (what `{{target}}` renders to); the key that matched is beside it.
    assert_eq!(u.target, "linux");
    assert_eq!(u.platform_key.as_deref(), Some("linux-x86_64-appimage"));
    assert_eq!(
        u.download_url.as_str(),
        "https://dl.example.com/app.AppImage"
    );
    assert_eq!(u.signature, "A");
    assert_eq!(u.size, Some(10));
    assert_eq!(u.notes.as_deref(), Some("fixes"));
    assert_eq!(u.pub_date.unwrap().unix_timestamp(), 1_793_534_400);
    assert_eq!(u.raw["extra"]["kept"], true);
    assert_eq!(u.endpoint, url(1));
}

#[test]
fn falls_back_to_the_os_arch_key() {
    let mut check = Check::new(config(
        "1.0.0",
        Os::Linux,
        Arch::X86_64,
        Some(Installer::Deb),
    ));
    let u = update(check.evaluate(&url(1), ok(STATIC)));
    assert_eq!(
        (u.target.as_str(), u.platform_key.as_deref()),
        ("linux", Some("linux-x86_64"))
    );
    assert_eq!(u.signature, "B");
}

#[test]
fn missing_platform_names_every_key_tried() {
    let mut check = Check::new(config(
        "1.0.0",
        Os::Windows,
        Arch::X86_64,
        Some(Installer::Nsis),
    ));
    match check.evaluate(&url(1), ok(STATIC)) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "the release 1.2.0 has no platform entry for this client (tried windows-x86_64-nsis, windows-x86_64)"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn version_comparison_runs_before_the_target_lookup() {
    let mut check = Check::new(config("1.2.0", Os::Windows, Arch::X86_64, None));
    assert!(matches!(
        check.evaluate(&url(1), ok(STATIC)),
        Step::NoUpdate
    ));
}

#[test]
fn comparators() {
    let older = br#"{"version": "0.9.0", "url": "https://dl.example.com/a", "signature": "s"}"#;
    assert!(matches!(
        Check::new(linux("1.0.0")).evaluate(&url(1), ok(older)),
        Step::NoUpdate
    ));
    let mut c = linux("1.0.0");
    c.comparator = Comparator::Different;
    let u = update(Check::new(c).evaluate(&url(1), ok(older)));
    assert_eq!(u.version.to_string(), "0.9.0");
    assert_eq!((u.target.as_str(), u.platform_key), ("linux", None));
    let mut c = linux("1.0.0");
    c.comparator = Comparator::Custom(std::sync::Arc::new(|_, _| false));
    assert!(matches!(
        Check::new(c).evaluate(&url(1), ok(STATIC)),
        Step::NoUpdate
    ));
    // Build metadata counts, as in Tauri.
    let build = br#"{"version": "1.0.0+2", "url": "https://dl.example.com/a", "signature": "s"}"#;
    assert!(matches!(
        Check::new(linux("1.0.0+1")).evaluate(&url(1), ok(build)),
        Step::Update(_)
    ));
}

#[test]
fn custom_target_is_the_only_key() {
    let body = br#"{"version": "2.0.0", "platforms": {"beta": {"url": "https://dl.example.com/b", "signature": "s"},
        "linux-x86_64": {"url": "https://dl.example.com/a", "signature": "s"}}}"#;
    let mut c = linux("1.0.0");
    c.target.custom = Some("beta".into());
    let u = update(Check::new(c.clone()).evaluate(&url(1), ok(body)));
    assert_eq!(
        (u.target.as_str(), u.platform_key.as_deref()),
        ("beta", Some("beta"))
    );
    c.target.custom = Some("Beta".into());
    match Check::new(c).evaluate(&url(1), ok(body)) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "the release 2.0.0 has no platform entry for this client (tried Beta)"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_204_is_no_update() {
    let mut check = Check::new(linux("1.0.0"));
    assert!(matches!(
        check.evaluate(
            &url(1),
            Response::Http {
                status: 204,
                body: b""
            }
        ),
        Step::NoUpdate
    ));
}

#[test]
fn the_loop_remembers_errors_and_skips_error_statuses() {
    let mut check = Check::new(linux("1.0.0"));
    assert!(matches!(
        check.evaluate(
            &url(1),
            Response::Failed {
                error: "connection refused"
            }
        ),
        Step::TryNext
    ));
    assert!(matches!(
        check.evaluate(
            &url(2),
            Response::Http {
                status: 404,
                body: b"nope"
            }
        ),
        Step::TryNext
    ));
    assert!(matches!(
        check.evaluate(
            &url(3),
            Response::Http {
                status: 500,
                body: b"{}"
            }
        ),
        Step::TryNext
    ));
    // A non-2xx status does not replace the remembered error.
    assert_eq!(
        check.finish().to_string(),
        "could not fetch https://u1.example.com/latest.json: connection refused"
    );

    let mut check = Check::new(linux("1.0.0"));
    assert!(matches!(
        check.evaluate(
            &url(1),
            Response::Http {
                status: 404,
                body: b""
            }
        ),
        Step::TryNext
    ));
    assert!(matches!(
        check.evaluate(
            &url(2),
            Response::Http {
                status: 503,
                body: b""
            }
        ),
        Step::TryNext
    ));
    assert_eq!(
        check.finish().to_string(),
        "no endpoint gave a valid release (https://u1.example.com/latest.json answered 404, https://u2.example.com/latest.json answered 503)"
    );
    assert_eq!(
        Check::new(linux("1.0.0")).finish().to_string(),
        "no endpoint gave a valid release"
    );
}

#[test]
fn invalid_manifest_is_remembered_and_the_next_endpoint_tried() {
    let mut check = Check::new(linux("1.0.0"));
    let step = check.evaluate(&url(1), ok(br#"{"version": "1.1.0"}"#));
    assert!(matches!(step, Step::TryNext));
    assert!(matches!(
        check.evaluate(&url(2), ok(STATIC)),
        Step::Update(_)
    ));

    let mut check = Check::new(linux("1.0.0"));
    assert!(matches!(
        check.evaluate(&url(1), ok(br#"{"version": "1.1.0"}"#)),
        Step::TryNext
    ));
    match check.finish() {
        CheckError::InvalidManifest { endpoint, .. } => assert_eq!(endpoint, url(1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_body_that_is_not_json_aborts_the_whole_check() {
    let mut check = Check::new(linux("1.0.0"));
    match check.evaluate(&url(1), ok(b"<html>")) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "the answer of https://u1.example.com/latest.json is not JSON: expected value at line 1 column 1"
        ),
        other => panic!("{other:?}"),
    }
    // Nesting deeper than serde_json's limit is "not JSON" too, as in Tauri.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(matches!(
        Check::new(linux("1.0.0")).evaluate(&url(1), ok(deep.as_bytes())),
        Step::Abort(_)
    ));
}

#[test]
fn a_2xx_body_that_cannot_be_read_aborts() {
    // Tauri reads the body with `?`: a reset or stall after the head ends the check.
    match Check::new(linux("1.0.0")).evaluate(
        &url(1),
        Response::BodyFailed {
            error: "connection reset",
        },
    ) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "could not read the answer of https://u1.example.com/latest.json: connection reset"
        ),
        other => panic!("{other:?}"),
    }
    // So does upkit's limit: an endless body is not a manifest.
    match Check::new(linux("1.0.0")).evaluate(&url(1), Response::TooLarge { limit: 1024 }) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "the answer of https://u1.example.com/latest.json is larger than the limit of 1024 bytes"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn insecure_download_urls_are_refused_unless_allowed() {
    let c = config("1.0.0", Os::Darwin, Arch::Aarch64, None);
    match Check::new(c.clone()).evaluate(&url(1), ok(STATIC)) {
        Step::Abort(e) => assert_eq!(
            e.to_string(),
            "the download URL http://dl.example.com/app.app.tar.gz must use https; allow insecure transport to download it anyway"
        ),
        other => panic!("{other:?}"),
    }
    let mut c = c;
    c.transport = Transport::Insecure;
    assert!(matches!(
        Check::new(c).evaluate(&url(1), ok(STATIC)),
        Step::Update(_)
    ));
}

#[test]
fn resolve_offers_without_an_endpoint() {
    let m = manifest::parse(STATIC).unwrap();
    let offer = resolve(&m, &linux("1.1.9")).unwrap().unwrap();
    assert_eq!(
        (offer.target.as_str(), offer.platform_key.as_deref()),
        ("linux", Some("linux-x86_64-appimage"))
    );
    assert_eq!(offer.platform.signature, "A");
    assert_eq!(resolve(&m, &linux("1.2.0")).unwrap(), None);
}
