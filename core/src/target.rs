//! Targets: the OS, architecture and installer names of the Tauri protocol, and which platform
//! keys a static manifest is searched for.
//!
//! The core never looks at the machine it runs on: the native shell detects the platform and
//! passes it in, so that a web dashboard can ask "what would a Windows ARM client get?".

use std::fmt;
use std::str::FromStr;

/// Why a target name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The name is not one of the known names of its kind.
    #[error("unknown {kind} `{name}`: expected one of {expected}")]
    Unknown {
        /// `os`, `arch` or `bundle type`.
        kind: &'static str,
        /// The name as given.
        name: String,
        /// The known names, comma separated.
        expected: String,
    },
}

macro_rules! names {
    ($(#[$meta:meta])* $ty:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $name:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $ty {
            $($(#[$vmeta])* $variant),+
        }

        impl $ty {
            /// Every value, in the protocol's order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name used in platform keys and endpoint templates.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = TargetError;

            /// Parses the protocol name exactly (names are case-sensitive).
            fn from_str(s: &str) -> Result<Self, TargetError> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(TargetError::Unknown {
                        kind: $kind,
                        name: s.to_owned(),
                        expected: $ty::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }
    };
}

names!(
    /// An operating system, by its protocol name.
    Os, "os", {
        /// Linux.
        Linux => "linux",
        /// macOS.
        Darwin => "darwin",
        /// Windows.
        Windows => "windows",
    }
);

names!(
    /// A CPU architecture, by its protocol name.
    Arch, "arch", {
        /// 64-bit x86.
        X86_64 => "x86_64",
        /// 32-bit x86.
        I686 => "i686",
        /// 64-bit ARM.
        Aarch64 => "aarch64",
        /// 32-bit ARM (hard float).
        Armv7 => "armv7",
        /// 64-bit RISC-V.
        Riscv64 => "riscv64",
    }
);

names!(
    /// An installer (Tauri's "bundle type"), by its protocol name.
    Installer, "bundle type", {
        /// A Linux AppImage.
        AppImage => "appimage",
        /// A Debian package.
        Deb => "deb",
        /// An RPM package.
        Rpm => "rpm",
        /// A macOS `.app` bundle.
        App => "app",
        /// A Windows MSI package.
        Msi => "msi",
        /// A Windows NSIS setup program.
        Nsis => "nsis",
    }
);

impl Installer {
    /// Reads a bundle type as a client names it: an installer name, or `unknown` for none (what
    /// `{{bundle_type}}` renders to without one).
    ///
    /// # Errors
    /// [`TargetError::Unknown`] for any other name, listing `unknown` among the expected ones.
    pub fn parse_bundle_type(name: &str) -> Result<Option<Installer>, TargetError> {
        match name {
            "unknown" => Ok(None),
            _ => name.parse().map(Some).map_err(|e| match e {
                TargetError::Unknown {
                    kind,
                    name,
                    expected,
                } => TargetError::Unknown {
                    kind,
                    name,
                    expected: format!("{expected}, unknown"),
                },
            }),
        }
    }
}

impl Os {
    /// The installers an app on this OS can be installed with.
    pub fn installers(self) -> &'static [Installer] {
        match self {
            Os::Linux => &[Installer::AppImage, Installer::Deb, Installer::Rpm],
            Os::Darwin => &[Installer::App],
            Os::Windows => &[Installer::Msi, Installer::Nsis],
        }
    }
}

/// What a client asks for: its platform, and optionally a custom target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The operating system.
    pub os: Os,
    /// The CPU architecture.
    pub arch: Arch,
    /// How the running app was installed, when known.
    pub installer: Option<Installer>,
    /// A custom target replaces the platform lookup: it is the only key tried, verbatim, and it
    /// is what `{{target}}` renders to.
    pub custom: Option<String>,
}

impl Target {
    /// A platform target without a custom name.
    pub fn new(os: Os, arch: Arch, installer: Option<Installer>) -> Self {
        Target {
            os,
            arch,
            installer,
            custom: None,
        }
    }

    /// The platform keys a static manifest is searched for, in order: `{os}-{arch}-{installer}`
    /// (only when the installer is known), then `{os}-{arch}`; or the custom target alone.
    pub fn keys(&self) -> Vec<String> {
        if let Some(custom) = &self.custom {
            return vec![custom.clone()];
        }
        let base = format!("{}-{}", self.os, self.arch);
        match self.installer {
            Some(installer) => vec![format!("{base}-{installer}"), base],
            None => vec![base],
        }
    }

    /// What `{{target}}` renders to: the custom target verbatim, else the OS name.
    pub fn template_target(&self) -> &str {
        self.custom.as_deref().unwrap_or(self.os.name())
    }

    /// What `{{bundle_type}}` renders to: the installer name, else `unknown`.
    pub fn bundle_type(&self) -> &'static str {
        self.installer.map_or("unknown", Installer::name)
    }
}

/// Whether `key` has the shape of a platform key the protocol knows: `{os}-{arch}` or
/// `{os}-{arch}-{installer}` with known names and an installer that belongs to the OS.
pub fn is_known_key(key: &str) -> bool {
    let mut parts = key.splitn(3, '-');
    let (Some(os), Some(arch)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(os), Ok(_)) = (os.parse::<Os>(), arch.parse::<Arch>()) else {
        return false;
    };
    match parts.next() {
        None => true,
        Some(installer) => installer
            .parse::<Installer>()
            .is_ok_and(|i| os.installers().contains(&i)),
    }
}

/// A known platform key an unknown one probably meant (`macos-arm64` → `darwin-aarch64`).
pub fn suggest_key(key: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let mut parts = lower.split('-');
    let os = match parts.next()? {
        "darwin" | "macos" | "mac" | "osx" | "apple" => "darwin",
        "windows" | "win" | "win32" | "win64" => "windows",
        "linux" => "linux",
        _ => return None,
    };
    let arch = match parts.next()? {
        "x86_64" | "x64" | "amd64" | "intel" | "x86" if os == "darwin" => "x86_64",
        "x86_64" | "x64" | "amd64" | "intel" => "x86_64",
        "i686" | "x86" | "i386" | "i586" | "ia32" => "i686",
        "aarch64" | "arm64" => "aarch64",
        "armv7" | "arm" | "armhf" | "armv7l" => "armv7",
        "riscv64" => "riscv64",
        _ => return None,
    };
    let candidate = match parts.next() {
        None => format!("{os}-{arch}"),
        Some(installer) => format!("{os}-{arch}-{installer}"),
    };
    (parts.next().is_none() && is_known_key(&candidate) && candidate != key).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_suggestions() {
        for (key, suggested) in [
            ("macos-arm64", Some("darwin-aarch64")),
            ("darwin-intel", Some("darwin-x86_64")),
            ("windows-x64", Some("windows-x86_64")),
            ("Linux-x86_64-AppImage", Some("linux-x86_64-appimage")),
            ("win32-x86", Some("windows-i686")),
            ("darwin-universal", None),
            ("linux-x86_64", None),
            ("linux-x86_64-msi", None),
        ] {
            assert_eq!(suggest_key(key).as_deref(), suggested, "{key}");
        }
    }

    #[test]
    fn lookup_order() {
        let t = Target::new(Os::Linux, Arch::X86_64, Some(Installer::AppImage));
        assert_eq!(t.keys(), ["linux-x86_64-appimage", "linux-x86_64"]);
        let t = Target::new(Os::Darwin, Arch::Aarch64, None);
        assert_eq!(t.keys(), ["darwin-aarch64"]);
        assert_eq!(t.template_target(), "darwin");
        assert_eq!(t.bundle_type(), "unknown");
    }

    #[test]
    fn custom_target_is_the_only_key() {
        let mut t = Target::new(Os::Windows, Arch::X86_64, Some(Installer::Nsis));
        t.custom = Some("Windows-Beta".into());
        assert_eq!(t.keys(), ["Windows-Beta"]);
        assert_eq!(t.template_target(), "Windows-Beta");
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for os in Os::ALL {
            assert_eq!(os.name().parse::<Os>().unwrap(), *os);
        }
        for arch in Arch::ALL {
            assert_eq!(arch.name().parse::<Arch>().unwrap(), *arch);
        }
        for i in Installer::ALL {
            assert_eq!(i.name().parse::<Installer>().unwrap(), *i);
        }
        assert_eq!(
            "Linux".parse::<Os>().unwrap_err().to_string(),
            "unknown os `Linux`: expected one of linux, darwin, windows"
        );
    }

    #[test]
    fn bundle_types_are_installers_or_unknown() {
        for i in Installer::ALL {
            assert_eq!(Installer::parse_bundle_type(i.name()).unwrap(), Some(*i));
        }
        assert_eq!(Installer::parse_bundle_type("unknown").unwrap(), None);
        assert_eq!(
            Installer::parse_bundle_type("exe").unwrap_err().to_string(),
            "unknown bundle type `exe`: expected one of appimage, deb, rpm, app, msi, nsis, unknown"
        );
    }

    #[test]
    fn known_keys() {
        for key in [
            "linux-x86_64",
            "darwin-aarch64-app",
            "windows-i686-nsis",
            "linux-riscv64-rpm",
        ] {
            assert!(is_known_key(key), "{key}");
        }
        for key in [
            "darwin-universal",
            "macos-arm64",
            "linux-x86_64-msi",
            "linux",
            "windows-x64",
        ] {
            assert!(!is_known_key(key), "{key}");
        }
    }
}
