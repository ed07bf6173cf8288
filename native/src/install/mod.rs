//! Installing a verified update: one entry point, [`install`], that picks the method from the
//! platform and the running app's bundle type (`tauri-compat.md` section 9), and is safer than
//! Tauri's.
//!
//! | method | payload | how |
//! | --- | --- | --- |
//! | [`Method::AppImage`] | ELF, or a gzip'd tar holding one `.AppImage` | temp file beside the old one, fsync, old mode, atomic rename |
//! | [`Method::Deb`], [`Method::Rpm`] | `.deb`, `.rpm` | `dpkg -i` / `rpm -U`, escalated with `pkexec`, a password prompt fed to `sudo -S`, or `sudo` |
//! | [`Method::AppBundle`] | `<Name>.app.tar.gz` | unpacked beside the bundle, swapped atomically |
//! | [`Method::Windows`] | zip, `.exe` (NSIS), `.msi` | written to a temp dir, started, the app exits |
//!
//! Call order: verify first ([`VerifiedArtifact::verify_file`] or the download), then install.
//! Only a [`VerifiedArtifact`] is accepted, and its file must still have the verified size.
//!
//! Safety: archives are read defensively ([`archive`]); on any failure of upkit's own installs
//! (AppImage, `.app`) the installed app is exactly as it was (or, once the final rename
//! happened, exactly the new version) and temp files are removed; leftovers of a killed install
//! are removed by the next one. A deb or rpm is installed by the package manager, whose failures
//! can leave the package half-installed (`dpkg` leaves it unpacked but not configured when a
//! dependency or a maintainer script fails): see [`InstallError::CommandFailed`].
//!
//! ```no_run
//! # fn demo(artifact: &upkit::artifact::VerifiedArtifact) -> Result<(), upkit::install::InstallError> {
//! use upkit::install::{install, InstallOptions};
//! let installed = install(artifact, &InstallOptions::new())?;
//! println!("{installed}");
//! # Ok(()) }
//! ```

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use upkit_core::target::{Installer, Os};

use crate::artifact::VerifiedArtifact;

mod appimage;
pub mod archive;
mod macos;
mod package;
pub mod runner;
mod staging;
pub mod windows;

pub use archive::{ArchiveError, Limits};
pub use package::Downgrades;
pub use runner::{CommandRunner, Completed, Escalation, Invocation, SystemRunner};
pub use windows::{InstallMode, PreparedInstaller, Restart, WindowsOptions};

/// How an update is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// Replace a Linux AppImage file.
    AppImage,
    /// Install a Debian package with `dpkg -i`.
    Deb,
    /// Install an RPM package with `rpm -U`.
    Rpm,
    /// Swap a macOS `.app` bundle.
    AppBundle,
    /// Start a Windows installer (NSIS or MSI) and exit.
    Windows,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::AppImage => "AppImage",
            Method::Deb => "deb package",
            Method::Rpm => "rpm package",
            Method::AppBundle => "app bundle",
            Method::Windows => "Windows installer",
        })
    }
}

/// A step of an install, for progress display (and for the crash test's pause points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallEvent<'a> {
    /// The method was picked; `path` is what will be replaced (or the payload, for packages and
    /// Windows installers).
    Started {
        /// The method.
        method: Method,
        /// The install path.
        path: &'a Path,
    },
    /// The old version is saved at `backup`.
    BackedUp {
        /// The backup.
        backup: &'a Path,
    },
    /// Bytes of the new file written so far.
    Written {
        /// The running total.
        bytes: u64,
    },
    /// Entries of the new bundle unpacked so far.
    Unpacked {
        /// The running total.
        entries: u64,
    },
    /// The new version is complete (and flushed) at `path`, not yet in place.
    Staged {
        /// The staged file or directory.
        path: &'a Path,
    },
    /// A package manager command is starting.
    Running {
        /// The command line.
        command: &'a str,
    },
    /// The new version is in place at `path`.
    Replaced {
        /// The install path.
        path: &'a Path,
    },
    /// Done; temp files and the backup are removed.
    Finished,
}

