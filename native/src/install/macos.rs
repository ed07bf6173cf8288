//! macOS `.app` bundles: the `<Name>.app.tar.gz` is unpacked into a staging directory on the
//! same volume and swapped with the installed bundle. Both must be bundles: the install path a
//! directory named `<Name>.app` holding a `Contents/Info.plist` file (the swap replaces the
//! whole directory), the unpacked archive a tree holding one (an empty or partial bundle is not
//! swapped in).
//!
//! Everything here is plain code that runs (and is tested) on Linux with a fake bundle; only the
//! AppleScript elevation is macOS-only. The swap is one atomic `renameat2(RENAME_EXCHANGE)` on
//! Linux and `renamex_np(RENAME_SWAP)` on macOS (both through `rustix`): the app path holds the
//! whole old bundle or the whole new one at every instant. Where the file system cannot swap, the
//! old bundle is renamed aside, the new one renamed in, and the old one put back on failure; if
//! even that fails it is kept as `<Name> (previous version).app`, or, failing that too, left in
//! the staging directory, which is then kept (the error names the path). Installs into one
//! directory wait for each other (an `flock` on it), so that no install puts back or removes what
//! a running one parked. Where the app's directory is not writable by us, a script run with
//! administrator rights parks the old bundle beside the app and moves the new one in; when it
//! fails, what is at the install path says what to report.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::archive::{self, ArchiveError, Limits};
use super::{InstallError, InstallEvent, Observer, staging};

/// The role of the staging directories beside the app (see [`staging::prefix`]), which
/// [`recover`] looks in.
const STAGING: &str = "staging";

/// Where the old bundle goes when it cannot be put back.
pub(crate) fn previous_version_path(app: &Path) -> PathBuf {
    let stem = app
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    app.with_file_name(format!("{stem} (previous version).app"))
}

