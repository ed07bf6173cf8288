//! Where each value of a JSON text sits: JSON pointer to line and column.
//!
//! `serde_json::Value` forgets positions, so once a body is known to be valid JSON this module
//! scans the text once more and keeps, for every value, where it starts and, for object
//! members, where the key starts. Duplicate keys are all kept (in order); a lookup takes the
//! last one, as `serde_json` does.

use std::collections::HashMap;
use std::fmt;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A JSON path, displayed as an RFC 6901 JSON pointer (`""` is the whole document).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Path(pub(crate) Vec<Seg>);

impl Path {
    /// The root.
    pub(crate) fn root() -> Self {
        Path(Vec::new())
    }

    /// This path plus an object member.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        Path(segs)
    }

    /// This path plus an array element.
    pub(crate) fn index(&self, index: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// The path without its last step (the root stays the root).
    pub(crate) fn parent(&self) -> Self {
        let mut segs = self.0.clone();
        segs.pop();
        Path(segs)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.0 {
            f.write_str("/")?;
            match seg {
                Seg::Key(key) => f.write_str(&key.replace('~', "~0").replace('/', "~1"))?,
                Seg::Index(i) => write!(f, "{i}")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column; the column counts characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// The indices of `keys` in ascending order of key, equal keys in their original order (a stable
/// sort). Every sort by position goes through this one non-generic function: each `sort` of a
/// different element type is a sizeable instantiation in the wasm build.
pub(crate) fn stable_order(keys: &[(usize, usize)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    order
}

#[derive(Debug)]
struct Node {
    start: usize,
    kind: Kind,
}

/// A node's children are boxed slices, not vectors, and small objects have no key map: the index
/// of a document of many small objects stays a few times the size of its text.
#[derive(Debug)]
enum Kind {
    Scalar,
    Array(Box<[Node]>),
    /// The members in order; objects of more than [`SMALL_OBJECT`] members also map each key to
    /// the index of its last member and its count.
    Object(Box<[Member]>, Option<Box<KeyMap>>),
}

type KeyMap = HashMap<Box<str>, (usize, usize)>;

/// Up to this many members an object's keys are looked up by a scan, not a map.
const SMALL_OBJECT: usize = 16;

#[derive(Debug)]
struct Member {
    key: Box<str>,
    key_start: usize,
    value: Node,
}

impl Kind {
    fn object(members: Vec<Member>) -> Kind {
        let map = (members.len() > SMALL_OBJECT).then(|| {
            let mut map = KeyMap::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                let entry = map.entry(m.key.clone()).or_insert((0, 0));
                *entry = (i, entry.1 + 1);
            }
            Box::new(map)
        });
        Kind::Object(members.into_boxed_slice(), map)
    }
}

/// The index of the last member named `key`, and how many members have that name.
fn last_member(members: &[Member], map: Option<&KeyMap>, key: &str) -> Option<(usize, usize)> {
    if let Some(map) = map {
        return map.get(key).copied();
    }
    let mut found = None;
    for (i, m) in members.iter().enumerate() {
        if &*m.key == key {
            found = Some((i, found.map_or(0, |(_, count)| count) + 1));
        }
    }
    found
}

/// What a pointer points at: the value, or the key of the member holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The first character of the value.
    Value,
    /// The opening quote of the member's key (the value's, for array elements and the root).
    Key,
}

/// The positions of every value of one JSON text.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    text: &'a [u8],
    root: Option<Node>,
}

/// Nesting deeper than this is not indexed (serde_json refuses more than 128 anyway).
const MAX_DEPTH: usize = 256;

impl<'a> Index<'a> {
    /// Scans `text`, which should be valid JSON; anything else gives a partial index, never a
    /// panic.
    pub(crate) fn new(text: &'a [u8]) -> Self {
        let mut scanner = Scanner { text, pos: 0 };
        let root = scanner.value(0);
        Index { text, root }
    }

    /// The position of the value (or key) at `path`, or of its nearest existing ancestor.
    #[cfg(test)]
    pub(crate) fn locate(&self, path: &Path, anchor: Anchor) -> Position {
        self.positions(&[self.offset(path, anchor)])[0]
    }

    /// The positions of many byte offsets, in one pass over the text.
    pub(crate) fn positions(&self, offsets: &[usize]) -> Vec<Position> {
        let keys: Vec<(usize, usize)> = offsets.iter().map(|&offset| (offset, 0)).collect();
        let order = stable_order(&keys);
        let mut out = vec![Position { line: 1, column: 1 }; offsets.len()];
        let (mut pos, mut line, mut column) = (0, 1, 1);
        for i in order {
            let target = offsets[i].min(self.text.len());
            for &b in &self.text[pos..target] {
                if b == b'\n' {
                    line += 1;
                    column = 1;
                } else if b & 0xC0 != 0x80 {
                    // Characters, not bytes: UTF-8 continuation bytes do not count.
                    column += 1;
                }
            }
            pos = pos.max(target);
            out[i] = Position { line, column };
        }
        out
    }

    /// The byte offset of the value (or key) at `path`, or of its nearest existing ancestor.
    pub(crate) fn offset(&self, path: &Path, anchor: Anchor) -> usize {
        self.find(path, anchor).unwrap_or(0)
    }

    fn find(&self, path: &Path, anchor: Anchor) -> Option<usize> {
        let mut node = self.root.as_ref()?;
        let mut key_start = None;
        for seg in &path.0 {
            let next = match (&node.kind, seg) {
                (Kind::Object(members, map), Seg::Key(key)) => {
                    last_member(members, map.as_deref(), key)
                        .map(|(last, _)| &members[last])
                        .map(|m| (&m.value, Some(m.key_start)))
                }
                (Kind::Array(items), Seg::Index(i)) => items.get(*i).map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((n, k)) => {
                    node = n;
                    key_start = k;
                }
                // The nearest existing ancestor.
                None => return Some(node.start),
            }
        }
        Some(match anchor {
            Anchor::Key => key_start.unwrap_or(node.start),
            Anchor::Value => node.start,
        })
    }

    /// Every key that appears more than once in one object: the path of the member (whose
    /// last occurrence counts) and how many times it appears.
    pub(crate) fn duplicate_keys(&self) -> Vec<(Path, usize)> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            walk_duplicates(root, &mut Path::root(), &mut out);
        }
        out
    }
}

