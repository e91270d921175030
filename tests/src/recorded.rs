//! Helpers of the tests that replay Postman Collections and HAR
//! recordings against their mocks.
use std::path::PathBuf;

use serde_json::Value;

/// A shared input under `../shared/specs/<kind>/`, or `None` (said
/// loudly) where that folder is absent.
pub fn shared_input(kind: &str, relative: &str) -> Option<PathBuf> {
    let path = crate::paths::shared_specs_dir().join(kind).join(relative);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (../shared is not beside the checkout)",
            path.display()
        );
        None
    }
}

/// Whether a key names a credential, whose recorded values a mock made
/// from a recording must not keep (the importers' rule, spelled out
/// independently here).
fn credential_like(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "auth",
        "key",
        "session",
        "cookie",
        "signature",
        "password",
        "credential",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// `value` as a mock made from a recording serves it: strings under
/// credential-like keys replaced by `"redacted"`.
pub fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let inner = if credential_like(key) && inner.is_string() {
                        Value::String("redacted".to_owned())
                    } else {
                        redacted(inner)
                    };
                    (key.clone(), inner)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}
