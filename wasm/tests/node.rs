//! The bindings under Node (`wasm-bindgen-test-runner`), over the shared fixtures:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p upkit-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use js_sys::{JSON, Reflect, Uint8Array};
use upkit_wasm::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

macro_rules! vector {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/",
            $path
        ))
    };
}

macro_rules! vector_bytes {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/",
            $path
        ))
    };
}

const SECRET_PUB: &str = vector!("tauri-cli/keys/secret.key.pub");
const NOPASS_PUB: &str = vector!("tauri-cli/keys/nopass.key.pub");
const PAYLOAD: &[u8] = vector_bytes!("tauri-cli/files/payload.txt");
const PAYLOAD_SIG: &str = vector!("tauri-cli/sigs/secret/payload.txt.sig");
const PAYLOAD_SIG_V210: &str = vector!("tauri-cli/sigs/secret/payload.txt.version-2.1.0.sig");
const RANDOM: &[u8] = vector_bytes!("tauri-cli/files/random-256KiB.bin");
const RANDOM_SIG_V210: &str = vector!("tauri-cli/sigs/nopass/random-256KiB.bin.version-2.1.0.sig");
const APIXEL: &str = vector!("real-world-manifests/00x421__apixel-release__latest.json");
const BOM: &[u8] = vector_bytes!("real-world-manifests/Imzl-zl__xhs-updates__update_latest.json");
const NO_SIGNATURE: &str = vector!("real-world-manifests/ClavisPass__ClavisPass__updater.json");
const EMPTY_URL: &str =
    vector!("real-world-manifests/VirxEC__rlbot_gui_rust__docs_latest__first-version.json");

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("an object")
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key)
        .as_string()
        .unwrap_or_else(|| panic!("`{key}` is not a string"))
}

fn number(value: &JsValue, key: &str) -> f64 {
    get(value, key)
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number"))
}

fn json(value: &JsValue) -> String {
    JSON::stringify(value).unwrap().as_string().unwrap()
}

fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

/// The error's `code` and `message`, checking that it is a real `Error`.
fn failure(error: JsValue) -> (String, String) {
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {error:?}"
    );
    let error: js_sys::Error = error.unchecked_into();
    (text(&error, "code"), String::from(error.message()))
}

const CLIENT: &str =
    r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64", "bundleType": "nsis"}"#;

#[wasm_bindgen_test]
fn compare_versions_uses_build_metadata() {
    assert_eq!(compare_versions(s("1.0.0+2"), s("1.0.0+1")).unwrap(), 1);
    assert_eq!(compare_versions(s("v1.0.0"), s("1.0.0")).unwrap(), 0);
    assert_eq!(compare_versions(s("1.0.0-rc.1"), s("1.0.0")).unwrap(), -1);
    assert_eq!(
        failure(compare_versions(s("V1.0.0"), s("1.0.0")).unwrap_err()),
        (
            "invalid_version".into(),
            "invalid version `V1.0.0`: unexpected character 'V' while parsing major version number"
                .into()
        )
    );
    assert_eq!(
        failure(compare_versions(JsValue::from(1), s("1.0.0")).unwrap_err()),
        (
            "invalid_argument".into(),
            "the first version must be a string".into()
        )
    );
}

#[wasm_bindgen_test]
fn parse_manifest_of_a_real_one() {
    let manifest = parse_manifest(s(APIXEL)).unwrap();
    assert_eq!(text(&manifest, "version"), "0.1.1");
    assert_eq!(text(&manifest, "shape"), "static");
    assert_eq!(text(&manifest, "pub_date"), "2026-07-02T10:00:51.98Z");
    let entry = get(&get(&manifest, "platforms"), "windows-x86_64");
    assert_eq!(
        text(&entry, "url"),
        "https://00x421.github.io/apixel-release/APixel_0.1.1_x64-setup.exe"
    );
    assert!(get(&entry, "size").is_null());
    // Bytes and strings give the same result.
    assert_eq!(
        json(&parse_manifest(bytes(APIXEL.as_bytes())).unwrap()),
        json(&manifest)
    );
}

#[wasm_bindgen_test]
fn manifest_errors_carry_code_path_line_and_column() {
    let error = parse_manifest(bytes(BOM)).unwrap_err();
    assert_eq!(failure(error.clone()).0, "byte_order_mark");
    assert_eq!(text(&error, "path"), "");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (1.0, 1.0)
    );

    let error = parse_manifest(s(EMPTY_URL)).unwrap_err();
    assert_eq!(failure(error.clone()).0, "invalid_url");
    assert_eq!(text(&error, "path"), "/platforms/darwin-aarch64/url");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (7.0, 15.0)
    );

    let (code, message) = failure(parse_manifest(s("{}")).unwrap_err());
    assert_eq!(code, "missing_field");
    assert!(message.ends_with("(line 1, column 1)"), "{message}");
}

