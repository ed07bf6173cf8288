//! Windows: NSIS setup programs and MSI packages.
//!
//! The payload is a zip (the v1 `….nsis.zip` / `….msi.zip`, whose first `.exe` or `.msi` is used),
//! an `.exe` (NSIS) or an `.msi`. It is written to a temp dir that outlives the app, the app's
//! before-exit hook runs, the installer is started with `ShellExecuteW` (so that it can ask for
//! elevation) and the app exits: the installer replaces it. Building the command line is plain
//! code, tested everywhere; only the `ShellExecuteW` call is Windows-only.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::archive::{self, Limits};
use super::package::head;
use super::{InstallError, InstallEvent, Observer};

/// The zip magic (a local file header).
const ZIP: &[u8] = b"PK\x03\x04";
/// The DOS/PE magic of an `.exe`.
const EXE: &[u8] = b"MZ";
/// The OLE compound file magic of an `.msi`.
const MSI: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub use upkit_core::config::InstallMode;

/// Whether `head` (a file's first bytes) is what the Windows install takes: a zip (Tauri v1's
/// wrapper), an `.exe` or an `.msi`.
pub(crate) fn is_installer(head: &[u8]) -> bool {
    [ZIP, EXE, MSI].iter().any(|magic| head.starts_with(magic))
}

/// The NSIS flag of a mode: `/P`, `/S`, or none for `basicUi`.
fn nsis_flag(mode: InstallMode) -> Option<&'static str> {
    match mode {
        InstallMode::Passive => Some("/P"),
        InstallMode::Quiet => Some("/S"),
        InstallMode::BasicUi => None,
    }
}

/// The `msiexec` flag of a mode.
fn msiexec_flag(mode: InstallMode) -> &'static str {
    match mode {
        InstallMode::Passive => "/passive",
        InstallMode::Quiet => "/quiet",
        InstallMode::BasicUi => "/qb+",
    }
}

/// Whether the installer starts the app again when it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Start the app again, with the arguments it was started with (Tauri's behaviour).
    #[default]
    Relaunch,
    /// Leave it closed.
    No,
}

/// The kind of Windows installer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowsInstaller {
    /// An NSIS setup program (`.exe`).
    Nsis,
    /// An MSI package, run by `msiexec.exe`.
    Msi,
}

/// What a Windows install runs: the file `ShellExecuteW` opens and its parameter string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchCommand {
    /// The program: the setup `.exe`, or `msiexec.exe`.
    pub file: PathBuf,
    /// The arguments, each already quoted.
    pub args: Vec<String>,
}

impl LaunchCommand {
    /// The parameter string: the arguments joined with spaces.
    pub fn parameters(&self) -> String {
        self.args.join(" ")
    }
}

/// The options of a Windows install.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowsOptions {
    /// `installMode`.
    pub mode: InstallMode,
    /// Whether the app is started again.
    pub restart: Restart,
    /// `installerArgs`, appended as they are.
    pub installer_args: Vec<String>,
    /// The app's own arguments (without the program name), passed on when it is started again.
    /// `None`: those of the running process.
    pub app_args: Option<Vec<String>>,
}

impl WindowsOptions {
    /// The options `tauri.conf.json` gives (`installMode`, `installerArgs`), relaunching with
    /// the running process's arguments.
    pub fn from_config(config: &upkit_core::config::WindowsConfig) -> WindowsOptions {
        WindowsOptions {
            mode: config.install_mode,
            installer_args: config.installer_args.clone(),
            ..WindowsOptions::default()
        }
    }
}

/// Quotes one argument the way Windows programs split their command line (`CommandLineToArgvW`),
/// quoting also arguments that hold `/` so that NSIS does not read them as its own options.
pub fn quote_nsis_arg(arg: &str) -> String {
    let quote = arg.is_empty() || arg.contains([' ', '\t', '/']);
    let mut out = String::with_capacity(arg.len() + 2);
    if quote {
        out.push('"');
    }
    let mut backslashes = 0usize;
    for c in arg.chars() {
        if c == '\\' {
            backslashes += 1;
        } else {
            if c == '"' {
                // 2n+1 backslashes before an inner quote.
                out.extend(std::iter::repeat_n('\\', backslashes + 1));
            }
            backslashes = 0;
        }
        out.push(c);
    }
    if quote {
        // 2n backslashes before the closing quote.
        out.extend(std::iter::repeat_n('\\', backslashes));
        out.push('"');
    }
    out
}

