//! Endpoint templates: update-server URLs with `{{placeholders}}` filled in at check time.
//!
//! Tauri parses each endpoint as a URL when the app is configured and, at check time, replaces
//! `{{current_version}}`, `{{target}}`, `{{arch}}` and `{{bundle_type}}` in the serialised URL,
//! in both their raw form (the query keeps braces) and their percent-encoded form (the URL parser
//! encodes braces in the path), then parses the result again. This module does exactly that, and
//! adds caller-supplied variables (say `{{channel}}`) as an upkit extension. Unknown placeholders
//! are left as they are.

use std::collections::BTreeMap;
use std::fmt;

use url::Url;

use crate::target::Target;
use crate::version::Version;

/// Whether plain `http` is allowed for endpoints and downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Only `https` (the default).
    #[default]
    Secure,
    /// Any scheme (Tauri's `dangerousInsecureTransportProtocol`): for tests and local networks.
    Insecure,
}

impl Transport {
    /// Whether `url` may be used under this transport rule.
    pub fn allows(self, url: &Url) -> bool {
        self == Transport::Insecure || url.scheme() == "https"
    }
}

/// Why an endpoint template was refused or could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The endpoint is not an absolute URL.
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    InvalidUrl {
        /// The endpoint as given.
        endpoint: String,
        /// What the URL parser objected to.
        reason: String,
    },
    /// The endpoint does not use `https` and insecure transport was not allowed.
    #[error(
        "endpoint `{endpoint}` must use https (scheme is `{scheme}`); allow insecure transport to use it anyway"
    )]
    Insecure {
        /// The endpoint as given.
        endpoint: String,
        /// Its scheme.
        scheme: String,
    },
    /// Filling in the placeholders produced something that is not a URL.
    #[error("endpoint `{endpoint}` renders to `{rendered}`, which is not a valid URL: {reason}")]
    InvalidRendered {
        /// The endpoint as given.
        endpoint: String,
        /// The text after substitution.
        rendered: String,
        /// What the URL parser objected to.
        reason: String,
    },
    /// An extra variable has a name that cannot appear in a placeholder.
    #[error("invalid template variable name `{name}`: use letters, digits and `_` only")]
    InvalidVariable {
        /// The name as given.
        name: String,
    },
    /// An extra variable has the name of a placeholder the client fills in itself.
    #[error("template variable `{name}` is built in: it is filled in from the client, not set")]
    BuiltInVariable {
        /// `current_version`, `target`, `arch` or `bundle_type`.
        name: String,
    },
}

/// A configured update endpoint: an absolute URL that may hold placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
}

impl Endpoint {
    /// Parses an endpoint and checks its scheme against `transport`.
    ///
    /// # Errors
    /// [`TemplateError::InvalidUrl`] for anything but an absolute URL, and
    /// [`TemplateError::Insecure`] for a non-`https` URL under [`Transport::Secure`].
    pub fn parse(endpoint: &str, transport: Transport) -> Result<Endpoint, TemplateError> {
        let url = Url::parse(endpoint).map_err(|e| TemplateError::InvalidUrl {
            endpoint: endpoint.to_owned(),
            reason: e.to_string(),
        })?;
        if !transport.allows(&url) {
            return Err(TemplateError::Insecure {
                endpoint: endpoint.to_owned(),
                scheme: url.scheme().to_owned(),
            });
        }
        Ok(Endpoint { url })
    }

    /// The endpoint as parsed (placeholders in the path appear percent-encoded).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The names of the `{{placeholders}}` in the endpoint, in order, raw (in a query) or
    /// percent-encoded (as the URL parser leaves them in a path). With
    /// [`Variables::is_built_in`], a caller can refuse a typo such as `{{version}}`, which Tauri
    /// would send as it is.
    pub fn placeholders(&self) -> Vec<String> {
        let text = self.url.as_str();
        let mut names = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '%']) {
            rest = &rest[i..];
            let found =
                [("{{", "}}"), ("%7B%7B", "%7D%7D")]
                    .into_iter()
                    .find_map(|(open, close)| {
                        let inner = rest.strip_prefix(open)?;
                        let end = inner.find(close)?;
                        Some((&inner[..end], open.len() + end + close.len()))
                    });
            match found {
                Some((name, len)) => {
                    names.push(name.to_owned());
                    rest = &rest[len..];
                }
                None => rest = &rest[1..],
            }
        }
        names
    }

    /// Fills in the placeholders.
    ///
    /// # Errors
    /// [`TemplateError::InvalidRendered`] when a value (a custom target, say) breaks the URL.
    pub fn render(&self, variables: &Variables) -> Result<Url, TemplateError> {
        let template = self.url.to_string();
        // One pass over the template: a value put in is not searched for placeholders again,
        // so a custom target such as `{{arch}}-beta` stays verbatim.
        let mut text = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(ch) = rest.chars().next() {
            match placeholder(rest, variables) {
                Some((value, len)) => {
                    text.push_str(value);
                    rest = &rest[len..];
                }
                None => {
                    text.push(ch);
                    rest = &rest[ch.len_utf8()..];
                }
            }
        }
        Url::parse(&text).map_err(|e| TemplateError::InvalidRendered {
            endpoint: self.url.to_string(),
            rendered: text,
            reason: e.to_string(),
        })
    }
}

