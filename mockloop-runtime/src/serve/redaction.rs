//! Keeping secrets out of the request log, as `mockloop_mock/redaction.py`
//! does: the always-secret headers, the spec's API-key names and any name
//! holding a secret word are logged as `[REDACTED]`.
use indexmap::IndexMap;
use serde_json::Value;

use super::respond::python_json;

const REDACTED: &str = "[REDACTED]";
const ALWAYS_SECRET: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];
const SECRET_WORDS: [&str; 6] = [
    "token", "secret", "password", "api-key", "api_key", "apikey",
];

/// Redacts secret headers, query parameters and JSON fields.
#[derive(Debug, Clone)]
pub(crate) struct Redactor {
    api_key_names: Vec<String>,
}

impl Redactor {
    /// A redactor that also hides the spec's API-key names.
    pub(crate) fn new(api_key_names: &[String]) -> Self {
        Self {
            api_key_names: api_key_names.iter().map(|n| n.to_lowercase()).collect(),
        }
    }

    /// Whether a header, query parameter or field with this name is secret.
    pub(crate) fn is_secret(&self, name: &str) -> bool {
        let lowered = name.to_lowercase();
        ALWAYS_SECRET.contains(&lowered.as_str())
            || self.api_key_names.contains(&lowered)
            || SECRET_WORDS.iter().any(|word| lowered.contains(word))
    }

    fn may_hold_secrets(&self, text: &str) -> bool {
        let lowered = text.to_lowercase();
        SECRET_WORDS.iter().any(|word| lowered.contains(word))
            || self
                .api_key_names
                .iter()
                .any(|name| lowered.contains(name.as_str()))
    }

    /// Request headers as JSON text (Python's spacing), secret values
    /// redacted, repeated headers joined with `, `; plus the user agent
    /// and the session id.
    pub(crate) fn headers(
        &self,
        raw: &[(String, String)],
    ) -> (String, Option<String>, Option<String>) {
        let mut out: IndexMap<&str, String> = IndexMap::new();
        for (name, value) in raw {
            let value = if self.is_secret(name) {
                REDACTED.to_owned()
            } else {
                value.clone()
            };
            match out.get_mut(name.as_str()) {
                Some(existing) => {
                    existing.push_str(", ");
                    existing.push_str(&value);
                }
                None => {
                    out.insert(name.as_str(), value);
                }
            }
        }
        let user_agent = out.get("user-agent").cloned();
        let session = out.get("x-session-id").cloned();
        let object: serde_json::Map<String, Value> = out
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        let text = String::from_utf8_lossy(&python_json(&Value::Object(object))).into_owned();
        (text, user_agent, session)
    }

    /// A query string with the values of secret parameters redacted.
    pub(crate) fn query(&self, text: &str) -> String {
        if text.is_empty() || !self.may_hold_secrets(text) {
            return text.to_owned();
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if !pairs.iter().any(|(name, _)| self.is_secret(name)) {
            return text.to_owned();
        }
        pairs
            .iter()
            .map(|(name, value)| {
                let value = if self.is_secret(name) {
                    REDACTED
                } else {
                    value
                };
                format!("{}={}", quote_plus(name), quote_plus(value))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// A logged body with secret fields of JSON objects redacted.
    pub(crate) fn body(&self, text: String) -> String {
        if !text.starts_with(['[', '{']) || !self.may_hold_secrets(&text) {
            return text;
        }
        let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
            return text;
        };
        if self.redact(&mut value) {
            String::from_utf8_lossy(&python_json(&value)).into_owned()
        } else {
            text
        }
    }

    fn redact(&self, value: &mut Value) -> bool {
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (key, item) in map.iter_mut() {
                    let scalar =
                        matches!(item, Value::String(_) | Value::Number(_) | Value::Bool(_));
                    if scalar && self.is_secret(key) {
                        *item = Value::String(REDACTED.to_owned());
                        changed = true;
                    } else {
                        changed |= self.redact(item);
                    }
                }
                changed
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| self.redact(item) | changed),
            _ => false,
        }
    }
}

/// Python's `quote_plus`: letters, digits and `_.-~` kept, space as `+`.
fn quote_plus(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_like_the_fastapi_mock() {
        let redactor = Redactor::new(&["X-Key".to_owned()]);
        assert_eq!(
            redactor.query("api_key=abc&q=a b"),
            "api_key=%5BREDACTED%5D&q=a+b"
        );
        assert_eq!(
            redactor.body(r#"{"password":"x","n":{"token":5},"ok":1}"#.to_owned()),
            r#"{"password": "[REDACTED]", "n": {"token": "[REDACTED]"}, "ok": 1}"#
        );
        let (headers, agent, _) = redactor.headers(&[
            ("x-key".to_owned(), "s".to_owned()),
            ("user-agent".to_owned(), "t".to_owned()),
        ]);
        assert_eq!(headers, r#"{"x-key": "[REDACTED]", "user-agent": "t"}"#);
        assert_eq!(agent.as_deref(), Some("t"));
    }
}
