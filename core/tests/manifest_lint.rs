//! The lint pass: each warning with its code, message, path and position, and the report's
//! JSON form.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upkit_core::manifest::{self, LintOptions, Report, Strictness, WarningCode};
use upkit_core::signature::PublicKey;
use upkit_fixtures::{TauriCli, tauri_cli, test_name};

fn key(v: &TauriCli, name: &str) -> PublicKey {
    PublicKey::decode(&v.text(&format!("keys/{name}.key.pub"))).unwrap()
}

/// A Tauri signature whose trusted comment (and algorithm) are rewritten: it still decodes,
/// though it no longer verifies, which is all the lint looks at.
fn forged(v: &TauriCli, trusted: &str, algorithm: &[u8; 2]) -> String {
    let text = String::from_utf8(
        STANDARD
            .decode(v.text("sigs/secret/payload.txt.sig"))
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut bin = STANDARD.decode(lines[1]).unwrap();
    bin[..2].copy_from_slice(algorithm);
    let text = format!(
        "{}\n{}\ntrusted comment: {trusted}\n{}\n",
        lines[0],
        STANDARD.encode(&bin),
        lines[3]
    );
    STANDARD.encode(text)
}

fn report(body: &str) -> Report {
    manifest::validate(body.as_bytes(), &LintOptions::default())
}

/// The warnings as (code, message, path, line, column).
fn warnings(
    body: &str,
    options: &LintOptions,
) -> Vec<(&'static str, String, String, usize, usize)> {
    manifest::validate(body.as_bytes(), options)
        .warnings
        .into_iter()
        .map(|w| (w.code.as_str(), w.message, w.path, w.line, w.column))
        .collect()
}

fn only(body: &str) -> (&'static str, String, String, usize, usize) {
    let all = warnings(body, &LintOptions::default());
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap()
}

const DATE: &str = r#""pub_date":"2026-11-29T09:30:00Z""#;

fn with_entry(key: &str, entry: &str) -> String {
    format!("{{\"version\":\"2.1.0\",{DATE},\"platforms\":{{\n\"{key}\": {entry}\n}}}}")
}

fn entry(url: &str, sig: &str) -> String {
    format!(r#"{{"url": "{url}", "signature": "{sig}"}}"#)
}

#[test]
fn a_clean_manifest_has_no_warnings() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.version-2.1.0.sig");
    let body = with_entry("linux-x86_64", &entry("https://e.com/app.AppImage", &sig));
    assert_eq!(
        warnings(&body, &LintOptions::with_keys(vec![key(&v, "secret")])),
        []
    );
    let r = report(&body);
    assert!(r.passes(Strictness::Strict));
}

#[test]
fn insecure_url() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    assert_eq!(
        only(&with_entry(
            "linux-x86_64",
            &entry("http://e.com/app.AppImage", &sig)
        )),
        (
            "insecure_url",
            "`/platforms/linux-x86_64/url` uses `http`, not `https`".into(),
            "/platforms/linux-x86_64/url".into(),
            2,
            25
        )
    );
}

#[test]
fn url_in_signature() {
    assert_eq!(
        only(&with_entry(
            "linux-x86_64",
            &entry("https://e.com/a.AppImage", "https://e.com/a.AppImage.sig")
        )),
        (
            "url_in_signature",
            "`/platforms/linux-x86_64/signature` holds a URL, \"https://e.com/a.AppImage.sig\""
                .into(),
            "/platforms/linux-x86_64/signature".into(),
            2,
            66
        )
    );
}

#[test]
fn unknown_platform_keys() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    let r = report(&with_entry(
        "darwin-universal",
        &entry("https://e.com/A.app.tar.gz", &sig),
    ));
    let w = &r.warnings[0];
    assert_eq!(
        (
            w.code,
            w.message.as_str(),
            w.path.as_str(),
            w.line,
            w.column
        ),
        (
            WarningCode::UnknownPlatform,
            "platform key `darwin-universal` is never looked up by Tauri",
            "/platforms/darwin-universal",
            2,
            1
        )
    );
    assert_eq!(
        w.hint.as_deref(),
        Some("list a universal macOS build under both `darwin-aarch64` and `darwin-x86_64`")
    );
    let r = report(&with_entry(
        "macos-arm64",
        &entry("https://e.com/A.app.tar.gz", &sig),
    ));
    assert_eq!(
        r.warnings[0].hint.as_deref(),
        Some("did you mean `darwin-aarch64`?")
    );
}

