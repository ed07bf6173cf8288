//! The bindings under Node (`wasm-bindgen-test-runner`):
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p upkit-wasm --target wasm32-unknown-unknown`.
//!
//! Data outside the repository is read at run time, through Node's `fs`, as the Rust tests read
//! it (the `upkit-fixtures` crate has the same rules):
//! - the Tauri CLI vectors (laid out as `shared/vectors/tauri-cli`) from `$UPKIT_TAURI_VECTORS`
//!   when set, else `target/vectors/tauri-cli` (made by `scripts/tauri-vectors.sh`), else
//!   `../shared/vectors/tauri-cli` beside the checkout. Made afresh, they have their own key
//!   ids, timestamps and base64: the tests read those facts from the files (what the Tauri CLI
//!   wrote, decoded here with Node's base64, not upkit's) and compare upkit's answers with them;
//! - the real-world manifests from `$UPKIT_VECTORS/real-world-manifests` when `UPKIT_VECTORS` is
//!   set, else `../shared/vectors/real-world-manifests`: other people's files, never copied in.
//!
//! A test whose data is absent prints `skipped: <test>: <why>` on stderr, appends that line to
//! the file `$UPKIT_SKIPPED` names when set, and returns; under `CI=true` it fails instead.
//! Manifests the tests need only as examples are written here; `core/tests/data` (in the
//! repository) is included at compile time.
#![cfg(target_arch = "wasm32")]

use js_sys::{JSON, Reflect, Uint8Array};
use upkit_wasm::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = r#"
const fs = () => process.getBuiltinModule('node:fs');
export function env_var(name) {
  const value = process.env[name];
  return value === '' ? undefined : value;
}
export function is_dir(path) {
  try {
    return fs().statSync(path).isDirectory();
  } catch {
    return false;
  }
}
export function read_file(path) {
  return new Uint8Array(fs().readFileSync(path));
}
export function report_skip(line) {
  process.stderr.write(`${line}\n`);
  const list = env_var('UPKIT_SKIPPED');
  if (list === undefined) return;
  try {
    fs().appendFileSync(list, `${line}\n`);
  } catch (error) {
    process.stderr.write(`warning: cannot append to UPKIT_SKIPPED (${list}): ${error.message}\n`);
  }
}
export function base64_text(text) {
  return Buffer.from(text, 'base64').toString('utf8');
}
export function instance_of(value, constructor) {
  return value instanceof constructor;
}
/** An error class that keeps what it was constructed with. */
export function recording_error() {
  return class RecordingError extends Error {
    constructor(message, options) {
      super(message);
      this.given = [message, options];
    }
  };
}
"#)]
extern "C" {
    fn env_var(name: &str) -> Option<String>;
    fn is_dir(path: &str) -> bool;
    #[wasm_bindgen(catch)]
    fn read_file(path: &str) -> Result<Uint8Array, JsValue>;
    fn report_skip(line: &str);
    fn base64_text(text: &str) -> String;
    fn instance_of(value: &JsValue, constructor: &JsValue) -> bool;
    fn recording_error() -> js_sys::Function;
}

/// The name of the test function this is written in (`node::<function>`).
macro_rules! test_name {
    () => {{
        fn here() {}
        std::any::type_name_of_val(&here)
            .strip_suffix("::here")
            .unwrap_or("?")
    }};
}

/// The repository's root (the parent of this crate's folder).
fn repo_root() -> &'static str {
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    manifest_dir
        .rsplit_once('/')
        .map_or(manifest_dir, |(root, _)| root)
}

/// `shared/vectors` beside the checkout.
fn shared_vectors() -> String {
    let root = repo_root();
    let parent = root.rsplit_once('/').map_or("", |(parent, _)| parent);
    format!("{parent}/shared/vectors")
}

/// Reports that `test` did not run, and why; under `CI=true`, fails it instead.
fn skip(test: &str, why: &str) {
    let line = format!("skipped: {test}: {why}");
    if env_var("CI").as_deref() == Some("true") {
        panic!("{line}");
    }
    report_skip(&line);
}

/// The Tauri CLI vectors for `test`, or `None` after reporting that it did not run.
fn tauri_cli(test: &str) -> Option<TauriCli> {
    let hint = "run scripts/tauri-vectors.sh, or lay shared/ beside the checkout";
    let why = if let Some(dir) = env_var("UPKIT_TAURI_VECTORS") {
        if is_dir(&dir) {
            return Some(TauriCli { dir });
        }
        format!("no Tauri CLI vectors: UPKIT_TAURI_VECTORS is {dir}, which is not a directory")
    } else {
        let made = format!("{}/target/vectors/tauri-cli", repo_root());
        let shared = format!("{}/tauri-cli", shared_vectors());
        for dir in [&made, &shared] {
            if is_dir(dir) {
                return Some(TauriCli { dir: dir.clone() });
            }
        }
        format!(
            "no Tauri CLI vectors: neither {made} nor {shared} is there, and UPKIT_TAURI_VECTORS is not set"
        )
    };
    skip(test, &format!("{why} ({hint})"));
    None
}

/// The real-world manifests for `test`, or `None` after reporting that it did not run.
fn real_world(test: &str) -> Option<RealWorld> {
    let (dir, from) = match env_var("UPKIT_VECTORS") {
        Some(vectors) => (
            format!("{vectors}/real-world-manifests"),
            " (from UPKIT_VECTORS)",
        ),
        None => (format!("{}/real-world-manifests", shared_vectors()), ""),
    };
    if is_dir(&dir) {
        return Some(RealWorld { dir });
    }
    skip(
        test,
        &format!(
            "no real-world manifests: {dir}{from} is not there (lay shared/ beside the checkout, or set UPKIT_VECTORS)"
        ),
    );
    None
}

/// The bytes of a file.
fn file_bytes(path: &str) -> Vec<u8> {
    read_file(path)
        .unwrap_or_else(|e| panic!("cannot read {path}: {e:?}"))
        .to_vec()
}

/// The text of a file.
fn file_text(path: &str) -> String {
    String::from_utf8(file_bytes(path)).unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"))
}

/// The Tauri CLI vectors: a folder laid out as `shared/vectors/tauri-cli`.
struct TauriCli {
    dir: String,
}

impl TauriCli {
    fn bytes(&self, file: &str) -> Vec<u8> {
        file_bytes(&format!("{}/{file}", self.dir))
    }

    fn text(&self, file: &str) -> String {
        file_text(&format!("{}/{file}", self.dir))
    }

    /// `keys/<key>.key.pub` (`secret` or `nopass`): what goes into `tauri.conf.json`.
    fn key(&self, key: &str) -> String {
        self.text(&format!("keys/{key}.key.pub"))
    }

    /// `sigs/<key>/<file>.sig`.
    fn sig(&self, key: &str, file: &str) -> String {
        self.text(&format!("sigs/{key}/{file}.sig"))
    }

    /// The minisign text inside the base64 of a key or signature, decoded by Node.
    fn decoded(text: &str) -> String {
        base64_text(text.trim())
    }

    /// The public key's untrusted comment, as the Tauri CLI wrote it (without
    /// `untrusted comment: `).
    fn key_comment(&self, key: &str) -> String {
        let text = Self::decoded(&self.key(key));
        text.lines()
            .next()
            .and_then(|l| l.strip_prefix("untrusted comment: "))
            .unwrap_or_else(|| panic!("keys/{key}.key.pub: no untrusted comment: {text:?}"))
            .to_owned()
    }

    /// The key id the Tauri CLI wrote in the key's comment (`minisign public key: <ID>`).
    fn key_id(&self, key: &str) -> String {
        let comment = self.key_comment(key);
        let id = comment
            .strip_prefix("minisign public key: ")
            .unwrap_or_else(|| panic!("keys/{key}.key.pub: not a key id comment: {comment:?}"));
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "keys/{key}.key.pub: key id {id:?} is not 16 hex digits"
        );
        id.to_owned()
    }

    /// The `timestamp:` of a signature's trusted comment, as the Tauri CLI wrote it.
    fn timestamp(&self, key: &str, file: &str) -> f64 {
        let text = Self::decoded(&self.sig(key, file));
        text.lines()
            .find_map(|l| l.strip_prefix("trusted comment: "))
            .and_then(|c| c.split('\t').find_map(|f| f.strip_prefix("timestamp:")))
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("sigs/{key}/{file}.sig: no timestamp: {text:?}"))
    }
}

/// The real-world manifests: byte-exact copies of files published by real Tauri apps.
struct RealWorld {
    dir: String,
}

impl RealWorld {
    fn bytes(&self, name: &str) -> Vec<u8> {
        file_bytes(&format!("{}/{name}", self.dir))
    }

    fn text(&self, name: &str) -> String {
        file_text(&format!("{}/{name}", self.dir))
    }
}

const APIXEL: &str = "00x421__apixel-release__latest.json";
const BOM: &str = "Imzl-zl__xhs-updates__update_latest.json";
const NO_SIGNATURE: &str = "ClavisPass__ClavisPass__updater.json";
const EMPTY_URL: &str = "VirxEC__rlbot_gui_rust__docs_latest__first-version.json";

/// A static manifest for the tests that need one, not a particular one.
const MANIFEST: &str = r#"{
  "version": "v0.2.0",
  "notes": "v0.2.0 首个发布版本",
  "pub_date": "2026-07-02T10:00:51.98Z",
  "platforms": {
    "windows-x86_64": {
      "signature": "c2ln",
      "url": "https://dl.example.com/app/App_0.2.0_x64-setup.exe"
    }
  }
}"#;

/// [`MANIFEST`] with `signature` as its entry's signature.
fn manifest_signed(signature: &str) -> String {
    MANIFEST.replace(r#""c2ln""#, &format!("{signature:?}"))
}

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
fn errors_are_made_with_the_class_given() {
    let body = r#"{"version": 1, "url": "https://e.com/a", "signature": ""}"#;
    let manifest_error = || parse_manifest(s(body)).unwrap_err();
    let version_error = || compare_versions(s("x"), s("1.0.0")).unwrap_err();
    let class = recording_error();
    set_error_class(Some(class.clone()));
    let (error, other) = (manifest_error(), version_error());
    set_error_class(None);
    // `new Class(message, { code, path, line, column })`, the location for manifest errors only.
    for (error, options) in [
        (
            &error,
            r#"{"code":"invalid_type","path":"/version","line":1,"column":13}"#,
        ),
        (&other, r#"{"code":"invalid_version"}"#),
    ] {
        assert!(instance_of(error, &class));
        let given = get(error, "given");
        assert_eq!(
            text(&given, "0"),
            String::from(error.unchecked_ref::<js_sys::Error>().message())
        );
        assert_eq!(json(&get(&given, "1")), options);
    }
    // Without a class (the bare module, or after `undefined`): plain Errors, the same properties.
    let plain = manifest_error();
    assert!(!instance_of(&plain, &class));
    assert_eq!(
        Reflect::get_prototype_of(&plain).unwrap(),
        Reflect::get_prototype_of(&js_sys::Error::new("")).unwrap()
    );
    assert_eq!(
        json(&js_sys::Object::keys(plain.unchecked_ref::<js_sys::Object>()).into()),
        r#"["code","path","line","column"]"#
    );
    assert_eq!(
        json(&js_sys::Object::keys(version_error().unchecked_ref::<js_sys::Object>()).into()),
        r#"["code"]"#
    );
}

#[wasm_bindgen_test]
fn parse_manifest_gives_the_release() {
    let manifest = parse_manifest(s(MANIFEST)).unwrap();
    assert_eq!(text(&manifest, "version"), "0.2.0");
    assert_eq!(text(&manifest, "shape"), "static");
    assert_eq!(text(&manifest, "pub_date"), "2026-07-02T10:00:51.98Z");
    let entry = get(&get(&manifest, "platforms"), "windows-x86_64");
    assert_eq!(
        text(&entry, "url"),
        "https://dl.example.com/app/App_0.2.0_x64-setup.exe"
    );
    assert!(get(&entry, "size").is_null());
    // Bytes and strings give the same result.
    assert_eq!(
        json(&parse_manifest(bytes(MANIFEST.as_bytes())).unwrap()),
        json(&manifest)
    );
}

#[wasm_bindgen_test]
fn manifest_errors_carry_code_path_line_and_column() {
    let error = parse_manifest(bytes(format!("\u{feff}{MANIFEST}").as_bytes())).unwrap_err();
    assert_eq!(failure(error.clone()).0, "byte_order_mark");
    assert_eq!(text(&error, "path"), "");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (1.0, 1.0)
    );

    let empty_url = MANIFEST.replace("https://dl.example.com/app/App_0.2.0_x64-setup.exe", "");
    let error = parse_manifest(s(&empty_url)).unwrap_err();
    assert_eq!(failure(error.clone()).0, "invalid_url");
    assert_eq!(text(&error, "path"), "/platforms/windows-x86_64/url");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (8.0, 14.0)
    );

    let (code, message) = failure(parse_manifest(s("{}")).unwrap_err());
    assert_eq!(code, "missing_field");
    assert!(message.ends_with("(line 1, column 1)"), "{message}");
}

#[wasm_bindgen_test]
fn real_world_manifests_parse_and_the_three_refused_are_refused() {
    let Some(real) = real_world(test_name!()) else {
        return;
    };
    let apixel = real.text(APIXEL);
    let manifest = parse_manifest(s(&apixel)).unwrap();
    assert_eq!(text(&manifest, "version"), "0.1.1");
    assert_eq!(text(&manifest, "pub_date"), "2026-07-02T10:00:51.98Z");
    assert_eq!(
        text(&get(&get(&manifest, "platforms"), "windows-x86_64"), "url"),
        "https://00x421.github.io/apixel-release/APixel_0.1.1_x64-setup.exe"
    );
    let report = validate_manifest(s(&apixel), obj(r#"{"file": "latest.json"}"#)).unwrap();
    assert_eq!(text(&report, "file"), "latest.json");
    assert_eq!(get(&report, "valid"), JsValue::TRUE);
    assert_eq!(text(&report, "format"), "static");
    assert_eq!(number(&get(&report, "errors"), "length"), 0.0);

    let error = parse_manifest(bytes(&real.bytes(BOM))).unwrap_err();
    assert_eq!(failure(error.clone()).0, "byte_order_mark");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (1.0, 1.0)
    );
    let error = parse_manifest(s(&real.text(EMPTY_URL))).unwrap_err();
    assert_eq!(failure(error.clone()).0, "invalid_url");
    assert_eq!(text(&error, "path"), "/platforms/darwin-aarch64/url");
    assert_eq!(
        (number(&error, "line"), number(&error, "column")),
        (7.0, 15.0)
    );

    for (body, code) in [
        (bytes(&real.bytes(BOM)), "byte_order_mark"),
        (s(&real.text(NO_SIGNATURE)), "missing_field"),
        (s(&real.text(EMPTY_URL)), "invalid_url"),
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
}

#[wasm_bindgen_test]
fn validate_manifest_reports_like_the_cli() {
    let report = validate_manifest(s(MANIFEST), obj(r#"{"file": "latest.json"}"#)).unwrap();
    assert_eq!(text(&report, "file"), "latest.json");
    assert_eq!(get(&report, "valid"), JsValue::TRUE);
    assert_eq!(text(&report, "format"), "static");
    assert_eq!(number(&get(&report, "errors"), "length"), 0.0);
    let report = validate_manifest(s(r#"{"version": "1.0.0"}"#), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&report, "valid"), JsValue::FALSE);
    assert!(get(&report, "version").is_null());

    assert_eq!(
        failure(validate_manifest(s(MANIFEST), obj(r#"{"pubkey": "nope"}"#)).unwrap_err()).0,
        "invalid_public_key"
    );
    assert_eq!(
        failure(validate_manifest(s(MANIFEST), obj(r#"{"strict": true}"#)).unwrap_err()),
        (
            "invalid_argument".into(),
            "options.strict is not an option here (known: file, pubkey)".into()
        )
    );
}

#[wasm_bindgen_test]
fn validate_manifest_warns_of_signatures_by_other_keys() {
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    // Signed by the `secret` key; `nopass` is trusted: a key_mismatch warning naming both.
    let manifest = manifest_signed(&tauri.sig("secret", "payload.txt"));
    let options = obj(&format!(r#"{{"pubkey": {:?}}}"#, tauri.key("nopass")));
    let report = validate_manifest(s(&manifest), options).unwrap();
    let warnings = json(&get(&report, "warnings"));
    assert!(warnings.contains(r#""code":"key_mismatch""#), "{warnings}");
    assert!(warnings.contains(&tauri.key_id("secret")), "{warnings}");
    assert!(warnings.contains(&tauri.key_id("nopass")), "{warnings}");
    let options = obj(&format!(r#"{{"pubkey": {:?}}}"#, tauri.key("secret")));
    let report = validate_manifest(s(&manifest), options).unwrap();
    let warnings = json(&get(&report, "warnings"));
    assert!(!warnings.contains("key_mismatch"), "{warnings}");
}

#[wasm_bindgen_test]
fn format_report_is_the_core_rendering_of_the_same_report() {
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    let manifest = manifest_signed(&tauri.sig("secret", "payload.txt"));
    let key = tauri.key("nopass");
    let report = upkit_core::manifest::validate(
        manifest.as_bytes(),
        &upkit_core::manifest::LintOptions::with_keys(vec![
            upkit_core::signature::PublicKey::decode(&key).unwrap(),
        ]),
    )
    .with_file("latest.json");
    let human = |strictness| {
        report.human(
            manifest.as_bytes(),
            strictness,
            &upkit_core::manifest::Palette::PLAIN,
        )
    };
    let options = format!(r#"{{"file": "latest.json", "pubkey": {key:?}}}"#);
    let text = format_report(s(&manifest), obj(&options)).unwrap();
    assert_eq!(text, human(upkit_core::manifest::Strictness::Lenient));
    assert!(text.contains("warning[key_mismatch]"), "{text}");
    let strict = format!(r#"{{"file": "latest.json", "pubkey": {key:?}, "strict": true}}"#);
    assert_eq!(
        format_report(s(&manifest), obj(&strict)).unwrap(),
        human(upkit_core::manifest::Strictness::Strict)
    );
    assert_eq!(
        failure(format_report(s(&manifest), obj(r#"{"strict": 1}"#)).unwrap_err()),
        (
            "invalid_argument".into(),
            "options.strict must be a boolean".into()
        )
    );
}

#[wasm_bindgen_test]
fn resolve_update_offers_and_explains() {
    let offer = resolve_update(s(MANIFEST), obj(CLIENT)).unwrap();
    assert_eq!(
        json(&offer),
        r#"{"update":true,"version":"0.2.0","notes":"v0.2.0 首个发布版本","pub_date":"2026-07-02T10:00:51.98Z","target":"windows","platform_key":"windows-x86_64","url":"https://dl.example.com/app/App_0.2.0_x64-setup.exe","signature":"c2ln","size":null}"#
    );

    let same = r#"{"currentVersion": "0.2.0", "target": "linux", "arch": "x86_64"}"#;
    assert_eq!(
        json(&resolve_update(s(MANIFEST), obj(same)).unwrap()),
        r#"{"update":false,"reason":"up_to_date","message":"the release 0.2.0 is not newer than the current version 0.2.0","version":"0.2.0"}"#
    );

    let linux =
        r#"{"currentVersion": "0.1.0", "target": "linux", "arch": "aarch64", "bundleType": "deb"}"#;
    assert_eq!(
        json(&resolve_update(s(MANIFEST), obj(linux)).unwrap()),
        r#"{"update":false,"reason":"no_platform","message":"the release 0.2.0 has no platform entry for this client (tried linux-aarch64-deb, linux-aarch64)","version":"0.2.0","keys":["linux-aarch64-deb","linux-aarch64"]}"#
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
                s(MANIFEST),
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
            resolve_update(s(MANIFEST), obj(r#"{"target": "linux", "arch": "x86_64"}"#))
                .unwrap_err()
        ),
        (
            "invalid_argument".into(),
            "options.currentVersion is required".into()
        )
    );
    let empty_url = MANIFEST.replace("https://dl.example.com/app/App_0.2.0_x64-setup.exe", "");
    assert_eq!(
        failure(resolve_update(s(&empty_url), obj(CLIENT)).unwrap_err()).0,
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
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    let (secret, nopass) = (tauri.key("secret"), tauri.key("nopass"));
    let payload = tauri.bytes("files/payload.txt");
    let payload_sig = tauri.sig("secret", "payload.txt");
    let payload_sig_v210 = tauri.sig("secret", "payload.txt.version-2.1.0");
    let optional = obj(r#"{"requireSignedVersion": false}"#);
    let verified = verify_signature(
        bytes(&payload),
        s(&payload_sig),
        s(&secret),
        optional.clone(),
    )
    .unwrap();
    assert_eq!(text(&verified, "keyId"), tauri.key_id("secret"));
    assert_eq!(text(&verified, "algorithm"), "prehashed");
    assert_eq!(number(&verified, "bytes"), payload.len() as f64);
    assert_eq!(
        text(&get(&verified, "trustedComment"), "file"),
        "payload.txt"
    );

    // upkit's default: a signed version is required.
    assert_eq!(
        failure(verify_signature(bytes(&payload), s(&payload_sig), s(&secret), JsValue::UNDEFINED).unwrap_err()),
        (
            "signed_version_missing".into(),
            "signature has no signed version (no `version:` in its trusted comment), but a signed version is required".into()
        )
    );
    let v210 = obj(r#"{"version": "v2.1.0"}"#);
    let verified =
        verify_signature(bytes(&payload), s(&payload_sig_v210), s(&secret), v210).unwrap();
    assert_eq!(text(&get(&verified, "trustedComment"), "version"), "2.1.0");
    assert_eq!(
        failure(
            verify_signature(
                bytes(&payload),
                s(&payload_sig_v210),
                s(&secret),
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
                bytes(&payload),
                s(&payload_sig),
                s(&nopass),
                optional.clone()
            )
            .unwrap_err()
        ),
        (
            "key_id_mismatch".into(),
            format!(
                "signature was made with key {}, but the trusted key is {}",
                tauri.key_id("secret"),
                tauri.key_id("nopass")
            )
        )
    );
    // Several keys (rotation): the signature's key id picks one.
    let both = js_sys::Array::of2(&s(&nopass), &s(&secret));
    assert!(
        verify_signature(
            bytes(&payload),
            s(&payload_sig),
            both.into(),
            optional.clone()
        )
        .is_ok()
    );
    let mut tampered = payload.clone();
    tampered[0] ^= 1;
    assert_eq!(
        failure(
            verify_signature(bytes(&tampered), s(&payload_sig), s(&secret), optional).unwrap_err()
        )
        .0,
        "signature_mismatch"
    );
    assert_eq!(
        failure(
            verify_signature(
                bytes(&payload),
                s("not a signature"),
                s(&secret),
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
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    let (nopass, nopass_id) = (tauri.key("nopass"), tauri.key_id("nopass"));
    let random = tauri.bytes("files/random-256KiB.bin");
    let random_sig = tauri.sig("nopass", "random-256KiB.bin.version-2.1.0");
    let mut verifier =
        create_verifier(s(&random_sig), s(&nopass), obj(r#"{"version": "2.1.0"}"#)).unwrap();
    assert_eq!(verifier.key_id(), Some(nopass_id.clone()));
    for chunk in random.chunks(10_000) {
        verifier.update(bytes(chunk)).unwrap();
    }
    assert_eq!(verifier.bytes(), random.len() as f64);
    let verified = verifier.finish().unwrap();
    assert_eq!(verifier.bytes(), random.len() as f64);
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

    let mut verifier =
        create_verifier(s(&random_sig), s(&nopass), obj(r#"{"version": "2.1.0"}"#)).unwrap();
    verifier.update(bytes(&random[..1000])).unwrap();
    assert_eq!(
        failure(verifier.finish().unwrap_err()),
        (
            "signature_mismatch".into(),
            format!(
                "file does not match its signature by key {nopass_id}: its bytes differ from the signed ones (1000 bytes read)"
            )
        )
    );
    // Checks that need no bytes fail at once.
    assert_eq!(
        failure(
            create_verifier(s(&random_sig), s(&nopass), obj(r#"{"version": "2.0.0"}"#))
                .err()
                .unwrap()
        )
        .0,
        "signed_version_mismatch"
    );
}

#[wasm_bindgen_test]
fn inspect_keys_and_signatures() {
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    // Compared with what the Tauri CLI wrote in the files' comments.
    let key = inspect_public_key(s(&tauri.key("secret"))).unwrap();
    assert_eq!(
        json(&key),
        format!(
            r#"{{"keyId":"{}","untrustedComment":"{}"}}"#,
            tauri.key_id("secret"),
            tauri.key_comment("secret")
        )
    );
    let signature =
        inspect_signature(s(&tauri.sig("secret", "payload.txt.version-2.1.0"))).unwrap();
    assert_eq!(text(&signature, "keyId"), tauri.key_id("secret"));
    let comment = get(&signature, "trustedComment");
    assert_eq!(text(&comment, "version"), "2.1.0");
    assert_eq!(
        number(&comment, "timestamp"),
        tauri.timestamp("secret", "payload.txt.version-2.1.0")
    );
    assert_eq!(text(&get(&comment, "fields"), "file"), "payload.txt");
    assert_eq!(
        failure(inspect_public_key(s("AAAA")).unwrap_err()).0,
        "invalid_public_key"
    );
}

// A legacy (`Ed`) signature by the core tests' throw-away minisign key (in the repository).
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
    let Some(tauri) = tauri_cli(test_name!()) else {
        return;
    };
    let (nopass, nopass_id) = (tauri.key("nopass"), tauri.key_id("nopass"));
    let random = tauri.bytes("files/random-256KiB.bin");
    let random_sig = tauri.sig("nopass", "random-256KiB.bin.version-2.1.0");
    let options = obj(r#"{"version": "2.1.0"}"#);
    let verify = |data: JsValue| {
        verify_signature(data, s(&random_sig), s(&nopass), options.clone())
            .map(|v| number(&v, "bytes"))
    };
    // 256 KiB: four 64 KiB windows.
    assert_eq!(verify(bytes(&random)).unwrap(), random.len() as f64);
    assert_eq!(
        verify(Uint8Array::from(&random[..]).buffer().into()).unwrap(),
        random.len() as f64
    );
    // A view in the middle of a larger buffer: the windows start at its offset.
    let larger = Uint8Array::new_with_length(random.len() as u32 + 10);
    larger.fill(0xff, 0, larger.length());
    let view = larger.subarray(7, 7 + random.len() as u32);
    view.copy_from(&random);
    assert_eq!(verify(view.clone().into()).unwrap(), random.len() as f64);
    let mut verifier = create_verifier(s(&random_sig), s(&nopass), options.clone()).unwrap();
    verifier.update(view.into()).unwrap();
    assert_eq!(
        number(&verifier.finish().unwrap(), "bytes"),
        random.len() as f64
    );
    // One byte more than the file: the last window is 1 byte.
    let longer = larger.subarray(7, 8 + random.len() as u32);
    assert_eq!(
        failure(verify(longer.into()).unwrap_err()),
        (
            "signature_mismatch".into(),
            format!(
                "file does not match its signature by key {nopass_id}: its bytes differ from the signed ones (262145 bytes read)"
            )
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
        // Passes `instanceof Uint8Array`, but the array's methods throw on it.
        js_sys::Proxy::new(&Uint8Array::new_with_length(8), &js_sys::Object::new()).into(),
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
    let shared = Uint8Array::new(&js_sys::SharedArrayBuffer::new(MANIFEST.len() as u32));
    shared.copy_from(MANIFEST.as_bytes());
    assert_eq!(
        text(&parse_manifest(shared.into()).unwrap(), "version"),
        "0.2.0"
    );
    // The bytes to verify: a typed array other than Uint8Array, or a Proxy of one, is refused
    // too (before the signature and the key are read).
    for data in [
        JsValue::from(js_sys::Int8Array::new(&buffer)),
        js_sys::Proxy::new(&Uint8Array::new_with_length(8), &js_sys::Object::new()).into(),
    ] {
        assert_eq!(
            failure(
                verify_signature(data, s("the signature"), s("the key"), JsValue::UNDEFINED)
                    .unwrap_err()
            ),
            (
                "invalid_argument".into(),
                "the data must be a Uint8Array, an ArrayBuffer or a string".into()
            )
        );
    }
}

#[wasm_bindgen_test]
fn bundle_type_unknown_is_no_bundle_type() {
    let unknown = r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64", "bundleType": "unknown"}"#;
    let none = r#"{"currentVersion": "0.1.0", "target": "windows", "arch": "x86_64"}"#;
    assert_eq!(
        json(&resolve_update(s(MANIFEST), obj(unknown)).unwrap()),
        json(&resolve_update(s(MANIFEST), obj(none)).unwrap())
    );
    let linux = r#"{"currentVersion": "0.1.0", "target": "linux", "arch": "aarch64", "bundleType": "unknown"}"#;
    assert_eq!(
        json(&get(
            &resolve_update(s(MANIFEST), obj(linux)).unwrap(),
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
        failure(resolve_update(s(MANIFEST), obj(upper)).unwrap_err()).0,
        "unknown_bundle_type"
    );
}
