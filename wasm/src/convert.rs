//! Carrying values across the boundary: JS input to Rust, Rust results to plain JS values, and
//! core errors to JS `Error` objects with a stable `code`.
//!
//! Results travel as JSON (`serde_json` on this side, `JSON.parse` on the other): the objects a
//! JS caller gets are byte for byte what the CLI prints with `--json`, plain objects and arrays
//! (never `Map`s), numbers as numbers, and no extra serializer in the module.

use js_sys::{JSON, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

/// A failure on its way to JS: becomes an `Error` with `code` (and, for manifest errors,
/// `path`, `line` and `column`).
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

impl From<Failure> for JsValue {
    fn from(failure: Failure) -> JsValue {
        let error = js_sys::Error::new(&failure.message);
        set(&error, "code", &JsValue::from_str(failure.code));
        if let Some(location) = failure.location {
            set(&error, "path", &JsValue::from_str(&location.path));
            set(&error, "line", &JsValue::from(location.line));
            set(&error, "column", &JsValue::from(location.column));
        }
        error.into()
    }
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a data property on a fresh Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The bytes of a document given as a string (UTF-8), a `Uint8Array` (a Node `Buffer` too), an
/// `ArrayBuffer`, or, for convenience, an already parsed JSON value (serialised again: an object
/// or array, but also `null`, a number or a boolean, which the manifest rules then refuse).
pub(crate) fn document(value: &JsValue, what: &str) -> Result<Vec<u8>, Failure> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = binary(value) {
        return Ok(bytes);
    }
    // `undefined`, functions and symbols stringify to `undefined`, a BigInt throws.
    if let Some(text) = JSON::stringify(value).ok().and_then(|s| s.as_string()) {
        return Ok(text.into_bytes());
    }
    Err(Failure::new(
        "invalid_argument",
        format!("{what} must be a string, a Uint8Array, an ArrayBuffer or a JSON value"),
    ))
}

/// The bytes of a string (UTF-8), a `Uint8Array` or an `ArrayBuffer`.
pub(crate) fn bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, Failure> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    binary(value).ok_or_else(|| {
        Failure::new(
            "invalid_argument",
            format!("{what} must be a Uint8Array, an ArrayBuffer or a string"),
        )
    })
}

fn binary(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Some(array.to_vec());
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(value).to_vec());
    }
    None
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