#[test]
fn key_ids_against_pubkey() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let body = with_entry(
        "linux-x86_64",
        &entry(
            "https://e.com/app.AppImage",
            &v.text("sigs/secret/payload.txt.version-2.1.0.sig"),
        ),
    );
    assert_eq!(
        warnings(&body, &LintOptions::with_keys(vec![key(&v, "nopass")])),
        [(
            "key_mismatch",
            format!(
                "`/platforms/linux-x86_64/signature` was made with key {}, not with {}",
                v.key_id("secret"),
                v.key_id("nopass")
            ),
            "/platforms/linux-x86_64/signature".into(),
            2,
            68
        )]
    );
    assert_eq!(
        warnings(
            &body,
            &LintOptions::with_keys(vec![key(&v, "nopass"), key(&v, "secret")])
        ),
        []
    );
}

#[test]
fn signed_version_must_match() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.version-2.1.0.sig");
    let body = with_entry("linux-x86_64", &entry("https://e.com/app.AppImage", &sig))
        .replace("2.1.0", "v2.2.0");
    assert_eq!(
        only(&body).1,
        "`/platforms/linux-x86_64/signature` is bound to version `2.1.0`, but the manifest \
         announces `2.2.0`"
    );
    // `v` stripping applies to both sides.
    let body = with_entry("linux-x86_64", &entry("https://e.com/app.AppImage", &sig))
        .replace("2.1.0", "v2.1.0");
    assert_eq!(warnings(&body, &LintOptions::default()), []);
    // A dynamic manifest too.
    let body = format!(
        r#"{{"version":"2.1.0+build.7",{DATE},"url":"https://e.com/a.exe","signature":"{sig}"}}"#
    );
    assert_eq!(only(&body).0, "signed_version_mismatch");
}

#[test]
fn a_pub_date_later_than_the_clock_passed_in() {
    let now = time::OffsetDateTime::from_unix_timestamp(1_795_944_800).unwrap(); // 2026-11-29T09:33:20Z
    let body = |date: &str| {
        format!(
            r#"{{"version":"1.0.0","pub_date":"{date}","url":"https://e.com/a.exe","signature":""}}"#
        )
    };
    let future = |date: &str, options: &LintOptions| {
        warnings(&body(date), options)
            .into_iter()
            .filter(|w| w.0 == "future_pub_date")
            .collect::<Vec<_>>()
    };
    let options = LintOptions::default().now(now);
    assert_eq!(
        future("2026-11-29T09:35:00Z", &options),
        [(
            "future_pub_date",
            "the `pub_date` is in the future (it is 2026-11-29T09:33:20Z now)".to_owned(),
            "/pub_date".to_owned(),
            1,
            31
        )]
    );
    // The same instant in another offset, an earlier date, and no clock: no warning.
    assert_eq!(future("2026-11-29T10:33:20+01:00", &options), []);
    assert_eq!(future("2025-01-01T00:00:00Z", &options), []);
    assert_eq!(future("2999-01-01T00:00:00Z", &LintOptions::default()), []);
}

#[test]
fn relative_urls_are_judged_as_served_with_a_base_url() {
    let body = r#"{"version":"1.0.0","pub_date":"2026-11-29T09:30:00Z","platforms":{
"linux-x86_64": {"url": "app_1.0.0_amd64.AppImage", "signature": ""},
"darwin-aarch64": {"url": "https://cdn.example.com/app.tar.gz", "signature": ""}}}"#;
    // As it is, a bare name is no URL: Tauri refuses the whole manifest.
    let report = manifest::validate(body.as_bytes(), &LintOptions::default());
    assert!(!report.valid);
    assert_eq!(report.errors[0].code.as_str(), "invalid_url");
    assert_eq!((report.errors[0].line, report.errors[0].column), (2, 25));
    // Served from a base, it names a file there; absolute URLs stay as they are.
    let base = url::Url::parse("https://updates.example.com/1.0.0/").unwrap();
    let report = manifest::validate(body.as_bytes(), &LintOptions::default().base_url(base));
    assert!(report.valid, "{:?}", report.errors);
    let urls: Vec<String> = report
        .platforms
        .unwrap()
        .values()
        .map(|p| p.url.clone())
        .collect();
    assert_eq!(
        urls,
        [
            "https://cdn.example.com/app.tar.gz",
            "https://updates.example.com/1.0.0/app_1.0.0_amd64.AppImage"
        ]
    );
}