/// The value of the known placeholder `rest` starts with, raw (`{{name}}`, as in a query) or
/// percent-encoded (`%7B%7Bname%7D%7D`, as the URL parser leaves it in a path), and its length.
fn placeholder<'v>(rest: &str, variables: &'v Variables) -> Option<(&'v str, usize)> {
    [("{{", "}}"), ("%7B%7B", "%7D%7D")]
        .into_iter()
        .find_map(|(open, close)| {
            let inner = rest.strip_prefix(open)?;
            let name = &inner[..inner.find(close)?];
            let value = variables.get(name)?;
            Some((value, open.len() + name.len() + close.len()))
        })
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.url.fmt(f)
    }
}

/// The values placeholders are replaced with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variables {
    current_version: String,
    target: String,
    arch: String,
    bundle_type: String,
    extra: BTreeMap<String, String>,
}

impl Variables {
    /// The four Tauri placeholders for an app at `current_version` on `target`.
    pub fn new(current_version: &Version, target: &Target) -> Variables {
        Variables {
            current_version: encode(&current_version.to_string(), |b| b == b'+'),
            target: target.template_target().to_owned(),
            arch: target.arch.name().to_owned(),
            bundle_type: target.bundle_type().to_owned(),
            extra: BTreeMap::new(),
        }
    }

