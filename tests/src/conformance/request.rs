//! Building one valid request per operation.
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use mockloop_runtime::{Operation, Param, ParamLocation, RequestBody};
use serde_json::Value;

use super::encode::{self, BOUNDARY};
use super::escape;

/// The credentials sent for each kind of security scheme: the mock secrets
/// of a generated mock's `mockloop.json` (`auth`), or fixed test values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// apiKey scheme name → key.
    pub api_keys: BTreeMap<String, String>,
    /// Sent for apiKey schemes without their own key.
    pub api_key: String,
    /// Sent for bearer, oauth2 and openIdConnect schemes.
    pub bearer: String,
    /// Username and password sent for basic schemes.
    pub basic: (String, String),
}

impl Default for Secrets {
    fn default() -> Self {
        Self {
            api_keys: BTreeMap::new(),
            api_key: "mockloop-test-key".to_owned(),
            bearer: "mockloop-test-token".to_owned(),
            basic: ("mockloop".to_owned(), "mockloop".to_owned()),
        }
    }
}

impl Secrets {
    /// The secrets of the mock in `dir` (its `mockloop.json`), or the fixed
    /// test values where it has none.
    pub fn from_mock_dir(dir: &Path) -> Self {
        let manifest: Value = std::fs::read_to_string(dir.join("mockloop.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        Self::from_manifest(&manifest)
    }

    /// The secrets of a manifest's `auth` section.
    pub fn from_manifest(manifest: &Value) -> Self {
        let mut secrets = Self::default();
        let Some(auth) = manifest.get("auth") else {
            return secrets;
        };
        let text = |pointer: &str| auth.pointer(pointer).and_then(Value::as_str);
        if let Some(keys) = auth.get("api_keys").and_then(Value::as_object) {
            secrets.api_keys = keys
                .iter()
                .filter_map(|(name, key)| Some((name.clone(), key.as_str()?.to_owned())))
                .collect();
        }
        if let Some(token) = text("/bearer_tokens/0") {
            token.clone_into(&mut secrets.bearer);
        }
        if let (Some(user), Some(password)) = (text("/basic/username"), text("/basic/password")) {
            secrets.basic = (user.to_owned(), password.to_owned());
        }
        secrets
    }

    fn basic_header(&self) -> String {
        let (user, password) = &self.basic;
        format!(
            "Basic {}",
            encode::base64(format!("{user}:{password}").as_bytes())
        )
    }
}

/// A request ready to send, printable for reports.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: String,
    /// The full URL, query included.
    pub url: url::Url,
    /// Headers (parameters, cookies, credentials, the body's type).
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, " [{name}: {value}]")?;
        }
        if let Some(body) = &self.body {
            write!(f, " body: {}", snippet(body))?;
        }
        Ok(())
    }
}

/// At most 300 characters of a body, for messages.
pub(super) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], body.len()),
        None => text.into_owned(),
    }
}

/// What came back.
#[derive(Debug)]
pub(super) struct Received {
    pub(super) status: u16,
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
}

impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [Content-Type: {}] {}",
            self.status,
            self.content_type.as_deref().unwrap_or("-"),
            snippet(&self.body)
        )
    }
}

impl PreparedRequest {
    pub(super) fn send(&self, client: &reqwest::blocking::Client) -> Result<Received, String> {
        let method =
            reqwest::Method::from_bytes(self.method.as_bytes()).map_err(|err| err.to_string())?;
        let mut request = client.request(method, self.url.clone());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let response = request
            .send()
            .map_err(|err| format!("request failed: {err}"))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let body = response
            .bytes()
            .map_err(|err| format!("reading the response failed: {err}"))?
            .to_vec();
        Ok(Received {
            status,
            content_type,
            body,
        })
    }
}

