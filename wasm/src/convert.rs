//! Carrying values across the boundary: JS input to Rust, Rust results to plain JS values, and
//! core errors to JS errors (`UpkitError`s) with a stable `code`.
//!
//! Results travel as JSON (`serde_json` on this side, `JSON.parse` on the other): the objects a
//! JS caller gets are byte for byte what the CLI prints with `--json`, plain objects and arrays
//! (never `Map`s), numbers as numbers, and no extra serializer in the module.

use std::cell::Cell;

use js_sys::{JSON, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// A failure on its way to JS: becomes an `UpkitError` (the npm package's error class) with
/// `code` (and, for manifest errors, `path`, `line` and `column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) location: Option<Location>,
}

/// Where in a manifest a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) path: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Failure {
    pub(crate) fn new(code: &'static str, message: impl ToString) -> Failure {
        Failure {
            code,
            message: message.to_string(),
            location: None,
        }
    }
}

thread_local! {
    /// The class errors are made with: the package's `UpkitError`, given by [`set_error_class`].
    static ERROR_CLASS: Cell<Option<js_sys::Function>> = const { Cell::new(None) };
}

/// Sets the class every error of this module is an instance of: called by the npm package's
/// entry points with its `UpkitError` once the module is instantiated, before any other call.
/// It is constructed as `new UpkitError(message, { code, path, line, column })` (the last three
/// for manifest errors only). Until one is set (the bare wasm-bindgen output, its tests), and
/// after `undefined` is, errors are plain `Error`s with the same properties. Not in the
/// package's API.
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(class: Option<js_sys::Function>) {
    ERROR_CLASS.with(|c| c.set(class));
}

impl From<Failure> for JsValue {
    fn from(failure: Failure) -> JsValue {
        let class = ERROR_CLASS.with(|c| {
            let class = c.take();
            c.set(class.clone());
            class
        });
        // The properties go to the constructor's options, or onto a plain `Error`.
        let properties: js_sys::Object = match class {
            Some(_) => js_sys::Object::new(),
            None => js_sys::Error::new(&failure.message).into(),
        };
        set(&properties, "code", &JsValue::from_str(failure.code));
        if let Some(location) = failure.location {
            set(&properties, "path", &JsValue::from_str(&location.path));
            set(&properties, "line", &JsValue::from(location.line));
            set(&properties, "column", &JsValue::from(location.column));
        }
        match class {
            // The package's class does not throw; were a class to, what it threw is the error.
            Some(class) => Reflect::construct(
                &class,
                &js_sys::Array::of2(&JsValue::from_str(&failure.message), &properties),
            )
            .unwrap_or_else(|thrown| thrown),
            None => properties.into(),
        }
    }
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a data property on a fresh object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The largest manifest body read, in bytes: 8 MiB, eight times the native updater's 1 MiB limit
/// on an endpoint's answer, and far above any real manifest (`upkit validate` has no limit).
/// Linting takes many times a body's size in memory (about 150 times for a body made of tiny
/// values, each with its path, position and diagnostic), and a WebAssembly module has at most
/// 4 GiB: a larger body could exhaust it, which aborts the call with no `code`.
pub(crate) const MANIFEST_LIMIT: u32 = 8 << 20;

/// The bytes of a document given as a string (UTF-8), a `Uint8Array` (a Node `Buffer` too), an
/// `ArrayBuffer`, or, for convenience, an already parsed JSON value (serialised again: a plain
/// object or array, but also `null`, a number or a boolean, which the manifest rules then
/// refuse). Other objects (`DataView`, other typed arrays, `SharedArrayBuffer`, `Map`, class
/// instances, a `Proxy` of a `Uint8Array`...) are refused rather than serialised into a misleading document; so is a body
/// over [`MANIFEST_LIMIT`] bytes.
pub(crate) fn document(value: &JsValue, what: &str) -> Result<Vec<u8>, Failure> {
    let limit = MANIFEST_LIMIT as usize;
    let bytes = if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
        // UTF-8 is at least as long as UTF-16: a longer string is refused before it is copied.
        (text.length() as usize <= limit).then(|| String::from(text).into_bytes())
    } else if let Some(array) = Bytes::array(value) {
        (length(&array) <= limit as f64).then(|| array.to_vec())
    } else {
        let plain = !value.is_object() || js_sys::Array::is_array(value) || plain(value);
        // `undefined`, functions and symbols stringify to `undefined`, a BigInt or a cycle
        // throws, and a text longer than a JS string can be throws a `RangeError`.
        match plain.then(|| JSON::stringify(value)) {
            Some(Ok(text)) if text.is_string() => Some(String::from(text).into_bytes()),
            Some(Err(error)) if error.is_instance_of::<js_sys::RangeError>() => None,
            _ => {
                return Err(Failure::new(
                    "invalid_argument",
                    format!(
                        "{what} must be a string, a Uint8Array, an ArrayBuffer or a JSON value{}",
                        if plain {
                            ""
                        } else {
                            " (a plain object or array)"
                        }
                    ),
                ));
            }
        }
    };
    bytes.filter(|bytes| bytes.len() <= limit).ok_or_else(|| {
        Failure::new(
            "invalid_argument",
            format!("{what} is larger than the limit of {MANIFEST_LIMIT} bytes"),
        )
    })
}

