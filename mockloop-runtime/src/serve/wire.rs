//! The connection's byte stream, as hyper reads and writes it, with one
//! difference: a request whose target is too long for hyper (over 64 KiB,
//! the `http` crate's limit) is refused as uvicorn refuses it, `400 Invalid
//! HTTP request received.`, instead of hyper's `414 URI Too Long`. uvicorn
//! (httptools) stops at the same length, so the two engines answer such a
//! request alike, with a status clients count as a refusal of bad input.
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How hyper's own answer to a too-long target begins (it writes it, then
/// closes the connection, before any service sees the request).
const HYPER_TOO_LONG: &[u8] =
    b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\n";

/// uvicorn's answer to a request it cannot parse.
const INVALID_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
content-type: text/plain; charset=utf-8\r\n\
content-length: 30\r\n\
connection: close\r\n\
\r\n\
Invalid HTTP request received.";

/// A stream whose writes pass through, but for [`HYPER_TOO_LONG`].
pub(crate) struct Wire<S> {
    inner: S,
    /// Bytes of [`INVALID_REQUEST`] written so far, while it replaces a
    /// write of hyper's (which is reported written once it is).
    replacing: Option<usize>,
}

impl<S> Wire<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> Wire<S> {
    /// Writes [`INVALID_REQUEST`] in place of `len` bytes of hyper's.
    fn poll_replace(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<usize>> {
        let mut done = self.replacing.unwrap_or(0);
        while done < INVALID_REQUEST.len() {
            let written =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &INVALID_REQUEST[done..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            done += written;
            self.replacing = Some(done);
        }
        self.replacing = None;
        Poll::Ready(Ok(len))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_some() || buf.starts_with(HYPER_TOO_LONG) {
            return self.poll_replace(cx, buf.len());
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|buf| !buf.is_empty());
        if self.replacing.is_some() || first.is_some_and(|buf| buf.starts_with(HYPER_TOO_LONG)) {
            let len = bufs.iter().map(|buf| buf.len()).sum();
            return self.poll_replace(cx, len);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn hypers_too_long_answer_becomes_uvicorns() {
        let (client, server) = tokio::io::duplex(4096);
        let mut wire = Wire::new(server);
        let mut answer = HYPER_TOO_LONG.to_vec();
        answer.extend_from_slice(b"date: Wed, 02 Dec 2026 08:00:00 GMT\r\n\r\n");
        let written = wire.write(&answer).await.unwrap();
        assert_eq!(written, answer.len());
        wire.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        drop(wire);
        let mut seen = Vec::new();
        let mut client = client;
        client.read_to_end(&mut seen).await.unwrap();
        let mut expected = INVALID_REQUEST.to_vec();
        expected.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(seen, expected);
    }
}