/// Builds the request for `operation` against `base` (origin plus base path).
pub(super) fn prepare(
    base: &str,
    operation: &Operation,
    document: &Value,
    secrets: Option<&Secrets>,
) -> Result<PreparedRequest, String> {
    let raw_op = document.pointer(&format!(
        "/paths/{}/{}",
        escape(&operation.path),
        operation.method.to_ascii_lowercase()
    ));
    let path = fill_path(&operation.path, operation, document)?;
    let mut url = url::Url::parse(&format!("{base}{path}"))
        .map_err(|err| format!("bad URL {base}{path}: {err}"))?;
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    for param in &operation.params {
        if param.example.is_null() && !param.required {
            continue;
        }
        let value = wire_value(param, operation, document);
        match param.location {
            ParamLocation::Path => {}
            ParamLocation::Query => query.extend(encode::query_param(
                &param.name,
                &value,
                &param.style,
                param.explode,
            )),
            ParamLocation::Header => {
                // The model keeps Accept, Content-Type and Authorization only
                // where they must be sent; a body's Content-Type comes with it.
                let body_sets_it = param.name.eq_ignore_ascii_case("content-type")
                    && operation.request_body.is_some();
                if !body_sets_it {
                    headers.push((
                        param.name.clone(),
                        encode::header_param(&value, param.explode),
                    ));
                }
            }
            ParamLocation::Cookie => {
                cookies.extend(encode::cookie_param(&param.name, &value, param.explode))
            }
            _ => return Err(format!("parameter {} has an unknown location", param.name)),
        }
    }
    for credential in secrets.map_or_else(Vec::new, |s| credentials(raw_op, document, s)) {
        match credential {
            Credential::Header(name, value) => headers.push((name, value)),
            Credential::Query(name, value) => query.push(format!(
                "{}={}",
                encode::percent(&name),
                encode::percent(&value)
            )),
            Credential::Cookie(name, value) => {
                cookies.push(format!("{name}={}", encode::percent(&value)))
            }
        }
    }
    if !query.is_empty() {
        url.set_query(Some(&query.join("&")));
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".to_owned(), cookies.join("; ")));
    }
    let body = match &operation.request_body {
        Some(request_body) => body(request_body, document)?,
        None => None,
    };
    if let Some((media_type, _)) = &body {
        headers.push(("Content-Type".to_owned(), media_type.clone()));
    }
    Ok(PreparedRequest {
        method: operation.method.clone(),
        url,
        headers,
        body: body.map(|(_, bytes)| bytes),
    })
}

/// The spec's path with every `{name}` replaced by its parameter's example.
fn fill_path(template: &str, operation: &Operation, document: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| format!("unbalanced braces in path {template}"))?;
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let param = operation
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name == name)
            .ok_or_else(|| format!("path parameter {{{name}}} is not in the model"))?;
        let value = wire_value(param, operation, document);
        out.push_str(&encode::path_param(
            &param.name,
            &value,
            &param.style,
            param.explode,
        ));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A parameter's example as sent: as is, or as JSON text when the spec
/// describes the parameter with `content` instead of `schema`.
fn wire_value(param: &Param, operation: &Operation, document: &Value) -> Value {
    let location = match param.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        _ => "cookie",
    };
    let path = format!("/paths/{}", escape(&operation.path));
    let lists = [
        format!(
            "{path}/{}/parameters",
            operation.method.to_ascii_lowercase()
        ),
        format!("{path}/parameters"),
    ];
    let has_content = lists
        .iter()
        .filter_map(|pointer| document.pointer(pointer).and_then(Value::as_array))
        .flatten()
        .find(|raw| {
            raw.get("name").and_then(Value::as_str) == Some(param.name.as_str())
                && raw.get("in").and_then(Value::as_str) == Some(location)
        })
        .is_some_and(|raw| raw.get("content").is_some());
    if has_content {
        Value::String(param.example.to_string())
    } else {
        param.example.clone()
    }
}

enum Credential {
    Header(String, String),
    Query(String, String),
    Cookie(String, String),
}

