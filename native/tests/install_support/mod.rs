//! Shared helpers of the install tests: signing payloads into verified artifacts, fake apps,
//! archives (including hostile ones), directory snapshots.

#![allow(dead_code, missing_docs)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use upkit::artifact::VerifiedArtifact;
use upkit::core::signature::{Keyring, Policy, PublicKey, Signature, SignedVersion};

/// A throw-away minisign key pair that makes verified artifacts.
pub struct Signer {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
    keyring: Keyring,
}

impl Signer {
    pub fn new() -> Signer {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let text = pair.pk.to_box().unwrap().into_string();
        let key = PublicKey::decode_text(&text).unwrap();
        Signer {
            pk: pair.pk,
            sk: pair.sk,
            keyring: Keyring::from(key),
        }
    }

    /// Signs the file (prehashed, Tauri's trusted comment) and verifies it.
    pub fn verified(&self, path: &Path) -> VerifiedArtifact {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let comment = format!("timestamp:1700000000\tfile:{name}\tversion:2.0.0");
        let sig = minisign::sign(
            Some(&self.pk),
            &self.sk,
            fs::File::open(path).unwrap(),
            Some(&comment),
            Some("signature from upkit tests"),
        )
        .unwrap();
        let signature = Signature::decode_text(&sig.into_string()).unwrap();
        let policy = Policy {
            signed_version: SignedVersion::Optional,
            ..Policy::default()
        };
        VerifiedArtifact::verify_file(path, &self.keyring, &signature, &policy).unwrap()
    }
}

/// Deterministic pseudo-random bytes (xorshift), starting with the ELF magic.
pub fn elf(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"\x7fELF");
    while out.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(size);
    out
}

