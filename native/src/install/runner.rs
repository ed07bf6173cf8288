//! Running external programs (`dpkg`, `rpm`, `pkexec`, `sudo`, `zenity`, `osascript`), behind a
//! trait so that an embedding app or a test can decide how they run.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// One program run: what to start, with which arguments, and what to feed its standard input.
#[derive(Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The program (a name looked up in `PATH`, or a path).
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Bytes written to its standard input, then closed (`None`: no input).
    pub stdin: Option<Vec<u8>>,
}

impl Invocation {
    /// A run of `program` with `args` and no input.
    pub fn new<I, S>(program: impl AsRef<OsStr>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Invocation {
            program: program.as_ref().to_owned(),
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
        }
    }

    /// The command line for messages (arguments joined with spaces, no quoting).
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl std::fmt::Debug for Invocation {
    /// Never prints the standard input: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("program", &self.program)
            .field("args", &self.args)
            .field("stdin", &self.stdin.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// What it printed on standard output.
    pub stdout: Vec<u8>,
    /// What it printed on standard error.
    pub stderr: Vec<u8>,
}

impl Completed {
    /// Whether it exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// How external programs run, and what the installer may know about the machine.
///
/// [`SystemRunner`] is the real thing; an embedding app can wrap it (to log, or to add
/// `--root` options), and tests use it to run the real `dpkg` and `rpm` on private databases.
pub trait CommandRunner: Send + Sync {
    /// Runs the program to completion, capturing its output.
    ///
    /// # Errors
    /// When the program cannot be started or its input not written.
    fn run(&self, invocation: &Invocation) -> io::Result<Completed>;

    /// The path of `program` when it is an executable file on `PATH`.
    fn find(&self, program: &str) -> Option<PathBuf>;

    /// Whether this process runs as root (no escalation needed).
    fn is_root(&self) -> bool;

    /// Whether a graphical session is there (a password dialog can be shown).
    fn has_display(&self) -> bool;
}

/// The real machine: programs run with [`std::process::Command`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

impl CommandRunner for SystemRunner {
    fn run(&self, invocation: &Invocation) -> io::Result<Completed> {
        let mut command = Command::new(&invocation.program);
        command
            .args(&invocation.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if invocation.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = command.spawn()?;
        // The input is written from another thread while the output is read, so that a program
        // that prints before it reads cannot fill a pipe and deadlock.
        let writer = match (&invocation.stdin, child.stdin.take()) {
            (Some(input), Some(mut stdin)) => {
                let input = input.clone();
                Some(std::thread::spawn(move || stdin.write_all(&input)))
            }
            _ => None,
        };
        let output = child.wait_with_output()?;
        if let Some(writer) = writer {
            // A program that exits without reading its input is not an error here; its exit
            // status says what happened.
            match writer.join() {
                Ok(Err(e)) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
                Ok(_) => {}
                Err(_) => return Err(io::Error::other("the input writer panicked")),
            }
        }
        Ok(Completed {
            code: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    fn find(&self, program: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }

    fn is_root(&self) -> bool {
        #[cfg(unix)]
        {
            rustix::process::geteuid().is_root()
        }
        #[cfg(not(unix))]
        {
            false
        }
    }

    fn has_display(&self) -> bool {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
    }
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file()
}

/// How a command that needs root is run: the contract's chain, first that applies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Escalation {
    /// Already root: the command runs as it is.
    None,
    /// `pkexec COMMAND` (polkit asks for the password).
    Pkexec,
    /// A graphical password prompt (`zenity` or `kdialog`, the program named here) whose answer
    /// is fed to `sudo -S`.
    PromptThenSudo(&'static str),
    /// `sudo COMMAND` (asks on the terminal).
    Sudo,
}

impl Escalation {
    /// Picks the escalation: none as root, else `pkexec`, else a graphical prompt (`zenity`, then
    /// `kdialog`, only with a display) fed to `sudo -S`, else `sudo`; `None` when nothing can
    /// give root.
    pub fn pick(runner: &dyn CommandRunner) -> Option<Escalation> {
        if runner.is_root() {
            return Some(Escalation::None);
        }
        if runner.find("pkexec").is_some() {
            return Some(Escalation::Pkexec);
        }
        let has_sudo = runner.find("sudo").is_some();
        if has_sudo && runner.has_display() {
            for prompt in ["zenity", "kdialog"] {
                if runner.find(prompt).is_some() {
                    return Some(Escalation::PromptThenSudo(prompt));
                }
            }
        }
        has_sudo.then_some(Escalation::Sudo)
    }

    /// The invocation of the password dialog, for [`Escalation::PromptThenSudo`].
    pub fn prompt(&self, title: &str) -> Option<Invocation> {
        match self {
            Escalation::PromptThenSudo("kdialog") => Some(Invocation::new(
                "kdialog",
                [
                    "--title",
                    title,
                    "--password",
                    "Enter your password to install the update",
                ],
            )),
            Escalation::PromptThenSudo(program) => {
                Some(Invocation::new(program, ["--password", "--title", title]))
            }
            _ => None,
        }
    }

    /// `command` wrapped for this escalation. `password` is the prompt's answer, for
    /// [`Escalation::PromptThenSudo`] (fed to `sudo -S` on standard input).
    pub fn wrap(&self, command: Invocation, password: Option<&[u8]>) -> Invocation {
        let prefixed = |prefix: &[&str], command: Invocation| Invocation {
            program: prefix[0].into(),
            args: prefix[1..]
                .iter()
                .map(OsString::from)
                .chain(std::iter::once(command.program))
                .chain(command.args)
                .collect(),
            stdin: command.stdin,
        };
        match self {
            Escalation::None => command,
            Escalation::Pkexec => prefixed(&["pkexec"], command),
            Escalation::Sudo => prefixed(&["sudo"], command),
            Escalation::PromptThenSudo(_) => {
                // -k: never reuse a cached credential with a password we were just given;
                // -p "": no prompt text mixed into the output.
                let mut wrapped = prefixed(&["sudo", "-S", "-k", "-p", ""], command);
                let mut input = password.unwrap_or_default().to_vec();
                input.push(b'\n');
                wrapped.stdin = Some(input);
                wrapped
            }
        }
    }
}
