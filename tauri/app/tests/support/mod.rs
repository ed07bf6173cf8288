//! What the app's tests share: a key pair, releases on disk, and `upkit serve` over them on
//! 127.0.0.1 (the dynamic route, and the files as a static server).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use upkit::keys::{KeyPair, SecretKey};

/// A key pair made for the test (the secret key decoded once).
pub struct Keys {
    /// Tauri's `pubkey` text.
    pub public: String,
    /// The secret key.
    pub secret: SecretKey,
}

impl Keys {
    pub fn generate() -> Keys {
        let pair = KeyPair::generate("").unwrap();
        Keys {
            public: pair.public_key().to_owned(),
            secret: SecretKey::decode(pair.secret_key(), "").unwrap(),
        }
    }

    /// The `.sig` text of `bytes` named `file`, signed for `version`.
    pub fn sign(&self, bytes: &[u8], file: &str, version: &str) -> String {
        self.secret
            .sign(bytes, file, Some(version), upkit::keys::now())
            .unwrap()
    }
}

/// `upkit serve` over a directory of releases, on a runtime of its own; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let config = upkit::serve::Config::new(dir);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let server = upkit::serve::Server::bind("127.0.0.1:0".parse().unwrap(), config)
                    .await
                    .unwrap();
                ready_tx.send(server.local_addr()).unwrap();
                server
                    .run(async move {
                        let _ = shutdown_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = ready_rx.recv().unwrap();
        Server {
            addr,
            dir: dir.to_owned(),
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// The dynamic endpoint, with Tauri's placeholders.
    pub fn endpoint(&self) -> String {
        format!(
            "http://{}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
            self.addr
        )
    }

    /// The URL of a file under the directory (the static server).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// `plugins.updater` for this server and `pubkey` (plain http on loopback).
    pub fn config(&self, pubkey: &str) -> serde_json::Value {
        serde_json::json!({
            "pubkey": pubkey,
            "endpoints": [self.endpoint()],
            "dangerousInsecureTransportProtocol": true,
        })
    }

    /// Publishes `bytes` as release `version` (`DIR/VERSION/NAME`, its `latest.json` naming it
    /// for this platform, signed with `signature`). Returns the artifact's path.
    pub fn publish(&self, version: &str, name: &str, bytes: &[u8], signature: &str) -> PathBuf {
        let release = self.dir.join(version);
        std::fs::create_dir_all(&release).unwrap();
        let artifact = release.join(name);
        std::fs::write(&artifact, bytes).unwrap();
        let platform = serde_json::json!({ "url": name, "signature": signature });
        let manifest = serde_json::json!({
            "version": version,
            "notes": format!("release {version}"),
            "pub_date": "2026-12-01T10:00:00Z",
            "platforms": { platform_key(): platform },
            "extra": { "channel": "stable" },
        });
        std::fs::write(release.join("latest.json"), manifest.to_string()).unwrap();
        artifact
    }

    /// Writes a static manifest (absolute URLs) at `DIR/PATH` offering `version`'s artifact.
    pub fn publish_static(&self, path: &str, version: &str, name: &str, signature: &str) {
        let manifest = serde_json::json!({
            "version": version,
            "pub_date": "2026-12-01T10:00:00Z",
            "platforms": { platform_key(): {
                "url": self.url(&format!("{version}/{name}")),
                "signature": signature,
            } },
            "extra": { "channel": "stable" },
        });
        let file = self.dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, manifest.to_string()).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// This machine's `{os}-{arch}` key.
pub fn platform_key() -> String {
    tauri_plugin_updater::target().unwrap()
}

/// An ELF file's worth of bytes (the AppImage installer checks the magic), `len` long.
pub fn elf(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    bytes[..4].copy_from_slice(b"\x7fELF");
    bytes
}

/// The entries of a directory (nothing left behind means none).
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in entries(dir) {
        if entry.is_dir() {
            out.extend(files(&entry));
        } else {
            out.push(entry);
        }
    }
    out
}