pub fn write_mode(path: &Path, bytes: &[u8], mode: u32) {
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

pub fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// Names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// One entry of a tar to build: a path, a kind, data or link target, a mode.
#[derive(Clone, Debug)]
pub enum Entry {
    Dir(&'static str, u32),
    File(String, Vec<u8>, u32),
    Symlink(&'static str, &'static str),
    HardLink(&'static str, &'static str),
    Char(&'static str),
    Fifo(&'static str),
}

impl Entry {
    pub fn file(path: &str, data: impl Into<Vec<u8>>, mode: u32) -> Entry {
        Entry::File(path.to_owned(), data.into(), mode)
    }
}

/// Sets a header's name bytes directly (the tar crate refuses `..` and absolute paths, which
/// hostile archives hold).
fn raw_name(header: &mut tar::Header, name: &str) {
    let field = &mut header.as_old_mut().name;
    field.fill(0);
    field[..name.len()].copy_from_slice(name.as_bytes());
}

fn raw_link(header: &mut tar::Header, name: &str) {
    let field = &mut header.as_old_mut().linkname;
    field.fill(0);
    field[..name.len()].copy_from_slice(name.as_bytes());
}

/// A gzip'd tar of `entries`, names written raw.
pub fn tar_gz(entries: &[Entry]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(1_700_000_000);
        header.set_uid(0);
        header.set_gid(0);
        let (name, data): (&str, &[u8]) = match entry {
            Entry::Dir(name, mode) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(*mode);
                (name, &[])
            }
            Entry::File(name, data, mode) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                (name.as_str(), data.as_slice())
            }
            Entry::Symlink(name, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                raw_link(&mut header, target);
                (name, &[])
            }
            Entry::HardLink(name, target) => {
                header.set_entry_type(tar::EntryType::Link);
                header.set_mode(0o644);
                raw_link(&mut header, target);
                (name, &[])
            }
            Entry::Char(name) => {
                header.set_entry_type(tar::EntryType::Char);
                header.set_mode(0o644);
                (name, &[])
            }
            Entry::Fifo(name) => {
                header.set_entry_type(tar::EntryType::Fifo);
                header.set_mode(0o644);
                (name, &[])
            }
        };
        raw_name(&mut header, name);
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A gzip'd tar holding one `size`-byte file of zeros (compresses about 1000:1).
pub fn bomb(name: &str, size: u64) -> Vec<u8> {
    repeated_bytes_tar_gz(&[(tar::EntryType::Regular, name, size, 0)])
}

/// A gzip'd tar whose one file has a GNU long name of `size` bytes (`a/a/...`), which the tar
/// crate reads wholly into memory.
pub fn long_name_bomb(size: u64) -> Vec<u8> {
    repeated_bytes_tar_gz(&[
        (tar::EntryType::GNULongName, "././@LongLink", size, b'a'),
        (tar::EntryType::Regular, "Demo.app/x", 0, 0),
    ])
}

/// A gzip'd tar of `(type, name, size, byte)` entries, each holding `size` times `byte`.
fn repeated_bytes_tar_gz(entries: &[(tar::EntryType, &str, u64, u8)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(gz);
    for &(kind, name, size, byte) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(0o755);
        header.set_size(size);
        raw_name(&mut header, name);
        header.set_cksum();
        builder
            .append(&header, std::io::Read::take(std::io::repeat(byte), size))
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A zip of `(name, data)` entries, stored.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// What a tree holds: relative path to a description (kind, mode, content or link target).
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let meta = fs::symlink_metadata(root).unwrap();
    out.insert(".".to_owned(), format!("dir {:o}", meta.mode() & 0o7777));
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = meta.mode() & 0o7777;
        let kind = meta.file_type();
        if kind.is_symlink() {
            out.insert(
                rel,
                format!("link -> {}", fs::read_link(&path).unwrap().display()),
            );
        } else if kind.is_dir() {
            out.insert(rel, format!("dir {mode:o}"));
            walk(root, &path, out);
        } else {
            let data = fs::read(&path).unwrap();
            out.insert(
                rel,
                format!("file {mode:o} {}", String::from_utf8_lossy(&data)),
            );
        }
    }
}

/// Makes a fake `.app` bundle at `app` (the tree of [`bundle_entries`] without the top).
pub fn make_bundle(app: &Path, version: &str) {
    fs::create_dir_all(app.join("Contents/MacOS")).unwrap();
    fs::create_dir_all(app.join("Contents/Resources")).unwrap();
    write_mode(
        &app.join("Contents/MacOS/Demo"),
        format!("binary {version}").as_bytes(),
        0o755,
    );
    write_mode(
        &app.join("Contents/Info.plist"),
        format!("plist {version}").as_bytes(),
        0o644,
    );
    std::os::unix::fs::symlink("../MacOS/Demo", app.join("Contents/Resources/demo-link")).unwrap();
}

/// The entries of a `Demo.app.tar.gz` of version `version`, as the Tauri bundler lays them out.
pub fn bundle_entries(version: &str) -> Vec<Entry> {
    vec![
        Entry::Dir("Demo.app/", 0o755),
        Entry::Dir("Demo.app/Contents/", 0o755),
        Entry::file(
            "Demo.app/Contents/Info.plist",
            format!("plist {version}"),
            0o644,
        ),
        Entry::Dir("Demo.app/Contents/MacOS/", 0o755),
        Entry::file(
            "Demo.app/Contents/MacOS/Demo",
            format!("binary {version}"),
            0o755,
        ),
        Entry::Dir(
            "Demo.app/Contents/Frameworks/A.framework/Versions/1/",
            0o755,
        ),
        Entry::file(
            "Demo.app/Contents/Frameworks/A.framework/Versions/1/A",
            "lib",
            0o755,
        ),
        Entry::Symlink(
            "Demo.app/Contents/Frameworks/A.framework/Versions/Current",
            "1",
        ),
        Entry::Symlink(
            "Demo.app/Contents/Frameworks/A.framework/A",
            "Versions/Current/A",
        ),
        Entry::Symlink("Demo.app/Contents/Resources/demo-link", "../MacOS/Demo"),
        Entry::HardLink(
            "Demo.app/Contents/MacOS/Demo-hardlink",
            "Demo.app/Contents/MacOS/Demo",
        ),
        Entry::file("Demo.app/Contents/Resources/setuid", "s", 0o4755),
    ]
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// Runs `program` with `args`, which must succeed; its standard output.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