/// The observer type: sees every [`InstallEvent`].
pub type Observer<'a> = dyn Fn(&InstallEvent<'_>) + Sync + 'a;

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Installed {
    /// The file or bundle at `path` was replaced by the new version.
    Replaced {
        /// The method.
        method: Method,
        /// The install path (symlinks resolved).
        path: PathBuf,
    },
    /// The package manager installed the package.
    Package {
        /// [`Method::Deb`] or [`Method::Rpm`].
        method: Method,
        /// The command that ran.
        command: String,
    },
}

impl fmt::Display for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Installed::Replaced { method, path } => {
                write!(f, "replaced the {method} at {}", path.display())
            }
            Installed::Package { method, command } => {
                write!(f, "installed the {method} ({command})")
            }
        }
    }
}

/// Why an install failed. Unless the variant says otherwise, the installed app is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// Reading or writing a file failed.
    #[error("cannot install at {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An archive was refused or could not be unpacked.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The artifact's file is not the size that verified: it changed after verification.
    #[error("{} changed after it was verified ({found} bytes, {verified} verified)", path.display())]
    Modified {
        /// The artifact.
        path: PathBuf,
        /// The verified size.
        verified: u64,
        /// The size now.
        found: u64,
    },
    /// The payload is not an AppImage.
    #[error("{} is neither an ELF file nor a gzip'd tar holding an `.AppImage`", path.display())]
    NotAnAppImage {
        /// The payload.
        path: PathBuf,
    },
    /// The package is older than the installed one, and downgrades were not allowed.
    #[error(
        "{} holds {package} {offered}, older than the installed {installed}: allow downgrades to install it",
        path.display()
    )]
    Downgrade {
        /// The payload.
        path: PathBuf,
        /// The package name.
        package: String,
        /// The installed version.
        installed: String,
        /// The payload's version.
        offered: String,
    },
    /// The package is not the app's: installing it would add another package beside the app.
    #[error(
        "{} holds the {format} package {package}, not {expected}, the app's: it would be installed beside the app",
        path.display()
    )]
    OtherPackage {
        /// The payload.
        path: PathBuf,
        /// `deb` or `rpm`.
        format: &'static str,
        /// The payload's package name.
        package: String,
        /// The app's package name.
        expected: String,
    },
    /// The payload is a system package, but the app to update is an AppImage.
    #[error(
        "{} is a {format} package, but the app to update is an AppImage: set the bundle type to {format} to have the package manager install it",
        path.display()
    )]
    PackageForAppImage {
        /// The payload.
        path: PathBuf,
        /// `deb` or `rpm`.
        format: &'static str,
    },
    /// The payload is not a gzip'd tar of a bundle.
    #[error("{} is not a gzip'd tar of a `.app` bundle", path.display())]
    NotABundle {
        /// The payload.
        path: PathBuf,
    },
    /// The payload does not have the package format's magic bytes.
    #[error("{} is not a {format} package", path.display())]
    NotAPackage {
        /// The payload.
        path: PathBuf,
        /// `deb` or `rpm`.
        format: &'static str,
    },
    /// The payload is neither a zip, an `.exe` nor an `.msi`.
    #[error("{} is not a zip, exe or msi file", path.display())]
    NotAWindowsInstaller {
        /// The payload.
        path: PathBuf,
    },
    /// Running as root, the install path is (or goes through) a symlink that another user owns:
    /// following it would let that user choose which file root replaces.
    #[error(
        "refusing to follow {}: it is a symlink owned by uid {owner}, and this runs as root; pass the path it points to if that is the app",
        path.display()
    )]
    UntrustedLink {
        /// The install path.
        path: PathBuf,
        /// The symlink's owner.
        owner: u32,
    },
    /// Running as root, a directory on the way to the AppImage (from `/` down to the one that
    /// holds it) is owned by another user, or writable by group or others without the sticky
    /// bit: whoever can change it can choose what root replaces. Nothing was written.
    #[error(
        "refusing to install under {} as root: the directory has owner uid {owner} and mode {mode:04o}, and each directory down to the app must be owned by root and writable by no other user (or sticky)",
        path.display()
    )]
    UnsafeDirectory {
        /// The directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Its permission bits (with the sticky, set-user-ID and set-group-ID bits).
        mode: u32,
    },
    /// Running as root, the AppImage is another user's, in a (sticky) directory that other users
    /// can write: that user put it there, and may have put a link to another file of theirs.
    /// Nothing was written.
    #[error(
        "refusing to replace {} as root: it is owned by uid {owner}, in a directory that other users can write",
        path.display()
    )]
    UntrustedAppImage {
        /// The AppImage.
        path: PathBuf,
        /// Its owner.
        owner: u32,
    },
    /// The AppImage (or the staged new image beside it) was replaced by someone else while the
    /// install ran; the install stopped before its final rename.
    #[error("{} was replaced by someone else during the install", path.display())]
    Raced {
        /// The file that changed.
        path: PathBuf,
    },
    /// Nothing (of the right kind) is installed at the install path.
    #[error("no installed app at {}", path.display())]
    NotInstalled {
        /// The install path.
        path: PathBuf,
    },
    /// The install path is a directory but not a `.app` bundle: replacing it would delete
    /// whatever it holds (a folder of documents, say).
    #[error("refusing to replace {}: it is not an app bundle ({reason})", path.display())]
    NotABundleDir {
        /// The install path.
        path: PathBuf,
        /// What it lacks: a name ending in `.app`, or a `Contents/Info.plist` file.
        reason: &'static str,
    },
    /// No install path was given and none could be found.
    #[error("cannot find the installed app: pass its path")]
    NoInstallPath,
    /// On Linux, without a bundle type, the payload and environment did not tell the method.
    #[error("cannot tell how the app was installed: pass the bundle type or an install path")]
    UnknownBundleType,
    /// The bundle type does not exist on the platform.
    #[error("a {installer} update cannot be installed on {os}")]
    WrongInstaller {
        /// The platform.
        os: Os,
        /// The bundle type.
        installer: Installer,
    },
    /// Not root, and neither `pkexec` nor `sudo` is there.
    #[error("cannot install the package: not root, and neither pkexec nor sudo is available")]
    NoEscalation,
    /// The password prompt was cancelled.
    #[error("the password prompt was cancelled")]
    PromptCancelled,
    /// A program could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// The I/O error.
        source: io::Error,
    },
    /// A program ran and failed. When it is the package manager (`dpkg -i`, `rpm -U`), the
    /// package may be left as it left it (for `dpkg`, unpacked but not configured); see
    /// [`InstallError::may_have_changed_the_app`].
    #[error(
        "`{command}` failed for {} ({}){}",
        path.display(),
        code.map_or("killed".to_owned(), |c| format!("exit code {c}")),
        if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
    )]
    CommandFailed {
        /// The command (without its file argument).
        command: &'static str,
        /// The payload or bundle concerned.
        path: PathBuf,
        /// The exit code (`None`: killed by a signal).
        code: Option<i32>,
        /// What it printed on standard error.
        stderr: String,
    },
    /// The new bundle could not be moved in and the old one not back: it was kept elsewhere.
    /// The install path is empty.
    #[error(
        "cannot replace {}: {source}; the previous version is kept at {}",
        path.display(),
        kept.display()
    )]
    NotRestored {
        /// The install path.
        path: PathBuf,
        /// Where the old version is.
        kept: PathBuf,
        /// Why the new one could not be moved in.
        source: io::Error,
    },
    /// The step only runs on another platform.
    #[error("{what} is only possible on {os}")]
    Unsupported {
        /// The step.
        what: &'static str,
        /// The platform it needs.
        os: &'static str,
    },
}