/// Replaces the bundle at `app` with the one in `payload`. Returns the bundle path.
pub(crate) fn install(
    payload: &Path,
    app: &Path,
    limits: Limits,
    observer: &Observer<'_>,
) -> Result<PathBuf, InstallError> {
    let head = super::package::head(payload, 2).map_err(|source| InstallError::Io {
        path: payload.to_owned(),
        source,
    })?;
    if !head.starts_with(super::appimage::GZIP) {
        return Err(InstallError::NotABundle {
            path: payload.to_owned(),
        });
    }
    let (Some(parent), Some(name)) = (app.parent(), app.file_name()) else {
        return Err(InstallError::NotInstalled {
            path: app.to_owned(),
        });
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let name = name.to_string_lossy().into_owned();
    let _lock = staging::lock(parent);
    recover(parent, &name, app);
    if !fs::symlink_metadata(app).is_ok_and(|m| m.is_dir()) {
        return Err(InstallError::NotInstalled {
            path: app.to_owned(),
        });
    }
    if let Some(reason) = not_a_bundle(app) {
        return Err(InstallError::NotABundleDir {
            path: app.to_owned(),
            reason,
        });
    }
    staging::remove(parent, &name);
    let io_at = |path: &Path| {
        let path = path.to_owned();
        move |source| InstallError::Io { path, source }
    };

    let (stage, elevated) = match staging::dir(parent, &name, STAGING) {
        Ok(stage) => (stage, false),
        Err(e) if cfg!(target_os = "macos") && e.kind() == io::ErrorKind::PermissionDenied => {
            // Not writable by us: stage in the temp dir, swap with administrator rights.
            let stage = tempfile::Builder::new()
                .prefix("upkit-staging-")
                .tempdir()
                .map_err(crate::error::without_temp_name)
                .map_err(io_at(&std::env::temp_dir()))?;
            (stage, true)
        }
        Err(e) => return Err(io_at(parent)(e)),
    };
    let new = stage.path().join("new");
    fs::create_dir(&new).map_err(io_at(&new))?;
    archive::unpack_bundle(payload, &new, limits, &mut |entries| {
        observer(&InstallEvent::Unpacked { entries })
    })?;
    // An empty or partial bundle would replace the app as well as a whole one.
    if !has_info_plist(&new) {
        return Err(ArchiveError::Missing {
            archive: payload.to_owned(),
            what: "`<Name>.app/Contents/Info.plist` file",
        }
        .into());
    }
    observer(&InstallEvent::Staged { path: &new });

    let parking = stage.path().join("old");
    let beside = elevated_parking(parent, &name, stage.path());
    let (swapped, parked) = if elevated {
        (elevate(&new, app, &beside), &beside)
    } else {
        match swap(&new, app, &parking) {
            Ok(()) => (Ok(()), &parking),
            Err(SwapError::Denied(_)) if cfg!(target_os = "macos") => {
                (elevate(&new, app, &beside), &beside)
            }
            Err(SwapError::Denied(source) | SwapError::Failed(source)) => (
                Err(InstallError::Io {
                    path: app.to_owned(),
                    source,
                }),
                &parking,
            ),
            Err(SwapError::NotRestored { source, kept }) => (
                Err(InstallError::NotRestored {
                    path: app.to_owned(),
                    kept,
                    source,
                }),
                &parking,
            ),
        }
    };
    let stage = match swapped {
        Ok(()) => Some(stage),
        Err(e) => failed_swap(stage, &new, app, parked, e)?,
    };
    observer(&InstallEvent::Replaced { path: app });
    if let Err(e) = fs::File::open(parent).and_then(|d| d.sync_all()) {
        tracing::warn!("cannot sync {}: {e}", parent.display());
    }
    // Tell Launch Services (and anyone watching) that the bundle changed.
    if let Err(e) = fs::File::open(app).and_then(|d| d.set_modified(SystemTime::now())) {
        tracing::warn!("cannot touch {}: {e}", app.display());
    }
    if let Some(Err(e)) = stage.map(tempfile::TempDir::close) {
        tracing::warn!(
            "cannot remove the staging directory of {}: {e}",
            app.display()
        );
    }
    Ok(app.to_owned())
}

/// After a failed swap: what is true, judged from what is where (an elevated script says only
/// that it failed, not at which step).
///
/// - The install path is empty: the old bundle is parked at `parking`, which is kept and named
///   ([`InstallError::NotRestored`]).
/// - The new bundle was moved in (`new` is gone; the script failed while removing the old
///   one, or touching the new one): the update is installed. Returns the staging directory to
///   remove, `None` when it is kept because the old bundle is still parked in it.
/// - Else nothing was replaced: `error`, and the staging directory goes with what is in it.
fn failed_swap(
    stage: tempfile::TempDir,
    new: &Path,
    app: &Path,
    parking: &Path,
    error: InstallError,
) -> Result<Option<tempfile::TempDir>, InstallError> {
    let exists = |path: &Path| fs::symlink_metadata(path).is_ok();
    if let InstallError::NotRestored { .. } = error {
        // The swap itself said where the old bundle is.
        keep_parked(stage, parking);
        return Err(error);
    }
    if !exists(app) {
        return Err(match keep_parked(stage, parking) {
            Some(kept) => InstallError::NotRestored {
                path: app.to_owned(),
                kept,
                source: io::Error::other(error.to_string()),
            },
            None => error,
        });
    }
    if exists(new) {
        return Err(error);
    }
    tracing::warn!("{error}; the new version is in place at {}", app.display());
    if exists(parking) {
        tracing::warn!("the previous version is left at {}", parking.display());
        if parking.starts_with(stage.path()) {
            keep_parked(stage, parking);
            return Ok(None);
        }
    }
    Ok(Some(stage))
}

/// Why the directory `app` is not a `.app` bundle, if it is not: the swap replaces the whole
/// directory, so it must be the app (its name ends in `.app`, it has a `Contents/Info.plist`
/// file), never a folder given by mistake.
pub(crate) fn not_a_bundle(app: &Path) -> Option<&'static str> {
    if app.extension().is_none_or(|e| e != "app") {
        return Some("its name does not end in `.app`");
    }
    if !has_info_plist(app) {
        return Some("it has no `Contents/Info.plist` file");
    }
    None
}

/// Whether `bundle/Contents/Info.plist` is a regular file (not a symlink).
fn has_info_plist(bundle: &Path) -> bool {
    fs::symlink_metadata(bundle.join("Contents/Info.plist")).is_ok_and(|m| m.is_file())
}