#[test]
fn missing_pub_date() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    let body = format!(r#"{{"version":"1.0.0","url":"https://e.com/a.exe","signature":"{sig}"}}"#);
    assert_eq!(
        only(&body),
        (
            "missing_pub_date",
            "the manifest has no `pub_date`".into(),
            "/pub_date".into(),
            1,
            1
        )
    );
}

#[test]
fn legacy_shapes() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    let body = format!(
        r#"["1.0.0",null,"2026-11-29T09:30:00Z",{{"linux-x86_64":["https://e.com/a.AppImage","{sig}"]}},null,null]"#
    );
    let got: Vec<_> = warnings(&body, &LintOptions::default())
        .into_iter()
        .map(|w| (w.0, w.1, w.2))
        .collect();
    assert_eq!(
        got,
        [
            (
                "array_manifest",
                "the manifest is Tauri's legacy 6-element array".into(),
                String::new()
            ),
            (
                "array_platform_entry",
                "`/3/linux-x86_64` is a legacy `[url, signature]` array".into(),
                "/3/linux-x86_64".into()
            ),
        ]
    );
    let body = format!(
        r#"{{"version":"1.0.0",{DATE},"platforms":null,"url":"https://e.com/a.exe","signature":"{sig}"}}"#
    );
    assert_eq!(
        only(&body),
        (
            "null_platforms",
            "`\"platforms\": null` makes this a dynamic manifest".into(),
            "/platforms".into(),
            1,
            66
        )
    );
}

#[test]
fn signatures_that_are_not_signatures() {
    let cases = [
        (
            "",
            "empty_signature",
            "`/platforms/linux-x86_64/signature` is empty, so every install fails verification",
        ),
        (
            "c2ln",
            "invalid_signature",
            "`/platforms/linux-x86_64/signature` is not a Tauri signature: signature is not a minisign \
             signature: line 2 (the signature) is missing",
        ),
        (
            "app.AppImage.sig",
            "invalid_signature",
            "`/platforms/linux-x86_64/signature` is not a Tauri signature: signature is not base64 \
             (standard alphabet, padded, no whitespace): invalid byte 0x2e at offset 3",
        ),
    ];
    for (sig, code, message) in cases {
        let got = only(&with_entry(
            "linux-x86_64",
            &entry("https://e.com/app.AppImage", sig),
        ));
        assert_eq!((got.0, got.1.as_str()), (code, message), "{sig}");
    }
    let r = report(&with_entry(
        "linux-x86_64",
        &entry("https://e.com/app.AppImage", "app.AppImage.sig"),
    ));
    assert_eq!(
        r.warnings[0].hint.as_deref(),
        Some("put the content of the `.sig` file in `signature`, not its name")
    );
}

#[test]
fn a_tauri_secret_key_is_not_a_signature() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let secret = v.text("keys/secret.key");
    let got = only(&with_entry(
        "linux-x86_64",
        &entry("https://e.com/app.AppImage", &secret),
    ));
    assert_eq!(
        (got.0, got.1.as_str()),
        (
            "secret_key_in_signature",
            "`/platforms/linux-x86_64/signature` holds a minisign secret key, not a signature"
        )
    );
}

#[test]
fn legacy_algorithm() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = forged(&v, "timestamp:1\tfile:a.AppImage", b"Ed");
    assert_eq!(
        only(&with_entry(
            "linux-x86_64",
            &entry("https://e.com/app.AppImage", &sig)
        ))
        .1,
        "`/platforms/linux-x86_64/signature` is a legacy (non-prehashed) signature, which upkit \
         refuses by default"
    );
}

#[test]
fn signed_file_and_url_disagree() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = forged(&v, "timestamp:1\tfile:App_2.1.0_x64_en-US.msi", b"ED");
    let got = only(&with_entry(
        "windows-x86_64",
        &entry("https://e.com/App_2.1.0_x64_en-US.msi.zip", &sig),
    ));
    assert_eq!(
        (got.0, got.1.as_str()),
        (
            "signed_file_mismatch",
            "`/platforms/windows-x86_64/signature` signs `App_2.1.0_x64_en-US.msi`, but the URL \
             names `App_2.1.0_x64_en-US.msi.zip`"
        )
    );
    // Renaming `.app.tar.gz` to `.tar.gz` is harmless.
    let sig = forged(&v, "timestamp:1\tfile:App.app.tar.gz", b"ED");
    assert_eq!(
        warnings(
            &with_entry(
                "darwin-aarch64",
                &entry("https://e.com/App_aarch64.tar.gz", &sig)
            ),
            &LintOptions::default()
        ),
        []
    );
}