impl InstallError {
    /// Whether the installed app may have changed despite the error: the old version was moved
    /// aside ([`InstallError::NotRestored`]), or the package manager failed midway.
    pub fn may_have_changed_the_app(&self) -> bool {
        match self {
            InstallError::NotRestored { .. } => true,
            InstallError::CommandFailed { command, .. } => {
                [package::PackageKind::Deb, package::PackageKind::Rpm]
                    .iter()
                    .any(|k| k.short() == *command)
            }
            _ => false,
        }
    }
}

/// The options of [`install`]. [`InstallOptions::new`] gives the defaults: this platform, the
/// bundle type detected from the environment, the real machine ([`SystemRunner`]), [`Limits`]'
/// defaults, Windows `passive` with relaunch.
pub struct InstallOptions<'a> {
    os: Os,
    installer: Option<Installer>,
    install_path: Option<PathBuf>,
    limits: Limits,
    runner: &'a dyn CommandRunner,
    package_args: Vec<OsString>,
    package_name: Option<String>,
    downgrades: Downgrades,
    windows: WindowsOptions,
    observer: Option<&'a Observer<'a>>,
    before_exit: Option<&'a (dyn Fn() + Sync + 'a)>,
}

impl fmt::Debug for InstallOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallOptions")
            .field("os", &self.os)
            .field("installer", &self.installer)
            .field("install_path", &self.install_path)
            .field("limits", &self.limits)
            .field("package_args", &self.package_args)
            .field("package_name", &self.package_name)
            .field("downgrades", &self.downgrades)
            .field("windows", &self.windows)
            .finish_non_exhaustive()
    }
}

