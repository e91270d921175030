//! Tests of the synthesizer: a table of schemas (each value checked with an
//! independent `jsonschema` validator), determinism, examples, real specs.
use serde_json::{Value, json};

use super::{Synthesizer, seed_for};

mod specs;

/// A document with the components the table refers to.
fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {
            "Pet": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Cat"},
                    {"$ref": "#/components/schemas/Dog"}
                ],
                "discriminator": {
                    "propertyName": "pet_type",
                    "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}
                }
            },
            "Cat": {
                "type": "object",
                "required": ["pet_type", "name"],
                "properties": {
                    "pet_type": {"type": "string"},
                    "name": {"type": "string", "minLength": 1},
                    "hunts": {"type": "boolean"}
                }
            },
            "Dog": {
                "type": "object",
                "required": ["pet_type", "bark"],
                "properties": {
                    "pet_type": {"type": "string"},
                    "bark": {"type": "string", "enum": ["soft", "loud"]}
                }
            },
            "Tree": {
                "type": "object",
                "required": ["value", "children"],
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
                    "parent": {"$ref": "#/components/schemas/Tree"}
                }
            },
            "List": {
                "type": "object",
                "required": ["head", "next"],
                "properties": {
                    "head": {"type": "string"},
                    "next": {"oneOf": [{"$ref": "#/components/schemas/List"}, {"type": "null"}]}
                }
            },
            "Chain": {
                "required": ["next"],
                "properties": {"next": {"type": ["object", "null"], "$ref": "#/components/schemas/Chain"}}
            },
            "Base": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "meta": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
                }
            },
            "Named": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "maxLength": 5},
                            "meta": {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}
                        }
                    }
                ]
            },
            "BadExample": {"type": "integer", "minimum": 10, "example": "not a number"},
            "GoodExample": {"type": "string", "example": "kept as is"}
        }}
    })
}

