//! A request as the mock reads it: the path decoded (an encoded slash kept
//! inside its segment), the query, headers, cookies and body.
use bytes::Bytes;
use hyper::HeaderMap;

/// What an encoded slash (`%2F`) is while routing: NUL, as in
/// `mockloop_mock/raw_path.py`.
pub(crate) const SLASH: char = '\0';

/// One request, read.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) method: hyper::Method,
    /// The decoded path the router sees.
    pub(crate) path: String,
    /// The path as sent.
    pub(crate) raw_path: String,
    /// Whether `path` holds encoded slashes as [`SLASH`].
    pub(crate) encoded_slash: bool,
    /// The raw query string.
    pub(crate) query_string: String,
    /// The query, decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The route's path parameters (by the route's names).
    pub(crate) path_params: Vec<(String, String)>,
    /// The client's address.
    pub(crate) client: Option<String>,
    /// The port the request came in on.
    pub(crate) local_port: u16,
}

impl Incoming {
    /// Reads the parts of a request that routing needs.
    pub(crate) fn new(
        method: hyper::Method,
        raw_path: &str,
        query_string: Option<&str>,
        headers: HeaderMap,
        client: Option<String>,
        local_port: u16,
    ) -> Self {
        let (path, encoded_slash) = decode_path(raw_path);
        let query_string = query_string.unwrap_or_default().to_owned();
        let query = form_urlencoded::parse(query_string.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            method,
            path,
            raw_path: raw_path.to_owned(),
            encoded_slash,
            query_string,
            query,
            headers,
            body: Bytes::new(),
            path_params: Vec::new(),
            client,
            local_port,
        }
    }

    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header, as text (Latin-1 bytes kept as chars).
    pub(crate) fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.as_bytes().iter().map(|&b| char::from(b)).collect())
            .collect()
    }

    /// The last value of a query parameter (Starlette's `query_params[name]`).
    pub(crate) fn query_last(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a query parameter.
    pub(crate) fn query_all(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A cookie's value (from the first `Cookie` header, as Starlette reads it).
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        let header = self.header("cookie")?;
        let mut found = None;
        for chunk in header.split(';') {
            let (key, value) = chunk.split_once('=').unwrap_or(("", chunk));
            let (key, value) = (key.trim(), value.trim());
            if key == name && (!key.is_empty() || !value.is_empty()) {
                found = Some(unquote_cookie(value));
            }
        }
        found
    }

    /// A path parameter's value as the client sent it (slashes back).
    pub(crate) fn path_param(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            self.path_params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| self.restore(v))
        })
    }

    /// A value with [`SLASH`] turned back into `/`.
    pub(crate) fn restore(&self, value: &str) -> String {
        if self.encoded_slash {
            value.replace(SLASH, "/")
        } else {
            value.to_owned()
        }
    }

    /// The decoded last segment of the raw path (an item id may hold `/`).
    pub(crate) fn last_segment(&self) -> String {
        let trimmed = self.raw_path.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or_default();
        percent_decode(last)
    }

    /// The `Content-Type` header, if any.
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// The decoded path, and whether encoded slashes were kept as [`SLASH`].
fn decode_path(raw: &str) -> (String, bool) {
    let lowered = raw.to_ascii_lowercase();
    if lowered.contains("%2f") && !lowered.contains("%00") {
        let decoded: Vec<String> = raw
            .split('/')
            .map(|segment| percent_decode(segment).replace('/', &SLASH.to_string()))
            .collect();
        return (decoded.join("/"), true);
    }
    (percent_decode(raw), false)
}

/// Percent-decoding as Python's `unquote` does it (invalid UTF-8 replaced).
pub(crate) fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `http.cookies._unquote`: a quoted value loses its quotes and escapes.
fn unquote_cookie(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let octal: String = chars.clone().take(3).collect();
        if octal.len() == 3 && octal.chars().all(|c| ('0'..='7').contains(&c)) {
            if let Some(decoded) = u32::from_str_radix(&octal, 8).ok().and_then(char::from_u32) {
                out.push(decoded);
            }
            chars.nth(2);
        } else if let Some(next) = chars.next() {
            out.push(next);
        }
    }
    out
}
