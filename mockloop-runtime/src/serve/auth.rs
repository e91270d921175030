//! Enforcing the spec's security requirements (feature `auth`) and the
//! `/token` endpoint's HS256 JWTs, as `mockloop_mock/auth.py` and
//! `tokens.py` do, with the mock secrets of `mockloop.json`.
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::request::Incoming;
use super::respond::Reply;

/// How long an issued token lives.
pub(crate) const LIFETIME_SECONDS: i64 = 3600;

/// The schemes, requirements and secrets of one mock.
#[derive(Debug, Default)]
pub(crate) struct Auth {
    enabled: bool,
    schemes: Map<String, Value>,
    requirements: Map<String, Value>,
    secrets: Map<String, Value>,
}

/// Compares in constant time.
pub(crate) fn same(given: &[u8], expected: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn same_text(given: &str, expected: Option<&Value>) -> bool {
    expected
        .and_then(Value::as_str)
        .is_some_and(|expected| same(given.as_bytes(), expected.as_bytes()))
}

/// HMAC-SHA256 of `message` with `key`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

impl Auth {
    /// Reads `mock_data/security.json` and the manifest's `auth` section.
    pub(crate) fn new(security: &Value, manifest: &Value, enabled: bool) -> Self {
        let object = |value: Option<&Value>| {
            value
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        Self {
            enabled,
            schemes: object(security.get("schemes")),
            requirements: object(security.get("operations")),
            secrets: object(manifest.get("auth")),
        }
    }

    /// Whether requests are checked at all.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    fn jwt_secret(&self) -> &str {
        self.secrets
            .get("jwt_secret")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A signed token for `subject`, valid for an hour.
    pub(crate) fn issue(&self, subject: &str) -> String {
        let issued = chrono::Utc::now().timestamp();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg": "HS256", "typ": "JWT"}"#);
        let claims = json!({"sub": subject, "iat": issued, "exp": issued + LIFETIME_SECONDS});
        let payload = URL_SAFE_NO_PAD.encode(super::respond::python_json(&claims));
        let signing_input = format!("{header}.{payload}");
        let signature = hmac_sha256(self.jwt_secret().as_bytes(), signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Whether a token was issued by this mock and has not expired.
    pub(crate) fn verify(&self, token: &str) -> bool {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 || self.jwt_secret().is_empty() {
            return false;
        }
        let decode = |text: &str| URL_SAFE_NO_PAD.decode(text.trim_end_matches('='));
        let (Ok(signature), Ok(header), Ok(claims)) =
            (decode(parts[2]), decode(parts[0]), decode(parts[1]))
        else {
            return false;
        };
        let expected = hmac_sha256(
            self.jwt_secret().as_bytes(),
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
        );
        if !same(&signature, &expected) {
            return false;
        }
        let header: Option<Value> = serde_json::from_slice(&header).ok();
        if header
            .as_ref()
            .and_then(|h| h.get("alg"))
            .and_then(Value::as_str)
            != Some("HS256")
        {
            return false;
        }
        let claims: Option<Value> = serde_json::from_slice(&claims).ok();
        claims
            .as_ref()
            .and_then(|c| c.get("exp"))
            .and_then(Value::as_i64)
            .is_some_and(|exp| exp > chrono::Utc::now().timestamp())
    }

    /// Whether the pair is one of the manifest's mock users.
    pub(crate) fn check_user(&self, username: Option<&Value>, password: Option<&Value>) -> bool {
        let (Some(Value::String(username)), Some(Value::String(password))) = (username, password)
        else {
            return false;
        };
        self.secrets
            .get("users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|user| {
                let field = |name: &str| user.get(name).and_then(Value::as_str).unwrap_or_default();
                same(username.as_bytes(), field("username").as_bytes())
                    && same(password.as_bytes(), field("password").as_bytes())
            })
    }

    fn bearer_ok(&self, token: &str) -> bool {
        let fixed = self
            .secrets
            .get("bearer_tokens")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|known| same_text(token, Some(known)));
        fixed || self.verify(token)
    }

    fn basic_ok(&self, credential: &str) -> bool {
        let Some(decoded) = STANDARD
            .decode(credential)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return false;
        };
        let (username, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
        let basic = self.secrets.get("basic");
        if same_text(username, basic.and_then(|b| b.get("username")))
            && same_text(password, basic.and_then(|b| b.get("password")))
        {
            return true;
        }
        self.check_user(
            Some(&Value::String(username.to_owned())),
            Some(&Value::String(password.to_owned())),
        )
    }

    fn satisfied(&self, request: &Incoming, name: &str) -> bool {
        let Some(scheme) = self.schemes.get(name) else {
            return false;
        };
        let field = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
        let recorded = scheme.get("recorded").and_then(Value::as_bool) == Some(true);
        if field("type") == "apiKey" {
            let key = field("name");
            let value = match field("in") {
                "query" => request.query_last(key).map(str::to_owned),
                "cookie" => request.cookie(key),
                _ => request.header(key).map(str::to_owned),
            };
            if recorded {
                return value.is_some_and(|value| !value.is_empty());
            }
            let expected = self.secrets.get("api_keys").and_then(|k| k.get(name));
            return value.is_some_and(|value| same_text(&value, expected));
        }
        let header = request.header("authorization").unwrap_or_default();
        let (kind, credential) = header.split_once(' ').unwrap_or((header, ""));
        let (kind, credential) = (kind.to_lowercase(), credential.trim());
        let wanted = scheme
            .get("scheme")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("bearer");
        if recorded {
            // Made from a recording: any credential of the scheme's kind.
            return kind == wanted && !credential.is_empty();
        }
        if wanted == "basic" {
            return kind == "basic" && self.basic_ok(credential);
        }
        kind == wanted && self.bearer_ok(credential)
    }

    fn challenges(&self, alternatives: &[Vec<&str>]) -> String {
        let mut seen: Vec<String> = Vec::new();
        for name in alternatives.iter().flatten() {
            let scheme = self.schemes.get(*name);
            if scheme.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("apiKey") {
                continue;
            }
            let kind = scheme
                .and_then(|s| s.get("scheme"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("bearer");
            let challenge = format!("{} realm=\"mockloop\"", capitalize(kind));
            if !seen.contains(&challenge) {
                seen.push(challenge);
            }
        }
        seen.join(", ")
    }

    /// `None` if the operation `key` lets the request in, else a 401.
    pub(crate) fn check(&self, request: &Incoming, key: &str) -> Option<Reply> {
        if !self.enabled {
            return None;
        }
        let alternatives: Vec<Vec<&str>> = self
            .requirements
            .get(key)
            .and_then(Value::as_array)?
            .iter()
            .map(|names| {
                names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect()
            })
            .collect();
        if alternatives.is_empty() {
            return None;
        }
        if alternatives
            .iter()
            .any(|names| names.iter().all(|name| self.satisfied(request, name)))
        {
            return None;
        }
        let wanted = alternatives
            .iter()
            .map(|names| names.join(" + "))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut reply = Reply::json_as(
            401,
            &json!({
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": format!("missing or invalid credentials; this operation needs {wanted}"),
            }),
            "application/problem+json",
        );
        let challenge = self.challenges(&alternatives);
        if !challenge.is_empty() {
            reply = reply.with_header("www-authenticate", challenge);
        }
        Some(reply)
    }

    /// `POST /token`: OAuth2 password grant (form-encoded, or JSON).
    pub(crate) fn token_endpoint(&self, request: &Incoming) -> Reply {
        let content_type = request.content_type().unwrap_or_default();
        let fields: Map<String, Value> = if content_type.contains("json") {
            serde_json::from_slice::<Value>(&request.body)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default()
        } else if content_type.contains("multipart/form-data") {
            super::multipart::fields(content_type, &request.body)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        } else {
            form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        };
        let grant = fields
            .get("grant_type")
            .cloned()
            .unwrap_or(json!("password"));
        if grant != json!("password") {
            return Reply::json(400, &json!({"error": "unsupported_grant_type"}));
        }
        if !self.check_user(fields.get("username"), fields.get("password")) {
            return Reply::json(
                400,
                &json!({"error": "invalid_grant", "error_description": "unknown mock user"}),
            );
        }
        let subject = fields
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Reply::json(
            200,
            &json!({
                "access_token": self.issue(subject),
                "token_type": "bearer",
                "expires_in": LIFETIME_SECONDS,
            }),
        )
        .with_header("cache-control", "no-store")
    }
}

fn capitalize(text: &str) -> String {
    let lowered = text.to_lowercase();
    let mut chars = lowered.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