/// The NSIS arguments: `/P`, `/S` or nothing; `/UPDATE`; when restarting, `/R` (not with
/// `basicUi`), `/ARGS` and the app's arguments quoted; then `installerArgs`.
pub fn nsis_args(options: &WindowsOptions, app_args: &[String]) -> Vec<String> {
    let mut args: Vec<String> = nsis_flag(options.mode)
        .map(str::to_owned)
        .into_iter()
        .collect();
    args.push("/UPDATE".into());
    if options.restart == Restart::Relaunch {
        if options.mode != InstallMode::BasicUi {
            args.push("/R".into());
        }
        args.push("/ARGS".into());
        args.extend(app_args.iter().map(|a| quote_nsis_arg(a)));
    }
    args.extend(options.installer_args.iter().cloned());
    args
}

/// The `msiexec.exe` arguments: `/i "<path>"`, the mode, `/promptrestart`, `installerArgs`, and
/// when restarting `AUTOLAUNCHAPP=True LAUNCHAPPARGS="<args, quotes doubled>"`.
pub fn msiexec_args(msi: &Path, options: &WindowsOptions, app_args: &[String]) -> Vec<String> {
    let mut args = vec![
        "/i".to_owned(),
        format!("\"{}\"", msi.to_string_lossy()),
        msiexec_flag(options.mode).to_owned(),
        "/promptrestart".to_owned(),
    ];
    args.extend(options.installer_args.iter().cloned());
    if options.restart == Restart::Relaunch {
        args.push("AUTOLAUNCHAPP=True".into());
        // Each argument quoted for the app's command line, then every quote doubled, as an MSI
        // property value in quotes needs.
        let line = app_args
            .iter()
            .map(|a| quote_nsis_arg(a))
            .collect::<Vec<_>>()
            .join(" ");
        args.push(format!("LAUNCHAPPARGS=\"{}\"", line.replace('"', "\"\"")));
    }
    args
}

/// `msiexec.exe`, under `%SYSTEMROOT%\System32` when `system_root` (the variable) is set.
pub fn msiexec_path(system_root: Option<&str>) -> PathBuf {
    match system_root {
        Some(root) if !root.is_empty() => PathBuf::from(format!(
            "{}\\System32\\msiexec.exe",
            root.trim_end_matches('\\')
        )),
        _ => PathBuf::from("msiexec.exe"),
    }
}

/// The command for an installer at `installer`.
pub fn launch_command(
    kind: WindowsInstaller,
    installer: &Path,
    options: &WindowsOptions,
    app_args: &[String],
    system_root: Option<&str>,
) -> LaunchCommand {
    match kind {
        WindowsInstaller::Nsis => LaunchCommand {
            file: installer.to_owned(),
            args: nsis_args(options, app_args),
        },
        WindowsInstaller::Msi => LaunchCommand {
            file: msiexec_path(system_root),
            args: msiexec_args(installer, options, app_args),
        },
    }
}

/// A Windows installer written to its temp dir, with its command line, ready to launch.
///
/// Dropping it without launching removes the temp dir.
#[derive(Debug)]
pub struct PreparedInstaller {
    dir: PathBuf,
    kind: WindowsInstaller,
    command: LaunchCommand,
}

impl PreparedInstaller {
    /// The kind of installer.
    pub fn kind(&self) -> WindowsInstaller {
        self.kind
    }

    /// The command that [`launch`](Self::launch) runs.
    pub fn command(&self) -> &LaunchCommand {
        &self.command
    }

    /// The temp dir holding the installer (it outlives the app: the installer runs from it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `before_exit`, starts the installer and exits the process with code 0.
    ///
    /// On error the temp dir is removed (as it is when a prepared installer is dropped
    /// without being launched).
    ///
    /// # Errors
    /// [`InstallError::Unsupported`] off Windows (the hook does not run then), or
    /// [`InstallError::Spawn`] when the installer cannot be started (after the hook ran).
    pub fn launch(
        self,
        before_exit: impl FnOnce(),
    ) -> Result<std::convert::Infallible, InstallError> {
        if !cfg!(windows) {
            return Err(InstallError::Unsupported {
                what: "launching a Windows installer",
                os: "Windows",
            });
        }
        before_exit();
        shell_execute(&self.command)?;
        // No destructor runs past this point: the installer keeps its directory.
        std::process::exit(0);
    }
}

impl Drop for PreparedInstaller {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!("cannot remove {}: {e}", self.dir.display());
        }
    }
}

