//! One request for the log, copied into a single buffer on the request's
//! own thread.
//!
//! Entries wait in the writer's batch for up to a tenth of a second. Had
//! they kept the request's `HeaderMap` and bodies, they would have kept
//! hyper's read buffers alive (header values are slices of them), so every
//! connection would have allocated fresh buffers, and the writer thread
//! would have freed dozens of allocations made by the request threads; with
//! the log on, that made each request's own work about twice as expensive.
//! An encoded entry is one allocation, and everything of the request is
//! freed where it was made.
use std::time::{Duration, SystemTime};

/// One request's fields for the log, borrowed: `H` is the request's
/// `HeaderMap` when it is encoded, the encoded [`Headers`] when it is read.
pub(crate) struct Entry<'a, H> {
    pub(crate) started: SystemTime,
    pub(crate) method: &'a str,
    /// The path as sent (decoded when written).
    pub(crate) raw_path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) status_code: u16,
    pub(crate) process_time_ms: f64,
    pub(crate) client_host: Option<&'a str>,
    pub(crate) headers: H,
    pub(crate) request_body: &'a [u8],
    pub(crate) response_body: &'a [u8],
    pub(crate) response_size: usize,
    pub(crate) correlation_id: &'a str,
    pub(crate) test_scenario: Option<&'a str>,
    pub(crate) is_admin: bool,
    pub(crate) operation_key: Option<&'a str>,
}

/// What a request thread knows of one request.
pub(crate) type EntryFields<'a> = Entry<'a, &'a hyper::HeaderMap>;
/// An entry's fields, as the writer reads them.
pub(crate) type EntryView<'a> = Entry<'a, Headers<'a>>;

/// An encoded entry: fixed-size fields, then length-prefixed texts, then
/// the headers.
#[derive(Debug)]
pub(crate) struct LogEntry {
    bytes: Vec<u8>,
}

/// The length written for an absent text.
const ABSENT: u32 = u32::MAX;
/// Bytes of the fixed-size part.
const FIXED: usize = 8 + 4 + 2 + 8 + 8 + 1;

fn put_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).unwrap_or(ABSENT - 1);
    out.extend_from_slice(&len.to_le_bytes());
}

fn put(out: &mut Vec<u8>, data: &[u8]) {
    let data = &data[..data.len().min((ABSENT - 1) as usize)];
    put_len(out, data.len());
    out.extend_from_slice(data);
}

fn put_optional(out: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        Some(data) => put(out, data),
        None => out.extend_from_slice(&ABSENT.to_le_bytes()),
    }
}

impl LogEntry {
    /// Copies what the log needs of a request into one buffer, bodies up
    /// to `body_limit` bytes.
    pub(crate) fn encode(fields: &EntryFields<'_>, body_limit: usize) -> Self {
        let cap = |body: &'_ [u8]| body.len().min(body_limit);
        let headers: usize = fields
            .headers
            .iter()
            .map(|(name, value)| 8 + name.as_str().len() + value.len())
            .sum();
        let size = FIXED
            + 4 * 10
            + fields.method.len()
            + fields.raw_path.len()
            + fields.query.len()
            + fields.client_host.map_or(0, str::len)
            + cap(fields.request_body)
            + cap(fields.response_body)
            + fields.correlation_id.len()
            + fields.test_scenario.map_or(0, str::len)
            + fields.operation_key.map_or(0, str::len)
            + headers;
        let mut out = Vec::with_capacity(size);
        let since = fields
            .started
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        out.extend_from_slice(&since.as_secs().to_le_bytes());
        out.extend_from_slice(&since.subsec_nanos().to_le_bytes());
        out.extend_from_slice(&fields.status_code.to_le_bytes());
        out.extend_from_slice(&fields.process_time_ms.to_le_bytes());
        let response_size = u64::try_from(fields.response_size).unwrap_or(u64::MAX);
        out.extend_from_slice(&response_size.to_le_bytes());
        out.push(u8::from(fields.is_admin));
        put(&mut out, fields.method.as_bytes());
        put(&mut out, fields.raw_path.as_bytes());
        put(&mut out, fields.query.as_bytes());
        put_optional(&mut out, fields.client_host.map(str::as_bytes));
        put(&mut out, &fields.request_body[..cap(fields.request_body)]);
        put(&mut out, &fields.response_body[..cap(fields.response_body)]);
        put(&mut out, fields.correlation_id.as_bytes());
        put_optional(&mut out, fields.test_scenario.map(str::as_bytes));
        put_optional(&mut out, fields.operation_key.map(str::as_bytes));
        put_len(&mut out, fields.headers.len());
        for (name, value) in fields.headers {
            put(&mut out, name.as_str().as_bytes());
            put(&mut out, value.as_bytes());
        }
        Self { bytes: out }
    }

