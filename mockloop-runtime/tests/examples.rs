//! Spec examples are served only when the whole value validates, even in
//! schemas a validator could not compile as written (ECMA-only patterns,
//! keyword values of the wrong type): those are rewritten or mended first,
//! so the rest of the schema still judges the example.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use mockloop_runtime::{ApiModel, load_spec_str};
use serde_json::{Value, json};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Examples, version: "1"}
paths:
  /legacy:
    get:
      responses:
        "200":
          description: Keyword values no validator accepts, and an invalid example
          content:
            application/json:
              schema:
                type: object
                required: [labels]
                properties:
                  count: {type: integer, minimum: "1", required: true}
                  kind: {type: any}
                  labels:
                    type: object
                    additionalProperties: {type: string}
              example: {count: 0, labels: {team: core, flaky: true}}
  /patterned:
    get:
      responses:
        "200":
          description: An ECMA-only pattern beside a map whose example is invalid
          content:
            application/json:
              schema:
                type: object
                required: [name, labels]
                properties:
                  name: {type: string, pattern: "^[\\w-.]+$"}
                  labels:
                    type: object
                    additionalProperties: {type: string}
              example: {name: build, labels: {flaky: true}}
  /valid:
    get:
      responses:
        "200":
          description: A valid example is kept
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: {type: integer, minimum: "1"}
              example: {count: 3}
"#;

fn body(model: &ApiModel, key: &str) -> Value {
    let op = model.operations.iter().find(|op| op.key == key).unwrap();
    op.responses[0].body.clone().unwrap()
}

#[test]
fn invalid_examples_are_replaced_in_schemas_that_needed_mending() {
    let spec = load_spec_str(SPEC, "examples.yaml").unwrap();
    let model = ApiModel::from_spec(&spec).unwrap();
    let legacy = body(&model, "GET /legacy");
    assert_ne!(legacy["labels"]["flaky"], json!(true), "{legacy}");
    assert!(
        legacy["labels"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string),
        "{legacy}"
    );
    if let Some(count) = legacy.get("count") {
        assert!(count.as_i64().unwrap() >= 1, "{legacy}");
    }
    let patterned = body(&model, "GET /patterned");
    assert_ne!(patterned["labels"]["flaky"], json!(true), "{patterned}");
    assert_eq!(body(&model, "GET /valid"), json!({"count": 3}));
    assert!(
        model.warnings.iter().any(|w| w.contains("mended")),
        "{:?}",
        model.warnings
    );
}
