//! Updater artifacts, as `tauri build` makes them with `createUpdaterArtifacts` (contract
//! section 8), each signed.
//!
//! - A macOS `.app` directory becomes `<Name>.app.tar.gz`: a gzip'd tar whose top entry is
//!   `<Name>.app/`, symlinks kept as symlinks, entries in name order, modes as a release should
//!   have them: no write bit for group or others, no set-user-ID or set-group-ID bit, read and
//!   execute bits as they are, a directory's sticky bit kept.
//! - An AppImage, `.deb`, `.rpm`, NSIS `-setup.exe` or `.msi` is the payload as it is.
//! - With [`Compatibility::V1`] (Tauri's `"v1Compatible"`), additionally `<AppImage>.tar.gz` (a
//!   tar holding the one AppImage), `…-setup.nsis.zip` and `….msi.zip` (a zip holding the one
//!   installer, stored, mode 0755).
//!
//! Every payload gets a `.sig` beside it ([`crate::keys::sign_file`]). Outputs are written to a
//! temporary file beside their destination and renamed into place, so a failure leaves no
//! half-written archive.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use crate::install::{Method, check_payload, not_an_app_bundle};
use crate::keys::{KeysError, SecretKey, sign_file};

/// Which set of updater artifacts to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compatibility {
    /// Tauri v2 (`createUpdaterArtifacts: true`): installers as they are, `.app.tar.gz`.
    #[default]
    Current,
    /// Also the Tauri v1 wrappers (`createUpdaterArtifacts: "v1Compatible"`).
    V1,
}

/// What an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A macOS `.app` bundle directory.
    AppBundle,
    /// A packed macOS bundle (`.app.tar.gz`), signed as it is.
    PackedAppBundle,
    /// A Linux AppImage.
    AppImage,
    /// A Debian package.
    Deb,
    /// An RPM package.
    Rpm,
    /// A Windows NSIS installer (`-setup.exe`).
    Nsis,
    /// A Windows MSI installer.
    Msi,
}

impl Kind {
    /// The install method that takes this kind of payload.
    pub fn method(self) -> Method {
        match self {
            Kind::AppBundle | Kind::PackedAppBundle => Method::AppBundle,
            Kind::AppImage => Method::AppImage,
            Kind::Deb => Method::Deb,
            Kind::Rpm => Method::Rpm,
            Kind::Nsis | Kind::Msi => Method::Windows,
        }
    }

    /// The installer's format check of the input at `path` ([`check_payload`], or for a `.app`
    /// directory [`not_an_app_bundle`]).
    ///
    /// # Errors
    /// [`BundleError::NotABundle`], [`BundleError::Refused`].
    pub fn check(self, path: &Path) -> Result<(), BundleError> {
        if self == Kind::AppBundle {
            return match not_an_app_bundle(path) {
                Some(reason) => Err(BundleError::NotABundle {
                    path: path.to_owned(),
                    reason,
                }),
                None => Ok(()),
            };
        }
        check_payload(self.method(), path).map_err(|source| BundleError::Refused { source })
    }

    /// Recognises an input by its name (and, for `.app`, by being a directory).
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".app") {
            return path.is_dir().then_some(Kind::AppBundle);
        }
        if lower.ends_with(".app.tar.gz") {
            return Some(Kind::PackedAppBundle);
        }
        [
            (".appimage", Kind::AppImage),
            (".deb", Kind::Deb),
            (".rpm", Kind::Rpm),
            (".exe", Kind::Nsis),
            (".msi", Kind::Msi),
        ]
        .into_iter()
        .find(|(suffix, _)| lower.ends_with(suffix))
        .map(|(_, kind)| kind)
    }
}

/// Why bundling failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The input is not one of the known kinds.
    #[error(
        "{} is not an updater input: expected a .app directory, .app.tar.gz, .AppImage, .deb, .rpm, -setup.exe or .msi",
        path.display()
    )]
    UnknownKind {
        /// The input.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] KeysError),
    /// A `.app` directory is not an app bundle: the installer would refuse it.
    #[error("{} is not an app bundle: {reason}, which the macOS installer requires", path.display())]
    NotABundle {
        /// The directory.
        path: PathBuf,
        /// What it lacks.
        reason: &'static str,
    },
    /// An input's bytes are not what its kind needs: the installer would refuse it.
    #[error("{source}: the installer would refuse it on the user's machine")]
    Refused {
        /// The installer's reason.
        #[source]
        source: crate::install::InstallError,
    },
}

