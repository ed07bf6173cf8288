//! Manifest parsing and validation: no input may panic, and both agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upkit_core::manifest::{self, LintOptions};

fuzz_target!(|body: &[u8]| {
    let parsed = manifest::parse(body);
    let report = manifest::validate(body, &LintOptions::default());
    // One engine: parse accepts exactly what validate calls valid, and its error is the
    // report's first.
    assert_eq!(parsed.is_ok(), report.valid);
    match parsed {
        Ok(m) => assert_eq!(report.manifest.as_ref(), Some(&m)),
        Err(e) => assert_eq!(report.errors.first(), Some(&e)),
    }
    // Every position is inside the body (1-based).
    for (line, column) in report
        .errors
        .iter()
        .map(|e| (e.line, e.column))
        .chain(report.warnings.iter().map(|w| (w.line, w.column)))
    {
        assert!(line >= 1 && column >= 1);
        assert!(line <= body.iter().filter(|&&b| b == b'\n').count() + 1);
    }
    let _ = serde_json::to_string(&report).unwrap();
});
