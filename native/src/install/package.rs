//! Linux system packages: `.deb` through `dpkg -i`, `.rpm` through `rpm -U`, as root through the
//! contract's escalation chain.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::runner::{CommandRunner, Escalation, Invocation};
use super::{InstallError, InstallEvent, InstallOptions, Observer};

/// A system package format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageKind {
    /// Debian: an `ar` archive whose first member is `debian-binary`.
    Deb,
    /// RPM: the lead magic `ED AB EE DB`.
    Rpm,
}

impl PackageKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Rpm => "rpm",
        }
    }

    /// The install command without its file, for messages.
    pub(crate) fn short(self) -> &'static str {
        match self {
            PackageKind::Deb => "dpkg -i",
            PackageKind::Rpm => "rpm -U",
        }
    }

    /// Whether `head` (the file's first bytes) has this format's magic.
    pub(crate) fn matches(self, head: &[u8]) -> bool {
        match self {
            PackageKind::Deb => head.starts_with(b"!<arch>\ndebian-binary"),
            PackageKind::Rpm => head.starts_with(&[0xED, 0xAB, 0xEE, 0xDB]),
        }
    }

    /// The package manager's install command for `file`, with `extra` options before it.
    fn command(self, file: &Path, extra: &[OsString], downgrades: Downgrades) -> Invocation {
        let (program, action) = match self {
            PackageKind::Deb => ("dpkg", "-i"),
            PackageKind::Rpm => ("rpm", "-U"),
        };
        let mut args: Vec<OsString> = extra.to_vec();
        // rpm refuses a downgrade by itself; dpkg makes one silently (see `refuse_downgrade`).
        if self == PackageKind::Rpm && downgrades == Downgrades::Allow {
            args.push("--oldpackage".into());
        }
        args.push(action.into());
        args.push(file.as_os_str().to_owned());
        Invocation {
            program: program.into(),
            args,
            stdin: None,
        }
    }
}

/// Reads up to `n` first bytes of `path`.
pub(crate) fn head(path: &Path, n: usize) -> io::Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(n);
    File::open(path)?.take(n as u64).read_to_end(&mut buffer)?;
    Ok(buffer)
}

/// Whether a package older than the installed one may be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Downgrades {
    /// Refused (the default): the manifest offered a newer version, so an older package inside
    /// is a publishing mistake.
    #[default]
    Refuse,
    /// Allowed (the update is a downgrade, which the check allowed).
    Allow,
}

impl Downgrades {
    /// [`Downgrades::Allow`] for an update to `version` from `current` that is a downgrade,
    /// else [`Downgrades::Refuse`]: the package is expected to be older only then.
    pub fn for_update(
        version: &upkit_core::version::Version,
        current: &upkit_core::version::Version,
    ) -> Downgrades {
        if upkit_core::version::compare(version, current) == std::cmp::Ordering::Less {
            Downgrades::Allow
        } else {
            Downgrades::Refuse
        }
    }
}

/// Refuses a deb older than the installed package of the same name. `dpkg -i` downgrades
/// silently, and with `--refuse-downgrade` it skips the package and still exits 0, so the
/// versions are compared here (`dpkg-deb --field`, `dpkg-query`, `dpkg --compare-versions`).
/// Best effort: when a tool cannot tell (not installed yet, no dpkg-query), dpkg decides.
fn refuse_downgrade(
    runner: &dyn CommandRunner,
    file: &Path,
    payload: &Path,
    extra: &[OsString],
) -> Result<(), InstallError> {
    let output = |program: &str, args: Vec<OsString>| {
        runner
            .run(&Invocation::new(program, args))
            .ok()
            .filter(|done| done.success())
            .map(|done| String::from_utf8_lossy(&done.stdout).trim().to_owned())
    };
    let field = |name: &str| {
        let args = vec!["--field".into(), file.as_os_str().to_owned(), name.into()];
        output("dpkg-deb", args)
    };
    let (Some(package), Some(offered)) = (field("Package"), field("Version")) else {
        return Ok(());
    };
    // The same database as the install: dpkg's `--root`/`--admindir` options, if given.
    let mut query: Vec<OsString> = extra
        .iter()
        .filter(|a| {
            let a = a.to_string_lossy();
            a.starts_with("--root=") || a.starts_with("--admindir=")
        })
        .cloned()
        .collect();
    query.extend([
        "--show".into(),
        "--showformat=${Version} ${db:Status-Abbrev}".into(),
    ]);
    query.push(package.clone().into());
    let Some(installed) = output("dpkg-query", query) else {
        return Ok(());
    };
    let Some(installed) = installed.strip_suffix("ii").map(str::trim) else {
        return Ok(()); // not (fully) installed
    };
    let compare = [installed, "gt", offered.as_str()].map(OsString::from);
    let older = runner
        .run(&Invocation::new(
            "dpkg",
            [OsString::from("--compare-versions")]
                .into_iter()
                .chain(compare),
        ))
        .is_ok_and(|done| done.success());
    if older {
        return Err(InstallError::Downgrade {
            path: payload.to_owned(),
            package,
            installed: installed.to_owned(),
            offered,
        });
    }
    Ok(())
}

/// The name of the package in `file` (`dpkg-deb --field FILE Package`, `rpm --query --package
/// --queryformat %{NAME} FILE`); `None` when the tool cannot tell.
fn payload_name(runner: &dyn CommandRunner, kind: PackageKind, file: &Path) -> Option<String> {
    let file = file.as_os_str().to_owned();
    let invocation = match kind {
        PackageKind::Deb => Invocation::new(
            "dpkg-deb",
            [OsString::from("--field"), file, "Package".into()],
        ),
        PackageKind::Rpm => Invocation::new(
            "rpm",
            [
                OsString::from("--query"),
                "--package".into(),
                "--queryformat".into(),
                "%{NAME}".into(),
                file,
            ],
        ),
    };
    let done = runner.run(&invocation).ok().filter(|done| done.success())?;
    let name = String::from_utf8(done.stdout).ok()?.trim().to_owned();
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some(name)
}

