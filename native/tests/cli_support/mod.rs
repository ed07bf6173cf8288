//! Shared helpers of the tests that run the `upkit` binary against a release on loopback.

#![allow(dead_code, missing_docs)]

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upkit::serve::{Config, Server};

/// The artifact [`publish`] writes.
pub const ARTIFACT: &str = "Demo_2.0.0_amd64.AppImage";

/// Writes a release 2.0.0 into `dir`: [`ARTIFACT`] holding `body`, signed by a new key with its
/// file name and version, and a `latest.json` offering it under each of `keys` (relative URL,
/// which `upkit serve` resolves). Returns the public key as Tauri's `pubkey` text.
pub fn publish(dir: &Path, body: &[u8], keys: &[&str]) -> String {
    let trusted = format!("timestamp:1764400000\tfile:{ARTIFACT}\tversion:2.0.0");
    publish_with(dir, body, keys, &trusted)
}

/// [`publish`] with `trusted` as the signature's trusted comment.
pub fn publish_with(dir: &Path, body: &[u8], keys: &[&str], trusted: &str) -> String {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    fs::write(dir.join(ARTIFACT), body).unwrap();
    let sig = minisign::sign(Some(&pair.pk), &pair.sk, body, Some(trusted), None).unwrap();
    let entry = serde_json::json!({"url": ARTIFACT, "signature": STANDARD.encode(sig.to_string())});
    let platforms: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|key| ((*key).to_owned(), entry.clone()))
        .collect();
    let manifest = serde_json::json!({"version": "2.0.0", "notes": "new", "platforms": platforms});
    fs::write(dir.join("latest.json"), manifest.to_string()).unwrap();
    STANDARD.encode(pair.pk.to_box().unwrap().to_string())
}

/// `upkit serve` over `dir` on loopback, running until the returned runtime drops; and its base
/// URL.
pub fn serve(dir: &Path) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            Config::new(dir),
        ))
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    rt.spawn(server.run(std::future::pending()));
    (rt, base)
}

/// `command` without the environment that would change what `upkit` does on its own: the
/// signing key and password variables (upkit's and Tauri's) and `$APPIMAGE`; no standard input.
pub fn isolated(command: &mut Command) -> &mut Command {
    for name in [
        "APPIMAGE",
        "UPKIT_SIGNING_PRIVATE_KEY",
        "UPKIT_SIGNING_PRIVATE_KEY_PASSWORD",
        "TAURI_SIGNING_PRIVATE_KEY",
        "TAURI_SIGNING_PRIVATE_KEY_PATH",
        "TAURI_SIGNING_PRIVATE_KEY_PASSWORD",
    ] {
        command.env_remove(name);
    }
    command.stdin(std::process::Stdio::null())
}

/// Runs the `upkit` binary with `args`: exit code, stdout, stderr.
pub fn upkit<I, S>(args: I) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_upkit"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs the `upkit` binary [`isolated`], in `dir`, with `args`: exit code, stdout, stderr.
pub fn upkit_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = isolated(&mut Command::new(env!("CARGO_BIN_EXE_upkit")))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}