/// After a failed swap: when the old bundle is still parked (neither moved back nor kept beside
/// the app under its own name), a staging directory holding it is kept, not removed with it,
/// and the next install's [`recover`] (or the user, told where) puts the bundle back.
/// Returns where the bundle is then.
fn keep_parked(stage: tempfile::TempDir, parking: &Path) -> Option<PathBuf> {
    fs::symlink_metadata(parking).ok()?;
    if parking.starts_with(stage.path()) {
        let _kept = stage.keep();
    }
    Some(parking.to_owned())
}

/// Puts back a bundle that a killed rename-with-rollback, or a failed elevated swap, left parked
/// in a staging directory.
fn recover(parent: &Path, name: &str, app: &Path) {
    if fs::symlink_metadata(app).is_ok() {
        return;
    }
    let marker = staging::prefix(name, STAGING);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let parked = entry.path().join("old");
        if entry.file_name().to_string_lossy().starts_with(&marker) && parked.is_dir() {
            match fs::rename(&parked, app) {
                Ok(()) => tracing::warn!("restored {} from an interrupted install", app.display()),
                Err(e) => tracing::warn!("cannot restore {}: {e}", parked.display()),
            }
            return;
        }
    }
}

/// How a swap failed.
#[derive(Debug)]
pub(crate) enum SwapError {
    /// Not allowed (the caller may retry with administrator rights); nothing changed.
    Denied(io::Error),
    /// Failed; nothing changed.
    Failed(io::Error),
    /// The new bundle could not be moved in and the old one not back: it is at `kept`.
    NotRestored {
        /// Why the new bundle could not be moved in.
        source: io::Error,
        /// Where the old bundle is.
        kept: PathBuf,
    },
}

fn classify(e: io::Error) -> SwapError {
    if e.kind() == io::ErrorKind::PermissionDenied {
        SwapError::Denied(e)
    } else {
        SwapError::Failed(e)
    }
}

/// Swaps `new` into `app`: atomically when the file system can, else by renames with rollback
/// (the old bundle parked at `parking`, same volume).
pub(crate) fn swap(new: &Path, app: &Path, parking: &Path) -> Result<(), SwapError> {
    match exchange(new, app) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(SwapError::Denied(e)),
        Err(e) if cannot_exchange(&e) => rename_with_rollback(new, app, parking),
        Err(e) => Err(SwapError::Failed(e)),
    }
}

/// Whether `e` says that the file system (or OS) has no atomic swap.
fn cannot_exchange(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput
    ) || matches!(e.raw_os_error(), Some(code) if is_unsupported_code(code))
}

#[cfg(unix)]
fn is_unsupported_code(code: i32) -> bool {
    use rustix::io::Errno;
    [Errno::NOSYS, Errno::INVAL, Errno::NOTSUP, Errno::OPNOTSUPP]
        .iter()
        .any(|e| e.raw_os_error() == code)
}

#[cfg(not(unix))]
fn is_unsupported_code(_code: i32) -> bool {
    true
}

/// One atomic exchange of two paths.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Renames `app` to `parking`, `new` to `app`; on failure puts `parking` back, or when even that
/// fails, keeps it as `<Name> (previous version).app`.
pub(crate) fn rename_with_rollback(
    new: &Path,
    app: &Path,
    parking: &Path,
) -> Result<(), SwapError> {
    fs::rename(app, parking).map_err(classify)?;
    let Err(source) = fs::rename(new, app) else {
        return Ok(());
    };
    if fs::rename(parking, app).is_ok() {
        return Err(classify(source));
    }
    let kept = previous_version_path(app);
    match fs::rename(parking, &kept) {
        Ok(()) => Err(SwapError::NotRestored { source, kept }),
        // Still in the staging directory, which is then not removed.
        Err(_) => Err(SwapError::NotRestored {
            source,
            kept: parking.to_owned(),
        }),
    }
}

