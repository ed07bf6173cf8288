//! Every manifest in `shared/vectors/real-world-manifests/` gets Tauri's verdict: the three the
//! vectors README names are refused for its reasons; every other parses with the version,
//! notes, date and per-platform url and signature the raw JSON holds. These are other people's
//! files, read at run time where they are (`upkit_fixtures::real_world_manifests`): without them
//! the tests report that they did not run.

#![allow(
    clippy::disallowed_methods,
    reason = "the tests read the shared test vectors"
)]

use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upkit_core::manifest::{self, ErrorCode, LintOptions, Release, WarningCode};
use upkit_fixtures::{real_world_manifests, test_name};

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

const REJECTED: [&str; 3] = [
    "Imzl-zl__xhs-updates__update_latest.json",
    "ClavisPass__ClavisPass__updater.json",
    "VirxEC__rlbot_gui_rust__docs_latest__first-version.json",
];

#[test]
fn the_corpus_is_there() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    assert_eq!(files(&dir).len(), 24);
}

#[test]
fn byte_order_mark_is_refused() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let err = manifest::parse(&read(&dir, REJECTED[0])).unwrap_err();
    assert_eq!(err.code, ErrorCode::ByteOrderMark);
    assert_eq!(
        err.message,
        "the body starts with a UTF-8 byte-order mark, which Tauri refuses"
    );
    assert_eq!((err.path.as_str(), err.line, err.column), ("", 1, 1));
    assert_eq!(
        err.to_string(),
        "the body starts with a UTF-8 byte-order mark, which Tauri refuses (line 1, column 1)"
    );
}

#[test]
fn entries_without_signature_are_refused() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let body = read(&dir, REJECTED[1]);
    let err = manifest::parse(&body).unwrap_err();
    assert_eq!(err.code, ErrorCode::MissingField);
    assert_eq!(
        err.message,
        "`/platforms/windows-x86_64` has no `signature`"
    );
    assert_eq!(err.path, "/platforms/windows-x86_64/signature");
    assert_eq!((err.line, err.column), (6, 23));
    // validate lists all three entries, in document order.
    let report = manifest::validate(&body, &LintOptions::default());
    assert!(!report.valid);
    let got: Vec<_> = report
        .errors
        .iter()
        .map(|e| (e.path.as_str(), e.line, e.column))
        .collect();
    assert_eq!(
        got,
        [
            ("/platforms/windows-x86_64/signature", 6, 23),
            ("/platforms/linux-x86_64/signature", 9, 21),
            ("/platforms/darwin-aarch64/signature", 12, 23),
        ]
    );
    // The macOS entry points at a .dmg, which is no update.
    let dmg: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::ArtifactMismatch)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        dmg,
        [
            "`/platforms/darwin-aarch64/url` names `ClavisPass_1.0.5_aarch64.dmg`, which is no update for `darwin-aarch64`"
        ]
    );
}

#[test]
fn empty_url_is_refused() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let body = read(&dir, REJECTED[2]);
    let err = manifest::parse(&body).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidUrl);
    assert_eq!(
        err.message,
        "`/platforms/darwin-aarch64/url` is not an absolute URL: \"\" (relative URL without a base)"
    );
    assert_eq!(
        (err.path.as_str(), err.line, err.column),
        ("/platforms/darwin-aarch64/url", 7, 15)
    );
    let report = manifest::validate(&body, &LintOptions::default());
    let paths: Vec<_> = report.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/platforms/darwin-aarch64/url",
            "/platforms/darwin-intel/url",
            "/platforms/windows-x86_64/url"
        ]
    );
    let codes: Vec<_> = report.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "missing_pub_date",
            "name_alias",
            "empty_signature",
            "unknown_platform",
            "empty_signature",
            "empty_signature",
        ]
    );
    let unknown = report
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::UnknownPlatform)
        .unwrap();
    assert_eq!(
        unknown.hint.as_deref(),
        Some("did you mean `darwin-x86_64`?")
    );
}

#[test]
fn every_other_file_parses_with_the_raw_fields() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    for name in files(&dir) {
        if REJECTED.contains(&name.as_str()) {
            continue;
        }
        let body = read(&dir, &name);
        let m = manifest::parse(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(m.raw, raw, "{name}");
        let version = raw
            .get("version")
            .or(raw.get("name"))
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(
            m.version.to_string(),
            version.trim_start_matches('v'),
            "{name}"
        );
        assert_eq!(
            m.notes.as_deref(),
            raw.get("notes").and_then(Value::as_str),
            "{name}"
        );
        let date = raw
            .get("pub_date")
            .and_then(Value::as_str)
            .map(|d| OffsetDateTime::parse(d, &Rfc3339).unwrap());
        assert_eq!(m.pub_date, date, "{name}");
        let Release::Static { platforms } = &m.release else {
            panic!("{name}: not static")
        };
        let raw_platforms = raw["platforms"].as_object().unwrap();
        assert_eq!(platforms.len(), raw_platforms.len(), "{name}");
        for (key, entry) in raw_platforms {
            let p = &platforms[key];
            // Every URL here is already normalised.
            assert_eq!(
                p.url.as_str(),
                entry["url"].as_str().unwrap(),
                "{name} {key}"
            );
            assert_eq!(
                p.signature,
                entry["signature"].as_str().unwrap(),
                "{name} {key}"
            );
        }
        let report = manifest::validate(&body, &LintOptions::default());
        assert!(report.valid, "{name}");
        assert_eq!(report.manifest.as_ref(), Some(&m), "{name}");
    }
}

