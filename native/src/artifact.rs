//! Verified artifacts: files on disk whose bytes verified against a signature.
//!
//! Installers take a [`VerifiedArtifact`], never a bare path: the only ways to get one are
//! [`VerifiedArtifact::verify_file`] (which streams the file through the core's
//! [`Verifier`]) and the download code, which verifies while it
//! writes.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use upkit_core::signature::{Keyring, Policy, Signature, Verified, Verifier, VerifyError};

/// The chunk size of [`VerifiedArtifact::verify_file`]: memory stays flat whatever the size.
const CHUNK: usize = 64 * 1024;

/// Why a file could not be verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The signature refused the file (or refused it before reading it).
    #[error("{} did not verify: {source}", path.display())]
    Verify {
        /// The file.
        path: PathBuf,
        /// Why.
        source: VerifyError,
    },
}

/// A file on disk whose bytes verified against a signature, with the proof.
///
/// Call order: verify first (here or while downloading), then hand `&VerifiedArtifact` to an
/// installer. The file must not change in between; it lives in a private temp directory or a
/// directory the caller controls.
#[derive(Debug, Clone)]
pub struct VerifiedArtifact {
    path: PathBuf,
    proof: Verified,
}

impl VerifiedArtifact {
    /// Verifies the file at `path` against `signature`, streaming it in 64 KiB chunks.
    ///
    /// Everything that does not need the bytes (key id, legacy policy, trusted comment, signed
    /// version, file binding) is checked before the file is opened.
    ///
    /// # Errors
    /// [`ArtifactError::Verify`] when the signature refuses the file, [`ArtifactError::Read`] when
    /// it cannot be read.
    pub fn verify_file(
        path: impl AsRef<Path>,
        keyring: &Keyring,
        signature: &Signature,
        policy: &Policy,
    ) -> Result<VerifiedArtifact, ArtifactError> {
        let path = path.as_ref();
        let verifier =
            Verifier::new(keyring, signature, policy).map_err(|source| ArtifactError::Verify {
                path: path.to_owned(),
                source,
            })?;
        VerifiedArtifact::verify_with(path, verifier)
    }

    /// Streams the file at `path` through `verifier` (made already, its byte-free checks
    /// passed), as [`VerifiedArtifact::verify_file`] does.
    pub(crate) fn verify_with(
        path: &Path,
        mut verifier: Verifier,
    ) -> Result<VerifiedArtifact, ArtifactError> {
        let refused = |source| ArtifactError::Verify {
            path: path.to_owned(),
            source,
        };
        let unreadable = |source| ArtifactError::Read {
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(unreadable)?;
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let read = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(unreadable(e)),
            };
            verifier.update(&buffer[..read]);
        }
        let proof = verifier.finish().map_err(refused)?;
        Ok(VerifiedArtifact {
            path: path.to_owned(),
            proof,
        })
    }

    /// Wraps a file that the caller verified while writing it (the download code).
    pub(crate) fn new(path: PathBuf, proof: Verified) -> Self {
        VerifiedArtifact { path, proof }
    }

    /// Where the verified file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The proof: key id, trusted comment, byte count.
    pub fn proof(&self) -> &Verified {
        &self.proof
    }

    /// The path, giving up the proof.
    pub fn into_path(self) -> PathBuf {
        self.path
    }
}