/// An independent validator: the document itself with a root `$ref`.
fn validates(document: &Value, schema: &Value, instance: &Value) -> bool {
    let mut root = document.clone();
    let Some(object) = root.as_object_mut() else {
        return false;
    };
    let components = object.entry("components").or_insert_with(|| json!({}));
    if let Some(components) = components.as_object_mut() {
        let schemas = components.entry("schemas").or_insert_with(|| json!({}));
        if let Some(schemas) = schemas.as_object_mut() {
            schemas.insert("__Test".to_owned(), schema.clone());
        }
    }
    object.insert("$ref".to_owned(), json!("#/components/schemas/__Test"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .expect("test schema compiles");
    validator.is_valid(instance)
}

/// Schemas covering each keyword the synthesizer honours.
fn table() -> Vec<(&'static str, Value)> {
    vec![
        ("true", json!(true)),
        ("empty", json!({})),
        ("string", json!({"type": "string"})),
        (
            "lengths",
            json!({"type": "string", "minLength": 20, "maxLength": 22}),
        ),
        ("max length 1", json!({"type": "string", "maxLength": 1})),
        (
            "unicode lengths",
            json!({"type": "string", "minLength": 3, "maxLength": 3, "pattern": "^[é]+$"}),
        ),
        (
            "pattern",
            json!({"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}),
        ),
        (
            "pattern unanchored",
            json!({"type": "string", "pattern": "abc"}),
        ),
        (
            "pattern with lengths",
            json!({"type": "string", "pattern": "^[a-z]+$", "minLength": 5, "maxLength": 8}),
        ),
        (
            "pattern lookahead",
            json!({"type": "string", "pattern": "^(?=.*[0-9])[a-z0-9]{8}$"}),
        ),
        (
            "date-time",
            json!({"type": "string", "format": "date-time"}),
        ),
        (
            "date-time restated by a pattern (Microsoft Graph)",
            json!({
                "type": "string",
                "format": "date-time",
                "pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$",
            }),
        ),
        (
            "format narrowed by a pattern",
            json!({"type": "string", "format": "email", "pattern": "^[a-z]{3,8}@corp[.]example$"}),
        ),
        (
            "uuid in capitals (loket.nl)",
            json!({"type": "string", "format": "uuid", "pattern": "^[{(]?[0-9A-F]{8}[-]?([0-9A-F]{4}[-]?){3}[0-9A-F]{12}[)}]?$"}),
        ),
        (
            "date-time longer than its shortest form (UniCourt)",
            json!({"type": "string", "format": "date-time", "minLength": 25, "maxLength": 35}),
        ),
        (
            "open pattern with an exact length (AWS Clean Rooms)",
            json!({
                "type": "string",
                "pattern": ".*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}.*",
                "minLength": 36,
                "maxLength": 36,
            }),
        ),
        (
            "optional property no value fits (Vimeo's array with a string enum)",
            json!({
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "content_filter": {"type": "array", "items": {"type": "string"}, "enum": ["drugs", "safe"]},
                },
            }),
        ),
        (
            "array items no value fits (an integer enum of strings)",
            json!({"type": "array", "items": {"type": "integer", "enum": ["0 (User)", "1 (Organization)"]}}),
        ),
        ("date", json!({"type": "string", "format": "date"})),
        ("time", json!({"type": "string", "format": "time"})),
        ("duration", json!({"type": "string", "format": "duration"})),
        ("uuid", json!({"type": "string", "format": "uuid"})),
        ("email", json!({"type": "string", "format": "email"})),
        (
            "idn-email",
            json!({"type": "string", "format": "idn-email"}),
        ),
        ("uri", json!({"type": "string", "format": "uri"})),
        ("url", json!({"type": "string", "format": "url"})),
        (
            "uri-reference",
            json!({"type": "string", "format": "uri-reference"}),
        ),
        ("hostname", json!({"type": "string", "format": "hostname"})),
        (
            "idn-hostname",
            json!({"type": "string", "format": "idn-hostname"}),
        ),
        ("ipv4", json!({"type": "string", "format": "ipv4"})),
        ("ipv6", json!({"type": "string", "format": "ipv6"})),
        ("byte", json!({"type": "string", "format": "byte"})),
        ("binary", json!({"type": "string", "format": "binary"})),
        ("password", json!({"type": "string", "format": "password"})),
        (
            "unknown format",
            json!({"type": "string", "format": "flux-capacitor"}),
        ),
        ("integer", json!({"type": "integer"})),
        (
            "int32",
            json!({"type": "integer", "format": "int32", "minimum": 2_147_483_000_i64}),
        ),
        (
            "int64 big",
            json!({"type": "integer", "format": "int64", "minimum": 9_000_000_000_000_i64}),
        ),
        (
            "integer bounds",
            json!({"type": "integer", "minimum": -5, "maximum": -3}),
        ),
        (
            "integer exclusive",
            json!({"type": "integer", "exclusiveMinimum": 4, "exclusiveMaximum": 6}),
        ),
        (
            "integer multipleOf",
            json!({"type": "integer", "multipleOf": 7, "minimum": 1000}),
        ),
        (
            "integer fractional multipleOf",
            json!({"type": "integer", "multipleOf": 0.5}),
        ),
        ("number", json!({"type": "number"})),
        (
            "number bounds",
            json!({"type": "number", "minimum": 0.1, "maximum": 0.2}),
        ),
        (
            "number exclusive",
            json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001}),
        ),
        (
            "number multipleOf",
            json!({"type": "number", "multipleOf": 0.01, "minimum": 3}),
        ),
        (
            "number multipleOf 0.1",
            json!({"type": "number", "multipleOf": 0.1}),
        ),
        (
            "number negative",
            json!({"type": "number", "maximum": -1000}),
        ),
        ("boolean", json!({"type": "boolean"})),
        ("null", json!({"type": "null"})),
        (
            "type array",
            json!({"type": ["string", "null"], "minLength": 2}),
        ),
        (
            "type array null first",
            json!({"type": ["null", "integer"]}),
        ),
        ("enum", json!({"enum": ["a", "b", 3]})),
        ("enum typed", json!({"type": "string", "enum": [null, "x"]})),
        ("const", json!({"const": {"fixed": [1, 2]}})),
        (
            "object",
            json!({
                "type": "object",
                "required": ["id", "email"],
                "properties": {
                    "id": {"type": "integer"},
                    "email": {"type": "string", "format": "email"},
                    "first_name": {"type": "string"},
                    "city": {"type": "string", "maxLength": 40},
                    "secret": {"type": "string", "writeOnly": true},
                    "created_at": {"type": "string", "format": "date-time", "readOnly": true}
                },
                "additionalProperties": false
            }),
        ),
        (
            "required without properties",
            json!({"type": "object", "required": ["x", "y"]}),
        ),
        (
            "additionalProperties schema",
            json!({"type": "object", "additionalProperties": {"type": "integer"}}),
        ),
        (
            "minProperties",
            json!({"type": "object", "minProperties": 3, "additionalProperties": {"type": "string"}}),
        ),
        (
            "maxProperties",
            json!({
                "type": "object", "maxProperties": 1, "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}}
            }),
        ),
        (
            "patternProperties",
            json!({
                "type": "object", "minProperties": 2,
                "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
                "additionalProperties": false
            }),
        ),
        (
            "propertyNames",
            json!({
                "type": "object", "propertyNames": {"pattern": "^[A-Z]{2}$"},
                "additionalProperties": {"type": "boolean"}
            }),
        ),
        (
            "array",
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}}),
        ),
        (
            "array bounds",
            json!({"type": "array", "items": {"type": "integer"}, "minItems": 5, "maxItems": 6}),
        ),
        (
            "array unique",
            json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 3}, "minItems": 4, "uniqueItems": true}),
        ),
        (
            "array unique examples",
            json!({"type": "array", "items": {"type": "string", "example": "same"}, "minItems": 3, "uniqueItems": true}),
        ),
        (
            "prefixItems",
            json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false, "minItems": 2}),
        ),
        (
            "tuple items",
            json!({"type": "array", "items": [{"type": "boolean"}, {"type": "null"}], "minItems": 2}),
        ),
        (
            "contains",
            json!({"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 100}}),
        ),
        ("allOf merge", json!({"$ref": "#/components/schemas/Named"})),
        (
            "allOf types",
            json!({"allOf": [{"type": ["integer", "string"]}, {"type": ["number"]}, {"minimum": 3}]}),
        ),
        (
            "allOf contradictory",
            json!({"allOf": [{"type": "string"}, {"type": "integer"}]}),
        ),
        (
            "ref with siblings",
            json!({"$ref": "#/components/schemas/Cat", "required": ["hunts"]}),
        ),
        (
            "oneOf discriminator",
            json!({"$ref": "#/components/schemas/Pet"}),
        ),
        (
            "oneOf overlapping",
            json!({"oneOf": [{"type": "number"}, {"type": "integer"}]}),
        ),
        (
            "oneOf objects",
            json!({"oneOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}, "additionalProperties": false}
            ]}),
        ),
        (
            "anyOf",
            json!({"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]}),
        ),
        (
            "not",
            json!({"type": "integer", "not": {"enum": [1, 2, 3, 4, 5]}, "minimum": 1, "maximum": 6}),
        ),
        (
            "if then else",
            json!({
                "type": "object", "required": ["kind"],
                "properties": {"kind": {"enum": ["a", "b"]}},
                "if": {"properties": {"kind": {"const": "a"}}},
                "then": {"required": ["a_value"], "properties": {"a_value": {"type": "integer"}}},
                "else": {"required": ["b_value"], "properties": {"b_value": {"type": "string"}}}
            }),
        ),
        (
            "recursive tree",
            json!({"$ref": "#/components/schemas/Tree"}),
        ),
        (
            "recursive list",
            json!({"$ref": "#/components/schemas/List"}),
        ),
        (
            "recursive chain",
            json!({"$ref": "#/components/schemas/Chain"}),
        ),
        (
            "array of recursive",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Tree"}, "minItems": 2}),
        ),
        (
            "bad example",
            json!({"$ref": "#/components/schemas/BadExample"}),
        ),
        (
            "bad nested example",
            json!({
                "type": "object", "required": ["n"],
                "properties": {"n": {"type": "integer", "maximum": 3, "example": 99}, "s": {"type": "string", "example": "ok"}}
            }),
        ),
        (
            "examples array",
            json!({"type": "string", "examples": ["first", "second"]}),
        ),
        ("default", json!({"type": "integer", "default": 42})),
        (
            "hint realistic",
            json!({"type": "object", "properties": {
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "price": {"type": "number", "multipleOf": 0.01, "minimum": 0},
                "phone": {"type": "string"},
                "zip_code": {"type": "string"},
                "color": {"type": "string", "pattern": "^[0-9a-f]{6}$"},
                "website": {"type": "string", "maxLength": 3},
                "country": {"type": "string", "enum": ["FR", "DE"]}
            }}),
        ),
    ]
}

#[test]
fn every_table_schema_gives_valid_values() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let mut failures = Vec::new();
    for (name, schema) in table() {
        for seed in 0..8 {
            let value = synth.value(&schema, name, seed);
            if name != "allOf contradictory" && !validates(&document, &schema, &value) {
                failures.push(format!("{name} (seed {seed}): {value}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "invalid values:\n{}",
        failures.join("\n")
    );
}

#[test]
fn same_seed_gives_same_value() {
    let document = document();
    for (name, schema) in table() {
        let first = Synthesizer::new(&document).value(&schema, name, 7);
        let mut synth = Synthesizer::new(&document);
        let _ = synth.value(&json!({"type": "string"}), "warm", 1);
        let second = synth.value(&schema, name, 7);
        assert_eq!(first, second, "{name}");
    }
}

#[test]
fn discriminator_is_set_from_mapping() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let value = synth.value(&json!({"$ref": "#/components/schemas/Pet"}), "pet", 3);
    let tag = value.get("pet_type").and_then(Value::as_str);
    assert!(matches!(tag, Some("cat" | "dog")), "{value}");
}

#[test]
fn valid_examples_are_kept_and_invalid_ones_replaced() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let good = synth.value(&json!({"$ref": "#/components/schemas/GoodExample"}), "x", 1);
    assert_eq!(good, json!("kept as is"));
    let schema =
        json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}});
    let media = json!({
        "schema": schema,
        "example": {"id": "wrong"},
        "examples": {
            "ok": {"summary": "fine", "value": {"id": 5}},
            "bad": {"value": {"id": null}}
        }
    });
    let examples = synth.media_examples(&media, "thing", seed_for(&["op", "200"]));
    assert_eq!(examples.default, json!({"id": 5}));
    assert_eq!(examples.named.get("ok"), Some(&json!({"id": 5})));
    let replaced = examples.named.get("bad").expect("named example kept");
    assert!(validates(&document, &schema, replaced), "{replaced}");
    let media = json!({"schema": schema, "example": {"id": 9}});
    assert_eq!(
        synth.media_examples(&media, "thing", 1).default,
        json!({"id": 9})
    );
}

