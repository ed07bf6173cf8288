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

// A legacy (`Ed`) signature by the core tests' throw-away minisign key.
const LEGACY_PUB: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/data/minisign/key.pub"
));
const LEGACY_SIG: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/data/minisign/payload.txt.sig"
));
const LEGACY_DATA: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/data/minisign/payload.txt"
));
const LEGACY_LIMIT: u32 = 1 << 30;
const MANIFEST_LIMIT: u32 = 8 << 20;

#[wasm_bindgen_test]
fn arrays_are_read_in_windows_wherever_they_start() {
    let options = obj(r#"{"version": "2.1.0"}"#);
    let verify = |data: JsValue| {
        verify_signature(data, s(RANDOM_SIG_V210), s(NOPASS_PUB), options.clone())
            .map(|v| number(&v, "bytes"))
    };
    // 256 KiB: four 64 KiB windows.
    assert_eq!(verify(bytes(RANDOM)).unwrap(), RANDOM.len() as f64);
    assert_eq!(
        verify(Uint8Array::from(RANDOM).buffer().into()).unwrap(),
        RANDOM.len() as f64
    );
    // A view in the middle of a larger buffer: the windows start at its offset.
    let larger = Uint8Array::new_with_length(RANDOM.len() as u32 + 10);
    larger.fill(0xff, 0, larger.length());
    let view = larger.subarray(7, 7 + RANDOM.len() as u32);
    view.copy_from(RANDOM);
    assert_eq!(verify(view.clone().into()).unwrap(), RANDOM.len() as f64);
    let mut verifier = create_verifier(s(RANDOM_SIG_V210), s(NOPASS_PUB), options.clone()).unwrap();
    verifier.update(view.into()).unwrap();
    assert_eq!(
        number(&verifier.finish().unwrap(), "bytes"),
        RANDOM.len() as f64
    );
    // One byte more than the file: the last window is 1 byte.
    let longer = larger.subarray(7, 8 + RANDOM.len() as u32);
    assert_eq!(
        failure(verify(longer.into()).unwrap_err()),
        (
            "signature_mismatch".into(),
            "file does not match its signature by key A85E24BF64964E45: its bytes differ from the signed ones (262145 bytes read)".into()
        )
    );
}

#[wasm_bindgen_test]
fn legacy_signatures_are_checked_up_to_a_limit() {
    let allow = obj(r#"{"allowLegacy": true, "version": "1.0.0"}"#);
    let verified = verify_signature(
        bytes(LEGACY_DATA),
        s(LEGACY_SIG),
        s(LEGACY_PUB),
        allow.clone(),
    )
    .unwrap();
    assert_eq!(text(&verified, "algorithm"), "legacy");
    let over = || JsValue::from(Uint8Array::new_with_length(LEGACY_LIMIT + 1));
    let message = "a legacy signature is checked with every byte in memory, and 1073741825 bytes is over the limit of 1073741824: re-sign the file with a current signer";
    assert_eq!(
        failure(verify_signature(over(), s(LEGACY_SIG), s(LEGACY_PUB), allow.clone()).unwrap_err()),
        ("invalid_argument".into(), message.into())
    );
    // The policy first: a refused legacy signature is refused whatever the size.
    assert_eq!(
        failure(
            verify_signature(
                over(),
                s(LEGACY_SIG),
                s(LEGACY_PUB),
                obj(r#"{"version": "1.0.0"}"#)
            )
            .unwrap_err()
        )
        .0,
        "legacy_refused"
    );
    // Streaming: the total counts; a refused chunk is not fed, and the verifier goes on.
    let mut verifier = create_verifier(s(LEGACY_SIG), s(LEGACY_PUB), allow).unwrap();
    verifier.update(bytes(&LEGACY_DATA[..5])).unwrap();
    let rest = JsValue::from(Uint8Array::new_with_length(LEGACY_LIMIT - 4));
    assert_eq!(
        failure(verifier.update(rest).unwrap_err()),
        ("invalid_argument".into(), message.into())
    );
    assert_eq!(verifier.bytes(), 5.0);
    verifier.update(bytes(&LEGACY_DATA[5..])).unwrap();
    assert_eq!(text(&verifier.finish().unwrap(), "algorithm"), "legacy");
}

#[wasm_bindgen_test]
fn manifests_over_the_limit_are_refused() {
    let message = "the manifest is larger than the limit of 8388608 bytes";
    let too_large = |body: JsValue| {
        let error = validate_manifest(body.clone(), JsValue::UNDEFINED).unwrap_err();
        assert_eq!(failure(error), ("invalid_argument".into(), message.into()));
        assert_eq!(
            failure(parse_manifest(body.clone()).unwrap_err()).1,
            message
        );
        assert_eq!(
            failure(format_report(body.clone(), JsValue::UNDEFINED).unwrap_err()).1,
            message
        );
        assert_eq!(
            failure(resolve_update(body, obj(CLIENT)).unwrap_err()).1,
            message
        );
    };
    too_large(Uint8Array::new_with_length(MANIFEST_LIMIT + 1).into());
    too_large(
        Uint8Array::new_with_length(MANIFEST_LIMIT + 1)
            .buffer()
            .into(),
    );
    too_large(s(&" ".repeat(MANIFEST_LIMIT as usize + 1)));
    // Under the limit in UTF-16 units, over it in UTF-8 bytes.
    too_large(s(&"é".repeat(MANIFEST_LIMIT as usize / 2 + 1)));
    // A parsed value whose JSON text is over the limit (holes are `null`s).
    too_large(js_sys::Array::new_with_length(MANIFEST_LIMIT / 5 + 1).into());
    // At the limit exactly: read.
    let head = r#"{"version": "1.0.0", "url": "https://e.com/a", "signature": "", "notes": ""#;
    let at_limit = format!(
        "{head}{}\"}}",
        "a".repeat(MANIFEST_LIMIT as usize - head.len() - 2)
    );
    assert_eq!(at_limit.len(), MANIFEST_LIMIT as usize);
    assert_eq!(
        text(&parse_manifest(s(&at_limit)).unwrap(), "shape"),
        "dynamic"
    );
}

#[wasm_bindgen_test]
fn objects_that_are_not_json_values_are_refused() {
    let message = "the manifest must be a string, a Uint8Array, an ArrayBuffer or a JSON value (a plain object or array)";
    let buffer = js_sys::ArrayBuffer::new(8);
    for value in [
        JsValue::from(js_sys::DataView::new(&buffer, 0, 8)),
        js_sys::Int8Array::new(&buffer).into(),
        js_sys::Uint16Array::new(&buffer).into(),
        js_sys::SharedArrayBuffer::new(8).into(),
        js_sys::Map::new().into(),
        js_sys::Set::new(&JsValue::UNDEFINED).into(),
        js_sys::Date::new_0().into(),
        js_sys::Error::new("x").into(),
    ] {
        assert_eq!(
            failure(validate_manifest(value.clone(), JsValue::UNDEFINED).unwrap_err()),
            ("invalid_argument".into(), message.into()),
            "{value:?}"
        );
    }
    // Plain objects (also without a prototype), arrays and the other JSON values are read.
    let bare: js_sys::Object = js_sys::Object::create(&JsValue::NULL.unchecked_into());
    for (key, value) in [
        ("version", "1.0.0"),
        ("url", "https://e.com/a"),
        ("signature", ""),
    ] {
        Reflect::set(&bare, &s(key), &s(value)).unwrap();
    }
    let report = validate_manifest(bare.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&report, "version"), "1.0.0");
    let report = validate_manifest(obj("[]"), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "valid"), JsValue::FALSE);
    let report = validate_manifest(JsValue::TRUE, JsValue::UNDEFINED).unwrap();
    assert_eq!(
        text(&get(&get(&report, "errors"), "0"), "code"),
        "invalid_type"
    );
    // Bytes in a SharedArrayBuffer, through a Uint8Array, are bytes.
    let shared = Uint8Array::new(&js_sys::SharedArrayBuffer::new(APIXEL.len() as u32));
    shared.copy_from(APIXEL.as_bytes());
    assert_eq!(
        text(&parse_manifest(shared.into()).unwrap(), "version"),
        "0.1.1"
    );
    // The bytes to verify: a typed array other than Uint8Array is refused too.
    assert_eq!(
        failure(
            verify_signature(
                js_sys::Int8Array::new(&buffer).into(),
                s(PAYLOAD_SIG),
                s(SECRET_PUB),
                JsValue::UNDEFINED
            )
            .unwrap_err()
        ),
        (
            "invalid_argument".into(),
            "the data must be a Uint8Array, an ArrayBuffer or a string".into()
        )
    );
}

#[wasm_bindgen_test]
fn bundle_type_unknown_is_no_bundle_type() {
    let unknown = r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64", "bundleType": "unknown"}"#;
    let none = r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64"}"#;
    assert_eq!(
        json(&resolve_update(s(APIXEL), obj(unknown)).unwrap()),
        json(&resolve_update(s(APIXEL), obj(none)).unwrap())
    );
    let linux = r#"{"currentVersion": "0.1.0", "target": "linux", "arch": "aarch64", "bundleType": "unknown"}"#;
    assert_eq!(
        json(&get(
            &resolve_update(s(APIXEL), obj(linux)).unwrap(),
            "keys"
        )),
        r#"["linux-aarch64"]"#
    );
    assert_eq!(
        render_endpoint(s("https://e.com/{{bundle_type}}"), obj(unknown)).unwrap(),
        "https://e.com/unknown"
    );
    // Names are case-sensitive, as the CLI's.
    let upper = r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64", "bundleType": "Unknown"}"#;
    assert_eq!(
        failure(resolve_update(s(APIXEL), obj(upper)).unwrap_err()).0,
        "unknown_bundle_type"
    );
}
