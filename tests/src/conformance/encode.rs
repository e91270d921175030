//! Serialising example values the way OpenAPI parameters and bodies say.
use serde_json::Value;

/// A value as text in a parameter: strings as they are, other scalars as
/// JSON, `null` as the empty string, nested structures as JSON.
pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(super) fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The items of an array or the key/value pairs of an object, each as text.
enum Shape {
    Scalar(String),
    Array(Vec<String>),
    Object(Vec<(String, String)>),
}

fn shape(value: &Value) -> Shape {
    match value {
        Value::Array(items) => Shape::Array(items.iter().map(scalar).collect()),
        Value::Object(map) => {
            Shape::Object(map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect())
        }
        other => Shape::Scalar(scalar(other)),
    }
}

/// A path parameter's replacement text (`simple`, `label` or `matrix`),
/// percent-encoded except for the delimiters the style adds.
pub(super) fn path_param(name: &str, value: &Value, style: &str, explode: bool) -> String {
    let enc = |text: &str| percent(text);
    match (style, shape(value)) {
        ("label", Shape::Scalar(text)) => format!(".{}", enc(&text)),
        ("label", Shape::Array(items)) => {
            let sep = if explode { "." } else { "," };
            format!(
                ".{}",
                items.iter().map(|i| enc(i)).collect::<Vec<_>>().join(sep)
            )
        }
        ("label", Shape::Object(pairs)) => format!(".{}", join_pairs(&pairs, explode, ".", &enc)),
        ("matrix", Shape::Scalar(text)) => format!(";{}={}", enc(name), enc(&text)),
        ("matrix", Shape::Array(items)) if explode => items
            .iter()
            .map(|item| format!(";{}={}", enc(name), enc(item)))
            .collect(),
        ("matrix", Shape::Array(items)) => format!(
            ";{}={}",
            enc(name),
            items.iter().map(|i| enc(i)).collect::<Vec<_>>().join(",")
        ),
        ("matrix", Shape::Object(pairs)) if explode => pairs
            .iter()
            .map(|(k, v)| format!(";{}={}", enc(k), enc(v)))
            .collect(),
        ("matrix", Shape::Object(pairs)) => {
            format!(";{}={}", enc(name), join_pairs(&pairs, false, ",", &enc))
        }
        (_, Shape::Scalar(text)) => enc(&text),
        (_, Shape::Array(items)) => items.iter().map(|i| enc(i)).collect::<Vec<_>>().join(","),
        (_, Shape::Object(pairs)) => join_pairs(&pairs, explode, ",", &enc),
    }
}

/// `k=v<sep>k=v` when exploded, else `k,v,k,v`.
fn join_pairs(
    pairs: &[(String, String)],
    explode: bool,
    sep: &str,
    enc: &dyn Fn(&str) -> String,
) -> String {
    if explode {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join(sep)
    } else {
        pairs
            .iter()
            .flat_map(|(k, v)| [enc(k), enc(v)])
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A query parameter as `name=value` strings, percent-encoded except for
/// the delimiters its style adds (`,`, `|`, `%20` for `spaceDelimited`,
/// `[`/`]` for `deepObject`): `form`, `spaceDelimited`, `pipeDelimited` or
/// `deepObject`.
pub(super) fn query_param(name: &str, value: &Value, style: &str, explode: bool) -> Vec<String> {
    let delimiter = match style {
        "spaceDelimited" => "%20",
        "pipeDelimited" => "|",
        _ => ",",
    };
    let name = percent(name);
    let join = |items: Vec<String>| {
        items
            .iter()
            .map(|i| percent(i))
            .collect::<Vec<_>>()
            .join(delimiter)
    };
    match shape(value) {
        Shape::Scalar(text) => vec![format!("{name}={}", percent(&text))],
        Shape::Array(items) if explode => items
            .iter()
            .map(|i| format!("{name}={}", percent(i)))
            .collect(),
        Shape::Array(items) => vec![format!("{name}={}", join(items))],
        Shape::Object(pairs) if style == "deepObject" => pairs
            .iter()
            .map(|(k, v)| format!("{name}[{}]={}", percent(k), percent(v)))
            .collect(),
        Shape::Object(pairs) if explode => pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
            .collect(),
        Shape::Object(pairs) => vec![format!(
            "{name}={}",
            join(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        )],
    }
}

/// A header parameter's value (`simple` style).
pub(super) fn header_param(value: &Value, explode: bool) -> String {
    match shape(value) {
        Shape::Scalar(text) => text,
        Shape::Array(items) => items.join(","),
        Shape::Object(pairs) => join_pairs(&pairs, explode, ",", &|text| text.to_owned()),
    }
}

/// A cookie parameter's `name=value` pairs (`form` style), values
/// percent-encoded so they stay valid cookie octets.
pub(super) fn cookie_param(name: &str, value: &Value, explode: bool) -> Vec<String> {
    query_param(name, value, "form", explode)
}

/// An `application/x-www-form-urlencoded` body: each property of an object
/// example as a field (arrays repeat the field), anything else as JSON.
pub(super) fn form_body(value: &Value) -> Vec<u8> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, text) in fields(value) {
        form.append_pair(&name, &text.text);
    }
    form.finish().into_bytes()
}

/// One field of a form or multipart body.
pub(super) struct Field {
    pub(super) text: String,
    /// Whether the value is itself JSON (an object), sent with that type.
    pub(super) json: bool,
}

pub(super) fn fields(value: &Value) -> Vec<(String, Field)> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in map {
        let items: Vec<&Value> = match value {
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                items.iter().collect()
            }
            other => vec![other],
        };
        for item in items {
            let json = item.is_object() || item.is_array();
            out.push((
                name.clone(),
                Field {
                    text: scalar(item),
                    json,
                },
            ));
        }
    }
    out
}

