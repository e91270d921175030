//! Loading and normalising real-world and hand-written descriptions.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::{Path, PathBuf};

use mockloop_runtime::{Error, LoadedSpec, SpecVersion, load_spec, load_spec_str};
use serde_json::{Value, json};

const SHARED_SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/specs");
const INVALID_SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/invalid");

/// The shared specs folder, or `None` (with a loud message) when it is absent.
fn shared_specs() -> Option<PathBuf> {
    let root = PathBuf::from(SHARED_SPECS);
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "\n\n!!! SKIPPED: {SHARED_SPECS} is missing; shared spec tests did not run !!!\n\n"
        );
        None
    }
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn shared_spec_files(root: &Path) -> Vec<PathBuf> {
    let oai = root.join("oai");
    let mut files = Vec::new();
    files.extend(files_in(&oai.join("v2.0/json"), "json"));
    files.extend(files_in(&oai.join("v2.0/yaml"), "yaml"));
    files.push(oai.join("v2.0/json/petstore-separate/spec/swagger.json"));
    files.push(oai.join("v2.0/yaml/petstore-separate/spec/swagger.yaml"));
    files.extend(files_in(&oai.join("v3.0"), "json"));
    files.extend(files_in(&oai.join("v3.0-yaml"), "yaml"));
    files.extend(files_in(&oai.join("v3.1"), "json"));
    files.push(root.join("discord/openapi.json"));
    files.push(root.join("github/api.github.com.json"));
    files
}

fn load(path: &Path) -> LoadedSpec {
    let name = path.to_str().unwrap();
    load_spec(name).unwrap_or_else(|err| panic!("{name}: {err}"))
}

/// Keys whose values are data, not OpenAPI structure.
fn is_data(key: &str) -> bool {
    matches!(key, "example" | "examples" | "default" | "enum" | "const") || key.starts_with("x-")
}

/// Keys whose values map names (which may be anything) to objects.
fn is_name_map(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "patternProperties"
            | "$defs"
            | "definitions"
            | "schemas"
            | "paths"
            | "content"
    )
}

/// Checks the normalised-shape invariants everywhere in `value`.
fn check_shape(document: &Value, value: &Value, at: &str, names_here: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{key}");
                if !names_here {
                    if key == "$ref" {
                        let target = child.as_str().unwrap_or_default();
                        let name =
                            target
                                .strip_prefix("#/components/schemas/")
                                .unwrap_or_else(|| {
                                    panic!("{here}: non-schema or non-canonical $ref {target}")
                                });
                        let name = name.replace("~1", "/").replace("~0", "~");
                        assert!(
                            document["components"]["schemas"].get(&name).is_some(),
                            "{here}: {target} does not resolve"
                        );
                        continue;
                    }
                    assert!(
                        !(matches!(key.as_str(), "nullable" | "x-nullable") && child.is_boolean()),
                        "{here}: {key} left in a schema"
                    );
                    if is_data(key) {
                        continue;
                    }
                }
                check_shape(document, child, &here, !names_here && is_name_map(key));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_shape(document, item, &format!("{at}/{i}"), false);
            }
        }
        _ => {}
    }
}

/// Every `$ref` of the original document is internal.
fn all_refs_internal(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().all(|(key, child)| match (key.as_str(), child) {
            ("$ref", Value::String(target)) => target.starts_with('#'),
            _ => all_refs_internal(child),
        }),
        Value::Array(items) => items.iter().all(all_refs_internal),
        _ => true,
    }
}

#[test]
fn every_shared_spec_loads_and_normalises() {
    let Some(root) = shared_specs() else { return };
    let files = shared_spec_files(&root);
    assert!(files.len() > 30, "found only {} specs", files.len());
    for path in files {
        let spec = load(&path);
        let doc = &spec.document;
        let name = path.display();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{name}");
        assert!(doc["paths"].is_object(), "{name}: no paths");
        check_shape(doc, doc, &format!("{name}#"), false);
        assert!(
            all_refs_internal(&spec.original),
            "{name}: original has external refs"
        );
    }
}

#[test]
fn versions_are_detected() {
    let Some(root) = shared_specs() else { return };
    let oai = root.join("oai");
    assert_eq!(
        load(&oai.join("v2.0/yaml/petstore.yaml")).version,
        SpecVersion::Swagger2
    );
    assert_eq!(
        load(&oai.join("v3.0/petstore.json")).version,
        SpecVersion::OpenApi30
    );
    assert_eq!(
        load(&oai.join("v3.1/webhook-example.json")).version,
        SpecVersion::OpenApi31
    );
}

