//! A lean HTTP/1.1 client connection for load tests: requests are encoded
//! once, written as bytes, and responses are read with `httparse` (the
//! parser hyper uses), bodies counted and dropped. Content-Length, chunked
//! and read-to-close bodies are understood; no pipelining.
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::super::requests::Prepared;

/// Most response header bytes accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Most headers in a response.
const MAX_HEADERS: usize = 64;

/// Why a request got no response.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The connection could not be opened.
    Connect(io::Error),
    /// The connection failed while the request was under way.
    Io(io::Error),
    /// The response is not HTTP/1.1 as it should be.
    Protocol(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(err) => write!(f, "cannot connect: {err}"),
            Self::Io(err) => write!(f, "the connection failed: {err}"),
            Self::Protocol(reason) => write!(f, "{reason}"),
        }
    }
}

/// What was read of one response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer {
    /// The status code.
    pub(crate) status: u16,
    /// Whether the connection can carry another request.
    pub(crate) reusable: bool,
    /// Bytes read for it (head and body).
    pub(crate) bytes: u64,
}

/// One request encoded for the wire, with what the reader must know.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    /// Request line, headers and body.
    pub(crate) bytes: Vec<u8>,
    /// A HEAD request's response has no body.
    pub(crate) head: bool,
}

/// Encodes `request` for `host` (the `Host` header's value).
pub(crate) fn encode(request: &Prepared, host: &str, keep_alive: bool) -> Encoded {
    let mut out = Vec::with_capacity(256 + request.body.as_ref().map_or(0, Vec::len));
    out.extend_from_slice(request.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(request.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\nUser-Agent: mockloop-load\r\n");
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    for (name, value) in &request.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match &request.body {
        Some(body) => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        None if matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") => {
            out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        }
        None => out.extend_from_slice(b"\r\n"),
    }
    Encoded {
        bytes: out,
        head: request.method == "HEAD",
    }
}

/// One client connection.
pub(crate) struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    /// Bytes read since the last answer.
    read: u64,
}

impl Connection {
    /// Connects to `address`.
    pub(crate) async fn open(address: SocketAddr) -> Result<Self, WireError> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(WireError::Connect)?;
        stream.set_nodelay(true).map_err(WireError::Connect)?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
            read: 0,
        })
    }

    /// Sends one request and reads its whole response.
    pub(crate) async fn exchange(&mut self, request: &Encoded) -> Result<Answer, WireError> {
        self.read = 0;
        self.stream
            .write_all(&request.bytes)
            .await
            .map_err(WireError::Io)?;
        self.buffer.clear();
        let (status, head_len, framing, close) = loop {
            if let Some(parsed) = parse_head(&self.buffer)? {
                break parsed;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(WireError::Protocol(
                    "the response headers are larger than 64 KiB".to_owned(),
                ));
            }
            if self.fill().await? == 0 {
                return Err(WireError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection before answering",
                )));
            }
        };
        let no_body = request.head || status / 100 == 1 || status == 204 || status == 304;
        let framing = if no_body { Framing::Length(0) } else { framing };
        let reusable = match framing {
            Framing::Length(length) => {
                self.read_exact_body(head_len, length).await?;
                !close
            }
            Framing::Chunked => {
                self.read_chunked(head_len).await?;
                !close
            }
            Framing::UntilClose => {
                while self.fill().await? > 0 {
                    self.buffer.clear();
                }
                false
            }
        };
        let bytes = std::mem::take(&mut self.read);
        Ok(Answer {
            status,
            reusable,
            bytes,
        })
    }

    /// Reads what the socket has into the buffer's spare room (never
    /// zero-filled first: `read_buf` writes into uninitialised capacity).
    async fn fill(&mut self) -> Result<usize, WireError> {
        self.buffer.reserve(16 * 1024);
        let count = self
            .stream
            .read_buf(&mut self.buffer)
            .await
            .map_err(WireError::Io)?;
        self.read += count as u64;
        Ok(count)
    }

    async fn read_exact_body(&mut self, head_len: usize, length: usize) -> Result<(), WireError> {
        let mut have = self.buffer.len() - head_len;
        self.buffer.clear();
        while have < length {
            let count = self.fill().await?;
            if count == 0 {
                return Err(truncated());
            }
            have += count;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Reads a chunked body to its end (trailers included).
    async fn read_chunked(&mut self, head_len: usize) -> Result<(), WireError> {
        self.buffer.drain(..head_len);
        loop {
            match httparse::parse_chunk_size(&self.buffer) {
                Ok(httparse::Status::Complete((size_len, 0))) => {
                    self.buffer.drain(..size_len);
                    // Trailers end with an empty line.
                    loop {
                        if let Some(end) = find(&self.buffer, b"\r\n") {
                            let line_empty = end == 0;
                            self.buffer.drain(..end + 2);
                            if line_empty {
                                return Ok(());
                            }
                        } else if self.fill().await? == 0 {
                            return Err(truncated());
                        }
                    }
                }
                Ok(httparse::Status::Complete((size_len, size))) => {
                    let need = size_len + usize::try_from(size).unwrap_or(usize::MAX) + 2;
                    while self.buffer.len() < need {
                        if self.fill().await? == 0 {
                            return Err(truncated());
                        }
                    }
                    self.buffer.drain(..need);
                }
                Ok(httparse::Status::Partial) => {
                    if self.fill().await? == 0 {
                        return Err(truncated());
                    }
                }
                Err(_) => return Err(WireError::Protocol("a malformed chunk size".to_owned())),
            }
        }
    }
}

fn truncated() -> WireError {
    WireError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the server closed the connection in the middle of a response body",
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// How the body's end is known.
#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// The status, head length, framing and `Connection: close` of a complete
/// response head, or `None` while it is incomplete.
fn parse_head(buffer: &[u8]) -> Result<Option<(u16, usize, Framing, bool)>, WireError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(err) => return Err(WireError::Protocol(format!("an invalid response: {err}"))),
    };
    let status = response.code.unwrap_or(0);
    let mut framing = Framing::UntilClose;
    let mut close = response.version == Some(0);
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|text| text.trim().parse::<usize>().ok())
                .ok_or_else(|| WireError::Protocol("an invalid Content-Length".to_owned()))?;
            if !matches!(framing, Framing::Chunked) {
                framing = Framing::Length(length);
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            if header.value.to_ascii_lowercase().ends_with(b"chunked") {
                framing = Framing::Chunked;
            }
        } else if header.name.eq_ignore_ascii_case("connection") {
            let value = header.value.to_ascii_lowercase();
            if value.windows(5).any(|w| w == b"close") {
                close = true;
            } else if value.windows(10).any(|w| w == b"keep-alive") {
                close = false;
            }
        }
    }
    Ok(Some((status, head_len, framing, close)))
}