impl Default for InstallOptions<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// The platform this code was built for.
pub fn host_os() -> Os {
    if cfg!(target_os = "macos") {
        Os::Darwin
    } else if cfg!(windows) {
        Os::Windows
    } else {
        Os::Linux
    }
}

impl<'a> InstallOptions<'a> {
    /// The defaults (see the type's documentation).
    pub fn new() -> Self {
        InstallOptions {
            os: host_os(),
            installer: None,
            install_path: None,
            limits: Limits::default(),
            runner: &SystemRunner,
            package_args: Vec::new(),
            package_name: None,
            downgrades: Downgrades::Refuse,
            windows: WindowsOptions::default(),
            observer: None,
            before_exit: None,
        }
    }

    /// Installs as on `os`. The macOS bundle swap runs on any Unix (it is plain file-system
    /// code); the Windows launch only on Windows.
    pub fn os(mut self, os: Os) -> Self {
        self.os = os;
        self
    }

    /// How the running app was installed (Tauri's bundle type). Without it: an AppImage when
    /// `$APPIMAGE` is set or an install path is given, else the payload's format (deb, rpm).
    pub fn installer(mut self, installer: Installer) -> Self {
        self.installer = Some(installer);
        self
    }

    /// The file (AppImage) or bundle (`.app`) to replace. Without it: `$APPIMAGE`, else the
    /// running executable (or, on macOS, the bundle holding it).
    pub fn install_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.install_path = Some(path.into());
        self
    }

    /// Caps on unpacking archives.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Runs `dpkg`, `rpm` and the escalation programs through `runner`.
    pub fn runner(mut self, runner: &'a dyn CommandRunner) -> Self {
        self.runner = runner;
        self
    }

    /// Options put before `-i` / `-U` (e.g. `--root=DIR` for a private package database).
    pub fn package_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.package_args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The package the app was installed from (a deb's or rpm's name): a payload holding
    /// another package is refused, since the package manager would install it beside the app
    /// (as root) instead of updating it; a publisher whose one key signs several products can
    /// point a manifest at the wrong one. Unset, any package name goes;
    /// [`Update::install_options`](crate::Update::install_options) sets it to the updater's
    /// [`app_package`](crate::UpdaterBuilder::app_package): by default the package that owns
    /// the running executable.
    pub fn package_name(mut self, name: impl Into<String>) -> Self {
        self.package_name = Some(name.into());
        self
    }

    /// Whether a deb or rpm older than the installed package may be installed (refused by
    /// default: the check offered a newer version, so an older package is a publishing
    /// mistake; allow it when the update is a downgrade, see [`Downgrades::for_update`]).
    pub fn downgrades(mut self, downgrades: Downgrades) -> Self {
        self.downgrades = downgrades;
        self
    }

    /// The Windows options (`installMode`, `installerArgs`, relaunch).
    pub fn windows(mut self, windows: WindowsOptions) -> Self {
        self.windows = windows;
        self
    }

    /// Calls `observer` at every step.
    pub fn observer(mut self, observer: &'a Observer<'a>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Runs `hook` on Windows just before the installer starts and the process exits (Tauri's
    /// `on_before_exit`): save state, close files.
    pub fn before_exit(mut self, hook: &'a (dyn Fn() + Sync + 'a)) -> Self {
        self.before_exit = Some(hook);
        self
    }

    /// The method for a payload whose first bytes are `head`, given `$APPIMAGE`.
    fn method(&self, head: &[u8], appimage_env: bool) -> Result<Method, InstallError> {
        let wrong = |installer| InstallError::WrongInstaller {
            os: self.os,
            installer,
        };
        match (self.os, self.installer) {
            (Os::Linux, Some(Installer::AppImage)) => Ok(Method::AppImage),
            (Os::Linux, Some(Installer::Deb)) => Ok(Method::Deb),
            (Os::Linux, Some(Installer::Rpm)) => Ok(Method::Rpm),
            // An install path names a file to replace: an AppImage, never a reason to run the
            // package manager as root.
            (Os::Linux, None) if appimage_env || self.install_path.is_some() => {
                Ok(Method::AppImage)
            }
            (Os::Linux, None) if package::PackageKind::Deb.matches(head) => Ok(Method::Deb),
            (Os::Linux, None) if package::PackageKind::Rpm.matches(head) => Ok(Method::Rpm),
            (Os::Linux, None) => Err(InstallError::UnknownBundleType),
            (Os::Darwin, None | Some(Installer::App)) => Ok(Method::AppBundle),
            (Os::Windows, None | Some(Installer::Msi | Installer::Nsis)) => Ok(Method::Windows),
            (_, Some(installer)) => Err(wrong(installer)),
            // `Os` is non-exhaustive.
            (_, None) => Err(InstallError::UnknownBundleType),
        }
    }
}