/// What the lint pass says about each accepted file: (file, [(code, path)]).
#[test]
fn lint_findings_in_the_wild() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let mut got = Vec::new();
    for name in files(&dir) {
        let report = manifest::validate(&read(&dir, &name), &LintOptions::default());
        for w in &report.warnings {
            got.push(format!("{name} {} {}", w.code, w.path));
        }
    }
    let expected = [
        "BingKui__iHosts__latest.json secret_key_in_signature /platforms/darwin-x86_64/signature",
        "BingKui__iHosts__latest.json secret_key_in_signature /platforms/darwin-aarch64/signature",
        "BingKui__iHosts__latest.json secret_key_in_signature /platforms/linux-x86_64/signature",
        "BingKui__iHosts__latest.json artifact_mismatch /platforms/linux-x86_64/url",
        "BingKui__iHosts__latest.json secret_key_in_signature /platforms/windows-x86_64/signature",
        "BingKui__iHosts__latest.json artifact_mismatch /platforms/windows-x86_64/url",
        "ClavisPass__ClavisPass__updater.json artifact_mismatch /platforms/darwin-aarch64/url",
        "Nishannb__brightpal-updates__updates_latest.json invalid_signature /platforms/darwin-x86_64/signature",
        "Nishannb__brightpal-updates__updates_latest.json invalid_signature /platforms/darwin-aarch64/signature",
        "Nishannb__brightpal-updates__updates_latest.json url_version_mismatch /platforms/windows-x86_64/url",
        "Nishannb__brightpal-updates__updates_latest.json invalid_signature /platforms/windows-x86_64/signature",
        // `"size": 0`, enforced, would fail every download; ignored, with this warning.
        "Nishannb__brightpal-updates__updates_latest.json invalid_size /platforms/windows-x86_64/size",
        "VirxEC__rlbot_gui_rust__docs_latest.json missing_pub_date /pub_date",
        "VirxEC__rlbot_gui_rust__docs_latest.json name_alias /name",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json missing_pub_date /pub_date",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json name_alias /name",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json empty_signature /platforms/darwin-aarch64/signature",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json unknown_platform /platforms/darwin-intel",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json empty_signature /platforms/darwin-intel/signature",
        "VirxEC__rlbot_gui_rust__docs_latest__first-version.json empty_signature /platforms/windows-x86_64/signature",
        "server375375-creator__telecom-app-updates__linux-x86_64.json missing_pub_date /pub_date",
        "server375375-creator__telecom-app-updates__linux-x86_64.json unknown_field /date",
        "server375375-creator__telecom-app-updates__linux-x86_64.json empty_signature /platforms/linux-x86_64/signature",
    ];
    assert_eq!(got, expected);
}

#[test]
fn lint_messages_in_the_wild() {
    let Some(dir) = real_world_manifests(test_name!()) else {
        return;
    };
    let report = manifest::validate(
        &read(&dir, "BingKui__iHosts__latest.json"),
        &LintOptions::default(),
    );
    let w = &report.warnings[0];
    assert_eq!(
        w.message,
        "`/platforms/darwin-x86_64/signature` holds a minisign secret key, not a signature"
    );
    assert_eq!((w.line, w.column), (7, 26));
    let w = report
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::ArtifactMismatch)
        .unwrap();
    assert_eq!(
        w.message,
        "`/platforms/linux-x86_64/url` names `iHosts.app.tar.gz`, which is no update for `linux-x86_64`"
    );
    assert_eq!(
        w.hint.as_deref(),
        Some("Linux updates are `.AppImage` (or `.AppImage.tar.gz`), `.deb` or `.rpm` files")
    );

    let report = manifest::validate(
        &read(&dir, "Nishannb__brightpal-updates__updates_latest.json"),
        &LintOptions::default(),
    );
    assert_eq!(
        report.warnings[0].message,
        "`/platforms/darwin-x86_64/signature` is not a Tauri signature: signature is not base64 \
         (standard alphabet, padded, no whitespace): invalid byte 0x3d at offset 1929"
    );
    let report = manifest::validate(
        &read(
            &dir,
            "server375375-creator__telecom-app-updates__linux-x86_64.json",
        ),
        &LintOptions::default(),
    );
    let w = report
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::UnknownField)
        .unwrap();
    assert_eq!(w.message, "unknown field `date` is ignored");
    assert_eq!(w.hint.as_deref(), Some("did you mean `pub_date`?"));
    assert_eq!((w.path.as_str(), w.line, w.column), ("/date", 3, 3));
}