/// Credentials for the first security requirement of the operation (or of
/// the document), so mocks that check auth let the request through.
fn credentials(raw_op: Option<&Value>, document: &Value, secrets: &Secrets) -> Vec<Credential> {
    let requirements = raw_op
        .and_then(|op| op.get("security"))
        .or_else(|| document.get("security"))
        .and_then(Value::as_array);
    let Some(first) = requirements
        .and_then(|list| list.first())
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in first.keys() {
        let Some(scheme) =
            document.pointer(&format!("/components/securitySchemes/{}", escape(name)))
        else {
            continue;
        };
        let text = |key: &str| {
            scheme
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match text("type").as_str() {
            "apiKey" => {
                let value = secrets.api_keys.get(name).unwrap_or(&secrets.api_key);
                let (name, value) = (text("name"), value.clone());
                out.push(match text("in").as_str() {
                    "query" => Credential::Query(name, value),
                    "cookie" => Credential::Cookie(name, value),
                    _ => Credential::Header(name, value),
                });
            }
            "http" => {
                let scheme_name = text("scheme").to_ascii_lowercase();
                let value = match scheme_name.as_str() {
                    "basic" => secrets.basic_header(),
                    "bearer" | "" => format!("Bearer {}", secrets.bearer),
                    other => format!("{other} {}", secrets.bearer),
                };
                out.push(Credential::Header("Authorization".to_owned(), value));
            }
            _ => out.push(Credential::Header(
                "Authorization".to_owned(),
                format!("Bearer {}", secrets.bearer),
            )),
        }
    }
    out
}

/// The body for the preferred example: its concrete media type and bytes.
fn body(request_body: &RequestBody, document: &Value) -> Result<Option<(String, Vec<u8>)>, String> {
    let Some((media_type, value)) = &request_body.example else {
        return if request_body.required && !request_body.content.is_empty() {
            Err("the body is required but the model has no example for it".to_owned())
        } else {
            Ok(None)
        };
    };
    let essence = essence(media_type);
    let concrete = match essence.as_str() {
        "*/*" | "application/*" => "application/json".to_owned(),
        "text/*" => "text/plain".to_owned(),
        other if other.ends_with("/*") => format!("{}octet-stream", other.trim_end_matches('*')),
        _ => media_type.clone(),
    };
    let concrete_essence = self::essence(&concrete);
    let bytes = if is_json(&concrete_essence) {
        serde_json::to_vec(value).map_err(|err| err.to_string())?
    } else if concrete_essence == "application/x-www-form-urlencoded" {
        encode::form_body(value)
    } else if concrete_essence == "multipart/form-data" {
        let schema = request_body.content.get(media_type).unwrap_or(&Value::Null);
        let files = binary_properties(schema, document);
        return Ok(Some((
            format!("multipart/form-data; boundary={BOUNDARY}"),
            encode::multipart_body(value, &files),
        )));
    } else if concrete_essence.ends_with("/xml") || concrete_essence.ends_with("+xml") {
        match value {
            Value::String(text) => text.clone().into_bytes(),
            other => encode::xml_body("root", other),
        }
    } else {
        match value {
            Value::String(text) => text.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        }
    };
    Ok(Some((concrete, bytes)))
}

/// The properties of an object schema that are files (`format: binary`, or
/// a `contentMediaType`), following `$ref`s into the document.
fn binary_properties(schema: &Value, document: &Value) -> Vec<String> {
    let schema = resolve(schema, document);
    let mut found = Vec::new();
    let branches = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(key).and_then(Value::as_array))
        .flatten();
    for branch in branches {
        found.extend(binary_properties(branch, document));
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return found;
    };
    for (name, property) in properties {
        let property = resolve(property, document);
        let property = match property.get("items") {
            Some(items) if property.get("type").and_then(Value::as_str) == Some("array") => {
                resolve(items, document)
            }
            _ => property,
        };
        let is_file = property.get("format").and_then(Value::as_str) == Some("binary")
            || property.get("contentMediaType").is_some();
        if is_file {
            found.push(name.clone());
        }
    }
    found
}

fn resolve<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => current = target,
            None => break,
        }
    }
    current
}

/// `type/subtype` in lower case, without parameters.
pub(super) fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type (essence) carries JSON.
pub(super) fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_properties_follow_refs() {
        let document = json!({"components": {"schemas": {
            "Upload": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"},
                "files": {"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}},
                "note": {"type": "string"}
            }}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Upload"});
        assert_eq!(binary_properties(&schema, &document), ["file", "files"]);
    }

    #[test]
    fn credentials_follow_the_first_requirement() {
        let document = json!({
            "security": [{"key": []}, {"basic": []}],
            "components": {"securitySchemes": {
                "key": {"type": "apiKey", "in": "query", "name": "api_key"},
                "basic": {"type": "http", "scheme": "basic"}
            }}
        });
        let creds = credentials(None, &document, &Secrets::default());
        assert!(matches!(&creds[..], [Credential::Query(name, _)] if name == "api_key"));
        let op = json!({"security": [{"basic": []}]});
        let creds = credentials(Some(&op), &document, &Secrets::default());
        assert!(
            matches!(&creds[..], [Credential::Header(_, value)] if value.starts_with("Basic "))
        );
        assert!(
            credentials(
                Some(&json!({"security": []})),
                &document,
                &Secrets::default()
            )
            .is_empty()
        );
        let basic = Secrets::default().basic_header();
        assert_eq!(basic, "Basic bW9ja2xvb3A6bW9ja2xvb3A=");
    }
}
