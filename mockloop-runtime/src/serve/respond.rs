//! Responses as the FastAPI mock sends them: documented bodies encoded for
//! their media type (JSON as Python's `json.dumps` writes it), JSON
//! answers compact as Starlette's `JSONResponse` writes them.
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::catalog::Documented;

/// An HTTP response before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// Headers other than `content-type` and `content-length`.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

impl Reply {
    /// No body.
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// A compact JSON body (`JSONResponse`).
    pub(crate) fn json(status: u16, value: &impl Serialize) -> Self {
        Self::json_as(status, value, "application/json")
    }

    /// A compact JSON body with another media type.
    pub(crate) fn json_as(status: u16, value: &impl Serialize, media_type: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            content_type: Some(media_type.to_owned()),
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
        }
    }

    /// `{"error": message}`, as the admin API answers bad input.
    pub(crate) fn error(status: u16, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": message }))
    }

    /// A body of some media type.
    pub(crate) fn bytes(status: u16, media_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            content_type: Some(content_type(media_type)),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// A documented response, as generated (body encoded once, at load).
    pub(crate) fn documented(entry: &Documented) -> Self {
        Self {
            status: entry.status_code,
            headers: entry.headers.clone(),
            content_type: entry.media_type.as_deref().map(content_type),
            body: if entry.media_type.is_some() {
                entry.encoded.clone()
            } else {
                Bytes::new()
            },
        }
    }

    /// A response built from parts of an entry (an override, `Prefer`).
    pub(crate) fn entry(
        status: u16,
        media_type: Option<&str>,
        body: &Value,
        headers: Vec<(String, String)>,
    ) -> Self {
        match media_type {
            None => Self {
                status,
                headers,
                content_type: None,
                body: Bytes::new(),
            },
            Some(media) => Self {
                status,
                headers,
                content_type: Some(content_type(media)),
                body: encode_body(body, media),
            },
        }
    }
}

/// The `content-type` Starlette sends for a media type (text gets a charset).
fn content_type(media_type: &str) -> String {
    if media_type.starts_with("text/") && !media_type.to_ascii_lowercase().contains("charset=") {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_owned()
    }
}

/// Whether a media type carries JSON.
pub(crate) fn is_json(media_type: &str) -> bool {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base.ends_with("+json") || base.ends_with("/json")
}

/// Serialises an example body for its media type.
pub(crate) fn encode_body(body: &Value, media_type: &str) -> Bytes {
    if is_json(media_type) {
        return Bytes::from(python_json(body));
    }
    if let Value::String(text) = body {
        return Bytes::from(text.clone().into_bytes());
    }
    if media_type.to_ascii_lowercase().contains("xml") {
        let mut out = String::new();
        to_xml("response", body, &mut out);
        return Bytes::from(out.into_bytes());
    }
    Bytes::from(python_json(body))
}

/// JSON as Python's `json.dumps(value, ensure_ascii=False)` writes it:
/// `", "` and `": "` between items.
pub(crate) fn python_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    if value.serialize(&mut serializer).is_err() {
        return b"null".to_vec();
    }
    out
}

struct PythonFormatter;

/// `", "` before every item but the first.
fn separator<W: ?Sized + std::io::Write>(writer: &mut W, first: bool) -> std::io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

/// A plain XML rendering of a JSON value.
fn to_xml(tag: &str, value: &Value, out: &mut String) {
    let mut safe: String = tag
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        safe = "item".to_owned();
    }
    if !safe.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        safe.insert(0, '_');
    }
    out.push('<');
    out.push_str(&safe);
    out.push('>');
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| to_xml(k, v, out)),
        Value::Array(items) => items.iter().for_each(|v| to_xml("item", v, out)),
        Value::Null => {}
        Value::String(text) => escape_xml(text, out),
        other => escape_xml(&String::from_utf8_lossy(&python_json(other)), out),
    }
    out.push_str("</");
    out.push_str(&safe);
    out.push('>');
}

fn escape_xml(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_spacing() {
        let body = json!({"a": [1, 2], "b": "é"});
        assert_eq!(
            String::from_utf8_lossy(&python_json(&body)),
            r#"{"a": [1, 2], "b": "é"}"#
        );
        assert_eq!(
            &encode_body(&json!({"x": 1, "y": [true]}), "application/xml")[..],
            b"<response><x>1</x><y><item>true</item></y></response>"
        );
    }
}