    /// Adds `{{name}}` (an upkit extension). The value is percent-encoded as a URL component,
    /// so that it cannot change the URL's structure.
    ///
    /// # Errors
    /// [`TemplateError::InvalidVariable`] unless the name is non-empty ASCII letters, digits
    /// and `_`; [`TemplateError::BuiltInVariable`] for the four Tauri placeholders.
    pub fn with(mut self, name: &str, value: &str) -> Result<Variables, TemplateError> {
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(TemplateError::InvalidVariable {
                name: name.to_owned(),
            });
        }
        if self.built_in(name).is_some() {
            return Err(TemplateError::BuiltInVariable {
                name: name.to_owned(),
            });
        }
        let value = encode(value, |b| {
            !(b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
        self.extra.insert(name.to_owned(), value);
        Ok(self)
    }

    /// The value of `{{name}}`.
    fn get(&self, name: &str) -> Option<&str> {
        self.built_in(name)
            .or_else(|| self.extra.get(name).map(String::as_str))
    }

    /// The four placeholders Tauri fills in.
    pub const BUILT_IN: [&'static str; 4] = ["current_version", "target", "arch", "bundle_type"];

    /// Whether `name` is one of [`Variables::BUILT_IN`].
    pub fn is_built_in(name: &str) -> bool {
        Self::BUILT_IN.contains(&name)
    }

    /// The value of one of the four Tauri placeholders.
    fn built_in(&self, name: &str) -> Option<&str> {
        match name {
            "current_version" => Some(&self.current_version),
            "target" => Some(&self.target),
            "arch" => Some(&self.arch),
            "bundle_type" => Some(&self.bundle_type),
            _ => None,
        }
    }
}

/// Percent-encodes the bytes for which `escape` holds, and control characters.
fn encode(text: &str, escape: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b < 0x20 || b == 0x7f || b >= 0x80 || escape(b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_listed_in_path_and_query() {
        let endpoint = super::Endpoint::parse(
            "https://u.example.com/{{target}}/{{version}}/x{{arch}}?v={{current_version}}&c={{chan_1}}&broken={{x",
            super::Transport::Secure,
        )
        .unwrap();
        assert_eq!(
            endpoint.placeholders(),
            ["target", "version", "arch", "current_version", "chan_1"]
        );
        let unknown: Vec<String> = endpoint
            .placeholders()
            .into_iter()
            .filter(|n| !super::Variables::is_built_in(n))
            .collect();
        assert_eq!(unknown, ["version", "chan_1"]);
    }

    use super::*;
    use crate::target::{Arch, Installer, Os};

    fn vars(version: &str) -> Variables {
        let target = Target::new(Os::Linux, Arch::X86_64, Some(Installer::AppImage));
        Variables::new(&crate::version::parse(version).unwrap(), &target)
    }

    fn render(endpoint: &str, variables: &Variables) -> String {
        Endpoint::parse(endpoint, Transport::Secure)
            .unwrap()
            .render(variables)
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_contract_example() {
        assert_eq!(
            render(
                "https://u.example.com/{{target}}/{{arch}}/{{current_version}}",
                &vars("1.0.0-beta.1+b5")
            ),
            "https://u.example.com/linux/x86_64/1.0.0-beta.1%2Bb5"
        );
    }

    #[test]
    fn placeholders_in_the_query_and_bundle_type() {
        assert_eq!(
            render(
                "https://u.example.com/check?v={{current_version}}&t={{target}}&b={{bundle_type}}",
                &vars("2.0.0")
            ),
            "https://u.example.com/check?v=2.0.0&t=linux&b=appimage"
        );
        let target = Target::new(Os::Darwin, Arch::Aarch64, None);
        let v = Variables::new(&crate::version::parse("1.0.0").unwrap(), &target);
        assert_eq!(
            render("https://u.example.com/{{bundle_type}}/{{arch}}", &v),
            "https://u.example.com/unknown/aarch64"
        );
    }

    #[test]
    fn unknown_placeholders_are_left_as_they_are() {
        assert_eq!(
            render("https://u.example.com/{{nope}}?x={{nope}}", &vars("1.0.0")),
            "https://u.example.com/%7B%7Bnope%7D%7D?x={{nope}}"
        );
    }

    #[test]
    fn extra_variables_are_encoded() {
        let v = vars("1.0.0").with("channel", "beta/x y").unwrap();
        assert_eq!(
            render(
                "https://u.example.com/{{channel}}/{{target}}?c={{channel}}",
                &v
            ),
            "https://u.example.com/beta%2Fx%20y/linux?c=beta%2Fx%20y"
        );
        assert_eq!(
            vars("1.0.0").with("bad name", "x").unwrap_err().to_string(),
            "invalid template variable name `bad name`: use letters, digits and `_` only"
        );
        assert_eq!(
            vars("1.0.0").with("arch", "x").unwrap_err().to_string(),
            "template variable `arch` is built in: it is filled in from the client, not set"
        );
    }

    #[test]
    fn custom_target_is_verbatim() {
        let mut target = Target::new(Os::Windows, Arch::X86_64, None);
        target.custom = Some("win-beta".into());
        let v = Variables::new(&crate::version::parse("1.0.0").unwrap(), &target);
        assert_eq!(
            render("https://u.example.com/{{target}}", &v),
            "https://u.example.com/win-beta"
        );
        // Placeholder text in a value is not filled in again, wherever it stands.
        target.custom = Some("{{current_version}}-{{arch}}".into());
        let v = Variables::new(&crate::version::parse("1.0.0").unwrap(), &target)
            .with("channel", "{{arch}}")
            .unwrap();
        assert_eq!(
            render(
                "https://u.example.com/{{target}}/{{arch}}?c={{channel}}&v={{current_version}}",
                &v
            ),
            "https://u.example.com/%7B%7Bcurrent_version%7D%7D-%7B%7Barch%7D%7D/x86_64?c=%7B%7Barch%7D%7D&v=1.0.0"
        );
        // An unclosed or unknown placeholder is text, and the search goes on after it.
        assert_eq!(
            render("https://u.example.com/{{nope}}/{{arch/{{arch}}", &v),
            "https://u.example.com/%7B%7Bnope%7D%7D/%7B%7Barch/x86_64"
        );
    }

    #[test]
    fn endpoint_errors() {
        assert_eq!(
            Endpoint::parse("http://u.example.com/", Transport::Secure)
                .unwrap_err()
                .to_string(),
            "endpoint `http://u.example.com/` must use https (scheme is `http`); allow insecure transport to use it anyway"
        );
        assert!(Endpoint::parse("http://u.example.com/", Transport::Insecure).is_ok());
        assert_eq!(
            Endpoint::parse("/latest.json", Transport::Insecure)
                .unwrap_err()
                .to_string(),
            "invalid endpoint `/latest.json`: relative URL without a base"
        );
        let mut target = Target::new(Os::Linux, Arch::X86_64, None);
        target.custom = Some("a b:/\\x".into());
        let v = Variables::new(&crate::version::parse("1.0.0").unwrap(), &target);
        let e = Endpoint::parse("https://{{target}}.example.com/", Transport::Secure);
        assert!(e.is_err() || e.unwrap().render(&v).is_err());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::target::{Arch, Os};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn rendering_never_panics_and_stays_on_the_host(
            path in "[a-z/{}_]{0,30}",
            major in 0u64..100, minor in 0u64..100, build in proptest::option::of("[0-9a-z]{1,5}"),
            channel in ".{0,12}",
        ) {
            let endpoint = format!("https://u.example.com/{path}?v={{{{current_version}}}}&c={{{{channel}}}}");
            let mut version = format!("{major}.{minor}.0");
            if let Some(b) = build { version += &format!("+{b}"); }
            let target = Target::new(Os::Linux, Arch::Aarch64, None);
            let vars = Variables::new(&crate::version::parse(&version).unwrap(), &target)
                .with("channel", &channel).unwrap();
            let url = Endpoint::parse(&endpoint, Transport::Secure).unwrap().render(&vars).unwrap();
            prop_assert_eq!(url.host_str(), Some("u.example.com"));
            let v = url.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned());
            prop_assert_eq!(v, Some(version));
            let c = url.query_pairs().find(|(k, _)| k == "c").map(|(_, v)| v.into_owned());
            prop_assert_eq!(c, Some(channel));
        }
    }
}