#[wasm_bindgen_test]
fn validate_manifest_reports_like_the_cli() {
    let report = validate_manifest(s(APIXEL), obj(r#"{"file": "latest.json"}"#)).unwrap();
    assert_eq!(text(&report, "file"), "latest.json");
    assert_eq!(get(&report, "valid"), JsValue::TRUE);
    assert_eq!(text(&report, "format"), "static");
    assert_eq!(number(&get(&report, "errors"), "length"), 0.0);

    for (body, code) in [
        (bytes(BOM), "byte_order_mark"),
        (s(NO_SIGNATURE), "missing_field"),
        (s(EMPTY_URL), "invalid_url"),
    ] {
        let report = validate_manifest(body, JsValue::UNDEFINED).unwrap();
        assert_eq!(get(&report, "valid"), JsValue::FALSE);
        assert!(get(&report, "version").is_null());
        let first = get(&get(&report, "errors"), "0");
        assert_eq!(text(&first, "code"), code);
        for key in ["message", "path"] {
            assert!(get(&first, key).is_string(), "{key}");
        }
    }

    // A trusted key that did not sign the entries: a key_mismatch warning.
    let report =
        validate_manifest(s(APIXEL), obj(&format!(r#"{{"pubkey": "{SECRET_PUB}"}}"#))).unwrap();
    let warnings = json(&get(&report, "warnings"));
    assert!(warnings.contains(r#""code":"key_mismatch""#), "{warnings}");

    assert_eq!(
        failure(validate_manifest(s(APIXEL), obj(r#"{"pubkey": "nope"}"#)).unwrap_err()).0,
        "invalid_public_key"
    );
    assert_eq!(
        failure(validate_manifest(s(APIXEL), obj(r#"{"strict": true}"#)).unwrap_err()),
        (
            "invalid_argument".into(),
            "options.strict is not an option here (known: file, pubkey)".into()
        )
    );
}

#[wasm_bindgen_test]
fn format_report_is_the_core_rendering_of_the_same_report() {
    let options = format!(r#"{{"file": "latest.json", "pubkey": "{SECRET_PUB}"}}"#);
    let report = upkit_core::manifest::validate(
        APIXEL.as_bytes(),
        &upkit_core::manifest::LintOptions::with_keys(vec![
            upkit_core::signature::PublicKey::decode(SECRET_PUB).unwrap(),
        ]),
    )
    .with_file("latest.json");
    let human = |strictness| {
        report.human(
            APIXEL.as_bytes(),
            strictness,
            &upkit_core::manifest::Palette::PLAIN,
        )
    };
    let text = format_report(s(APIXEL), obj(&options)).unwrap();
    assert_eq!(text, human(upkit_core::manifest::Strictness::Lenient));
    assert!(text.contains("warning[key_mismatch]"), "{text}");
    let strict = format!(r#"{{"file": "latest.json", "pubkey": "{SECRET_PUB}", "strict": true}}"#);
    assert_eq!(
        format_report(s(APIXEL), obj(&strict)).unwrap(),
        human(upkit_core::manifest::Strictness::Strict)
    );
    assert_eq!(
        failure(format_report(s(APIXEL), obj(r#"{"strict": 1}"#)).unwrap_err()),
        (
            "invalid_argument".into(),
            "options.strict must be a boolean".into()
        )
    );
}

#[wasm_bindgen_test]
fn resolve_update_offers_and_explains() {
    let offer = resolve_update(s(APIXEL), obj(CLIENT)).unwrap();
    assert_eq!(
        json(&offer),
        r#"{"update":true,"version":"0.1.1","notes":"v0.1.1 首个发布版本","pub_date":"2026-07-02T10:00:51.98Z","target":"windows","platform_key":"windows-x86_64","url":"https://00x421.github.io/apixel-release/APixel_0.1.1_x64-setup.exe","signature":""#
            .to_owned()
            + &text(&offer, "signature")
            + r#"","size":null}"#
    );

    let same = r#"{"currentVersion": "0.1.1", "target": "linux", "arch": "x86_64"}"#;
    assert_eq!(
        json(&resolve_update(s(APIXEL), obj(same)).unwrap()),
        r#"{"update":false,"reason":"up_to_date","message":"the release 0.1.1 is not newer than the current version 0.1.1","version":"0.1.1"}"#
    );

    let linux =
        r#"{"currentVersion": "0.1.0", "target": "linux", "arch": "aarch64", "bundleType": "deb"}"#;
    assert_eq!(
        json(&resolve_update(s(APIXEL), obj(linux)).unwrap()),
        r#"{"update":false,"reason":"no_platform","message":"the release 0.1.1 has no platform entry for this client (tried linux-aarch64-deb, linux-aarch64)","version":"0.1.1","keys":["linux-aarch64-deb","linux-aarch64"]}"#
    );

    let http = r#"{"version": "2.0.0", "url": "http://example.com/a.tar.gz", "signature": "c2ln"}"#;
    let old = r#"{"currentVersion": "1.0.0", "target": "darwin", "arch": "aarch64"}"#;
    let answer = resolve_update(s(http), obj(old)).unwrap();
    assert_eq!(text(&answer, "reason"), "insecure_download");
    let insecure = r#"{"currentVersion": "1.0.0", "target": "darwin", "arch": "aarch64", "insecureTransport": true}"#;
    let answer = resolve_update(s(http), obj(insecure)).unwrap();
    assert_eq!(
        (get(&answer, "update"), text(&answer, "target")),
        (JsValue::TRUE, "darwin".into())
    );

    assert_eq!(
        failure(
            resolve_update(
                s(APIXEL),
                obj(r#"{"currentVersion": "1.0.0", "target": "macos", "arch": "x86_64"}"#)
            )
            .unwrap_err()
        ),
        (
            "unknown_os".into(),
            "unknown os `macos`: expected one of linux, darwin, windows".into()
        )
    );
    assert_eq!(
        failure(
            resolve_update(s(APIXEL), obj(r#"{"target": "linux", "arch": "x86_64"}"#)).unwrap_err()
        ),
        (
            "invalid_argument".into(),
            "options.currentVersion is required".into()
        )
    );
    assert_eq!(
        failure(resolve_update(s(EMPTY_URL), obj(CLIENT)).unwrap_err()).0,
        "invalid_url"
    );
}

#[wasm_bindgen_test]
fn render_endpoint_fills_the_placeholders() {
    let client = r#"{"currentVersion": "1.0.0-beta.1+b5", "target": "linux", "arch": "x86_64", "variables": {"channel": "beta 1"}}"#;
    assert_eq!(
        render_endpoint(s("https://u.example.com/{{target}}/{{arch}}/{{current_version}}?c={{channel}}&b={{bundle_type}}"), obj(client)).unwrap(),
        "https://u.example.com/linux/x86_64/1.0.0-beta.1%2Bb5?c=beta%201&b=unknown"
    );
    assert_eq!(
        failure(render_endpoint(s("http://u.example.com/"), obj(client)).unwrap_err()),
        (
            "insecure_endpoint".into(),
            "endpoint `http://u.example.com/` must use https (scheme is `http`); allow insecure transport to use it anyway".into()
        )
    );
}

#[wasm_bindgen_test]
fn verify_signature_with_the_tauri_cli_vectors() {
    let optional = obj(r#"{"requireSignedVersion": false}"#);
    let verified = verify_signature(
        bytes(PAYLOAD),
        s(PAYLOAD_SIG),
        s(SECRET_PUB),
        optional.clone(),
    )
    .unwrap();
    assert_eq!(text(&verified, "keyId"), "94D7D4FD91B91D35");
    assert_eq!(text(&verified, "algorithm"), "prehashed");
    assert_eq!(number(&verified, "bytes"), PAYLOAD.len() as f64);
    assert_eq!(
        text(&get(&verified, "trustedComment"), "file"),
        "payload.txt"
    );

    // upkit's default: a signed version is required.
    assert_eq!(
        failure(verify_signature(bytes(PAYLOAD), s(PAYLOAD_SIG), s(SECRET_PUB), JsValue::UNDEFINED).unwrap_err()),
        (
            "signed_version_missing".into(),
            "signature has no signed version (no `version:` in its trusted comment), but a signed version is required".into()
        )
    );
    let v210 = obj(r#"{"version": "v2.1.0"}"#);
    let verified =
        verify_signature(bytes(PAYLOAD), s(PAYLOAD_SIG_V210), s(SECRET_PUB), v210).unwrap();
    assert_eq!(text(&get(&verified, "trustedComment"), "version"), "2.1.0");
    assert_eq!(
        failure(
            verify_signature(
                bytes(PAYLOAD),
                s(PAYLOAD_SIG_V210),
                s(SECRET_PUB),
                obj(r#"{"version": "2.1.1"}"#)
            )
            .unwrap_err()
        ),
        (
            "signed_version_mismatch".into(),
            "signed version 2.1.0 differs from the announced version 2.1.1".into()
        )
    );
    assert_eq!(
        failure(
            verify_signature(
                bytes(PAYLOAD),
                s(PAYLOAD_SIG),
                s(NOPASS_PUB),
                optional.clone()
            )
            .unwrap_err()
        ),
        (
            "key_id_mismatch".into(),
            "signature was made with key 94D7D4FD91B91D35, but the trusted key is A85E24BF64964E45"
                .into()
        )
    );
    // Several keys (rotation): the signature's key id picks one.
    let both = js_sys::Array::of2(&s(NOPASS_PUB), &s(SECRET_PUB));
    assert!(
        verify_signature(
            bytes(PAYLOAD),
            s(PAYLOAD_SIG),
            both.into(),
            optional.clone()
        )
        .is_ok()
    );
    let mut tampered = PAYLOAD.to_vec();
    tampered[0] ^= 1;
    assert_eq!(
        failure(
            verify_signature(bytes(&tampered), s(PAYLOAD_SIG), s(SECRET_PUB), optional)
                .unwrap_err()
        )
        .0,
        "signature_mismatch"
    );
    assert_eq!(
        failure(
            verify_signature(
                bytes(PAYLOAD),
                s("not a signature"),
                s(SECRET_PUB),
                JsValue::UNDEFINED
            )
            .unwrap_err()
        )
        .0,
        "invalid_signature"
    );
}

#[wasm_bindgen_test]
fn streaming_verifier() {
    let mut verifier = create_verifier(
        s(RANDOM_SIG_V210),
        s(NOPASS_PUB),
        obj(r#"{"version": "2.1.0"}"#),
    )
    .unwrap();
    assert_eq!(verifier.key_id().as_deref(), Some("A85E24BF64964E45"));
    for chunk in RANDOM.chunks(10_000) {
        verifier.update(bytes(chunk)).unwrap();
    }
    assert_eq!(verifier.bytes(), RANDOM.len() as f64);
    let verified = verifier.finish().unwrap();
    assert_eq!(verifier.bytes(), RANDOM.len() as f64);
    assert_eq!(
        text(&get(&verified, "trustedComment"), "file"),
        "random-256KiB.bin"
    );
    assert_eq!(
        failure(verifier.finish().unwrap_err()),
        (
            "verifier_finished".into(),
            "the verifier has already finished".into()
        )
    );

    let mut verifier = create_verifier(
        s(RANDOM_SIG_V210),
        s(NOPASS_PUB),
        obj(r#"{"version": "2.1.0"}"#),
    )
    .unwrap();
    verifier.update(bytes(&RANDOM[..1000])).unwrap();
    assert_eq!(
        failure(verifier.finish().unwrap_err()),
        (
            "signature_mismatch".into(),
            "file does not match its signature by key A85E24BF64964E45: its bytes differ from the signed ones (1000 bytes read)".into()
        )
    );
    // Checks that need no bytes fail at once.
    assert_eq!(
        failure(
            create_verifier(
                s(RANDOM_SIG_V210),
                s(NOPASS_PUB),
                obj(r#"{"version": "2.0.0"}"#)
            )
            .err()
            .unwrap()
        )
        .0,
        "signed_version_mismatch"
    );
}

#[wasm_bindgen_test]
fn inspect_keys_and_signatures() {
    let key = inspect_public_key(s(SECRET_PUB)).unwrap();
    assert_eq!(
        json(&key),
        r#"{"keyId":"94D7D4FD91B91D35","untrustedComment":"minisign public key: 94D7D4FD91B91D35"}"#
    );
    let signature = inspect_signature(s(PAYLOAD_SIG_V210)).unwrap();
    assert_eq!(text(&signature, "keyId"), "94D7D4FD91B91D35");
    let comment = get(&signature, "trustedComment");
    assert_eq!(text(&comment, "version"), "2.1.0");
    assert_eq!(number(&comment, "timestamp"), 1_795_942_147.0);
    assert_eq!(text(&get(&comment, "fields"), "file"), "payload.txt");
    assert_eq!(
        failure(inspect_public_key(s("AAAA")).unwrap_err()).0,
        "invalid_public_key"
    );
}