/// The check an installer makes of its payload's format (its first bytes) before anything else:
/// an AppImage is an ELF file (or a gzip'd tar holding one), a packed `.app` a gzip'd tar, a deb
/// or rpm has its magic, a Windows installer is a zip, an `.exe` or an `.msi`. [`install`] runs
/// it, and so do `upkit bundle` and `upkit sign`, so that a release the user's machine would
/// refuse is caught where it is made.
///
/// # Errors
/// [`InstallError::NotAnAppImage`] (or [`InstallError::PackageForAppImage`] for a package),
/// [`InstallError::NotABundle`], [`InstallError::NotAPackage`],
/// [`InstallError::NotAWindowsInstaller`]; [`InstallError::Io`] when the file cannot be read.
pub fn check_payload(method: Method, path: &Path) -> Result<(), InstallError> {
    let head = package::head(path, 32).map_err(|source| InstallError::Io {
        path: path.to_owned(),
        source,
    })?;
    payload_format(method, &head, path)
}

/// [`check_payload`] of a payload whose first bytes are `head`.
fn payload_format(method: Method, head: &[u8], path: &Path) -> Result<(), InstallError> {
    let path = path.to_owned();
    let packages = [package::PackageKind::Deb, package::PackageKind::Rpm];
    match method {
        Method::AppImage if head.starts_with(appimage::ELF) || head.starts_with(appimage::GZIP) => {
            Ok(())
        }
        Method::AppImage => Err(match packages.into_iter().find(|k| k.matches(head)) {
            Some(kind) => InstallError::PackageForAppImage {
                path,
                format: kind.name(),
            },
            None => InstallError::NotAnAppImage { path },
        }),
        Method::AppBundle if head.starts_with(appimage::GZIP) => Ok(()),
        Method::AppBundle => Err(InstallError::NotABundle { path }),
        Method::Deb | Method::Rpm => {
            let kind = if method == Method::Deb {
                package::PackageKind::Deb
            } else {
                package::PackageKind::Rpm
            };
            if kind.matches(head) {
                Ok(())
            } else {
                Err(InstallError::NotAPackage {
                    path,
                    format: kind.name(),
                })
            }
        }
        Method::Windows if windows::is_installer(head) => Ok(()),
        Method::Windows => Err(InstallError::NotAWindowsInstaller { path }),
    }
}

