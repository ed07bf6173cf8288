//! Endpoint templates: parsing and rendering never panic, and a rendered URL is a URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upkit_core::target::{Arch, Installer, Os, Target};
use upkit_core::template::{Endpoint, Transport, Variables};
use upkit_core::version;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // endpoint \0 version \0 custom target \0 extra name \0 extra value
    let mut parts = text.split('\0');
    let endpoint = parts.next().unwrap_or("");
    let current = parts
        .next()
        .and_then(|v| version::parse(v).ok())
        .unwrap_or_else(|| version::parse("1.0.0").unwrap());
    let mut target = Target::new(Os::Linux, Arch::X86_64, Some(Installer::AppImage));
    target.custom = parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
    let mut variables = Variables::new(&current, &target);
    if let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        if let Ok(v) = variables.clone().with(name, value) {
            variables = v;
        }
    }
    for transport in [Transport::Secure, Transport::Insecure] {
        if let Ok(endpoint) = Endpoint::parse(endpoint, transport) {
            if let Ok(url) = endpoint.render(&variables) {
                let _ = url.as_str();
            }
        }
    }
});
