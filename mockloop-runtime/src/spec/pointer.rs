//! JSON pointers (RFC 6901) as they appear in `$ref` fragments.
use serde_json::Value;

/// Splits a `$ref` into the document part (before `#`) and the fragment
/// (after `#`, without it; empty when there is none).
pub(crate) fn split_ref(reference: &str) -> (&str, &str) {
    match reference.split_once('#') {
        Some((document, fragment)) => (document, fragment),
        None => (reference, ""),
    }
}

/// Decodes a `$ref` fragment into pointer tokens: percent-decoding first (the
/// fragment is part of a URI), then `~1` → `/` and `~0` → `~`.
pub(crate) fn tokens(fragment: &str) -> Result<Vec<String>, String> {
    let decoded = percent_decode(fragment);
    if decoded.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = decoded.strip_prefix('/') else {
        return Err(format!(
            "the fragment {fragment:?} is not a JSON pointer (plain-name anchors are not supported)"
        ));
    };
    Ok(rest.split('/').map(unescape).collect())
}

/// Follows pointer tokens from `root`.
pub(crate) fn lookup<'a>(root: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(root, |node, token| match node {
        Value::Object(map) => map.get(token),
        Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Follows plain object keys from `root`.
pub(crate) fn lookup_keys<'a>(root: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(root, |node, key| node.get(key))
}

/// Escapes one token for use in a JSON pointer.
pub(crate) fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// Renders tokens as a `#/a/b` pointer, for `$ref`s and error locations.
pub(crate) fn render(tokens: &[String]) -> String {
    let mut out = String::from("#");
    for token in tokens {
        out.push('/');
        out.push_str(&escape(token));
    }
    out
}

/// One step of a path being walked, borrowed from the document where possible.
#[derive(Debug, Clone)]
pub(crate) enum Step<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
    /// A key or index from a parsed pointer.
    Owned(String),
}

/// Renders walked steps as a `#/a/b` pointer.
pub(crate) fn render_steps(path: &[Step<'_>]) -> String {
    let mut out = String::from("#");
    for step in path {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&escape(key)),
            Step::Index(i) => out.push_str(&i.to_string()),
            Step::Owned(token) => out.push_str(&escape(token)),
        }
    }
    out
}

/// Steps from pointer tokens.
pub(crate) fn owned_steps(tokens: &[String]) -> Vec<Step<'static>> {
    tokens.iter().cloned().map(Step::Owned).collect()
}

fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

/// Decodes `%XX` escapes (invalid UTF-8 is replaced).
pub(crate) fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        });
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_percent() {
        let got = tokens("/paths/~1pets~1%7Bid%7D/a~0b").unwrap();
        assert_eq!(got, ["paths", "/pets/{id}", "a~b"]);
        assert_eq!(render(&got), "#/paths/~1pets~1{id}/a~0b");
    }

    #[test]
    fn rejects_anchors() {
        assert!(tokens("foo").is_err());
        assert!(tokens("").unwrap().is_empty());
    }

    #[test]
    fn looks_up_arrays() {
        let doc = serde_json::json!({"a": [1, {"b": 2}]});
        let path = tokens("/a/1/b").unwrap();
        assert_eq!(lookup(&doc, &path), Some(&serde_json::json!(2)));
    }
}