/// Where an elevated swap parks the old bundle: `old` in a directory beside the app (`name` in
/// `parent`) that the script creates, as root since the app's directory may not be writable by
/// us. It is named as the staging directories are, so that [`recover`] finds a bundle left
/// there and the next install removes it when it can, after the random part of `stage`'s name
/// (with a suffix, as `stage` itself may be beside the app): a name that is taken makes the
/// script's `mkdir` fail before anything is moved.
fn elevated_parking(parent: &Path, name: &str, stage: &Path) -> PathBuf {
    let stage = stage
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let random = stage.rsplit('-').next().unwrap_or_default();
    let marker = staging::prefix(name, STAGING);
    parent.join(format!("{marker}{random}-root")).join("old")
}

/// Quotes `s` for a POSIX shell (single quotes).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quotes `s` as an AppleScript string literal.
fn applescript_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', r"\\").replace('"', "\\\""))
}

/// The AppleScript that swaps `new` into `app` with administrator rights: the directory of
/// `parking` is created beside the app (see [`elevated_parking`]), the old bundle parked there
/// (a rename in one directory), the new one moved in (the old one put back if that fails), the
/// directory removed, the bundle touched. A failure leaves the app as it was, or the new
/// version in place, or (when even putting back failed) the old bundle at `parking`. The
/// directory is 0755, not private: it is root's, and this process must see what is in it to
/// tell the user (and the next install) where the old bundle is; an app bundle is readable by
/// all anyway.
pub(crate) fn elevation_script(new: &Path, app: &Path, parking: &Path) -> String {
    let dir = parking.parent().unwrap_or(parking);
    let (new, app, parking, dir) = (
        shell_quote(&new.to_string_lossy()),
        shell_quote(&app.to_string_lossy()),
        shell_quote(&parking.to_string_lossy()),
        shell_quote(&dir.to_string_lossy()),
    );
    let shell = format!(
        "mkdir -m 755 {dir} && {{ mv -f {app} {parking} || {{ rmdir {dir}; exit 1; }}; }} \
         && {{ mv -f {new} {app} || {{ mv -f {parking} {app} && rmdir {dir}; exit 1; }}; }} \
         && rm -rf {dir} && touch {app}"
    );
    format!(
        "do shell script {} with administrator privileges",
        applescript_quote(&shell)
    )
}

