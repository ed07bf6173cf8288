//! Signed manifests (issue 17): the attacks on the manifest itself that an artifact signature
//! cannot stop, each staged for real against a loopback `upkit serve` through the `upkit`
//! binary, and the core's check decision with signatures made here and the clock passed in.
//! Named after the attack they stage, as python-tuf names its tests.

mod cli_support;

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cli_support::{ARTIFACT, serve, upkit_in};
use upkit::core::check::{
    Check, CheckConfig, CheckError, End, EndpointPolicy, Response, SignatureFound, Step,
};
use upkit::core::manifest::signed::{ManifestSignature, ManifestSignatureError};
use upkit::core::signature::{Keyring, PublicKey};
use upkit::core::target::{Arch, Os, Target};

const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0 a signed release";
/// When the test releases are signed (2025-11-29T07:06:40Z).
const SIGNED_AT: u64 = 1_764_400_000;
const DAY: u64 = 86_400;

/// A release key, and what it signs.
struct Publisher {
    pair: minisign::KeyPair,
}

impl Publisher {
    fn new() -> Publisher {
        Publisher {
            pair: minisign::KeyPair::generate_unencrypted_keypair().unwrap(),
        }
    }

    /// Tauri's `pubkey` text.
    fn pubkey(&self) -> String {
        STANDARD.encode(self.pair.pk.to_box().unwrap().to_string())
    }

    fn keyring(&self) -> Keyring {
        Keyring::from(PublicKey::decode(&self.pubkey()).unwrap())
    }

    /// The `.sig` text of `data` with `trusted` as its trusted comment.
    fn sign(&self, data: &[u8], trusted: &str) -> String {
        let sig = minisign::sign(
            Some(&self.pair.pk),
            &self.pair.sk,
            data,
            Some(trusted),
            None,
        )
        .unwrap();
        STANDARD.encode(sig.to_string())
    }

    /// A manifest of 2.0.0 offering [`ARTIFACT`] at `base` (signed with its file name and
    /// version) to linux-x86_64.
    fn manifest(&self, base: &str, notes: &str) -> Vec<u8> {
        let trusted = format!("timestamp:{SIGNED_AT}\tfile:{ARTIFACT}\tversion:2.0.0");
        let entry = serde_json::json!({"url": format!("{base}/{ARTIFACT}"), "signature": self.sign(ELF, &trusted)});
        serde_json::to_vec(&serde_json::json!({"version": "2.0.0", "notes": notes,
            "platforms": {"linux-x86_64": entry}}))
        .unwrap()
    }

    /// The manifest signature of `body`, signed at `timestamp`, expiring at `expires`.
    fn sign_manifest(&self, body: &[u8], timestamp: u64, expires: u64) -> String {
        self.sign(
            body,
            &format!("timestamp:{timestamp}\tfile:latest.json\tversion:2.0.0\texpires:{expires}"),
        )
    }
}

/// A release directory served on loopback: the artifact, and whatever `latest.json` and
/// `latest.json.sig` the test writes.
struct Release {
    dir: tempfile::TempDir,
    base: String,
    _server: tokio::runtime::Runtime,
}

impl Release {
    fn new() -> Release {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ARTIFACT), ELF).unwrap();
        let (server, base) = serve(dir.path());
        Release {
            dir,
            base,
            _server: server,
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.dir.path().join(name), bytes).unwrap();
    }
}

/// `upkit download` of `endpoint` into a new `out/` under `work`, requiring signed manifests,
/// with `extra` arguments.
fn download(work: &Path, endpoint: &str, pubkey: &str, extra: &[&str]) -> (i32, String, String) {
    let args = [
        &[
            "download",
            "--endpoint",
            endpoint,
            "--insecure-transport",
            "--pubkey",
            pubkey,
            "--current-version",
            "1.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
            "--out",
            "out",
            "--require-signed-manifest",
        ][..],
        extra,
    ]
    .concat();
    upkit_in(work, &args)
}

fn downloaded(work: &Path) -> Vec<String> {
    match fs::read_dir(work.join("out")) {
        Err(_) => Vec::new(),
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
    }
}

