//! Swagger 2.0 `securityDefinitions` → OpenAPI 3.0 `securitySchemes`.
use serde_json::{Map, Value, json};

/// Converts the `securityDefinitions` map.
pub(super) fn schemes(value: Value, warnings: &mut Vec<String>) -> Value {
    let Value::Object(definitions) = value else {
        return value;
    };
    let converted = definitions
        .into_iter()
        .map(|(name, scheme)| {
            let scheme = match scheme {
                Value::Object(scheme) => convert(&name, scheme, warnings),
                other => other,
            };
            (name, scheme)
        })
        .collect();
    Value::Object(converted)
}

fn convert(name: &str, mut scheme: Map<String, Value>, warnings: &mut Vec<String>) -> Value {
    let kind = scheme
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut out = Map::new();
    match kind.as_str() {
        "basic" => {
            out.insert("type".to_owned(), json!("http"));
            out.insert("scheme".to_owned(), json!("basic"));
        }
        "apiKey" => {
            out.insert("type".to_owned(), json!("apiKey"));
            for key in ["name", "in"] {
                if let Some(value) = scheme.remove(key) {
                    out.insert(key.to_owned(), value);
                }
            }
        }
        "oauth2" => {
            out.insert("type".to_owned(), json!("oauth2"));
            out.insert(
                "flows".to_owned(),
                oauth2_flows(&mut scheme, name, warnings),
            );
        }
        other => {
            warnings.push(format!(
                "securityDefinitions/{name}: unknown type {other:?}, kept as written"
            ));
            return Value::Object(scheme);
        }
    }
    for (key, value) in scheme {
        if key == "description" || key.starts_with("x-") {
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

fn oauth2_flows(scheme: &mut Map<String, Value>, name: &str, warnings: &mut Vec<String>) -> Value {
    let flow = scheme
        .get("flow")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let (flow_name, fields): (&str, &[&str]) = match flow.as_str() {
        "implicit" => ("implicit", &["authorizationUrl"]),
        "password" => ("password", &["tokenUrl"]),
        "application" => ("clientCredentials", &["tokenUrl"]),
        "accessCode" => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
        other => {
            warnings.push(format!(
                "securityDefinitions/{name}: unknown oauth2 flow {other:?}; read as implicit"
            ));
            ("implicit", &["authorizationUrl"])
        }
    };
    let mut out = Map::new();
    for field in fields {
        let value = scheme.remove(*field).unwrap_or_else(|| json!(""));
        out.insert((*field).to_owned(), value);
    }
    out.insert(
        "scopes".to_owned(),
        scheme.remove("scopes").unwrap_or_else(|| json!({})),
    );
    json!({ flow_name: Value::Object(out) })
}