/// Collects the duplicate keys under `node`, at `path` (a stack: each step is pushed, then
/// popped, so that only the paths reported are copied).
fn walk_duplicates(node: &Node, path: &mut Path, out: &mut Vec<(Path, usize)>) {
    match &node.kind {
        Kind::Scalar => {}
        Kind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.0.push(Seg::Index(i));
                walk_duplicates(item, path, out);
                path.0.pop();
            }
        }
        Kind::Object(members, map) => {
            for (i, m) in members.iter().enumerate() {
                path.0.push(Seg::Key(m.key.to_string()));
                if let Some((last, count)) = last_member(members, map.as_deref(), &m.key)
                    && last == i
                    && count > 1
                {
                    out.push((path.clone(), count));
                }
                walk_duplicates(&m.value, path, out);
                path.0.pop();
            }
        }
    }
}

/// The 1-based line and character column of a byte offset (clamped to the text).
pub(crate) fn position_of(text: &[u8], offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    // Count characters, not bytes: every byte that is not a UTF-8 continuation byte.
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    Position { line, column }
}

/// The byte offset of a 1-based line and byte column (as `serde_json` reports them).
pub(crate) fn offset_of(text: &[u8], line: usize, byte_column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match text[line_start..].iter().position(|&b| b == b'\n') {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    (line_start + byte_column.saturating_sub(1)).min(text.len())
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        self.skip_ws();
        let start = self.pos;
        if depth > MAX_DEPTH {
            return None;
        }
        let kind = match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        b'"' => {}
                        _ => return None,
                    }
                    let key_start = self.pos;
                    let key_end = self.string()?;
                    let key = std::str::from_utf8(&self.text[key_start..key_end])
                        .ok()
                        .and_then(|raw| match serde_json::from_str(raw) {
                            // Read as a `Value`, not a `String`: a typed read brings serde's
                            // type errors (and float formatting) into the wasm build.
                            Ok(serde_json::Value::String(key)) => Some(key),
                            _ => None,
                        })
                        .unwrap_or_default();
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    let value = self.value(depth + 1)?;
                    members.push(Member {
                        key: key.into_boxed_str(),
                        key_start,
                        value,
                    });
                }
                Kind::object(members)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
                Kind::Array(items.into_boxed_slice())
            }
            b'"' => {
                self.string()?;
                Kind::Scalar
            }
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return None;
                }
                Kind::Scalar
            }
        };
        Some(Node { start, kind })
    }

    /// Skips a string starting at the opening quote; returns the offset just past its end.
    fn string(&mut self) -> Option<usize> {
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some(self.pos);
                }
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let p = Path::root().key("a/b").key("c~d").index(3);
        assert_eq!(p.to_string(), "/a~1b/c~0d/3");
        assert_eq!(Path::root().to_string(), "");
    }

    #[test]
    fn locates_values_keys_and_the_last_duplicate() {
        let text = "{\n  \"a\": [1, {\"é\": true}],\n  \"a\": \"x\",\n  \"b\": null\n}";
        let index = Index::new(text.as_bytes());
        let pos = |p: &Path, a| {
            let Position { line, column } = index.locate(p, a);
            (line, column)
        };
        assert_eq!(pos(&Path::root(), Anchor::Value), (1, 1));
        assert_eq!(pos(&Path::root().key("a"), Anchor::Value), (3, 8));
        assert_eq!(pos(&Path::root().key("a"), Anchor::Key), (3, 3));
        assert_eq!(pos(&Path::root().key("b"), Anchor::Value), (4, 8));
        // Missing: the nearest ancestor.
        assert_eq!(pos(&Path::root().key("b").key("c"), Anchor::Value), (4, 8));
        assert_eq!(pos(&Path::root().key("zz"), Anchor::Value), (1, 1));
        let dups = index.duplicate_keys();
        assert_eq!(dups.len(), 1);
        assert_eq!((dups[0].0.to_string(), dups[0].1), ("/a".to_owned(), 2));
    }

    #[test]
    fn large_objects_find_keys_and_duplicates_like_small_ones() {
        // Over SMALL_OBJECT members: the key map answers, with the same results as a scan.
        let mut text = String::from("{\"list\": [{");
        for i in 0..SMALL_OBJECT + 4 {
            text += &format!("\"k{i}\": {i}, ");
        }
        text += "\"k3\": \"again\", \"k3\": \"last\", \"k7\": 0}]}";
        let index = Index::new(text.as_bytes());
        let Some(Node {
            kind: Kind::Object(top, None),
            ..
        }) = &index.root
        else {
            panic!("the small top-level object has no key map");
        };
        let Kind::Array(items) = &top[0].value.kind else {
            panic!("`list` is an array")
        };
        assert!(matches!(&items[0].kind, Kind::Object(_, Some(_))));
        let last = text.find("\"k3\": \"last\"").unwrap();
        let k3 = Path::root().key("list").index(0).key("k3");
        assert_eq!(index.offset(&k3, Anchor::Key), last);
        assert_eq!(index.offset(&k3, Anchor::Value), last + 6);
        let dups: Vec<(String, usize)> = index
            .duplicate_keys()
            .into_iter()
            .map(|(path, count)| (path.to_string(), count))
            .collect();
        assert_eq!(
            dups,
            [("/list/0/k3".to_owned(), 3), ("/list/0/k7".to_owned(), 2)]
        );
    }

    #[test]
    fn nested_values_and_character_columns() {
        let text = r#"{"é": [1, {"k": "v"}]}"#;
        let index = Index::new(text.as_bytes());
        let p = Path::root().key("é").index(1).key("k");
        assert_eq!(
            index.locate(&p, Anchor::Value),
            Position {
                line: 1,
                column: 17
            }
        );
        assert_eq!(
            index.locate(&p, Anchor::Key),
            Position {
                line: 1,
                column: 12
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "{",
            "[",
            "{\"a",
            "{\"a\":",
            "\"",
            "{\"a\" 1}",
            "[1,",
            "}",
            "\\",
        ] {
            let index = Index::new(text.as_bytes());
            let _ = index.locate(&Path::root().key("a").index(0), Anchor::Key);
            let _ = index.duplicate_keys();
        }
    }

    #[test]
    fn positions_in_one_pass_agree_with_position_of() {
        let text = "{\n  \"é\": [1,\r\n 2],\n\t\"b\": \"ü\"}";
        let offsets: Vec<usize> = (0..=text.len() + 2).rev().collect();
        let index = Index::new(text.as_bytes());
        let all = index.positions(&offsets);
        for (offset, pos) in offsets.iter().zip(all) {
            assert_eq!(pos, position_of(text.as_bytes(), *offset), "{offset}");
        }
    }

    #[test]
    fn byte_columns_convert() {
        let text = "ab\ncdé\n";
        assert_eq!(offset_of(text.as_bytes(), 2, 3), 5);
        assert_eq!(offset_of(text.as_bytes(), 9, 9), text.len());
        assert_eq!(
            position_of(text.as_bytes(), 7),
            Position { line: 2, column: 4 }
        );
    }
}