#[test]
fn artifact_does_not_suit_the_key() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    let got = only(&with_entry(
        "windows-x86_64-msi",
        &entry("https://e.com/App_2.1.0_x64-setup.exe", &sig),
    ));
    assert_eq!(
        (got.0, got.1.as_str()),
        (
            "artifact_mismatch",
            "`/platforms/windows-x86_64-msi/url` names `App_2.1.0_x64-setup.exe`, which is no update \
             for `windows-x86_64-msi`"
        )
    );
}

#[test]
fn url_names_another_version() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    assert_eq!(
        only(&with_entry(
            "windows-x86_64",
            &entry("https://e.com/v2.1.0/App_2.0.9_x64-setup.exe", &sig)
        )),
        (
            "url_version_mismatch",
            "`/platforms/windows-x86_64/url` names `App_2.0.9_x64-setup.exe`, which looks like \
             version 2.0.9, not 2.1.0"
                .into(),
            "/platforms/windows-x86_64/url".into(),
            2,
            27
        )
    );
}

#[test]
fn several_entries() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let a = v.text("sigs/secret/payload.txt.sig");
    let b = v.text("sigs/nopass/payload.txt.sig");
    let body = format!(
        "{{\"version\":\"1.0.0\",{DATE},\"platforms\":{{\n\"linux-x86_64\": {},\n\"windows-x86_64\": {},\n\"darwin-aarch64\": {}\n}}}}",
        entry("https://e.com/a.AppImage", &a),
        entry("https://e.com/a.exe", &b),
        entry("https://e.com/a.app.tar.gz", &a),
    );
    // Two trusted keys in use (key rotation): not worth a warning.
    let trusted = LintOptions::with_keys(vec![key(&v, "secret"), key(&v, "nopass")]);
    let codes: Vec<_> = warnings(&body, &trusted).into_iter().map(|w| w.0).collect();
    assert_eq!(codes, ["reused_signature"]);
    let got: Vec<_> = warnings(&body, &LintOptions::default())
        .into_iter()
        .map(|w| (w.0, w.1))
        .collect();
    assert_eq!(
        got,
        [
            (
                "reused_signature",
                "`/platforms/linux-x86_64/signature` is the same as \
                 `/platforms/darwin-aarch64/signature` but the URLs differ"
                    .into()
            ),
            (
                "mixed_key_ids",
                format!(
                    "`/platforms/windows-x86_64/signature` was made with key {}, but \
                     `/platforms/darwin-aarch64/signature` with key {}",
                    v.key_id("nopass"),
                    v.key_id("secret")
                )
            ),
        ]
    );
}

#[test]
fn field_problems() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.sig");
    let body = format!(
        "{{\"version\":\"1.0.0\",\"date\":\"2026-11-29\",\"notes\":\"a\\\\nb\",\"url\":\"https://e.com/x\",\"platforms\":{{\n\"linux-x86_64\": {{\"url\":\"https://e.com/a.AppImage\",\"signature\":\"{sig}\",\"size\":\"12\",\"sig\":1}}\n}},\"version\":\"1.0.0\"}}"
    );
    let got: Vec<_> = warnings(&body, &LintOptions::default())
        .into_iter()
        .map(|w| (w.0, w.1, w.2))
        .collect();
    assert_eq!(
        got,
        [
            ("missing_pub_date", "the manifest has no `pub_date`".into(), "/pub_date".into()),
            ("unknown_field", "unknown field `date` is ignored".into(), "/date".into()),
            (
                "escaped_newline",
                "`/notes` holds literal `\\n` sequences and no line break".into(),
                "/notes".into()
            ),
            (
                "ignored_field",
                "`/url` is ignored because the manifest has `platforms`".into(),
                "/url".into()
            ),
            (
                "invalid_size",
                "`/platforms/linux-x86_64/size` must be a positive integer, found string \"12\"; it is ignored".into(),
                "/platforms/linux-x86_64/size".into()
            ),
            (
                "duplicate_key",
                "`version` appears 2 times in the manifest; the last one wins".into(),
                "/version".into()
            ),
        ]
    );
}

