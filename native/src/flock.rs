//! Advisory file locks (`flock`) on Unix. The kernel drops a lock when the process that holds it
//! ends, however it ends: that is what tells a running download or install from a killed one.
//! Elsewhere there are none, and each function answers `Unsupported`.

use std::fs::File;
use std::io;

/// Takes an exclusive lock on `file` unless another open file holds one (`WouldBlock` then).
#[cfg(unix)]
pub(crate) fn try_exclusive(file: &File) -> io::Result<()> {
    use rustix::fs::{FlockOperation, flock};
    Ok(flock(file, FlockOperation::NonBlockingLockExclusive)?)
}

/// Takes an exclusive lock on `file`, waiting while another open file holds one (and again when a
/// signal interrupts the wait).
#[cfg(unix)]
pub(crate) fn exclusive(file: &File) -> io::Result<()> {
    use rustix::fs::{FlockOperation, flock};
    use rustix::io::Errno;
    loop {
        match flock(file, FlockOperation::LockExclusive) {
            Err(Errno::INTR) => continue,
            done => return Ok(done?),
        }
    }
}

#[cfg(not(unix))]
pub(crate) fn try_exclusive(_file: &File) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(not(unix))]
pub(crate) fn exclusive(_file: &File) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}
