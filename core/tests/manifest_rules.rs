//! Every parsing rule of the Tauri contract (tauri-compat.md, section 1), with pinned codes,
//! messages, paths, lines and columns.

use upkit_core::manifest::{self, ErrorCode, Format, LintOptions, Manifest, Release};

fn ok(body: &str) -> Manifest {
    manifest::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
}

/// The first error as (code, message, path, line, column).
fn err(body: &str) -> (&'static str, String, String, usize, usize) {
    let e = manifest::parse(body.as_bytes()).expect_err(body);
    (e.code.as_str(), e.message, e.path, e.line, e.column)
}

fn codes(body: &[u8]) -> Vec<(&'static str, String)> {
    manifest::validate(body, &LintOptions::default())
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.path.clone()))
        .collect()
}

const SIG: &str = "c2ln";

fn dynamic_with(field: &str, value: &str) -> String {
    format!(
        r#"{{"version":"1.0.0","url":"https://e.com/a","signature":"{SIG}","{field}":{value}}}"#
    )
}

fn static_entry(entry: &str) -> String {
    format!(r#"{{"version":"1.0.0","platforms":{{"linux-x86_64":{entry}}}}}"#)
}

fn entry(m: &Manifest, key: &str) -> (String, String, Option<u64>) {
    let Release::Static { platforms } = &m.release else {
        panic!("not static")
    };
    let p = &platforms[key];
    (p.url.to_string(), p.signature.clone(), p.size)
}

// ----- shapes -----

#[test]
fn static_and_dynamic_shapes() {
    let m = ok(&static_entry(
        r#"{"url":"https://e.com/a.AppImage","signature":"s"}"#,
    ));
    assert_eq!(m.format(), Format::Static);
    assert_eq!(
        entry(&m, "linux-x86_64"),
        ("https://e.com/a.AppImage".into(), "s".into(), None)
    );

    let m = ok(r#"{"version":"1.0.0","url":"https://e.com/a","signature":"s"}"#);
    assert_eq!(m.format(), Format::Dynamic);
    let Release::Dynamic(p) = &m.release else {
        panic!()
    };
    assert_eq!(
        (p.url.as_str(), p.signature.as_str()),
        ("https://e.com/a", "s")
    );
}

#[test]
fn platforms_null_is_dynamic() {
    let m = ok(r#"{"version":"1.0.0","platforms":null,"url":"https://e.com/a","signature":"s"}"#);
    assert_eq!(m.format(), Format::Dynamic);
    assert_eq!(
        err(r#"{"version":"1.0.0","platforms":null}"#),
        (
            "missing_url",
            "the manifest has no `platforms`, so it is an update server's answer and needs `url`"
                .into(),
            "/url".into(),
            1,
            1
        )
    );
    assert_eq!(
        codes(br#"{"version":"1.0.0","platforms":null}"#),
        [
            ("missing_url", "/url".into()),
            ("missing_signature", "/signature".into())
        ]
    );
}

#[test]
fn dynamic_needs_url_and_signature() {
    assert_eq!(
        err("{\n  \"version\": \"1.0.0\",\n  \"signature\": \"s\"\n}"),
        (
            "missing_url",
            "the manifest has no `platforms`, so it is an update server's answer and needs `url`"
                .into(),
            "/url".into(),
            1,
            1
        )
    );
    assert_eq!(
        err(r#"{"version":"1.0.0","url":"https://e.com/","signature":null}"#).0,
        "missing_signature"
    );
    assert_eq!(
        err(r#"{"version":"1.0.0","url":null,"signature":"s"}"#).0,
        "missing_url"
    );
}

#[test]
fn static_ignores_but_type_checks_top_level_url_and_signature() {
    let body = static_entry(r#"{"url":"https://e.com/a","signature":"s"}"#);
    let with = |extra: &str| body.replacen('{', &format!("{{{extra},"), 1);
    let m = ok(&with(r#""url":"https://other.example/x","signature":"t""#));
    assert_eq!(m.format(), Format::Static);
    assert_eq!(
        err(&with(r#""url":"not a url""#)),
        (
            "invalid_url",
            "`/url` is not an absolute URL: \"not a url\" (relative URL without a base)".into(),
            "/url".into(),
            1,
            8
        )
    );
    assert_eq!(
        err(&with(r#""signature":5"#)),
        (
            "invalid_type",
            "`/signature` must be a string or null, found integer `5`".into(),
            "/signature".into(),
            1,
            14
        )
    );
    ok(&with(r#""url":null,"signature":null"#));
}

#[test]
fn the_manifest_must_be_an_object_or_the_legacy_array() {
    for (body, found) in [
        ("\"1.0.0\"", "string \"1.0.0\""),
        ("null", "null"),
        ("42", "integer `42`"),
        ("true", "boolean `true`"),
        ("-1.5", "number `-1.5`"),
    ] {
        assert_eq!(
            err(body),
            (
                "invalid_type",
                format!("the manifest must be an object, found {found}"),
                String::new(),
                1,
                1
            )
        );
    }
}

#[test]
fn legacy_array_manifest_is_read_by_position() {
    let m = ok(
        r#"["v1.2.3","notes","2026-01-01T00:00:00Z",{"linux-x86_64":{"url":"https://e.com/a","signature":"s"}},null,null]"#,
    );
    assert_eq!(m.version.to_string(), "1.2.3");
    assert_eq!(m.notes.as_deref(), Some("notes"));
    assert_eq!(m.format(), Format::Static);
    let m = ok(r#"["1.0.0",null,null,null,"https://e.com/a","s"]"#);
    assert_eq!(m.format(), Format::Dynamic);

    assert_eq!(
        err(r#"["1.0.0",null,null,null,"https://e.com/a"]"#),
        (
            "invalid_length",
            "a manifest written as an array must have 6 elements (version, notes, pub_date, \
             platforms, url, signature), found 5"
                .into(),
            String::new(),
            1,
            1
        )
    );
    assert_eq!(
        err(r#"["1.0.0",null,null,null,"https://e.com/a","s",7]"#).0,
        "invalid_length"
    );
    assert_eq!(err("[]").0, "invalid_length");
    // Elements are type-checked by position, `version` is not optional there.
    assert_eq!(
        err(r#"[null,null,null,null,"https://e.com/a","s"]"#),
        (
            "invalid_type",
            "`/0` must be a string, found null".into(),
            "/0".into(),
            1,
            2
        )
    );
    // A missing `url` or `signature` is pointed at where its `null` is, not at a key.
    let body = "[\n  \"1.0.0\",\n  null,\n  null,\n  null,\n  null,\n  null\n]";
    let report = manifest::validate(body.as_bytes(), &LintOptions::default());
    let errors = report
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.path.as_str(), e.line, e.column));
    let warnings = report
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str(), w.line, w.column));
    assert_eq!(
        errors.chain(warnings).collect::<Vec<_>>(),
        [
            ("missing_url", "/4", 6, 3),
            ("missing_signature", "/5", 7, 3),
            ("array_manifest", "", 1, 1),
            ("missing_pub_date", "/2", 4, 3),
            ("null_platforms", "/3", 5, 3),
        ]
    );
    assert_eq!(
        codes(br#"["x",1,"2026",null,"e","s"]"#),
        [
            ("invalid_version", "/0".into()),
            ("invalid_type", "/1".into()),
            ("invalid_pub_date", "/2".into()),
            ("invalid_url", "/4".into()),
        ]
    );
}

// ----- version -----

#[test]
fn leading_lowercase_vs_are_stripped() {
    for (text, want) in [
        ("v1.0.0", "1.0.0"),
        ("vv1.0.0", "1.0.0"),
        ("1.2.3-beta.1+b5", "1.2.3-beta.1+b5"),
    ] {
        assert_eq!(
            ok(&dynamic_with("version", &format!("\"{text}\"")))
                .version
                .to_string(),
            want
        );
    }
}

#[test]
fn strict_semver_after_stripping() {
    let cases = [
        (
            "V1.0.0",
            "unexpected character 'V' while parsing major version number",
        ),
        (
            " 1.0.0",
            "unexpected character ' ' while parsing major version number",
        ),
        (
            "1.0",
            "unexpected end of input while parsing minor version number",
        ),
        ("01.0.0", "invalid leading zero in major version number"),
        ("", "empty string, expected a semver version"),
    ];
    for (text, reason) in cases {
        let body = format!(
            "{{\"version\": \"{text}\", \"url\": \"https://e.com/\", \"signature\": \"s\"}}"
        );
        assert_eq!(
            err(&body),
            (
                "invalid_version",
                format!("`/version` is not a SemVer version: \"{text}\" ({reason})"),
                "/version".into(),
                1,
                13
            ),
            "{text}"
        );
    }
}

#[test]
fn version_must_be_a_string_and_is_required() {
    assert_eq!(
        err(&dynamic_with("version", "1")).1,
        "`/version` must be a string, found integer `1`"
    );
    assert_eq!(
        err(&dynamic_with("version", "null")).1,
        "`/version` must be a string, found null"
    );
    assert_eq!(
        err(r#"{"url":"https://e.com/","signature":"s"}"#),
        (
            "missing_field",
            "the manifest has no `version`".into(),
            "/version".into(),
            1,
            1
        )
    );
}

#[test]
fn name_is_an_alias_of_version_and_both_is_a_duplicate() {
    let body = r#"{"name":"v2.0.0","url":"https://e.com/","signature":"s"}"#;
    assert_eq!(ok(body).version.to_string(), "2.0.0");
    assert_eq!(
        err(r#"{"version":"1.0.0","url":"https://e.com/","signature":"s","name":"1.0.0"}"#),
        (
            "duplicate_field",
            "`name` and `version` are both present, and `name` is an alias of `version`".into(),
            "/name".into(),
            1,
            59
        )
    );
    // Even a `null` name counts.
    assert_eq!(err(&dynamic_with("name", "null")).0, "duplicate_field");
}

// ----- pub_date -----

#[test]
fn rfc3339_dates_tauri_accepts() {
    for date in [
        "2026-11-29T09:30:00Z",
        "2026-11-29t09:30:00z",
        "2026-11-29T09:30:00+02:00",
        "2026-11-29T09:30:00-00:00",
        "2026-11-29 09:30:00Z",
        "2026-11-29T09:30:00.123Z",
        "2026-11-29T09:30:00.1234567891234Z",
        "2016-12-31T23:59:60Z",
        // `time` (and so Tauri) takes any one byte as the separator.
        "2026-11-29_09:30:00Z",
    ] {
        let m = ok(&dynamic_with("pub_date", &format!("\"{date}\"")));
        assert!(m.pub_date.is_some(), "{date}");
    }
    assert_eq!(ok(&dynamic_with("pub_date", "null")).pub_date, None);
    let m = ok(&dynamic_with(
        "pub_date",
        "\"2026-11-29T09:30:00.1234567891234+02:00\"",
    ));
    assert_eq!(m.pub_date.unwrap().nanosecond(), 123_456_789);
}

#[test]
fn dates_tauri_refuses() {
    let cases = [
        (
            "2026-11-29",
            "the 'separator' component could not be parsed",
        ),
        (
            "2026-11-29T09:30:00",
            "the 'offset hour' component could not be parsed",
        ),
        (
            "2026-11-29T09:30:00+24:00",
            "the 'offset hour' component could not be parsed",
        ),
        (
            "2026-02-30T09:30:00Z",
            "day must be in the range 1..=28 for the given month and year",
        ),
    ];
    for (date, reason) in cases {
        let body = format!(
            "{{\"pub_date\": \"{date}\", \"version\": \"1.0.0\", \"url\": \"https://e.com/\", \"signature\": \"s\"}}"
        );
        assert_eq!(
            err(&body),
            (
                "invalid_pub_date",
                format!("`/pub_date` is not an RFC 3339 date-time: \"{date}\" ({reason})"),
                "/pub_date".into(),
                1,
                14
            ),
            "{date}"
        );
    }
    assert_eq!(
        err(&dynamic_with("pub_date", "1764400000")).1,
        "`/pub_date` must be a string or null, found integer `1764400000`"
    );
}

// ----- notes -----

#[test]
fn notes_are_a_string_or_null() {
    assert_eq!(
        ok(&dynamic_with("notes", "\"n\"")).notes.as_deref(),
        Some("n")
    );
    assert_eq!(ok(&dynamic_with("notes", "null")).notes, None);
    assert_eq!(
        err(&dynamic_with("notes", "[\"a\"]")).1,
        "`/notes` must be a string or null, found an array"
    );
}

// ----- platforms -----

#[test]
fn platform_entries_need_url_and_signature() {
    assert_eq!(
        err(
            "{\"version\":\"1.0.0\",\"platforms\":{\n  \"linux-x86_64\": {\"signature\": \"s\"}\n}}"
        ),
        (
            "missing_field",
            "`/platforms/linux-x86_64` has no `url`".into(),
            "/platforms/linux-x86_64/url".into(),
            2,
            19
        )
    );
    assert_eq!(
        err(&static_entry(
            r#"{"url":"https://e.com/a","signature":null}"#
        )),
        (
            "invalid_type",
            "`/platforms/linux-x86_64/signature` must be a string, found null".into(),
            "/platforms/linux-x86_64/signature".into(),
            1,
            85
        )
    );
    assert_eq!(
        err(&static_entry(r#"{"url":null,"signature":"s"}"#)).1,
        "`/platforms/linux-x86_64/url` must be an absolute URL string, found null"
    );
    assert_eq!(
        err(&static_entry("null")),
        (
            "invalid_type",
            "`/platforms/linux-x86_64` must be an object with `url` and `signature`, found null"
                .into(),
            "/platforms/linux-x86_64".into(),
            1,
            48
        )
    );
    // The empty signature parses.
    assert_eq!(
        entry(
            &ok(&static_entry(r#"{"url":"https://e.com/a","signature":""}"#)),
            "linux-x86_64"
        )
        .1,
        ""
    );
}

#[test]
fn one_bad_entry_rejects_every_platform_and_all_are_reported() {
    let body = br#"{"version":"1.0.0","platforms":{
  "windows-x86_64": {"url":"https://e.com/w.exe","signature":"s"},
  "linux-x86_64": {"url":"e.com/a","signature":"s"},
  "darwin-aarch64": 7,
  "darwin-x86_64": {"url":"https://e.com/d","signature":"s"}
}}"#;
    assert_eq!(
        codes(body),
        [
            ("invalid_url", "/platforms/linux-x86_64/url".into()),
            ("invalid_type", "/platforms/darwin-aarch64".into()),
        ]
    );
    let e = manifest::parse(body).unwrap_err();
    assert_eq!((e.line, e.column), (3, 26));
}

#[test]
fn legacy_array_entries() {
    let m = ok(&static_entry(r#"["https://e.com/a","s"]"#));
    assert_eq!(
        entry(&m, "linux-x86_64"),
        ("https://e.com/a".into(), "s".into(), None)
    );
    assert_eq!(
        err(&static_entry(r#"["https://e.com/a","s","x"]"#)),
        (
            "invalid_length",
            "`/platforms/linux-x86_64` is an array, so it must have 2 elements (url, signature), found 3"
                .into(),
            "/platforms/linux-x86_64".into(),
            1,
            48
        )
    );
    assert_eq!(
        err(&static_entry(r#"["https://e.com/a"]"#)).0,
        "invalid_length"
    );
    assert_eq!(
        err(&static_entry(r#"["https://e.com/a",1]"#)).2,
        "/platforms/linux-x86_64/1"
    );
}

#[test]
fn platforms_must_be_an_object() {
    assert_eq!(
        err(r#"{"version":"1.0.0","platforms":[]}"#),
        (
            "invalid_type",
            "`/platforms` must be an object or null, found an array".into(),
            "/platforms".into(),
            1,
            32
        )
    );
}

#[test]
fn any_key_is_accepted() {
    let m = ok(
        r#"{"version":"1.0.0","platforms":{"my/custom~target":{"url":"https://e.com/","signature":"s"}}}"#,
    );
    assert_eq!(entry(&m, "my/custom~target").0, "https://e.com/");
    let e = manifest::parse(
        br#"{"version":"1.0.0","platforms":{"a/b~c":{"url":"x","signature":"s"}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.path, "/platforms/a~1b~0c/url");
}

// ----- URLs -----

#[test]
fn urls_are_normalised_like_whatwg() {
    for (given, want) in [
        (
            "HTTPS://Example.COM:443/a/./b/../c d",
            "https://example.com/a/c%20d",
        ),
        (
            "https://bücher.example/x",
            "https://xn--bcher-kva.example/x",
        ),
        ("http://e.com:80", "http://e.com/"),
        ("ftp://e.com/file", "ftp://e.com/file"),
        ("foo:bar", "foo:bar"),
    ] {
        let m = ok(&static_entry(&format!(
            r#"{{"url":"{given}","signature":"s"}}"#
        )));
        assert_eq!(entry(&m, "linux-x86_64").0, want, "{given}");
    }
    for (given, reason) in [
        ("", "relative URL without a base"),
        ("/a.tar.gz", "relative URL without a base"),
        ("https://", "empty host"),
        ("https://e.com:99999/", "invalid port number"),
    ] {
        let (code, message, ..) = err(&static_entry(&format!(
            r#"{{"url":"{given}","signature":"s"}}"#
        )));
        assert_eq!(code, "invalid_url");
        assert_eq!(
            message,
            format!("`/platforms/linux-x86_64/url` is not an absolute URL: \"{given}\" ({reason})")
        );
    }
}

// ----- size (upkit extension) -----

#[test]
fn size_is_read_when_valid_and_ignored_otherwise() {
    let m = ok(&static_entry(
        r#"{"url":"https://e.com/a","signature":"s","size":1048576}"#,
    ));
    assert_eq!(entry(&m, "linux-x86_64").2, Some(1_048_576));
    // 0 too: some generators write it for a size they do not know, and enforced it would fail
    // every download of an update Tauri installs.
    for bad in ["\"12\"", "-1", "0", "1.5", "null", "18446744073709551616"] {
        let m = ok(&static_entry(&format!(
            r#"{{"url":"https://e.com/a","signature":"s","size":{bad}}}"#
        )));
        assert_eq!(entry(&m, "linux-x86_64").2, None, "{bad}");
    }
    let m = ok(&dynamic_with("size", "42"));
    let Release::Dynamic(p) = &m.release else {
        panic!()
    };
    assert_eq!(p.size, Some(42));
}

// ----- JSON strictness -----

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let m = ok(
        r#"{"version":"1.0.0","x":{"deep":[1,2]},"platforms":{"linux-x86_64":{"url":"https://e.com/","signature":"s","extra":true}}}"#,
    );
    assert_eq!(m.raw["x"]["deep"][1], 2);
}

#[test]
fn json_syntax_errors_carry_positions() {
    let cases: [(&[u8], &str, usize, usize); 8] = [
        (b"", "invalid JSON: EOF while parsing a value", 1, 1),
        (b"{\"version\": }", "invalid JSON: expected value", 1, 13),
        (b"{} x", "invalid JSON: trailing characters", 1, 4),
        (
            b"{\n  \"a\": \"\xff\"\n}",
            "invalid JSON: invalid unicode code point",
            2,
            9,
        ),
        (
            br#"{"a": "\ud800"}"#,
            "invalid JSON: unexpected end of hex escape",
            1,
            14,
        ),
        (
            b"{\"a\": 1e400}",
            "invalid JSON: number out of range",
            1,
            11,
        ),
        (b"{\"\xc3\xa9\": x}", "invalid JSON: expected value", 1, 7),
        (b"{\n", "invalid JSON: EOF while parsing an object", 2, 1),
    ];
    for (body, message, line, column) in cases {
        let e = manifest::parse(body).unwrap_err();
        assert_eq!(e.code, ErrorCode::JsonSyntax, "{message}");
        assert_eq!(
            (e.message.as_str(), e.path.as_str(), e.line, e.column),
            (message, "", line, column)
        );
    }
}

#[test]
fn byte_order_mark_is_refused_trailing_whitespace_is_not() {
    let body = dynamic_with("notes", "null");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(body.as_bytes());
    assert_eq!(
        manifest::parse(&bom).unwrap_err().code,
        ErrorCode::ByteOrderMark
    );
    ok(&format!("\n \t{body} \r\n\t "));
}

#[test]
fn nesting_deeper_than_128_is_refused() {
    let nested = |depth: usize| {
        format!(
            r#"{{"version":"1.0.0","url":"https://e.com/","signature":"s","x":{}{}}}"#,
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    };
    // serde_json (and so Tauri) allows 127 levels: the 128th is one too many.
    ok(&nested(127));
    let (code, message, ..) = err(&nested(128));
    assert_eq!(
        (code, message.as_str()),
        ("json_syntax", "invalid JSON: recursion limit exceeded")
    );
}

#[test]
fn duplicate_keys_last_one_wins() {
    let m = ok(
        r#"{"version":"nope","version":"1.0.0","url":"https://e.com/","signature":"a","signature":"b"}"#,
    );
    assert_eq!(m.version.to_string(), "1.0.0");
    let Release::Dynamic(p) = &m.release else {
        panic!()
    };
    assert_eq!(p.signature, "b");
    // The position is the one of the value that counts.
    let e = manifest::parse(
        br#"{"version":"1.0.0","version":"1.0","url":"https://e.com/","signature":"s"}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.code, e.line, e.column),
        (ErrorCode::InvalidVersion, 1, 30)
    );
}

#[test]
fn raw_json_is_kept() {
    let body = dynamic_with("custom", r#"{"a":[1,"b"]}"#);
    let m = ok(&body);
    assert_eq!(
        m.raw,
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    );
}

#[test]
fn error_display_adds_the_position() {
    let e = manifest::parse(dynamic_with("version", "\"1\"").as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`/version` is not a SemVer version: \"1\" (unexpected end of input while parsing major version number) (line 1, column 73)"
    );
}

#[test]
fn every_code_has_a_stable_name() {
    let names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "byte_order_mark",
            "json_syntax",
            "invalid_type",
            "invalid_length",
            "missing_field",
            "duplicate_field",
            "invalid_version",
            "invalid_pub_date",
            "invalid_url",
            "missing_url",
            "missing_signature"
        ]
    );
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
    }
}
