//! Stdout belongs to the protocol: a byte that is not JSON-RPC there
//! breaks the client's connection. So before serving, the process's real
//! stdout is set aside for the protocol alone, and descriptor 1 is pointed
//! at stderr. A stray `println!` anywhere in git-spec, or a child process
//! that prints (a git hook, `git push` during an id reservation), then
//! lands on stderr, which clients show as the server's log.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use anyhow::{bail, Context as _, Result};

/// Takes stdout for the protocol; from now on fd 1 is a copy of stderr.
pub fn take_for_protocol() -> Result<ProtocolOut> {
    let stdout = io::stdout();
    // Nothing is buffered yet, but what would be must go to the old stdout.
    stdout.lock().flush().context("cannot flush stdout")?;
    let protocol: OwnedFd = stdout
        .as_fd()
        .try_clone_to_owned()
        .context("cannot duplicate stdout for the protocol")?;
    // SAFETY: dup2 on descriptors 2 and 1, which the process has open for
    // its whole life; it only replaces what descriptor 1 refers to, and
    // Rust's stdout keeps writing to descriptor 1.
    if unsafe { libc::dup2(2, 1) } < 0 {
        bail!(
            "cannot point stdout at stderr: {}",
            io::Error::last_os_error()
        );
    }
    Ok(ProtocolOut(File::from(protocol)))
}

/// The protocol's end of stdout, as the async writer the transport wants.
/// Writes block: a message is a few kilobytes to a pipe the client reads
/// all the time, and the server answers one request at a time anyway.
pub struct ProtocolOut(File);

impl tokio::io::AsyncWrite for ProtocolOut {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