/// One signed updater artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundled {
    /// The payload to publish.
    pub path: PathBuf,
    /// Its signature (`path` + `.sig`).
    pub signature: PathBuf,
    /// The kind of input it came from.
    pub kind: Kind,
}

/// Makes and signs the updater artifacts of `inputs`, beside each input, with `version` as the
/// signed app version. Returns them in order.
///
/// # Errors
/// [`BundleError::UnknownKind`] for an input that is none of the known kinds, [`BundleError::Io`]
/// for one that is not a file, [`BundleError::NotABundle`] or [`BundleError::Refused`] for one
/// the installer would refuse (all checked for every input before anything is written, as is
/// the version), [`BundleError::Sign`].
pub fn bundle(
    inputs: &[PathBuf],
    key: &SecretKey,
    version: Option<&str>,
    compatibility: Compatibility,
) -> Result<Vec<Bundled>, BundleError> {
    // Everything that can be checked before anything is written.
    if let Some(version) = version {
        crate::keys::signed_version(version)?;
    }
    let kinds = inputs
        .iter()
        .map(|path| {
            let kind =
                Kind::of(path).ok_or_else(|| BundleError::UnknownKind { path: path.clone() })?;
            if kind != Kind::AppBundle {
                let meta = fs::metadata(path).map_err(io_error("read", path))?;
                if !meta.is_file() {
                    let not_a_file = io::Error::new(io::ErrorKind::InvalidInput, "not a file");
                    return Err(io_error("read", path)(not_a_file));
                }
            }
            kind.check(path)?;
            Ok(kind)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (input, kind) in inputs.iter().zip(kinds) {
        let mut payloads = Vec::new();
        match kind {
            Kind::AppBundle => payloads.push(pack_app(input)?),
            _ => payloads.push(input.clone()),
        }
        if compatibility == Compatibility::V1 {
            match kind {
                Kind::AppImage => payloads.push(tar_one(input)?),
                Kind::Nsis => payloads.push(zip_one(input, ".nsis.zip")?),
                Kind::Msi => payloads.push(zip_one(input, ".msi.zip")?),
                _ => {}
            }
        }
        for path in payloads {
            let signature = sign_file(key, &path, version)?;
            out.push(Bundled {
                path,
                signature,
                kind,
            });
        }
    }
    Ok(out)
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> BundleError + 'a {
    move |source| BundleError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// `dir/X` → `dir/X<suffix>`; a trailing `/` (as shells complete `My App.app/`) is not part of
/// the name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// [`crate::atomic::write`], its errors named after `dest`.
fn write_atomically(
    dest: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> Result<(), BundleError> {
    crate::atomic::write(dest, write).map_err(io_error("write", dest))
}

/// The mode an entry is archived with: no write bit for group or others (a build tree made
/// under a umask of 000, or `chmod -R 777`, must not install world-writable: 0777 is 0755, 0666
/// is 0644), no set-user-ID or set-group-ID bit (an app has no business being set-ID, and the
/// installers clear those bits anyway), the read and execute bits as they are (a private 0600
/// file stays 0600), and the sticky bit of a directory (meaningless on a file, dropped there).
/// File type bits are not part of a tar mode.
fn release_mode(mode: u32, kind: EntryKind) -> u32 {
    let sticky = match kind {
        EntryKind::Directory => mode & 0o1000,
        EntryKind::Other => 0,
    };
    (mode & 0o755) | sticky
}

/// Whether an entry is a directory, for [`release_mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Directory,
    Other,
}

/// A tar header for `meta` (as the tar crate fills it) with the [`release_mode`].
fn header_for(meta: &fs::Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    #[cfg(unix)]
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
    // No modes elsewhere: the tar crate's 0755 or 0644 (read-only files 0555 or 0444).
    #[cfg(not(unix))]
    let mode = header.mode().unwrap_or(0o644);
    let kind = if meta.is_dir() {
        EntryKind::Directory
    } else {
        EntryKind::Other
    };
    header.set_mode(release_mode(mode, kind));
    header
}

/// Appends `path` as `name` and, for a directory, everything under it in name order; symlinks
/// are kept as links. Anything but files, directories and symlinks is refused: no installer
/// takes a device or a FIFO.
fn append_tree<W: io::Write>(
    tar: &mut tar::Builder<W>,
    name: &Path,
    path: &Path,
) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    let mut header = header_for(&meta);
    let kind = meta.file_type();
    if kind.is_dir() {
        tar.append_data(&mut header, name, io::empty())?;
        let mut children = fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<io::Result<Vec<_>>>()?;
        children.sort();
        for child in children {
            append_tree(tar, &name.join(&child), &path.join(&child))?;
        }
        Ok(())
    } else if kind.is_symlink() {
        tar.append_link(&mut header, name, fs::read_link(path)?)
    } else if kind.is_file() {
        tar.append_data(&mut header, name, File::open(path)?)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a file, directory or symlink, which no installer takes",
                path.display()
            ),
        ))
    }
}