#[test]
fn zero_size() {
    let body =
        format!(r#"{{"version":"1.0.0",{DATE},"url":"https://e.com/a","signature":"","size":0}}"#);
    let got = warnings(&body, &LintOptions::default());
    let size: Vec<_> = got.iter().filter(|w| w.0 == "invalid_size").collect();
    assert_eq!(
        size,
        [&(
            "invalid_size",
            "`/size` must be a positive integer, found integer `0`; it is ignored".into(),
            "/size".into(),
            1,
            100
        )]
    );
}

#[test]
fn empty_platforms() {
    let body = format!(r#"{{"version":"1.0.0",{DATE},"platforms":{{}}}}"#);
    assert_eq!(
        only(&body),
        (
            "no_platforms",
            "`/platforms` is empty, so no client gets this update".into(),
            "/platforms".into(),
            1,
            66
        )
    );
}

#[test]
fn warnings_never_make_a_manifest_invalid_but_strict_fails() {
    let body = r#"{"version":"1.0.0","platforms":{"mac":{"url":"http://e.com/a","signature":""}}}"#;
    let r = report(body);
    assert!(r.valid);
    assert!(r.passes(Strictness::Lenient));
    assert!(!r.passes(Strictness::Strict));
}

/// A valid `size` is in the report, for each entry of a static manifest and for a dynamic one.
#[test]
fn report_json_has_the_sizes() {
    let json = |body: &str| serde_json::to_value(report(body)).unwrap();
    let static_report = json(
        r#"{"version":"1.0.0","platforms":{"a":{"url":"https://e.com/a","signature":"s","size":10},"b":{"url":"https://e.com/b","signature":"s","size":0}}}"#,
    );
    assert_eq!(static_report["platforms"]["a"]["size"], 10);
    assert_eq!(
        static_report["platforms"]["b"]["size"],
        serde_json::Value::Null
    );
    assert_eq!(static_report["size"], serde_json::Value::Null);
    let dynamic_report = json(
        r#"{"version":"1.0.0","url":"https://e.com/a","signature":"s","size":18446744073709551615}"#,
    );
    assert_eq!(dynamic_report["size"], u64::MAX);
}

#[test]
fn report_json_is_the_cli_object() {
    let Some(v) = tauri_cli(test_name!()) else {
        return;
    };
    let sig = v.text("sigs/secret/payload.txt.version-2.1.0.sig");
    let body = format!(
        "{{\"version\":\"v2.1.0\",\"notes\":\"n\",\"pub_date\":\"2026-11-29T10:30:00.50+01:00\",\"platforms\":{{\n\"linux-x86_64\": {}}}}}",
        entry("HTTPS://E.com:443/a b.AppImage", &sig)
    );
    let json = serde_json::to_value(report(&body).with_file("latest.json")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "file": "latest.json",
            "valid": true,
            "format": "static",
            "version": "2.1.0",
            "notes": "n",
            "pub_date": "2026-11-29T10:30:00.5+01:00",
            "platforms": {"linux-x86_64": {"url": "https://e.com/a%20b.AppImage", "signature": sig, "size": null}},
            "url": null,
            "signature": null,
            "size": null,
            "errors": [],
            "warnings": [],
        })
    );
    let json = serde_json::to_string(&report(
        r#"{"version":"1","url":"https://e.com/a","signature":"s"}"#,
    ))
    .unwrap();
    assert_eq!(
        json,
        r#"{"file":null,"valid":false,"format":null,"version":null,"notes":null,"pub_date":null,"platforms":null,"url":null,"signature":null,"size":null,"errors":[{"code":"invalid_version","message":"`/version` is not a SemVer version: \"1\" (unexpected end of input while parsing major version number)","path":"/version","line":1,"column":12}],"warnings":[{"code":"missing_pub_date","message":"the manifest has no `pub_date`","path":"/pub_date","line":1,"column":1},{"code":"invalid_signature","message":"`/signature` is not a Tauri signature: signature is not base64 (standard alphabet, padded, no whitespace): invalid length 1 (not a whole number of padded groups)","path":"/signature","line":1,"column":52}]}"#
    );
    let json = serde_json::to_value(report(
        r#"{"version":"1.0.0","url":"https://e.com/a","signature":"s"}"#,
    ))
    .unwrap();
    assert_eq!(
        (&json["format"], &json["url"], &json["platforms"]),
        (
            &"dynamic".into(),
            &"https://e.com/a".into(),
            &serde_json::Value::Null
        )
    );
}

#[test]
fn every_warning_code_has_a_stable_name() {
    for code in WarningCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        assert!(
            code.as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
        );
    }
    assert_eq!(WarningCode::ALL.len(), 26);
}
