//! `mock_data/security.json` and the manifest's `auth` section: which
//! credentials each operation needs, and the mock secrets that satisfy them.
//!
//! The secrets are derived from the API's title and version with a fixed
//! salt, so the same spec always gives the same secrets (and stable
//! snapshots). They are mock secrets: anyone with the spec can compute them.
use indexmap::IndexMap;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use crate::model::ApiModel;
use crate::spec::LoadedSpec;
use crate::synth::seed_for;

const SALT: &str = "mockloop-auth-v1";
/// The one mock user `/token` issues JWTs for.
const USERNAME: &str = "mockuser";
const BASIC_USERNAME: &str = "mockloop";

/// A deterministic 32-hex-digit secret for `purpose`.
fn secret(model: &ApiModel, purpose: &str) -> String {
    let seed = seed_for(&[SALT, &model.title, &model.version, purpose]);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// The document's security schemes, keyed by name.
fn schemes(spec: &LoadedSpec) -> Option<&Map<String, Value>> {
    spec.document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
}

/// The manifest's `auth` section.
pub(crate) fn manifest_auth(spec: &LoadedSpec, model: &ApiModel) -> Value {
    let mut api_keys = Map::new();
    for (name, scheme) in schemes(spec).into_iter().flatten() {
        if scheme.get("type").and_then(Value::as_str) == Some("apiKey") {
            let value = format!("mk_{}", secret(model, &format!("api_key:{name}")));
            api_keys.insert(name.clone(), Value::String(value));
        }
    }
    json!({
        "note": "Mock secrets derived from the spec: never use them for anything real.",
        "api_keys": api_keys,
        "bearer_tokens": [format!("mt_{}", secret(model, "bearer"))],
        "basic": {"username": BASIC_USERNAME, "password": secret(model, "basic")},
        "users": [{"username": USERNAME, "password": secret(model, "user")}],
        "jwt_secret": secret(model, "jwt"),
    })
}

/// `mock_data/security.json`: the schemes (type, where the credential goes)
/// and each operation's requirements (`null` or `[]` = open).
pub(crate) fn document(spec: &LoadedSpec, model: &ApiModel) -> Value {
    let mut schemes_out = Map::new();
    for (name, scheme) in schemes(spec).into_iter().flatten() {
        let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or("");
        let mut entry = match text("type") {
            "apiKey" => json!({"type": "apiKey", "in": text("in"), "name": text("name")}),
            "http" => json!({"type": "http", "scheme": text("scheme").to_ascii_lowercase()}),
            other => json!({"type": other, "scheme": "bearer"}),
        };
        // A scheme made from a recording (a Postman Collection's auth):
        // the recorded credentials are not kept, so any credential of the
        // scheme's shape is let in, and replayed requests pass.
        if scheme.get("x-mockloop-recorded").and_then(Value::as_bool) == Some(true) {
            entry["recorded"] = json!(true);
        }
        schemes_out.insert(name.clone(), entry);
    }
    let global = spec.document.get("security");
    let mut operations: IndexMap<&str, Value> = IndexMap::new();
    for op in &model.operations {
        let raw = spec
            .document
            .get("paths")
            .and_then(|paths| paths.get(&op.path))
            .and_then(|item| item.get(op.method.to_ascii_lowercase()));
        let requirements = raw
            .and_then(|raw| raw.get("security"))
            .or(global)
            .and_then(Value::as_array);
        let Some(requirements) = requirements else {
            continue;
        };
        let alternatives: Vec<Vec<&str>> = requirements
            .iter()
            .filter_map(Value::as_object)
            .map(|requirement| requirement.keys().map(String::as_str).collect())
            .collect();
        // An empty alternative (`{}`) or no requirement at all means open.
        if alternatives.is_empty() || alternatives.iter().any(Vec::is_empty) {
            continue;
        }
        operations.insert(&op.key, json!(alternatives));
    }
    json!({"schemes": schemes_out, "operations": operations})
}

/// What the README says about auth: whether it is on, how each scheme is
/// satisfied, and the mock secrets.
pub(super) fn readme_view(spec: &LoadedSpec, model: &ApiModel, enabled: bool) -> Value {
    let secrets = manifest_auth(spec, model);
    let mut schemes_out = Vec::new();
    for (name, scheme) in schemes(spec).into_iter().flatten() {
        let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or("");
        let entry = match text("type") {
            "apiKey" => json!({
                "name": name,
                "kind": "apiKey",
                "location": text("in"),
                "param": text("name"),
                "value": secrets["api_keys"][name],
            }),
            "http" if text("scheme").eq_ignore_ascii_case("basic") => {
                json!({"name": name, "kind": "basic"})
            }
            _ => json!({"name": name, "kind": "bearer"}),
        };
        schemes_out.push(entry);
    }
    let secured = document(spec, model)["operations"]
        .as_object()
        .map_or(0, Map::len);
    json!({
        "enabled": enabled,
        "schemes": schemes_out,
        "secured_count": secured,
        "secrets": secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_spec_str;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: T, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: k}
    basic: {type: http, scheme: Basic}
    oauth: {type: oauth2, flows: {}}
paths:
  /global: {get: {responses: {"200": {description: ok}}}}
  /open: {get: {security: [], responses: {"200": {description: ok}}}}
  /optional: {get: {security: [{basic: []}, {}], responses: {"200": {description: ok}}}}
  /both: {get: {security: [{key: [], oauth: [read]}], responses: {"200": {description: ok}}}}
"#;

    fn load(text: &str) -> (LoadedSpec, ApiModel) {
        let spec = load_spec_str(text, "spec.yaml").unwrap();
        let model = ApiModel::from_spec(&spec).unwrap();
        (spec, model)
    }

    #[test]
    fn operation_security_overrides_the_global_one() {
        let (spec, model) = load(SPEC);
        let doc = document(&spec, &model);
        assert_eq!(
            doc["operations"],
            json!({"GET /global": [["key"]], "GET /both": [["key", "oauth"]]})
        );
        assert_eq!(
            doc["schemes"],
            json!({
                "key": {"type": "apiKey", "in": "query", "name": "k"},
                "basic": {"type": "http", "scheme": "basic"},
                "oauth": {"type": "oauth2", "scheme": "bearer"},
            })
        );
    }

    #[test]
    fn secrets_are_stable_per_spec() {
        let (spec, model) = load(SPEC);
        let first = manifest_auth(&spec, &model);
        assert_eq!(first, manifest_auth(&spec, &model));
        assert_eq!(first["api_keys"].as_object().unwrap().len(), 1);
        let (other_spec, other_model) = load(&SPEC.replace("title: T", "title: U"));
        let other = manifest_auth(&other_spec, &other_model);
        assert_ne!(first["jwt_secret"], other["jwt_secret"]);
        assert_ne!(first["bearer_tokens"], other["bearer_tokens"]);
    }
}