/// Runs [`elevation_script`] through `osascript` (macOS only).
fn elevate(new: &Path, app: &Path, parking: &Path) -> Result<(), InstallError> {
    // The script runs in `/`: relative paths would name other files there.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let script = elevation_script(&absolute(new), &absolute(app), &absolute(parking));
    if !cfg!(target_os = "macos") {
        return Err(InstallError::Unsupported {
            what: "installing with administrator rights through AppleScript",
            os: "macOS",
        });
    }
    let output = std::process::Command::new("osascript")
        .arg("-e")
        .arg(&script)
        .output()
        .map_err(|source| InstallError::Spawn {
            command: "osascript".into(),
            source,
        })?;
    if !output.status.success() {
        return Err(InstallError::CommandFailed {
            command: "osascript",
            path: app.to_owned(),
            code: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elevation_script_quotes_both_languages() {
        let script = elevation_script(
            Path::new("/tmp/s/new"),
            Path::new("/Applications/It's \"Mine\".app"),
            Path::new("/Applications/.p/old"),
        );
        assert_eq!(
            script,
            r#"do shell script "mkdir -m 755 '/Applications/.p' && { mv -f '/Applications/It'\\''s \"Mine\".app' '/Applications/.p/old' || { rmdir '/Applications/.p'; exit 1; }; } && { mv -f '/tmp/s/new' '/Applications/It'\\''s \"Mine\".app' || { mv -f '/Applications/.p/old' '/Applications/It'\\''s \"Mine\".app' && rmdir '/Applications/.p'; exit 1; }; } && rm -rf '/Applications/.p' && touch '/Applications/It'\\''s \"Mine\".app'" with administrator privileges"#
        );
    }

    #[test]
    fn elevated_swap_parks_beside_the_app() {
        // Where `recover` looks, under a name no staging directory has.
        assert_eq!(
            elevated_parking(
                Path::new("/Applications"),
                "Demo.app",
                Path::new("/var/folders/x/T/upkit-staging-Ab12Cd")
            ),
            Path::new("/Applications/.Demo.app.upkit-staging-Ab12Cd-root/old")
        );
        assert_eq!(
            elevated_parking(
                Path::new("/Applications"),
                "Demo.app",
                Path::new("/Applications/.Demo.app.upkit-staging-Ab12Cd")
            ),
            Path::new("/Applications/.Demo.app.upkit-staging-Ab12Cd-root/old")
        );
        // A bundle the script left parked there is put back by the next install.
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("Demo.app");
        let parked = elevated_parking(root.path(), "Demo.app", Path::new("/tmp/upkit-staging-x1"));
        fs::create_dir_all(parked.join("Contents")).unwrap();
        recover(root.path(), "Demo.app", &app);
        assert!(app.join("Contents").is_dir());
        assert!(!parked.exists());
    }

    #[test]
    fn previous_version_name() {
        assert_eq!(
            previous_version_path(Path::new("/Applications/My App.app")),
            Path::new("/Applications/My App (previous version).app")
        );
    }

    fn tree(root: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let entry = entry.unwrap();
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string();
                if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                    out.push((rel, "dir".into()));
                } else {
                    out.push((rel, fs::read_to_string(entry.path()).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_bundle_still_parked_keeps_its_staging_directory() {
        let root = tempfile::tempdir().unwrap();
        let stage = tempfile::Builder::new()
            .prefix("stage")
            .tempdir_in(root.path())
            .unwrap();
        let dir = stage.path().to_owned();
        let parking = dir.join("old");
        fs::create_dir_all(parking.join("Contents")).unwrap();
        fs::write(parking.join("Contents/v"), "old").unwrap();
        assert_eq!(keep_parked(stage, &parking), Some(parking.clone()));
        assert_eq!(tree(&parking)[1].1, "old");

        // Nothing parked (put back, or kept beside the app): the directory goes.
        fs::remove_dir_all(&parking).unwrap();
        let stage = tempfile::Builder::new()
            .prefix("stage")
            .tempdir_in(root.path())
            .unwrap();
        let dir = stage.path().to_owned();
        assert_eq!(keep_parked(stage, &dir.join("old")), None);
        assert!(!dir.exists());
    }

    /// A failed elevated script: the bundles laid out as it left them (`None`: absent).
    fn after_script(app: Option<&str>, new: Option<&str>, parked: Option<&str>) -> Outcome {
        let root = tempfile::tempdir().unwrap();
        let stage = tempfile::Builder::new()
            .prefix(".A.app.upkit-staging-")
            .tempdir_in(root.path())
            .unwrap();
        let paths = [
            root.path().join("A.app"),
            stage.path().join("new"),
            stage.path().join("old"),
        ];
        for (path, version) in paths.iter().zip([app, new, parked]) {
            if let Some(version) = version {
                fs::create_dir_all(path.join("Contents")).unwrap();
                fs::write(path.join("Contents/Info.plist"), version).unwrap();
            }
        }
        let error = InstallError::CommandFailed {
            command: "osascript",
            path: paths[0].clone(),
            code: Some(1),
            stderr: "rm: Operation not permitted".into(),
        };
        let stage_path = stage.path().to_owned();
        let result = failed_swap(stage, &paths[1], &paths[0], &paths[2], error);
        let version = |p: &Path| fs::read_to_string(p.join("Contents/Info.plist")).ok();
        Outcome {
            result: match result {
                Ok(stage) => Ok(stage.is_some()),
                Err(e) => Err(e
                    .to_string()
                    .replace(&stage_path.display().to_string(), "STAGE")
                    .replace(&format!("{}/", root.path().display()), "")),
            },
            app: version(&paths[0]),
            parked: version(&paths[2]),
        }
    }

    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        /// `Ok(whether the staging directory is still to be removed)`, or the error message
        /// (paths relative to the app's directory).
        result: Result<bool, String>,
        /// The version at the install path.
        app: Option<String>,
        /// The version still parked (its staging directory kept).
        parked: Option<String>,
    }

    #[test]
    fn a_failed_elevated_swap_reports_what_is_where() {
        let failed = "`osascript` failed for A.app (exit code 1): rm: Operation not permitted";
        // Failed before moving anything (the password prompt cancelled, say).
        assert_eq!(
            after_script(Some("1"), Some("2"), None),
            Outcome {
                result: Err(failed.into()),
                app: Some("1".into()),
                parked: None,
            }
        );
        // Failed after moving the new bundle in, while removing the old one: the update is
        // installed (this reported "the previous version is kept at ..." as if the install
        // path were empty). The old bundle stays where it is.
        assert_eq!(
            after_script(Some("2"), None, Some("1")),
            Outcome {
                result: Ok(false),
                app: Some("2".into()),
                parked: Some("1".into()),
            }
        );
        // Failed to move the new bundle in, and to put the old one back: only then is the
        // install path empty.
        assert_eq!(
            after_script(None, Some("2"), Some("1")),
            Outcome {
                result: Err(format!(
                    "cannot replace A.app: {failed}; the previous version is kept at STAGE/old"
                )),
                app: None,
                parked: Some("1".into()),
            }
        );
        // Failed while parking (a copy across volumes stopped midway): the app is untouched,
        // what was parked is a partial copy, not a version to point the user to.
        assert_eq!(
            after_script(Some("1"), Some("2"), Some("partial")),
            Outcome {
                result: Err(failed.into()),
                app: Some("1".into()),
                parked: None,
            }
        );
    }

    #[test]
    fn a_failed_elevated_swap_that_parked_beside_the_app() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("A.app");
        let stage = tempfile::tempdir().unwrap();
        let stage_path = stage.path().to_owned();
        let new = stage.path().join("new");
        fs::create_dir(&new).unwrap();
        let parked = elevated_parking(root.path(), "A.app", stage.path());
        fs::create_dir_all(parked.join("Contents")).unwrap();
        let error = InstallError::CommandFailed {
            command: "osascript",
            path: app.clone(),
            code: Some(1),
            stderr: String::new(),
        };
        // The install path is empty: the old bundle is named where it is; the staging
        // directory (in the temp dir, holding only the new bundle) goes.
        let err = failed_swap(stage, &new, &app, &parked, error).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot replace {}: `osascript` failed for {} (exit code 1); the previous \
                 version is kept at {}",
                app.display(),
                app.display(),
                parked.display()
            )
        );
        assert!(parked.is_dir());
        assert!(!stage_path.exists());

        // The new bundle is in place, the old one could not be removed: installed, the staging
        // directory to be removed.
        let stage = tempfile::tempdir().unwrap();
        fs::create_dir(&app).unwrap();
        let error = InstallError::CommandFailed {
            command: "osascript",
            path: app.clone(),
            code: Some(1),
            stderr: String::new(),
        };
        let new = stage.path().join("new");
        let left = failed_swap(stage, &new, &app, &parked, error).unwrap();
        assert!(left.is_some());
        assert!(parked.is_dir());
    }

    #[test]
    fn rename_with_rollback_swaps_and_rolls_back() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("A.app");
        let new = root.path().join("stage/new");
        let parking = root.path().join("stage/old");
        fs::create_dir_all(app.join("Contents")).unwrap();
        fs::write(app.join("Contents/v"), "old").unwrap();
        fs::create_dir_all(new.join("Contents")).unwrap();
        fs::write(new.join("Contents/v"), "new").unwrap();
        rename_with_rollback(&new, &app, &parking).unwrap();
        assert_eq!(
            tree(&app),
            [
                ("Contents".into(), "dir".into()),
                ("Contents/v".into(), "new".into())
            ]
        );
        assert_eq!(tree(&parking)[1].1, "old");

        // The new bundle is gone: the old one is put back exactly.
        fs::remove_dir_all(&parking).unwrap();
        let missing = root.path().join("stage/missing");
        let err = rename_with_rollback(&missing, &app, &parking).unwrap_err();
        assert!(
            matches!(err, SwapError::Failed(ref e) if e.kind() == io::ErrorKind::NotFound),
            "{err:?}"
        );
        assert_eq!(tree(&app)[1].1, "new");
        assert!(!parking.exists());
    }
}
