//! The human form of a [`Report`]: what `upkit validate` prints, and `upkit-validate` (npm) too,
//! from this one implementation.
//!
//! Each error, then each warning: its code and message, `--> file:line:column`, the source line
//! with a caret under the column (long lines are cut around it), the JSON path and the hint;
//! then a summary line. The core writes no escape codes: a [`Palette`] says what to write around
//! each styled piece ([`Palette::PLAIN`] writes nothing).

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{Format, Report, Strictness};

/// What to write before and after one styled piece of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paint<'a> {
    /// Written before the piece (an ANSI escape, say).
    pub start: &'a str,
    /// Written after it.
    pub end: &'a str,
}

/// The styles of the human form, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Palette<'a> {
    /// `error[code]`, the caret under an error, `invalid`.
    pub error: Paint<'a>,
    /// `warning[code]`, the caret under a warning, `valid` when warnings fail.
    pub warning: Paint<'a>,
    /// The gutter: `-->`, `|`, `=` and line numbers.
    pub gutter: Paint<'a>,
    /// Messages and file names.
    pub emphasis: Paint<'a>,
    /// `valid` when the manifest passes.
    pub good: Paint<'a>,
}

impl Palette<'_> {
    /// No styles: plain text.
    pub const PLAIN: Palette<'static> = Palette {
        error: Paint { start: "", end: "" },
        warning: Paint { start: "", end: "" },
        gutter: Paint { start: "", end: "" },
        emphasis: Paint { start: "", end: "" },
        good: Paint { start: "", end: "" },
    };
}

/// `text` with what a terminal would act on made visible: control characters other than newline
/// and tab (ESC, BEL, CR, backspace, DEL, the C1 set) and the bidirectional overrides and isolates
/// (U+202A to U+202E, U+2066 to U+2069), written as `\u{..}` escapes. For text from a manifest or
/// a server that is printed: such text is not signed, and must not set a terminal's title,
/// recolour it, or write one line over another. Borrowed when there is nothing to escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether [`printable`] escapes `c`.
fn escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most this many characters of a source line are shown.
const WINDOW: usize = 100;
/// Characters kept before the caret when a long line is cut.
const BEFORE: usize = 40;

/// One diagnostic, whatever its severity.
struct Diagnostic<'a> {
    severity: &'static str,
    paint: Paint<'a>,
    code: &'static str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    hint: Option<&'a str>,
}