/// Writes the payload's installer to a fresh temp dir and builds its command line.
pub(crate) fn prepare(
    payload: &Path,
    options: &WindowsOptions,
    limits: Limits,
    observer: &Observer<'_>,
) -> Result<PreparedInstaller, InstallError> {
    let io_at = |path: &Path| {
        let path = path.to_owned();
        move |source| InstallError::Io { path, source }
    };
    let magic = head(payload, 8).map_err(io_at(payload))?;
    let dir = tempfile::Builder::new()
        .prefix("upkit-update-")
        .tempdir()
        .map_err(crate::error::without_temp_name)
        .map_err(io_at(&std::env::temp_dir()))?;
    let installer = if magic.starts_with(ZIP) {
        archive::extract_windows_installer(payload, dir.path(), limits)?
    } else if magic.starts_with(EXE) {
        copy_into(payload, &dir.path().join("update-setup.exe"))?
    } else if magic.starts_with(MSI) {
        copy_into(payload, &dir.path().join("update.msi"))?
    } else {
        return Err(InstallError::NotAWindowsInstaller {
            path: payload.to_owned(),
        });
    };
    let inner = head(&installer, 8).map_err(io_at(&installer))?;
    let kind = if inner.starts_with(EXE) {
        WindowsInstaller::Nsis
    } else if inner.starts_with(MSI) {
        WindowsInstaller::Msi
    } else {
        return Err(InstallError::NotAWindowsInstaller {
            path: payload.to_owned(),
        });
    };
    observer(&InstallEvent::Staged { path: &installer });
    let own_args: Vec<String>;
    let app_args = match &options.app_args {
        Some(args) => args.as_slice(),
        None => {
            own_args = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            own_args.as_slice()
        }
    };
    let system_root = std::env::var("SYSTEMROOT").ok();
    let command = launch_command(kind, &installer, options, app_args, system_root.as_deref());
    Ok(PreparedInstaller {
        dir: dir.keep(),
        kind,
        command,
    })
}

fn copy_into(payload: &Path, to: &Path) -> Result<PathBuf, InstallError> {
    std::fs::copy(payload, to).map_err(|source| InstallError::Io {
        path: to.to_owned(),
        source,
    })?;
    Ok(to.to_owned())
}

#[cfg(windows)]
#[allow(unsafe_code)]
fn shell_execute(command: &LaunchCommand) -> Result<(), InstallError> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOW;

    fn wide(s: &std::ffi::OsStr) -> Vec<u16> {
        s.encode_wide().chain(std::iter::once(0)).collect()
    }
    let operation = wide(std::ffi::OsStr::new("open"));
    let file = wide(command.file.as_os_str());
    let parameters = wide(&OsString::from(command.parameters()));
    // SAFETY: every pointer is a NUL-terminated UTF-16 buffer that lives until the call returns;
    // a null window handle and directory are allowed by the API.
    let result = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            operation.as_ptr(),
            file.as_ptr(),
            parameters.as_ptr(),
            std::ptr::null(),
            SW_SHOW,
        )
    };
    // Values above 32 mean success.
    if result as usize > 32 {
        Ok(())
    } else {
        Err(InstallError::Spawn {
            command: command.file.display().to_string(),
            source: std::io::Error::other(format!("ShellExecuteW returned {}", result as usize)),
        })
    }
}

#[cfg(not(windows))]
fn shell_execute(command: &LaunchCommand) -> Result<(), InstallError> {
    let _: OsString = OsString::from(command.parameters());
    Err(InstallError::Unsupported {
        what: "launching a Windows installer",
        os: "Windows",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn contract_nsis_example() {
        let options = WindowsOptions {
            installer_args: strings(&["/NS"]),
            ..WindowsOptions::default()
        };
        let args = nsis_args(&options, &strings(&["--flag", "some space"]));
        assert_eq!(
            args.join(" "),
            r#"/P /UPDATE /R /ARGS --flag "some space" /NS"#
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_nsis_arg("plain"), "plain");
        assert_eq!(quote_nsis_arg(""), r#""""#);
        assert_eq!(quote_nsis_arg("a/b"), r#""a/b""#);
        assert_eq!(quote_nsis_arg(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quote_nsis_arg(r#"a"b"#), r#"a\"b"#);
        assert_eq!(quote_nsis_arg(r"C:\dir\"), r"C:\dir\");
        assert_eq!(quote_nsis_arg(r"C:\my dir\"), r#""C:\my dir\\""#);
        assert_eq!(quote_nsis_arg(r#"x\"y"#), r#"x\\\"y"#);
        assert_eq!(quote_nsis_arg("tab\there"), "\"tab\there\"");
    }

    #[test]
    fn msiexec_location() {
        assert_eq!(
            msiexec_path(Some(r"C:\Windows")),
            Path::new(r"C:\Windows\System32\msiexec.exe")
        );
        assert_eq!(
            msiexec_path(Some(r"C:\Windows\")),
            Path::new(r"C:\Windows\System32\msiexec.exe")
        );
        assert_eq!(msiexec_path(None), Path::new("msiexec.exe"));
    }
}