#[test]
fn a_fresh_manifest_signed_by_upkit_sign_is_accepted() {
    let release = Release::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let (code, _, stderr) = upkit_in(w, &["keygen", "--out", "app.key", "--no-password"]);
    assert_eq!(code, 0, "{stderr}");
    let artifact = release.dir.path().join(ARTIFACT);
    let artifact = artifact.to_str().unwrap();
    let (code, _, stderr) = upkit_in(
        w,
        &["sign", artifact, "-k", "app.key", "--app-version", "2.0.0"],
    );
    assert_eq!(code, 0, "{stderr}");
    let signature = fs::read_to_string(format!("{artifact}.sig")).unwrap();
    let manifest = serde_json::json!({"version": "2.0.0", "notes": "signed notes",
        "platforms": {"linux-x86_64": {"url": format!("{}/{ARTIFACT}", release.base), "signature": signature}}});
    release.write("latest.json", manifest.to_string().as_bytes());
    let latest = release.dir.path().join("latest.json");
    let (code, stdout, stderr) = upkit_in(
        w,
        &[
            "sign",
            latest.to_str().unwrap(),
            "-k",
            "app.key",
            "--expires",
            "1d",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "wrote {}.sig (manifest signature of version 2.0.0, key id ",
            latest.display()
        )),
        "{stdout}"
    );

    // `validate` checks the signature beside the manifest.
    let (code, stdout, stderr) = upkit_in(
        w,
        &[
            "validate",
            latest.to_str().unwrap(),
            "--pubkey",
            "app.key.pub",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "{}.sig: manifest signature by key ",
            latest.display()
        )),
        "{stdout}"
    );

    // Static: latest.json.sig beside it, served byte for byte.
    let pubkey = fs::read_to_string(w.join("app.key.pub")).unwrap();
    let endpoint = format!("{}/latest.json", release.base);
    let (code, stdout, stderr) = download(w, &endpoint, pubkey.trim(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("signed notes"), "{stdout}");
    assert_eq!(downloaded(w), [ARTIFACT]);

    // Dynamic: `upkit serve` sends the signed manifest with its signature in a header, for an
    // update and for "up to date" alike (a 204 could carry no signature).
    fs::remove_dir_all(w.join("out")).unwrap();
    let route = format!(
        "{}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
        release.base
    );
    let (code, stdout, stderr) = download(w, &route, pubkey.trim(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(downloaded(w), [ARTIFACT]);
    let (code, stdout, stderr) = upkit_in(
        w,
        &[
            "check",
            "--endpoint",
            &route,
            "--insecure-transport",
            "--pubkey",
            pubkey.trim(),
            "--current-version",
            "2.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
            "--require-signed-manifest",
        ],
    );
    assert_eq!(
        (code, stdout.as_str()),
        (0, "up to date (2.0.0)\n"),
        "{stderr}"
    );
}

#[test]
fn freeze_via_expired_manifest_is_refused() {
    let release = Release::new();
    let publisher = Publisher::new();
    let body = publisher.manifest(&release.base, "new");
    release.write("latest.json", &body);
    release.write(
        "latest.json.sig",
        publisher
            .sign_manifest(&body, SIGNED_AT, SIGNED_AT + DAY)
            .as_bytes(),
    );
    let work = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/latest.json", release.base);
    let (code, stdout, stderr) = download(work.path(), &endpoint, &publisher.pubkey(), &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "error: the answer of {endpoint} was refused: the manifest's signature expired at 2025-11-30T07:06:40Z (a stale manifest served again, or one not re-signed in time)\n"
        )
    );
    assert_eq!(downloaded(work.path()), Vec::<String>::new());
}

#[test]
fn rollback_via_older_signed_manifest_is_refused_with_the_state_kept() {
    let release = Release::new();
    let publisher = Publisher::new();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let endpoint = format!("{}/latest.json", release.base);
    let now = upkit::keys::now();
    // A newer manifest is seen first, and kept in the state file.
    let body = publisher.manifest(&release.base, "newer");
    release.write("latest.json", &body);
    release.write(
        "latest.json.sig",
        publisher
            .sign_manifest(&body, now - 60, now + DAY)
            .as_bytes(),
    );
    let state = ["--manifest-state", "seen"];
    let (code, _, stderr) = download(w, &endpoint, &publisher.pubkey(), &state);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fs::read_to_string(w.join("seen")).unwrap(),
        (now - 60).to_string()
    );
    fs::remove_dir_all(w.join("out")).unwrap();

    // The mirror then serves an older, still unexpired, genuinely signed manifest.
    let older = publisher.manifest(&release.base, "older");
    release.write("latest.json", &older);
    release.write(
        "latest.json.sig",
        publisher
            .sign_manifest(&older, now - 3600, now + DAY)
            .as_bytes(),
    );
    let (code, _, stderr) = download(w, &endpoint, &publisher.pubkey(), &state);
    assert_eq!(code, 2);
    let date = |t: u64| {
        time::OffsetDateTime::from_unix_timestamp(t as i64)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    assert_eq!(
        stderr,
        format!(
            "error: the answer of {endpoint} was refused: the manifest was signed at {}, before the newest manifest already seen (signed at {}): an older manifest replayed\n",
            date(now - 3600),
            date(now - 60)
        )
    );
    assert_eq!(downloaded(w), Vec::<String>::new());
    // Without the state, the same manifest is accepted: what the state file is for.
    let (code, _, stderr) = download(w, &endpoint, &publisher.pubkey(), &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn mix_and_match_via_notes_edited_after_signing_is_refused() {
    let release = Release::new();
    let publisher = Publisher::new();
    let now = upkit::keys::now();
    let body = publisher.manifest(&release.base, "the real notes");
    let sig = publisher.sign_manifest(&body, now, now + DAY);
    let edited = String::from_utf8(body)
        .unwrap()
        .replace("the real notes", "download from evil.example");
    release.write("latest.json", edited.as_bytes());
    release.write("latest.json.sig", sig.as_bytes());
    let work = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/latest.json", release.base);
    let (code, stdout, stderr) = download(work.path(), &endpoint, &publisher.pubkey(), &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    let key_id = upkit::core::signature::PublicKey::decode(&publisher.pubkey())
        .unwrap()
        .key_id();
    assert_eq!(
        stderr,
        format!(
            "error: the answer of {endpoint} was refused: the manifest's signature does not verify: file does not match its signature by key {key_id}: its bytes differ from the signed ones ({} bytes read)\n",
            edited.len()
        )
    );
    assert_eq!(downloaded(work.path()), Vec::<String>::new());
}

#[test]
fn an_unsigned_manifest_under_a_required_signature_is_refused() {
    let release = Release::new();
    let publisher = Publisher::new();
    release.write("latest.json", &publisher.manifest(&release.base, "new"));
    let work = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/latest.json", release.base);
    let (code, stdout, stderr) = download(work.path(), &endpoint, &publisher.pubkey(), &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "error: the answer of {endpoint} was refused: the manifest is not signed: the answer has no upkit-manifest-signature header, and {endpoint}.sig answered 404\n"
        )
    );
    assert_eq!(downloaded(work.path()), Vec::<String>::new());

    // Off by default (Tauri's servers do not sign): the same release downloads.
    let (code, _, stderr) = upkit_in(
        work.path(),
        &[
            "download",
            "--endpoint",
            &endpoint,
            "--insecure-transport",
            "--pubkey",
            &publisher.pubkey(),
            "--current-version",
            "1.0.0",
            "--target",
            "linux",
            "--arch",
            "x86_64",
            "--out",
            "out",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn malicious_mirrors_hiding_an_update_with_204_are_outvoted_by_every_endpoint() {
    // The stale mirror has only 1.0.0: for a client at 1.0.0 it answers 204.
    let stale = tempfile::tempdir().unwrap();
    let publisher = Publisher::new();
    let old = serde_json::json!({"version": "1.0.0", "platforms": {"linux-x86_64": {
        "url": "https://h.example/a", "signature": "c2ln"}}});
    fs::write(stale.path().join("latest.json"), old.to_string()).unwrap();
    let (_stale_server, stale_base) = serve(stale.path());
    let release = Release::new();
    release.write("latest.json", &publisher.manifest(&release.base, "new"));
    let route = "{{target}}/{{arch}}/{{current_version}}";
    let (first, second) = (
        format!("{stale_base}/{route}"),
        format!("{}/{route}", release.base),
    );
    let pubkey = publisher.pubkey();
    let check = |extra: &[&str]| {
        let args = [
            &[
                "check",
                "--endpoint",
                &first,
                "--endpoint",
                &second,
                "--insecure-transport",
                "--pubkey",
                &pubkey,
                "--current-version",
                "1.0.0",
                "--target",
                "linux",
                "--arch",
                "x86_64",
            ][..],
            extra,
        ]
        .concat();
        upkit_in(stale.path(), &args)
    };
    // Tauri's rule: the first 204 ends the check.
    let (code, stdout, _) = check(&[]);
    assert_eq!((code, stdout.as_str()), (0, "up to date (1.0.0)\n"));
    let (code, stdout, stderr) = check(&["--every-endpoint"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 (linux)\n"),
        "{stdout}"
    );
}

// The core's decision, with the clock passed in.

fn config(publisher: &Publisher, now: u64, newest_seen: Option<u64>) -> CheckConfig {
    CheckConfig {
        manifest_signature: ManifestSignature::Required {
            max_age: Some(7 * DAY),
        },
        manifest_keys: publisher.keyring(),
        now,
        newest_seen,
        ..CheckConfig::new(
            upkit::core::version::parse("1.0.0").unwrap(),
            Target::new(Os::Linux, Arch::X86_64, None),
        )
    }
}

fn url(n: u8) -> url::Url {
    url::Url::parse(&format!("https://mirror{n}.example.com/latest.json")).unwrap()
}

fn refusal(step: Step, check: Check) -> ManifestSignatureError {
    assert!(matches!(step, Step::TryNext), "{step:?}");
    match check.finish() {
        CheckError::ManifestSignature { error, .. } => *error,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_core_checks_freshness_against_the_clock_it_is_given() {
    let publisher = Publisher::new();
    let body = publisher.manifest("https://h.example", "n");
    let sig = publisher.sign_manifest(&body, SIGNED_AT, SIGNED_AT + 30 * DAY);
    let ok = Response::Http {
        status: 200,
        body: &body,
    };
    let evaluate = |now: u64, seen: Option<u64>| {
        let mut check = Check::new(config(&publisher, now, seen));
        let step = check.evaluate_signed(&url(1), ok, Some(SignatureFound::Text(&sig)));
        (step, check)
    };
    // Fresh: the update, its notes vouched for, and the timestamp to keep.
    let (step, check) = evaluate(SIGNED_AT + DAY, Some(SIGNED_AT - 1));
    assert_eq!(check.newest_signed(), Some(SIGNED_AT));
    let Step::Update(update) = step else {
        panic!("{step:?}")
    };
    let signed = update.signed.unwrap();
    assert_eq!(
        (signed.timestamp, signed.expires, signed.version.as_str()),
        (SIGNED_AT, SIGNED_AT + 30 * DAY, "2.0.0")
    );
    // Seen already: nothing new to keep.
    let (_, check) = evaluate(SIGNED_AT + DAY, Some(SIGNED_AT));
    assert_eq!(check.newest_signed(), None);
    // Older than the maximum age, though not expired.
    let (step, check) = evaluate(SIGNED_AT + 8 * DAY, None);
    assert_eq!(
        refusal(step, check),
        ManifestSignatureError::TooOld {
            timestamp: SIGNED_AT,
            max_age: 7 * DAY,
            now: SIGNED_AT + 8 * DAY
        }
    );
    // Replayed.
    let (step, check) = evaluate(SIGNED_AT + DAY, Some(SIGNED_AT + 1));
    assert_eq!(
        refusal(step, check),
        ManifestSignatureError::Replayed {
            timestamp: SIGNED_AT,
            newest_seen: SIGNED_AT + 1
        }
    );
    // Expired, at the second it expires.
    let mut late = config(&publisher, SIGNED_AT + 30 * DAY, None);
    late.manifest_signature = ManifestSignature::Required { max_age: None };
    let mut check = Check::new(late);
    let step = check.evaluate_signed(&url(1), ok, Some(SignatureFound::Text(&sig)));
    assert_eq!(
        refusal(step, check),
        ManifestSignatureError::Expired {
            expires: SIGNED_AT + 30 * DAY,
            now: SIGNED_AT + 30 * DAY
        }
    );
}

#[test]
fn the_core_refuses_signatures_that_do_not_tie_the_manifest_down() {
    let publisher = Publisher::new();
    let body = publisher.manifest("https://h.example", "n");
    let ok = Response::Http {
        status: 200,
        body: &body,
    };
    let now = SIGNED_AT + 60;
    let refused = |sig: &str| {
        let mut check = Check::new(config(&publisher, now, None));
        let step = check.evaluate_signed(&url(1), ok, Some(SignatureFound::Text(sig)));
        refusal(step, check)
    };
    // No expiry: an artifact-style signature of the manifest.
    let no_expiry = publisher.sign(
        &body,
        &format!("timestamp:{SIGNED_AT}\tfile:latest.json\tversion:2.0.0"),
    );
    assert_eq!(refused(&no_expiry), ManifestSignatureError::NoExpiry);
    // Another version: a signature of another release's manifest cannot vouch for this one.
    let other = publisher.sign(
        &body,
        &format!(
            "timestamp:{SIGNED_AT}\tversion:1.9.0\texpires:{}",
            now + DAY
        ),
    );
    assert_eq!(
        refused(&other).to_string(),
        "the manifest's signature names version 1.9.0, but the manifest announces 2.0.0"
    );
    // Another key.
    let stranger = Publisher::new().sign_manifest(&body, SIGNED_AT, now + DAY);
    assert!(matches!(
        refused(&stranger),
        ManifestSignatureError::Verify(_)
    ));
    // A 204, and an answer with no signature found.
    let mut check = Check::new(config(&publisher, now, None));
    let step = check.evaluate(
        &url(1),
        Response::Http {
            status: 204,
            body: b"",
        },
    );
    assert_eq!(refusal(step, check), ManifestSignatureError::NoContent);
    let mut check = Check::new(config(&publisher, now, None));
    assert!(check.wants_signature(&ok));
    let step = check.evaluate_signed(&url(1), ok, Some(SignatureFound::Missing("none here")));
    assert_eq!(
        refusal(step, check),
        ManifestSignatureError::Missing {
            reason: "none here".into()
        }
    );
}

#[test]
fn the_core_under_every_endpoint_takes_the_newest_offer() {
    let publisher = Publisher::new();
    let newer = publisher.manifest("https://h.example", "n");
    let older = String::from_utf8(newer.clone())
        .unwrap()
        .replace("2.0.0\"", "1.5.0\"");
    let mut config = CheckConfig::new(
        upkit::core::version::parse("1.0.0").unwrap(),
        Target::new(Os::Linux, Arch::X86_64, None),
    );
    config.endpoints = EndpointPolicy::Every;
    let mut check = Check::new(config);
    let answers = [
        Response::Http {
            status: 204,
            body: b"",
        },
        Response::Http {
            status: 200,
            body: older.as_bytes(),
        },
        Response::Failed { error: "refused" },
        Response::Http {
            status: 200,
            body: b"not json",
        },
        Response::Http {
            status: 200,
            body: &newer,
        },
    ];
    for (i, answer) in answers.into_iter().enumerate() {
        assert!(matches!(
            check.evaluate(&url(i as u8), answer),
            Step::TryNext
        ));
    }
    let End::Updates(offers) = check.end() else {
        panic!()
    };
    let versions: Vec<String> = offers.iter().map(|u| u.version.to_string()).collect();
    assert_eq!(versions, ["2.0.0", "1.5.0"]);
    assert_eq!(offers[0].endpoint, url(4));
}

#[test]
fn a_tauri_config_requires_signed_manifests_with_upkits_own_keys() {
    let release = Release::new();
    let publisher = Publisher::new();
    let body = publisher.manifest(&release.base, "new");
    release.write("latest.json", &body);
    let work = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/latest.json", release.base);
    let config = serde_json::json!({"version": "1.0.0", "plugins": {"updater": {
        "pubkey": publisher.pubkey(), "endpoints": [endpoint],
        "dangerousInsecureTransportProtocol": true,
        "requireSignedManifest": true, "manifestMaxAge": 86400}}});
    fs::write(work.path().join("tauri.conf.json"), config.to_string()).unwrap();
    let check = || {
        upkit_in(
            work.path(),
            &[
                "check",
                "--config",
                "tauri.conf.json",
                "--target",
                "linux",
                "--arch",
                "x86_64",
            ],
        )
    };
    let (code, stdout, stderr) = check();
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "error: the answer of {endpoint} was refused: the manifest is not signed: the answer has no upkit-manifest-signature header, and {endpoint}.sig answered 404\n"
        )
    );
    // Signed an hour ago, within the day allowed.
    let now = upkit::keys::now();
    release.write(
        "latest.json.sig",
        publisher
            .sign_manifest(&body, now - 3600, now + DAY)
            .as_bytes(),
    );
    let (code, stdout, stderr) = check();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("update available: 1.0.0 -> 2.0.0 (linux-x86_64)\n"),
        "{stdout}"
    );
    // Signed two days ago: older than manifestMaxAge.
    release.write(
        "latest.json.sig",
        publisher
            .sign_manifest(&body, now - 2 * DAY, now + DAY)
            .as_bytes(),
    );
    let (code, _, stderr) = check();
    assert_eq!(code, 2);
    assert!(
        stderr.ends_with(" longer ago than the maximum age of 1 d 0 h\n"),
        "{stderr}"
    );
}