impl Report {
    /// The report as `upkit validate` prints it, for `source` (the body that was validated),
    /// naming the report's file (or `manifest` when it has none). Ends with a line break.
    ///
    /// ```
    /// use upkit_core::manifest::{self, LintOptions, Palette, Strictness};
    ///
    /// let body = b"{\"version\": \"1.0\", \"platforms\": {}}";
    /// let report = manifest::validate(body, &LintOptions::default()).with_file("latest.json");
    /// let text = report.human(body, Strictness::Lenient, &Palette::PLAIN);
    /// assert!(text.starts_with("error[invalid_version]: "));
    /// assert!(text.ends_with("latest.json: invalid: Tauri refuses it (1 error, 2 warnings)\n"));
    /// ```
    pub fn human(&self, source: &[u8], strictness: Strictness, palette: &Palette<'_>) -> String {
        let name = self.file.as_deref().unwrap_or("manifest");
        let text = String::from_utf8_lossy(source);
        let mut source = Source::new(&text);
        let mut out = String::new();
        let errors = self.errors.iter().map(|e| Diagnostic {
            severity: "error",
            paint: palette.error,
            code: e.code.as_str(),
            message: &e.message,
            path: &e.path,
            line: e.line,
            column: e.column,
            hint: e.hint.as_deref(),
        });
        let warnings = self.warnings.iter().map(|w| Diagnostic {
            severity: "warning",
            paint: palette.warning,
            code: w.code.as_str(),
            message: &w.message,
            path: &w.path,
            line: w.line,
            column: w.column,
            hint: w.hint.as_deref(),
        });
        for d in errors.chain(warnings) {
            diagnostic(&mut out, name, &mut source, &d, palette);
        }
        let counts = format!(
            "{}, {}",
            plural(self.errors.len(), "error"),
            plural(self.warnings.len(), "warning")
        );
        let Palette {
            emphasis: em,
            error,
            ..
        } = *palette;
        if self.valid {
            let what = match (self.format, &self.platforms) {
                (Some(Format::Static), Some(p)) => {
                    format!("static manifest, {}", plural(p.len(), "platform"))
                }
                _ => "dynamic manifest".to_owned(),
            };
            let version = self.version.as_deref().unwrap_or("?");
            let (paint, strict) = if self.passes(strictness) {
                (palette.good, "")
            } else {
                (palette.warning, "; warnings fail under --strict")
            };
            let _ = writeln!(
                out,
                "{}{name}{}: {}valid{} {what}, version {version} ({counts}){strict}",
                em.start, em.end, paint.start, paint.end,
            );
        } else {
            let _ = writeln!(
                out,
                "{}{name}{}: {}invalid{}: Tauri refuses it ({counts})",
                em.start, em.end, error.start, error.end,
            );
        }
        out
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The lines of a source, split once, and where the characters of one line start: a report
/// can hold a diagnostic for every few bytes of a long one-line (minified) file, and finding
/// each one's line and column afresh made the rendering quadratic. The index keeps every
/// [`STRIDE`]th character's offset, so that it costs a fraction of the line (not eight times it,
/// as a full index would: a 300 MB line is no 2.4 GB allocation).
struct Source<'a> {
    lines: Vec<&'a str>,
    /// The line (from 1; 0 for none) that `marks` and `chars` are of.
    cached: usize,
    /// The byte offsets of characters 0, STRIDE, 2 STRIDE, ... of line `cached`.
    marks: Vec<usize>,
    /// How many characters line `cached` has.
    chars: usize,
}

/// Every how many characters [`Source`] keeps an offset.
const STRIDE: usize = 64;

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        Source {
            lines: text.lines().map(|l| l.trim_end_matches('\r')).collect(),
            cached: 0,
            marks: Vec::new(),
            chars: 0,
        }
    }

    /// Line `number` (from 1), indexed.
    fn line(&mut self, number: usize) -> Option<&'a str> {
        let line = *self.lines.get(number.checked_sub(1)?)?;
        if self.cached != number {
            self.marks.clear();
            self.chars = 0;
            for (i, (offset, _)) in line.char_indices().enumerate() {
                if i % STRIDE == 0 {
                    self.marks.push(offset);
                }
                self.chars += 1;
            }
            self.cached = number;
        }
        Some(line)
    }

    /// The byte offset in `line` (the indexed one) of character `n` (its length for the end).
    fn offset(&self, line: &str, n: usize) -> usize {
        let Some(&mark) = self.marks.get(n / STRIDE) else {
            return line.len();
        };
        line[mark..]
            .char_indices()
            .nth(n % STRIDE)
            .map_or(line.len(), |(i, _)| mark + i)
    }
}