/// Whether an object is a plain one: made by a literal, `JSON.parse` or `Object.create(null)`,
/// in this realm or another (its prototype is `null` or has no prototype itself).
/// A proxy whose trap throws is not.
fn plain(value: &JsValue) -> bool {
    match Reflect::get_prototype_of(value) {
        Ok(prototype) if prototype.is_null() => true,
        Ok(prototype) => Reflect::get_prototype_of(&prototype).is_ok_and(|p| p.is_null()),
        Err(_) => false,
    }
}

/// The bytes of a string (UTF-8), a `Uint8Array` or an `ArrayBuffer`.
pub(crate) fn bytes(value: &JsValue, what: &str) -> Result<Bytes, Failure> {
    if let Some(text) = value.as_string() {
        return Ok(Bytes::Text(text.into_bytes()));
    }
    Bytes::array(value).map(Bytes::Array).ok_or_else(|| {
        Failure::new(
            "invalid_argument",
            format!("{what} must be a Uint8Array, an ArrayBuffer or a string"),
        )
    })
}

/// How many bytes [`Bytes::feed`] copies at a time: memory stays flat whatever the size.
const WINDOW: usize = 64 * 1024;

/// Bytes from JS: a string's UTF-8 (copied, as every string crossing the boundary is), or a JS
/// array left where it is and read a window at a time.
pub(crate) enum Bytes {
    Text(Vec<u8>),
    Array(Uint8Array),
}

impl Bytes {
    /// A `Uint8Array` (of any buffer), or a view of a whole `ArrayBuffer`. Not a `Proxy` of a
    /// `Uint8Array`, which passes `instanceof` but whose bytes cannot be read (the array's
    /// methods throw a `TypeError` on it): that is an object like any other.
    fn array(value: &JsValue) -> Option<Uint8Array> {
        if let Some(array) = value.dyn_ref::<Uint8Array>() {
            return js_sys::ArrayBuffer::is_view(value).then(|| array.clone());
        }
        if value.is_instance_of::<js_sys::ArrayBuffer>() {
            return Some(Uint8Array::new(value));
        }
        None
    }