/// Why the directory `app` would not be accepted as a macOS `.app` bundle, if it would not (its
/// name must end in `.app`, and it must hold a `Contents/Info.plist` file): the macOS installer's
/// check of what it replaces and of what it unpacks, also run by `upkit bundle`.
pub fn not_an_app_bundle(app: &Path) -> Option<&'static str> {
    macos::not_a_bundle(app)
}

/// The deb or rpm package (per `installer`) that owns `file`, if exactly one does.
pub(crate) fn owning_package(installer: Installer, file: &Path) -> Option<String> {
    match installer {
        Installer::Deb => package::owning_package(package::PackageKind::Deb, file),
        Installer::Rpm => package::owning_package(package::PackageKind::Rpm, file),
        _ => None,
    }
}

/// The AppImage to replace: the caller's path, `$APPIMAGE`, else the running executable.
fn appimage_path(given: Option<&Path>) -> Result<PathBuf, InstallError> {
    if let Some(path) = given {
        return Ok(path.to_owned());
    }
    if let Some(path) = std::env::var_os("APPIMAGE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    std::env::current_exe().map_err(|_| InstallError::NoInstallPath)
}

/// The bundle to replace: the caller's path, else the `.app` holding the running executable.
fn bundle_path(given: Option<&Path>) -> Result<PathBuf, InstallError> {
    if let Some(path) = given {
        return Ok(path.to_owned());
    }
    let exe = std::env::current_exe().map_err(|_| InstallError::NoInstallPath)?;
    exe.ancestors()
        .find(|p| p.extension().is_some_and(|e| e == "app"))
        .map(Path::to_owned)
        .ok_or(InstallError::NoInstallPath)
}

/// Installs a verified update.
///
/// On Linux and macOS it returns once the new version is in place (the running process keeps
/// the old one; relaunching is the app's choice). On Windows it does not return on success: the
/// installer is started (after [`InstallOptions::before_exit`]'s hook) and the process exits.
///
/// An AppImage install run as root (an update of a system-wide AppImage) refuses a path that
/// another user could redirect: every directory from `/` down to the AppImage's must be root's
/// and not writable by group or others unless it has the sticky bit (as `/tmp`), every symlink
/// on the way must be root's, and an AppImage of another user's is replaced only in a directory
/// that no other user can write (it keeps its owner). The path is resolved once; every later
/// step works from the directory's descriptor, so a link swapped in meanwhile is never followed.
///
/// # Errors
/// See [`InstallError`]; on every error the installed app is exactly as it was, except for
/// [`InstallError::NotRestored`] (which says where the old version went) and a package
/// manager's [`InstallError::CommandFailed`] (which may have changed the package). As root,
/// [`InstallError::UnsafeDirectory`], [`InstallError::UntrustedLink`] and
/// [`InstallError::UntrustedAppImage`] refuse an AppImage path before anything is written;
/// [`InstallError::Raced`] says that it was swapped during the install.
pub fn install(
    artifact: &VerifiedArtifact,
    options: &InstallOptions<'_>,
) -> Result<Installed, InstallError> {
    let payload = checked_payload(artifact)?;
    let head = package::head(payload, 32).map_err(|source| InstallError::Io {
        path: payload.to_owned(),
        source,
    })?;
    let appimage_env = std::env::var_os("APPIMAGE").is_some_and(|p| !p.is_empty());
    let method = options.method(&head, appimage_env)?;
    payload_format(method, &head, payload)?;
    let quiet = |_: &InstallEvent<'_>| {};
    let observer: &Observer<'_> = options.observer.unwrap_or(&quiet);
    let installed = match method {
        Method::AppImage => {
            let target = appimage_path(options.install_path.as_deref())?;
            observer(&InstallEvent::Started {
                method,
                path: &target,
            });
            let path = appimage::install(payload, &target, options.limits, observer)?;
            Installed::Replaced { method, path }
        }
        Method::AppBundle => {
            let target = bundle_path(options.install_path.as_deref())?;
            observer(&InstallEvent::Started {
                method,
                path: &target,
            });
            let path = macos::install(payload, &target, options.limits, observer)?;
            Installed::Replaced { method, path }
        }
        Method::Deb | Method::Rpm => {
            let kind = if method == Method::Deb {
                package::PackageKind::Deb
            } else {
                package::PackageKind::Rpm
            };
            observer(&InstallEvent::Started {
                method,
                path: payload,
            });
            let command = package::install(payload, kind, options, observer)?;
            Installed::Package { method, command }
        }
        Method::Windows => {
            observer(&InstallEvent::Started {
                method,
                path: payload,
            });
            let prepared = prepare_windows(artifact, options)?;
            let hook = options.before_exit;
            match prepared.launch(|| {
                if let Some(hook) = hook {
                    hook();
                }
            })? {}
        }
    };
    observer(&InstallEvent::Finished);
    Ok(installed)
}

/// The Windows half of [`install`] without the launch: writes the installer to a temp dir and
/// builds its command line; [`PreparedInstaller::launch`] then runs the before-exit hook, starts
/// it and exits.
///
/// # Errors
/// [`InstallError::NotAWindowsInstaller`], [`InstallError::Archive`] for a bad zip,
/// [`InstallError::Io`], [`InstallError::Modified`].
pub fn prepare_windows(
    artifact: &VerifiedArtifact,
    options: &InstallOptions<'_>,
) -> Result<PreparedInstaller, InstallError> {
    let payload = checked_payload(artifact)?;
    let quiet = |_: &InstallEvent<'_>| {};
    let observer: &Observer<'_> = options.observer.unwrap_or(&quiet);
    windows::prepare(payload, &options.windows, options.limits, observer)
}

/// The artifact's path, once its size is checked against the verified one.
fn checked_payload(artifact: &VerifiedArtifact) -> Result<&Path, InstallError> {
    let path = artifact.path();
    let found = std::fs::metadata(path)
        .map_err(|source| InstallError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    let verified = artifact.proof().bytes();
    if found != verified {
        return Err(InstallError::Modified {
            path: path.to_owned(),
            verified,
            found,
        });
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages of errors that the behaviour tests cannot provoke on this machine.
    #[test]
    fn messages_of_rare_errors() {
        let err = InstallError::NotRestored {
            path: "/Applications/Demo.app".into(),
            kept: "/Applications/Demo (previous version).app".into(),
            source: io::Error::from_raw_os_error(39),
        };
        assert_eq!(
            err.to_string(),
            "cannot replace /Applications/Demo.app: Directory not empty (os error 39); the \
             previous version is kept at /Applications/Demo (previous version).app"
        );
        assert_eq!(
            InstallError::NoInstallPath.to_string(),
            "cannot find the installed app: pass its path"
        );
        let err = InstallError::Unsupported {
            what: "installing with administrator rights through AppleScript",
            os: "macOS",
        };
        assert_eq!(
            err.to_string(),
            "installing with administrator rights through AppleScript is only possible on macOS"
        );
        let err = InstallError::CommandFailed {
            command: "osascript",
            path: "/Applications/Demo.app".into(),
            code: None,
            stderr: String::new(),
        };
        assert_eq!(
            err.to_string(),
            "`osascript` failed for /Applications/Demo.app (killed)"
        );
        // The elevated swap rolls back; a package manager may stop midway.
        assert!(!err.may_have_changed_the_app());
        let dpkg = InstallError::CommandFailed {
            command: "dpkg -i",
            path: "/tmp/app.deb".into(),
            code: Some(1),
            stderr: "dependency problems - leaving unconfigured".into(),
        };
        assert!(dpkg.may_have_changed_the_app());
        assert!(!InstallError::NoInstallPath.may_have_changed_the_app());
    }
}