#[test]
fn realistic_values_follow_hints() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let email = synth.value(&json!({"type": "string"}), "email", 1);
    assert!(
        email.as_str().is_some_and(|text| text.contains('@')),
        "{email}"
    );
    let created = synth.value(&json!({"type": "string"}), "created_at", 1);
    assert!(
        created.as_str().is_some_and(|text| text.starts_with("20")),
        "{created}"
    );
    let latitude = synth.value(&json!({"type": "number"}), "latitude", 1);
    assert!(
        latitude
            .as_f64()
            .is_some_and(|x| (-90.0..=90.0).contains(&x)),
        "{latitude}"
    );
}

#[test]
fn openapi_30_boolean_exclusive_bounds_are_honoured() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let schema = json!({"type": "integer", "minimum": 4, "exclusiveMinimum": true, "maximum": 5});
    for seed in 0..8 {
        assert_eq!(synth.value(&schema, "n", seed), json!(5));
    }
}

#[test]
fn malformed_schemas_do_not_panic() {
    let document = json!({"components": {"schemas": {"Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}]}}}});
    let mut synth = Synthesizer::new(&document);
    for schema in [
        json!({"$ref": "#/components/schemas/Loop"}),
        json!({"type": 12, "properties": [], "required": "x", "items": 3}),
        json!({"minLength": -1, "maxLength": "x", "pattern": 5}),
        json!({"type": "array", "minItems": 1_000_000_000}),
        json!({"enum": []}),
        json!({"oneOf": []}),
        json!(false),
        json!(null),
        json!({"type": "number", "multipleOf": 0, "minimum": 1e308, "maximum": -1e308}),
        json!({"$ref": "http://elsewhere/x.json"}),
        json!({"$ref": "#/components/schemas/Nope"}),
        json!({"type": "integer", "minimum": 10, "maximum": 1}),
        json!({"type": "string", "minLength": 10, "maxLength": 1}),
        json!({"type": "string", "pattern": "^(unclosed$"}),
        json!({"type": "string", "pattern": "(?<=a)b\\1", "minLength": 3}),
    ] {
        let _ = synth.value(&schema, "x", 1);
        let _ = synth.media_examples(&json!({"schema": schema, "examples": 3}), "x", 1);
    }
}

/// A schema unrolled for an instance judges it as the schema does: every
/// table schema, against generated values and values that break them.
#[test]
fn unrolled_schemas_judge_as_the_originals() {
    let document = document();
    let mut synth = Synthesizer::new(&document);
    let mut differences = Vec::new();
    for (name, schema) in table() {
        let mut instances = vec![
            Value::Null,
            json!({}),
            json!([]),
            json!("x"),
            json!(1),
            json!([{"a": 1}, {"b": [null]}]),
        ];
        for seed in 0..4 {
            let value = synth.value(&schema, name, seed);
            if let Value::Object(map) = &value {
                for key in map.keys() {
                    let mut without = map.clone();
                    without.remove(key);
                    instances.push(Value::Object(without));
                    let mut wrong = map.clone();
                    wrong.insert(key.clone(), json!({"wrong": [1, "two"]}));
                    instances.push(Value::Object(wrong));
                }
            }
            if let Value::Array(items) = &value {
                let mut more = items.clone();
                more.push(json!({"extra": true}));
                instances.push(Value::Array(more));
            }
            instances.push(value);
        }
        for instance in &instances {
            let Some(unrolled) = super::unroll::unroll(&document, &schema, instance) else {
                differences.push(format!("{name}: cannot unroll for {instance}"));
                continue;
            };
            let expected = validates(&document, &schema, instance);
            if validates(&document, &unrolled, instance) != expected {
                differences.push(format!("{name}: {instance} (valid: {expected})"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