    /// How many bytes there are.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Bytes::Text(bytes) => bytes.len() as u64,
            // A JS length is an integer below 2^53: exact as a `u64`.
            Bytes::Array(array) => length(array) as u64,
        }
    }

    /// Hands every byte to `feed`, in order, at most [`WINDOW`] bytes of an array at a time
    /// (copied into one buffer, reused): a multi-gigabyte array never enters the module's memory
    /// whole.
    pub(crate) fn feed(&self, mut feed: impl FnMut(&[u8])) {
        match self {
            Bytes::Text(bytes) => feed(bytes),
            Bytes::Array(array) => {
                let total = length(array);
                let mut buffer = vec![0; WINDOW.min(total as usize)];
                let mut start = 0.0;
                while start < total {
                    let end = total.min(start + WINDOW as f64);
                    let window = &mut buffer[..(end - start) as usize];
                    subarray(array, start, end).copy_to(window);
                    feed(window);
                    start = end;
                }
            }
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// A `Uint8Array`, with its length and `subarray` in JS numbers: js-sys has them in `u32`,
    /// which wraps for an array of 4 GiB (Node's largest has 2^32 bytes, a `u32` length of 0).
    #[wasm_bindgen(js_name = Uint8Array)]
    type Numbered;
    #[wasm_bindgen(method, getter)]
    fn length(this: &Numbered) -> f64;
    #[wasm_bindgen(method)]
    fn subarray(this: &Numbered, begin: f64, end: f64) -> Uint8Array;
}

/// The length of a `Uint8Array`, exact.
fn length(array: &Uint8Array) -> f64 {
    array.unchecked_ref::<Numbered>().length()
}

/// `array.subarray(begin, end)`.
fn subarray(array: &Uint8Array, begin: f64, end: f64) -> Uint8Array {
    array.unchecked_ref::<Numbered>().subarray(begin, end)
}

/// A string argument.
pub(crate) fn string(value: &JsValue, what: &str) -> Result<String, Failure> {
    value
        .as_string()
        .ok_or_else(|| Failure::new("invalid_argument", format!("{what} must be a string")))
}

/// An options object, read field by field. Absent, `undefined` and `null` give no fields; so
/// does a field set to `null` or `undefined`. Fields outside `known` are refused, so that a
/// misspelt option does not pass silently.
///
/// Written out rather than derived with serde: a derived `Deserialize` brings serde's
/// type-error machinery (float formatting included) into the module; together with the
/// position scanner's typed read, that was 14.6 KB of the gzipped `.wasm`.
pub(crate) struct Options {
    fields: Map<String, Value>,
}

impl Options {
    pub(crate) fn read(value: &JsValue, known: &[&str]) -> Result<Options, Failure> {
        if value.is_undefined() || value.is_null() {
            return Ok(Options { fields: Map::new() });
        }
        let not_object = || Failure::new("invalid_argument", "options must be an object");
        if !value.is_object() || js_sys::Array::is_array(value) {
            return Err(not_object());
        }
        let text = JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(not_object)?;
        let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(&text) else {
            return Err(not_object());
        };
        fields.retain(|_, v| !v.is_null());
        if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(Failure::new(
                "invalid_argument",
                format!(
                    "options.{unknown} is not an option here (known: {})",
                    known.join(", ")
                ),
            ));
        }
        Ok(Options { fields })
    }

    fn wrong_type(name: &str, expected: &str) -> Failure {
        Failure::new(
            "invalid_argument",
            format!("options.{name} must be {expected}"),
        )
    }

    /// A string field.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.fields.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Self::wrong_type(name, "a string")),
        }
    }

    /// A string field that must be given.
    pub(crate) fn required_string(&self, name: &str) -> Result<String, Failure> {
        self.string(name)?
            .ok_or_else(|| Failure::new("invalid_argument", format!("options.{name} is required")))
    }

    /// A boolean field.
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.fields.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Self::wrong_type(name, "a boolean")),
        }
    }

    /// A field holding one string or an array of strings.
    pub(crate) fn strings(&self, name: &str) -> Result<Option<Vec<String>>, Failure> {
        let wrong = || Self::wrong_type(name, "a string or an array of strings");
        match self.fields.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(wrong()),
        }
    }

    /// A field holding an object whose values are strings (in key order).
    pub(crate) fn string_map(&self, name: &str) -> Result<Vec<(String, String)>, Failure> {
        let wrong = || Self::wrong_type(name, "an object of strings");
        match self.fields.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or_else(wrong)?.to_owned())))
                .collect(),
            Some(_) => Err(wrong()),
        }
    }
}

/// A result as a plain JS value.
pub(crate) fn output<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| JsValue::from(Failure::new("internal", e.to_string())))?;
    JSON::parse(&text)
}
