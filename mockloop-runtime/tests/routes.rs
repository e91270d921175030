//! Routes of the model: paths with empty segments get their collapsed form
//! as an alias, unless another operation of the same method answers there.
use mockloop_runtime::{ApiModel, load_spec_str};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Routes, version: "1"}
servers: [{url: /v1}]
paths:
  /a//b/{id}:
    get: {responses: {"200": {description: ok}}}
  /a/b/{other}:
    delete: {responses: {"204": {description: gone}}}
  /dup//x:
    get: {responses: {"200": {description: ok}}}
  /dup/x:
    get: {responses: {"200": {description: ok}}}
  //ping:
    get: {responses: {"200": {description: ok}}}
  /same//{x}:
    get: {responses: {"200": {description: ok}}}
  /same/{y}:
    get: {responses: {"200": {description: ok}}}
"#;

fn aliases(model: &ApiModel, key: &str) -> Vec<String> {
    model
        .operations
        .iter()
        .find(|op| op.key == key)
        .unwrap_or_else(|| panic!("no {key}"))
        .route_aliases
        .clone()
}

#[test]
fn empty_segments_get_collapsed_aliases() {
    let spec = load_spec_str(SPEC, "routes.yaml").unwrap();
    let model = ApiModel::from_spec(&spec).unwrap();
    assert_eq!(aliases(&model, "GET /a//b/{id}"), ["/v1/a/b/{id_}"]);
    assert_eq!(aliases(&model, "GET //ping"), ["/v1/ping"]);
    // The collapsed form is another GET's (with any parameter names).
    assert!(aliases(&model, "GET /dup//x").is_empty());
    assert!(aliases(&model, "GET /same//{x}").is_empty());
    assert!(aliases(&model, "GET /dup/x").is_empty());
    assert!(aliases(&model, "DELETE /a/b/{other}").is_empty());
}