/// The package that owns `file` in the system's database (`dpkg-query --search`, `rpm --query
/// --file`): the package an app running from `file` was installed from. `None` when no package
/// or several own it, or the tool is missing.
pub(crate) fn owning_package(kind: PackageKind, file: &Path) -> Option<String> {
    let file = file.as_os_str().to_owned();
    let invocation = match kind {
        PackageKind::Deb => Invocation::new(
            "dpkg-query",
            [OsString::from("--search"), "--".into(), file],
        ),
        PackageKind::Rpm => Invocation::new(
            "rpm",
            [
                OsString::from("--query"),
                "--queryformat".into(),
                "%{NAME}\\n".into(),
                "--file".into(),
                "--".into(),
                file,
            ],
        ),
    };
    let done = super::SystemRunner
        .run(&invocation)
        .ok()
        .filter(|done| done.success())?;
    let text = String::from_utf8(done.stdout).ok()?;
    match kind {
        PackageKind::Deb => owner_from_dpkg_search(&text),
        PackageKind::Rpm => {
            let mut names = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let name = names.next()?;
            names.next().is_none().then(|| name.to_owned())
        }
    }
}

/// The one package in `dpkg-query --search` output (`pkg: /path`, `pkg:arch: /path`, diversion
/// lines skipped); `None` when there are several (`a, b: /path`) or none.
fn owner_from_dpkg_search(text: &str) -> Option<String> {
    let mut owners = text
        .lines()
        .filter(|line| !line.starts_with("diversion by "))
        .filter_map(|line| line.split_once(": ").map(|(owners, _)| owners));
    let owners = owners.next()?;
    if owners.contains(", ") {
        return None;
    }
    Some(owners.split(':').next()?.to_owned())
}

/// Installs the package at `payload` (already verified): magic checked, copied into a private
/// temp dir, then `dpkg -i` / `rpm -U` through the escalation chain, with the options' runner and
/// package arguments. A package older than the installed one is refused unless the options'
/// downgrades allow it, and one named otherwise than the options' package name, if given.
pub(crate) fn install(
    payload: &Path,
    kind: PackageKind,
    options: &InstallOptions<'_>,
    observer: &Observer<'_>,
) -> Result<String, InstallError> {
    let (runner, extra, downgrades) = (
        options.runner,
        options.package_args.as_slice(),
        options.downgrades,
    );
    // A private copy (0700 directory): the package manager, running as root, reads a file that
    // nobody else can swap; the magic is checked on that copy.
    let dir = tempfile::Builder::new()
        .prefix("upkit-package-")
        .tempdir()
        .map_err(crate::error::without_temp_name)
        .map_err(|source| InstallError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let file = dir.path().join(format!("update.{}", kind.name()));
    std::fs::copy(payload, &file).map_err(|source| InstallError::Io {
        path: file.clone(),
        source,
    })?;
    let magic = head(&file, 32).map_err(|source| InstallError::Io {
        path: file.clone(),
        source,
    })?;
    if !kind.matches(&magic) {
        return Err(InstallError::NotAPackage {
            path: payload.to_owned(),
            format: kind.name(),
        });
    }
    if let Some(expected) = options.package_name.as_deref()
        && let Some(package) = payload_name(runner, kind, &file)
        && package != expected
    {
        return Err(InstallError::OtherPackage {
            path: payload.to_owned(),
            format: kind.name(),
            package,
            expected: expected.to_owned(),
        });
    }
    if kind == PackageKind::Deb && downgrades == Downgrades::Refuse {
        refuse_downgrade(runner, &file, payload, extra)?;
    }
    let escalation = Escalation::pick(runner).ok_or(InstallError::NoEscalation)?;
    let mut password = None;
    if let Some(prompt) = escalation.prompt("Install update") {
        let shown = prompt.display();
        let answer = runner.run(&prompt).map_err(|source| InstallError::Spawn {
            command: shown,
            source,
        })?;
        if !answer.success() {
            return Err(InstallError::PromptCancelled);
        }
        let mut text = answer.stdout;
        while text.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            text.pop();
        }
        password = Some(text);
    }
    let command = escalation.wrap(kind.command(&file, extra, downgrades), password.as_deref());
    let shown = command.display();
    observer(&InstallEvent::Running { command: &shown });
    let done = runner.run(&command).map_err(|source| InstallError::Spawn {
        command: shown.clone(),
        source,
    })?;
    if !done.success() {
        return Err(InstallError::CommandFailed {
            command: kind.short(),
            path: payload.to_owned(),
            code: done.code,
            stderr: String::from_utf8_lossy(&done.stderr).trim().to_owned(),
        });
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::owner_from_dpkg_search;

    #[test]
    fn dpkg_search_output() {
        let owner = |text: &str| owner_from_dpkg_search(text);
        assert_eq!(
            owner("upkit-hello: /opt/upkit-hello/bin\n"),
            Some("upkit-hello".into())
        );
        assert_eq!(
            owner("libc6:amd64: /usr/lib/x86_64-linux-gnu/libc.so.6\n"),
            Some("libc6".into())
        );
        assert_eq!(
            owner(
                "diversion by dash from: /bin/sh\ndiversion by dash to: /bin/sh.distrib\ndash: /bin/sh\n"
            ),
            Some("dash".into())
        );
        assert_eq!(owner("a, b: /usr/share/doc\n"), None);
        assert_eq!(owner(""), None);
    }
}