/// The multipart boundary used for every body.
pub(super) const BOUNDARY: &str = "mockloop-e2e-boundary-3f9a1c";

/// A `multipart/form-data` body: one part per property (arrays repeat the
/// part); properties named in `files` are sent as file uploads.
pub(super) fn multipart_body(value: &Value, files: &[String]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, field) in fields(value) {
        let name_q = name.replace('"', "%22");
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if files.contains(&name) {
            body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name_q}\"; filename=\"{name_q}.bin\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
        } else if field.json {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name_q}\"\r\nContent-Type: application/json\r\n\r\n")
                    .as_bytes(),
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name_q}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(field.text.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A naive XML rendering: the example's properties as child elements.
pub(super) fn xml_body(root: &str, value: &Value) -> Vec<u8> {
    fn element(name: &str, value: &Value, out: &mut String) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| element(name, item, out)),
            Value::Object(map) => {
                out.push_str(&format!("<{name}>"));
                map.iter().for_each(|(k, v)| element(k, v, out));
                out.push_str(&format!("</{name}>"));
            }
            other => {
                let text = scalar(other)
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                out.push_str(&format!("<{name}>{text}</{name}>"));
            }
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    element(root, value, &mut out);
    out.into_bytes()
}

/// Standard base64 with padding (for basic credentials).
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_styles() {
        let arr = json!(["a b", "c"]);
        let obj = json!({"r": 100, "g": 200});
        assert_eq!(
            path_param("id", &json!("a/b c"), "simple", false),
            "a%2Fb%20c"
        );
        assert_eq!(path_param("id", &arr, "simple", false), "a%20b,c");
        assert_eq!(path_param("id", &obj, "simple", true), "r=100,g=200");
        assert_eq!(path_param("id", &obj, "simple", false), "r,100,g,200");
        assert_eq!(path_param("id", &arr, "label", true), ".a%20b.c");
        assert_eq!(path_param("id", &json!(5), "matrix", false), ";id=5");
        assert_eq!(path_param("id", &arr, "matrix", true), ";id=a%20b;id=c");
        assert_eq!(path_param("id", &obj, "matrix", true), ";r=100;g=200");
    }

    #[test]
    fn query_styles() {
        let arr = json!(["a,b", 2]);
        assert_eq!(query_param("n", &arr, "form", true), ["n=a%2Cb", "n=2"]);
        assert_eq!(query_param("n", &arr, "form", false), ["n=a%2Cb,2"]);
        assert_eq!(
            query_param("n", &arr, "pipeDelimited", false),
            ["n=a%2Cb|2"]
        );
        assert_eq!(
            query_param("n", &arr, "spaceDelimited", false),
            ["n=a%2Cb%202"]
        );
        assert_eq!(
            query_param("o", &json!({"a": true}), "deepObject", true),
            ["o[a]=true"]
        );
        assert_eq!(
            query_param("o", &json!({"a": "x y"}), "form", true),
            ["a=x%20y"]
        );
        assert_eq!(
            query_param("o", &json!({"a": "x"}), "form", false),
            ["o=a,x"]
        );
    }

    #[test]
    fn bodies() {
        let value = json!({"name": "a b", "tags": ["x", "y"], "meta": {"k": 1}});
        assert_eq!(
            String::from_utf8(form_body(&value)).unwrap(),
            "name=a+b&tags=x&tags=y&meta=%7B%22k%22%3A1%7D"
        );
        let multipart = String::from_utf8(multipart_body(
            &json!({"file": "abc", "n": 2}),
            &["file".into()],
        ))
        .unwrap();
        assert!(
            multipart.contains("name=\"file\"; filename=\"file.bin\""),
            "{multipart}"
        );
        assert!(multipart.contains("name=\"n\"\r\n\r\n2\r\n"), "{multipart}");
        assert!(multipart.ends_with(&format!("--{BOUNDARY}--\r\n")));
        assert_eq!(
            String::from_utf8(xml_body("Pet", &json!({"id": 1, "tags": ["a<"]}))).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Pet><id>1</id><tags>a&lt;</tags></Pet>"
        );
    }
}