    /// The entry's fields, borrowed from its buffer.
    pub(crate) fn view(&self) -> EntryView<'_> {
        let mut reader = Reader {
            bytes: &self.bytes,
            at: 0,
        };
        let secs = u64::from_le_bytes(reader.array());
        let nanos = u32::from_le_bytes(reader.array());
        let status_code = u16::from_le_bytes(reader.array());
        let process_time_ms = f64::from_le_bytes(reader.array());
        let response_size = u64::from_le_bytes(reader.array());
        let [is_admin] = reader.array();
        let method = reader.text().unwrap_or_default();
        let raw_path = reader.text().unwrap_or_default();
        let query = reader.text().unwrap_or_default();
        let client_host = reader.text();
        let request_body = reader.bytes().unwrap_or_default();
        let response_body = reader.bytes().unwrap_or_default();
        let correlation_id = reader.text().unwrap_or_default();
        let test_scenario = reader.text();
        let operation_key = reader.text();
        let count = reader.len().unwrap_or(0);
        let headers = Headers {
            count,
            bytes: reader.rest(),
        };
        EntryView {
            started: SystemTime::UNIX_EPOCH + Duration::new(secs, nanos.min(999_999_999)),
            method,
            raw_path,
            query,
            status_code,
            process_time_ms,
            client_host,
            headers,
            request_body,
            response_body,
            response_size: usize::try_from(response_size).unwrap_or(usize::MAX),
            correlation_id,
            test_scenario,
            is_admin: is_admin != 0,
            operation_key,
        }
    }
}

/// The request's headers, in the order received.
#[derive(Clone, Copy)]
pub(crate) struct Headers<'a> {
    count: usize,
    /// Their encoding: the same headers encode to the same bytes.
    pub(crate) bytes: &'a [u8],
}

impl<'a> Headers<'a> {
    /// The headers' names and values.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + use<'a> {
        let mut reader = Reader {
            bytes: self.bytes,
            at: 0,
        };
        (0..self.count).map_while(move |_| Some((reader.bytes()?, reader.bytes()?)))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let taken = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        self.take(N)
            .and_then(|taken| taken.try_into().ok())
            .unwrap_or([0; N])
    }

    fn len(&mut self) -> Option<usize> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
        (len != ABSENT).then_some(len as usize)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.len()?;
        self.take(len)
    }

    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_written() {
        let mut headers = hyper::HeaderMap::new();
        headers.append("host", "localhost:8000".parse().unwrap());
        headers.append("accept", "a".parse().unwrap());
        headers.append("accept", "b".parse().unwrap());
        let started = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        let entry = LogEntry::encode(
            &EntryFields {
                started,
                method: "POST",
                raw_path: "/v1/pets%2F7",
                query: "a=1&b=2",
                status_code: 201,
                process_time_ms: 1.25,
                client_host: None,
                headers: &headers,
                request_body: b"0123456789",
                response_body: b"{}",
                response_size: 2,
                correlation_id: "abc",
                test_scenario: Some("slow"),
                is_admin: true,
                operation_key: Some("POST /v1/pets"),
            },
            4,
        );
        let view = entry.view();
        assert_eq!(view.started, started);
        assert_eq!(view.method, "POST");
        assert_eq!(view.raw_path, "/v1/pets%2F7");
        assert_eq!(view.query, "a=1&b=2");
        assert_eq!(view.status_code, 201);
        assert!((view.process_time_ms - 1.25).abs() < f64::EPSILON);
        assert_eq!(view.client_host, None);
        assert_eq!(view.request_body, b"0123");
        assert_eq!(view.response_body, b"{}");
        assert_eq!(view.response_size, 2);
        assert_eq!(view.correlation_id, "abc");
        assert_eq!(view.test_scenario, Some("slow"));
        assert!(view.is_admin);
        assert_eq!(view.operation_key, Some("POST /v1/pets"));
        let pairs: Vec<(&[u8], &[u8])> = view.headers.iter().collect();
        assert_eq!(
            pairs,
            vec![
                (&b"host"[..], &b"localhost:8000"[..]),
                (b"accept", b"a"),
                (b"accept", b"b")
            ]
        );
        assert_eq!(entry.bytes.capacity(), entry.bytes.len());
    }
}
