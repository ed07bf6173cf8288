//! Differential test: `manifest::parse` against a serde-derived model of the Tauri updater's
//! `RemoteRelease` (the same derive shape: `version` with the alias `name` and a `v`-stripping
//! SemVer parse, `Option` fields, a map of `{url, signature}` structs, then `pub_date` as RFC 3339
//! and the dynamic fields), on generated JSON. Both must accept the same bodies and read the
//! same fields.

mod tauri_model;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tauri_model::{model, upkit};

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::sample::select(items).prop_map(|s| Value::String(s.to_owned()))
}

/// Any JSON value of small size, with no particular meaning.
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e9f64..1e9).prop_map(|n| json!(n)),
        "[a-z]{0,3}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["https://e.com/a", "s"])),
    ]
}

fn versions() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => pick(&["1.0.0", "v1.0.0", "vv2.1.0-beta.1+b5", "0.0.1"]),
        2 => pick(&["V1.0.0", " 1.0.0", "1.0", "01.0.0", "", "v", "1.0.0 "]),
        1 => junk(),
    ]
}

fn dates() -> impl Strategy<Value = Value> {
    prop_oneof![
        10 => pick(&[
            "2026-11-29T09:30:00Z",
            "2026-11-29t09:30:00z",
            "2026-11-29 09:30:00+02:00",
            "2016-12-31T23:59:60Z",
            "2026-11-29T09:30:00.1234567891Z",
        ]),
        3 => Just(Value::Null),
        2 => pick(&[
            "2026-11-29",
            "2026-11-29T09:30:00",
            "2026-11-29T09:30:00+24:00",
            "2026-02-30T00:00:00Z",
            "",
        ]),
        1 => junk(),
    ]
}

fn urls() -> impl Strategy<Value = Value> {
    prop_oneof![
        30 => pick(&[
            "https://e.com/a.AppImage",
            "HTTPS://E.com:443/./a b",
            "http://e.com/x",
            "ftp://e.com/f",
            "foo:bar",
            "https://bücher.example/",
        ]),
        2 => pick(&["", "e.com/a", "/a", "https://", "https://e.com:99999/"]),
        1 => junk(),
    ]
}

fn strings() -> impl Strategy<Value = Value> {
    prop_oneof![30 => pick(&["", "s", "notes\nline"]), 3 => Just(Value::Null), 1 => junk()]
}

/// An optional member: absent, or present (with probability `present`) with a value.
fn member(
    name: &'static str,
    present: f64,
    value: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Option<(String, Value)>> {
    proptest::option::weighted(present, value.prop_map(move |v| (name.to_owned(), v)))
}

fn object(members: Vec<Option<(String, Value)>>) -> Value {
    Value::Object(members.into_iter().flatten().collect::<Map<_, _>>())
}

fn entry() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => (
            member("url", 0.97, urls()),
            member("signature", 0.97, strings()),
            member("size", 0.2, junk()),
            member("extra", 0.2, junk()),
        )
            .prop_map(|(a, b, c, d)| object(vec![a, b, c, d])),
        1 => (urls(), strings()).prop_map(|(u, s)| json!([u, s])),
        1 => proptest::collection::vec(prop_oneof![urls(), strings()], 0..4).prop_map(Value::Array),
        1 => junk(),
    ]
}

fn platforms() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => proptest::collection::btree_map(
            proptest::sample::select(&["linux-x86_64", "darwin-aarch64", "windows-x86_64-nsis", "x"][..]),
            entry(),
            0..4,
        )
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        2 => Just(Value::Null),
        1 => junk(),
    ]
}

fn manifest_value() -> impl Strategy<Value = Value> {
    let object = (
        member("version", 0.95, versions()),
        member("name", 0.1, versions()),
        member("notes", 0.5, strings()),
        member("pub_date", 0.5, dates()),
        member("platforms", 0.6, platforms()),
        member("url", 0.7, urls()),
        member("signature", 0.7, strings()),
        member("other", 0.2, junk()),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| object(vec![a, b, c, d, e, f, g, h]));
    let length = prop_oneof![6 => Just(6usize), 1 => 4usize..=8];
    let array = (
        versions(),
        strings(),
        dates(),
        platforms(),
        urls(),
        strings(),
        length,
    )
        .prop_map(|(a, b, c, d, e, f, len)| {
            let mut items = vec![a, b, c, d, e, f];
            items.resize(len, Value::Null);
            Value::Array(items)
        });
    prop_oneof![8 => object, 2 => array, 1 => junk()]
}

#[test]
fn same_acceptance_and_fields_as_the_serde_model() {
    // The strategy's nested types need more stack than a test thread has in debug builds.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let accepted = AtomicUsize::new(0);
            let mut runner =
                proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(4000));
            runner
                .run(&manifest_value(), |value| {
                    let body = serde_json::to_vec(&value).unwrap();
                    let ours = upkit(&body);
                    if ours.is_some() {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    let text = String::from_utf8_lossy(&body);
                    prop_assert_eq!(ours, model(&body), "{}", text);
                    Ok(())
                })
                .unwrap();
            // Both verdicts are well represented.
            let accepted = accepted.into_inner();
            eprintln!("{accepted} of 4000 generated manifests accepted");
            assert!((200..3800).contains(&accepted), "{accepted}");
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn the_generator_reaches_both_verdicts() {
    // A sanity check of the model itself on fixed inputs.
    let ok = br#"{"version":"v1.0.0","platforms":{"linux-x86_64":{"url":"https://e.com/a","signature":""}}}"#;
    assert!(model(ok).is_some() && upkit(ok).is_some());
    let bad = br#"{"version":"1.0.0","name":"1.0.0","url":"https://e.com/a","signature":"s"}"#;
    assert!(model(bad).is_none() && upkit(bad).is_none());
    let array = br#"["1.0.0",null,null,null,"https://e.com/a","s"]"#;
    assert!(model(array).is_some() && upkit(array).is_some());
    let short = br#"["1.0.0",null,null,null,"https://e.com/a"]"#;
    assert!(model(short).is_none() && upkit(short).is_none());
}