fn check_petstore_separate(spec: &LoadedSpec, ext: &str) {
    let doc = &spec.document;
    assert_eq!(
        doc["servers"],
        json!([{ "url": "http://petstore.swagger.io/api" }])
    );
    let list = &doc["paths"]["/pets"]["get"];
    assert_eq!(
        list["parameters"][0],
        json!({
            "name": "tags", "in": "query", "description": "tags to filter by", "required": false,
            "style": "form", "explode": false,
            "schema": { "type": "array", "items": { "type": "string" } }
        })
    );
    assert_eq!(
        list["parameters"][1]["schema"],
        json!({ "type": "integer", "format": "int32" })
    );
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"],
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Pet" } })
    );
    assert_eq!(
        list["responses"]["default"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/Error" })
    );
    let add = &doc["paths"]["/pets"]["post"];
    assert_eq!(add["requestBody"]["required"], json!(true));
    assert_eq!(
        add["requestBody"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/NewPet" })
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["Pet", "Error", "NewPet"],
        "{ext}"
    );
    assert_eq!(
        schemas["NewPet"]["allOf"][0],
        json!({ "$ref": "#/components/schemas/Pet" })
    );
    let path_id = &doc["paths"]["/pets/{id}"]["get"]["parameters"][0];
    assert_eq!(path_id["required"], json!(true));
    assert_eq!(
        path_id["schema"],
        json!({ "type": "integer", "format": "int64" })
    );
    // The original stays 2.0, with the external files bundled into definitions.
    let original = &spec.original;
    assert_eq!(original["swagger"], "2.0");
    assert_eq!(
        original["definitions"]["Pet"]["required"],
        json!(["id", "name"])
    );
    assert_eq!(
        original["paths"]["/pets"]["get"]["parameters"][1]["name"],
        json!("limit")
    );
    assert_eq!(
        original["paths"]["/pets"]["post"]["parameters"][0]["schema"],
        json!({ "$ref": "#/definitions/NewPet" })
    );
}

#[test]
fn multi_file_petstore_is_bundled() {
    let Some(root) = shared_specs() else { return };
    for ext in ["yaml", "json"] {
        let path = root.join(format!(
            "oai/v2.0/{ext}/petstore-separate/spec/swagger.{ext}"
        ));
        check_petstore_separate(&load(&path), ext);
    }
}

const SWAGGER2: &str = r##"
swagger: "2.0"
info: { title: t, version: "1" }
basePath: /v1
consumes: [application/json]
produces: [application/json, application/xml]
securityDefinitions:
  basic: { type: basic }
  key: { type: apiKey, name: X-Key, in: header, description: the key }
  code:
    type: oauth2
    flow: accessCode
    authorizationUrl: https://a.example/auth
    tokenUrl: https://a.example/token
    scopes: { read: read things }
  app: { type: oauth2, flow: application, tokenUrl: https://a.example/token, scopes: {} }
security: [{ basic: [] }]
parameters:
  limit: { name: limit, in: query, type: integer, minimum: 1, exclusiveMinimum: true, default: 10 }
responses:
  NotFound: { description: not found, schema: { $ref: "#/definitions/Error" } }
paths:
  /upload/{id}:
    parameters:
      - { name: id, in: path, required: true, type: string }
    post:
      consumes: [multipart/form-data]
      parameters:
        - { name: file, in: formData, type: file, required: true, description: the file }
        - { name: tags, in: formData, type: array, items: { type: string }, collectionFormat: multi }
        - $ref: "#/parameters/limit"
        - { name: ids, in: query, type: array, items: { type: integer }, collectionFormat: pipes }
        - { name: sep, in: query, type: array, items: { type: integer }, collectionFormat: tsv }
      responses:
        200:
          description: ok
          headers:
            X-Rate: { type: integer, format: int32, description: rate }
            X-List: { type: array, items: { type: string } }
          schema: { $ref: "#/definitions/Pet" }
          examples:
            application/json: '{"id": 1}'
        404: { $ref: "#/responses/NotFound" }
  /form:
    put:
      parameters:
        - { name: a, in: formData, type: string }
        - { name: b, in: formData, type: array, items: { type: string } }
      responses:
        default: { description: fine }
definitions:
  Pet:
    type: object
    properties:
      id: { type: integer }
      name: { type: string, x-nullable: true }
      owner: { $ref: "#/definitions/Pet", description: ignored in 2.0 }
  Error: { type: object, properties: { code: { type: integer } } }
"##;

#[test]
fn swagger2_conversion() {
    let spec = load_spec_str(SWAGGER2, "inline.yaml").unwrap();
    let doc = &spec.document;
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["servers"], json!([{ "url": "/v1" }]));
    assert_eq!(doc["security"], json!([{ "basic": [] }]));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["basic"],
        json!({ "type": "http", "scheme": "basic" })
    );
    assert_eq!(
        schemes["key"],
        json!({ "type": "apiKey", "name": "X-Key", "in": "header", "description": "the key" })
    );
    assert_eq!(
        schemes["code"]["flows"],
        json!({ "authorizationCode": {
            "authorizationUrl": "https://a.example/auth", "tokenUrl": "https://a.example/token",
            "scopes": { "read": "read things" } } })
    );
    assert_eq!(
        schemes["app"]["flows"],
        json!({ "clientCredentials": { "tokenUrl": "https://a.example/token", "scopes": {} } })
    );

    let item = &doc["paths"]["/upload/{id}"];
    assert_eq!(item["parameters"][0]["schema"], json!({ "type": "string" }));
    let op = &item["post"];
    let params = op["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 3, "{params:?}");
    assert_eq!(
        params[0]["schema"],
        json!({ "type": "integer", "default": 10, "exclusiveMinimum": 1 })
    );
    assert_eq!(
        (&params[1]["style"], &params[1]["explode"]),
        (&json!("pipeDelimited"), &json!(false))
    );
    assert_eq!(
        (&params[2]["style"], &params[2]["explode"]),
        (&json!("form"), &json!(false))
    );
    assert!(
        spec.warnings.iter().any(|w| w.contains("tsv")),
        "{:?}",
        spec.warnings
    );

    let body = &op["requestBody"];
    assert_eq!(body["required"], json!(true));
    assert_eq!(
        body["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["multipart/form-data"]
    );
    assert_eq!(
        body["content"]["multipart/form-data"]["schema"],
        json!({
            "type": "object",
            "properties": {
                "file": { "type": "string", "format": "binary", "description": "the file" },
                "tags": { "type": "array", "items": { "type": "string" } }
            },
            "additionalProperties": false,
            "required": ["file"]
        })
    );
    let ok = &op["responses"]["200"];
    assert_eq!(
        ok["headers"]["X-Rate"],
        json!({ "description": "rate", "schema": { "type": "integer", "format": "int32" } })
    );
    assert_eq!(ok["headers"]["X-List"]["style"], json!("simple"));
    assert_eq!(
        ok["content"]["application/json"],
        json!({ "schema": { "$ref": "#/components/schemas/Pet" }, "example": { "id": 1 } })
    );
    assert_eq!(
        ok["content"]["application/xml"],
        json!({ "schema": { "$ref": "#/components/schemas/Pet" } })
    );
    assert_eq!(op["responses"]["404"]["description"], json!("not found"));
    assert_eq!(
        op["responses"]["404"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/Error" })
    );

    let form = &doc["paths"]["/form"]["put"]["requestBody"];
    let urlencoded = &form["content"]["application/x-www-form-urlencoded"];
    assert_eq!(
        urlencoded["encoding"]["b"],
        json!({ "style": "form", "explode": false })
    );
    assert!(form.get("required").is_none());

    let pet = &doc["components"]["schemas"]["Pet"];
    assert_eq!(
        pet["properties"]["name"],
        json!({ "type": ["string", "null"] })
    );
    assert_eq!(
        pet["properties"]["owner"],
        json!({ "$ref": "#/components/schemas/Pet" })
    );
    assert!(doc.get("definitions").is_none() && doc.get("parameters").is_none());
    // The original is kept as written.
    assert_eq!(
        spec.original["definitions"]["Pet"]["properties"]["name"]["x-nullable"],
        json!(true)
    );
}

const OPENAPI30: &str = r##"{
  "openapi": "3.0.3",
  "info": { "title": "t", "version": "1" },
  "paths": {
    "/things": {
      "get": {
        "parameters": [{ "$ref": "#/components/parameters/per-page" }],
        "responses": {
          "200": { "$ref": "#/components/responses/Things" },
          "400": { "description": "deep", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/Node/properties/children" } } } }
        }
      }
    }
  },
  "components": {
    "parameters": {
      "per-page": { "name": "per_page", "in": "query", "schema": { "type": "integer", "maximum": 100, "exclusiveMaximum": true } }
    },
    "responses": {
      "Things": { "description": "things", "content": { "application/json": {
        "schema": { "$ref": "#/components/schemas/Node" },
        "examples": { "one": { "$ref": "#/components/examples/one" } } } } }
    },
    "examples": { "one": { "value": { "name": "x" } } },
    "schemas": {
      "Node": {
        "type": "object",
        "nullable": true,
        "properties": {
          "name": { "type": "string", "nullable": true, "enum": ["a", "b"] },
          "parent": { "$ref": "#/components/schemas/Node", "nullable": true },
          "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } }
        }
      }
    }
  }
}"##;

#[test]
fn openapi30_normalisation() {
    let spec = load_spec_str(OPENAPI30, "inline.json").unwrap();
    let doc = &spec.document;
    let op = &doc["paths"]["/things"]["get"];
    assert_eq!(op["parameters"][0]["name"], json!("per_page"));
    assert_eq!(
        op["parameters"][0]["schema"],
        json!({ "type": "integer", "exclusiveMaximum": 100 })
    );
    let ok = &op["responses"]["200"]["content"]["application/json"];
    assert_eq!(ok["examples"]["one"], json!({ "value": { "name": "x" } }));
    assert_eq!(ok["schema"], json!({ "$ref": "#/components/schemas/Node" }));
    let node = &doc["components"]["schemas"]["Node"];
    assert_eq!(node["type"], json!(["object", "null"]));
    assert_eq!(
        node["properties"]["name"],
        json!({ "type": ["string", "null"], "enum": ["a", "b"] })
    );
    assert_eq!(
        node["properties"]["parent"],
        json!({ "$ref": "#/components/schemas/Node" })
    );
    assert!(
        spec.warnings.iter().any(|w| w.contains("sibling")),
        "{:?}",
        spec.warnings
    );
    // A deep schema reference is hoisted into its own component.
    assert_eq!(
        op["responses"]["400"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/Node_children" })
    );
    assert_eq!(
        doc["components"]["schemas"]["Node_children"],
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Node" } })
    );
    check_shape(doc, doc, "#", false);
    assert_eq!(
        spec.original,
        serde_json::from_str::<Value>(OPENAPI30).unwrap()
    );
}

const OPENAPI31: &str = r##"
openapi: 3.1.0
info: { title: t, version: "1" }
webhooks:
  newPet:
    $ref: "#/components/pathItems/NewPet"
components:
  pathItems:
    NewPet:
      post:
        requestBody:
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        responses:
          "200": { description: ok }
  securitySchemes:
    mtls: { type: mutualTLS }
  schemas:
    Pet:
      type: object
      properties:
        name: { type: [string, "null"], examples: ["Rex"] }
        kind: { const: dog }
        size: { type: number, exclusiveMinimum: 0 }
        owner: { $ref: "#/components/schemas/Owner", description: the owner, readOnly: true }
        pair: { type: array, prefixItems: [{ type: string }, { type: integer }] }
        nick: { type: string, nullable: true }
    Owner:
      $defs:
        id: { type: string, format: uuid }
      properties:
        id: { $ref: "#/components/schemas/Owner/$defs/id" }
"##;

#[test]
fn openapi31_keeps_its_meaning() {
    let spec = load_spec_str(OPENAPI31, "inline.yaml").unwrap();
    let doc = &spec.document;
    assert_eq!(spec.version, SpecVersion::OpenApi31);
    assert_eq!(doc["paths"], json!({}));
    assert_eq!(
        doc["webhooks"]["newPet"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/Pet" })
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["mtls"],
        json!({ "type": "mutualTLS" })
    );
    let pet = &doc["components"]["schemas"]["Pet"]["properties"];
    assert_eq!(
        pet["name"],
        json!({ "type": ["string", "null"], "examples": ["Rex"] })
    );
    assert_eq!(pet["kind"], json!({ "const": "dog" }));
    assert_eq!(
        pet["size"],
        json!({ "type": "number", "exclusiveMinimum": 0 })
    );
    assert_eq!(
        pet["owner"],
        json!({ "$ref": "#/components/schemas/Owner", "description": "the owner", "readOnly": true })
    );
    assert_eq!(pet["pair"]["prefixItems"][1], json!({ "type": "integer" }));
    assert_eq!(pet["nick"], json!({ "type": ["string", "null"] }));
    assert_eq!(
        doc["components"]["schemas"]["Owner"]["properties"]["id"],
        json!({ "$ref": "#/components/schemas/Owner_id" })
    );
    check_shape(doc, doc, "#", false);
}

#[test]
fn circular_external_schemas_are_bundled() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "api.yaml",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'common/params.yaml#/limit'\n      responses:\n        200:\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'models/A.yaml'}\n",
    );
    std::fs::create_dir(dir.path().join("models")).unwrap();
    std::fs::create_dir(dir.path().join("common")).unwrap();
    write(
        "models/A.yaml",
        "type: object\nproperties:\n  b: {$ref: 'B.yaml#/B'}\n",
    );
    write(
        "models/B.yaml",
        "B:\n  type: object\n  properties:\n    a: {$ref: 'A.yaml'}\n    self: {$ref: '#/B'}\n",
    );
    write(
        "common/params.yaml",
        "limit: {name: limit, in: query, schema: {$ref: '../models/A.yaml'}}\n",
    );
    let spec = load_spec(dir.path().join("api.yaml").to_str().unwrap()).unwrap();
    let doc = &spec.document;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(schemas.keys().collect::<Vec<_>>(), ["A", "B"]);
    assert_eq!(
        schemas["A"]["properties"]["b"],
        json!({ "$ref": "#/components/schemas/B" })
    );
    assert_eq!(
        schemas["B"]["properties"]["a"],
        json!({ "$ref": "#/components/schemas/A" })
    );
    assert_eq!(
        schemas["B"]["properties"]["self"],
        json!({ "$ref": "#/components/schemas/B" })
    );
    assert_eq!(
        doc["paths"]["/a"]["get"]["parameters"][0]["schema"],
        json!({ "$ref": "#/components/schemas/A" })
    );
    assert_eq!(spec.original["components"], doc["components"]);
    check_shape(doc, doc, "#", false);
}

fn invalid(name: &str) -> Error {
    let path = format!("{INVALID_SPECS}/{name}");
    let err = load_spec(&path).expect_err(name);
    assert!(err.to_string().contains(&path), "{name}: {err}");
    err
}

#[test]
fn invalid_inputs_give_the_right_errors() {
    let err = invalid("invalid-yaml.yaml");
    assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
    assert!(err.to_string().contains("line 11"), "{err}");
    let err = invalid("not-a-spec.yaml");
    assert!(matches!(err, Error::NotASpec { .. }), "{err:?}");
    let err = invalid("unsupported-version.yaml");
    assert!(matches!(err, Error::UnsupportedVersion { .. }), "{err:?}");
    let err = invalid("ref-to-nowhere.yaml");
    assert!(matches!(err, Error::UnresolvedRef { .. }), "{err:?}");
    assert!(
        err.to_string().contains("#/components/schemas/Missing"),
        "{err}"
    );
    assert!(
        err.to_string().contains("#/paths/~1pets/get/responses/200"),
        "{err}"
    );
    let err = invalid("missing-external-ref.yaml");
    assert!(matches!(err, Error::UnresolvedRef { .. }), "{err:?}");
    assert!(err.to_string().contains("does-not-exist.yaml"), "{err}");
}

#[test]
fn other_bad_inputs() {
    let err = load_spec_str("[1, 2, 3]", "list.json").unwrap_err();
    assert!(matches!(err, Error::NotASpec { .. }), "{err:?}");
    let err = load_spec_str("{\"openapi\": \"4.0.0\"}", "four.json").unwrap_err();
    assert!(matches!(err, Error::UnsupportedVersion { .. }), "{err:?}");
    let err = load_spec_str("{\"openapi\": ", "cut.json").unwrap_err();
    assert!(
        matches!(err, Error::Syntax { .. }) && err.to_string().contains("cut.json"),
        "{err}"
    );
    let err = load_spec("http://127.0.0.1:9/spec.yaml").unwrap_err();
    assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
    assert!(
        err.to_string().contains("http://127.0.0.1:9/spec.yaml"),
        "{err}"
    );
    let err = load_spec("/no/such/spec.yaml").unwrap_err();
    assert!(matches!(err, Error::ReadFile { .. }), "{err:?}");
}

#[test]
fn circular_non_schema_refs_are_errors() {
    let text = r##"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
      "components": {"responses": {"A": {"$ref": "#/components/responses/B"},
                                   "B": {"$ref": "#/components/responses/A"}}}}"##;
    let err = load_spec_str(text, "loop.json").unwrap_err();
    assert!(matches!(err, Error::UnresolvedRef { .. }), "{err:?}");
    assert!(err.to_string().contains("circular"), "{err}");
}