fn diagnostic(
    out: &mut String,
    name: &str,
    source: &mut Source<'_>,
    d: &Diagnostic<'_>,
    palette: &Palette<'_>,
) {
    let Palette {
        gutter: g,
        emphasis: em,
        ..
    } = *palette;
    let p = d.paint;
    let _ = writeln!(
        out,
        "{}{}[{}]{}{}: {}{}",
        p.start,
        d.severity,
        d.code,
        p.end,
        em.start,
        printable(d.message),
        em.end
    );
    let number = d.line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(
        out,
        "{pad}{}-->{} {}:{}:{}",
        g.start,
        g.end,
        printable(name),
        d.line,
        d.column
    );
    if let Some(line) = source.line(d.line) {
        let count = source.chars;
        let at = |n: usize| source.offset(line, n);
        let caret = d.column.saturating_sub(1).min(count);
        let start = if count > WINDOW {
            caret.saturating_sub(BEFORE)
        } else {
            0
        };
        let end = (start + WINDOW).min(count);
        // What a terminal would act on is shown escaped, and the caret moves past the escape.
        let mut shown = printable(&line[at(start)..at(end)]).into_owned();
        // Tabs stay tabs under the line, so that the caret lines up however they are shown.
        let mut marker: String = line[at(start)..at(caret)]
            .chars()
            .map(|c| match c {
                '\t' => "\t".to_owned(),
                c if escaped(c) => " ".repeat(c.escape_unicode().len()),
                _ => " ".to_owned(),
            })
            .collect();
        if start > 0 {
            shown.insert(0, '…');
            marker.insert(0, ' ');
        }
        if end < count {
            shown.push('…');
        }
        let _ = writeln!(out, "{pad} {}|{}", g.start, g.end);
        let _ = writeln!(out, "{}{number} |{} {shown}", g.start, g.end);
        let _ = writeln!(
            out,
            "{pad} {}|{} {marker}{}^{}",
            g.start, g.end, p.start, p.end
        );
    }
    if !d.path.is_empty() {
        let _ = writeln!(out, "{pad} {}={} path: {}", g.start, g.end, d.path);
    }
    if let Some(hint) = d.hint {
        let _ = writeln!(out, "{pad} {}={} hint: {hint}", g.start, g.end);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{LintOptions, validate};

    fn human(body: &str, strictness: Strictness) -> String {
        validate(body.as_bytes(), &LintOptions::default())
            .with_file("latest.json")
            .human(body.as_bytes(), strictness, &Palette::PLAIN)
    }

    #[test]
    fn errors_then_warnings_with_source_line_caret_path_and_hint() {
        let body =
            "{\"url\": \"https://e.com/a\", \"signature\": \"c2ln\",\n  \"version\": \"1.0\"\n}";
        let expected = [
            "error[invalid_version]: `/version` is not a SemVer version: \"1.0\" (unexpected end of input while parsing minor version number)",
            " --> latest.json:2:14",
            "  |",
            "2 |   \"version\": \"1.0\"",
            "  |              ^",
            "  = path: /version",
            "  = hint: write MAJOR.MINOR.PATCH, e.g. `1.2.3` or `1.2.3-beta.1`",
            "",
            "warning[missing_pub_date]: the manifest has no `pub_date`",
            " --> latest.json:1:1",
            "  |",
            "1 | {\"url\": \"https://e.com/a\", \"signature\": \"c2ln\",",
            "  | ^",
            "  = path: /pub_date",
            "  = hint: add the release date, e.g. `\"pub_date\": \"2026-11-29T09:30:00Z\"`",
            "",
            "warning[invalid_signature]: `/signature` is not a Tauri signature: signature is not a minisign signature: line 2 (the signature) is missing",
            " --> latest.json:1:41",
            "  |",
            "1 | {\"url\": \"https://e.com/a\", \"signature\": \"c2ln\",",
            "  |                                         ^",
            "  = path: /signature",
            "  = hint: put the content of the artifact's `.sig` file (made by `tauri signer sign` or `upkit sign`) in `signature`",
            "",
            "latest.json: invalid: Tauri refuses it (1 error, 2 warnings)",
            "",
        ];
        assert_eq!(human(body, Strictness::Lenient), expected.join("\n"));
    }

    #[test]
    fn warnings_with_hints_and_the_strict_summary() {
        let body = "{\"version\": \"1.0.0\", \"platforms\": {}}";
        let lenient = human(body, Strictness::Lenient);
        assert!(
            lenient.contains(
                "  = hint: add the release date, e.g. `\"pub_date\": \"2026-11-29T09:30:00Z\"`\n"
            ),
            "{lenient}"
        );
        assert!(
            lenient.ends_with("latest.json: valid static manifest, 0 platforms, version 1.0.0 (0 errors, 2 warnings)\n"),
            "{lenient}"
        );
        assert!(
            human(body, Strictness::Strict)
                .ends_with("version 1.0.0 (0 errors, 2 warnings); warnings fail under --strict\n")
        );
    }

    #[test]
    fn what_a_terminal_acts_on_is_shown_escaped_and_the_caret_still_points() {
        // Valid JSON can carry what a terminal acts on (C1 controls, DEL, bidi overrides) in its
        // strings; the error comes after them.
        let body = "{\"version\": \"1.0.0\", \"notes\": \"\u{9b}2J\u{7f}\u{202e}\", \"url\": 5}";
        let text = human(body, Strictness::Lenient);
        assert!(!text.contains(['\u{9b}', '\u{7f}', '\u{202e}']), "{text}");
        let line = "{\"version\": \"1.0.0\", \"notes\": \"\\u{9b}2J\\u{7f}\\u{202e}\", \"url\": 5}";
        assert!(text.contains(&format!("1 | {line}\n")), "{text}");
        // The caret is under the `5`, past the escapes.
        let caret = format!("  | {}^", " ".repeat(line.find('5').unwrap()));
        assert!(text.contains(&caret), "{text}");
        assert_eq!(printable("a\tb\nc"), "a\tb\nc");
        assert!(matches!(printable("plain"), Cow::Borrowed("plain")));
        assert_eq!(printable("\u{9b}31m\r\u{7f}"), "\\u{9b}31m\\u{d}\\u{7f}");
    }

    #[test]
    fn the_sparse_index_finds_every_character() {
        let line: String = (0..300).map(|i| ['a', 'é', '€', '𝄞'][i % 4]).collect();
        let text = format!("first\n{line}\nlast");
        let mut source = Source::new(&text);
        let shown = source.line(2).unwrap();
        assert_eq!(source.chars, 300);
        assert_eq!(source.marks.len(), 300usize.div_ceil(STRIDE));
        let expected: Vec<usize> = shown
            .char_indices()
            .map(|(i, _)| i)
            .chain([shown.len()])
            .collect();
        let found: Vec<usize> = (0..=300).map(|n| source.offset(shown, n)).collect();
        assert_eq!(found, expected);
        assert_eq!(source.offset(shown, 10_000), shown.len());
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret_and_tabs_stay_tabs() {
        let body = format!(
            "{{\"version\": \"1.0.0\", \"notes\": \"{}\", \"url\": \"https://e.com/a\",\t\"signature\": 5}}",
            "é".repeat(150)
        );
        let text = human(&body, Strictness::Lenient);
        let column = body.chars().position(|c| c == '5').unwrap() + 1;
        let shown: String = body
            .chars()
            .skip(column - 1 - BEFORE)
            .take(WINDOW)
            .collect();
        let marker: String = body
            .chars()
            .skip(column - 1 - BEFORE)
            .take(BEFORE)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        assert!(text.contains(&format!("1 | …{shown}\n")), "{text}");
        assert!(text.contains(&format!("  |  {marker}^\n")), "{text}");
        assert!(marker.contains('\t'));
    }

    #[test]
    fn a_palette_wraps_each_styled_piece() {
        let paint = |start, end| Paint { start, end };
        let palette = Palette {
            error: paint("<e>", "</e>"),
            warning: paint("<w>", "</w>"),
            gutter: paint("<g>", "</g>"),
            emphasis: paint("<b>", "</b>"),
            good: paint("<ok>", "</ok>"),
        };
        let body =
            b"{\"version\": \"1.0\", \"platforms\": {}, \"pub_date\": \"2026-11-29T09:30:00Z\"}";
        let text =
            validate(body, &LintOptions::default()).human(body, Strictness::Lenient, &palette);
        let expected = [
            "<e>error[invalid_version]</e><b>: `/version` is not a SemVer version: \"1.0\" (unexpected end of input while parsing minor version number)</b>",
            " <g>--></g> manifest:1:13",
            "  <g>|</g>",
            "<g>1 |</g> {\"version\": \"1.0\", \"platforms\": {}, \"pub_date\": \"2026-11-29T09:30:00Z\"}",
            "  <g>|</g>             <e>^</e>",
            "  <g>=</g> path: /version",
            "  <g>=</g> hint: write MAJOR.MINOR.PATCH, e.g. `1.2.3` or `1.2.3-beta.1`",
            "",
            "<w>warning[no_platforms]</w><b>: `/platforms` is empty, so no client gets this update</b>",
            " <g>--></g> manifest:1:33",
            "  <g>|</g>",
            "<g>1 |</g> {\"version\": \"1.0\", \"platforms\": {}, \"pub_date\": \"2026-11-29T09:30:00Z\"}",
            "  <g>|</g>                                 <w>^</w>",
            "  <g>=</g> path: /platforms",
            "",
            "<b>manifest</b>: <e>invalid</e>: Tauri refuses it (1 error, 1 warning)",
            "",
        ];
        assert_eq!(text, expected.join("\n"));
        let body =
            b"{\"version\": \"1.0.0\", \"platforms\": {}, \"pub_date\": \"2026-11-29T09:30:00Z\"}";
        let report = validate(body, &LintOptions::default());
        let summary = |strictness| {
            let text = report.human(body, strictness, &palette);
            text.lines().last().unwrap().to_owned()
        };
        assert_eq!(
            summary(Strictness::Lenient),
            "<b>manifest</b>: <ok>valid</ok> static manifest, 0 platforms, version 1.0.0 (0 errors, 1 warning)"
        );
        assert_eq!(
            summary(Strictness::Strict),
            "<b>manifest</b>: <w>valid</w> static manifest, 0 platforms, version 1.0.0 (0 errors, 1 warning); warnings fail under --strict"
        );
    }
}