/// `<Name>.app` → `<Name>.app.tar.gz`, top entry `<Name>.app/`, symlinks kept.
fn pack_app(app: &Path) -> Result<PathBuf, BundleError> {
    let dest = with_suffix(app, ".tar.gz");
    let name = base_name(app);
    write_atomically(&dest, |out| {
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        append_tree(&mut tar, Path::new(&name), app)?;
        tar.into_inner()?.finish()?;
        Ok(())
    })?;
    Ok(dest)
}

/// `<X>.AppImage` → `<X>.AppImage.tar.gz` holding the one AppImage.
fn tar_one(file: &Path) -> Result<PathBuf, BundleError> {
    let dest = with_suffix(file, ".tar.gz");
    let name = base_name(file);
    write_atomically(&dest, |out| {
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        append_tree(&mut tar, Path::new(&name), file)?;
        tar.into_inner()?.finish()?;
        Ok(())
    })?;
    Ok(dest)
}

/// `<X>-setup.exe` → `<X>-setup.nsis.zip`, `<X>.msi` → `<X>.msi.zip`: the one installer, stored,
/// mode 0755.
fn zip_one(file: &Path, suffix: &str) -> Result<PathBuf, BundleError> {
    let name = base_name(file);
    let stem = if suffix == ".nsis.zip" {
        // `app-setup.exe` → `app-setup.nsis.zip`
        name.strip_suffix(".exe")
            .or_else(|| name.strip_suffix(".EXE"))
            .unwrap_or(&name)
            .to_owned()
    } else {
        // `app.msi` → `app.msi.zip`
        name.strip_suffix(".msi")
            .or_else(|| name.strip_suffix(".MSI"))
            .unwrap_or(&name)
            .to_owned()
    };
    let dest = file.with_file_name(format!("{stem}{suffix}"));
    let size = fs::metadata(file).map_err(io_error("read", file))?.len();
    let mut input = File::open(file).map_err(io_error("read", file))?;
    write_atomically(&dest, |out| {
        let mut zip = zip::ZipWriter::new(out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(0o755)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::other)?;
        io::copy(&mut input, &mut zip)?;
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    })?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::{EntryKind, release_mode};

    #[test]
    fn release_modes() {
        for (mode, kind, archived) in [
            (0o100777, EntryKind::Other, 0o755),
            (0o666, EntryKind::Other, 0o644),
            (0o600, EntryKind::Other, 0o600),
            (0o700, EntryKind::Other, 0o700),
            (0o4755, EntryKind::Other, 0o755),
            (0o1644, EntryKind::Other, 0o644),
            (0o41777, EntryKind::Directory, 0o1755),
            (0o2775, EntryKind::Directory, 0o755),
            (0o120777, EntryKind::Other, 0o755),
        ] {
            assert_eq!(release_mode(mode, kind), archived, "{mode:o}");
        }
    }
}
