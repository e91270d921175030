//! What kind of OpenAPI object sits where, so that walkers know which
//! `$ref`s point at schemas (kept as references) and which point at other
//! objects (inlined). One table serves Swagger 2.0 and OpenAPI 3.x: their
//! field names do not clash.

/// The kind of object found at a position of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// The document itself.
    Root,
    /// `paths`: path → path item.
    Paths,
    /// A path item (get, put, … and parameters).
    PathItem,
    /// An operation.
    Operation,
    /// A callback: expression → path item.
    Callback,
    /// `components`.
    Components,
    /// A parameter (2.0 or 3.x).
    Parameter,
    /// A header (2.0 or 3.x).
    Header,
    /// A 3.x request body.
    RequestBody,
    /// A 3.x media type object.
    MediaType,
    /// A 3.x encoding object.
    Encoding,
    /// `responses` of an operation: status code → response.
    Responses,
    /// A response (2.0 or 3.x).
    Response,
    /// An example object.
    Example,
    /// A link object.
    Link,
    /// A security scheme.
    SecurityScheme,
    /// A schema.
    Schema,
    /// Data that holds no references (examples, defaults, info, …).
    Opaque,
}

/// How the value of a field holds objects of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The value is one object of the kind (or a list of them).
    One(Kind),
    /// The value is a map from names to objects of the kind.
    Map(Kind),
}

const OPERATIONS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Kind {
    /// The shape of the value of field `key` of an object of this kind.
    pub(crate) fn field(self, key: &str) -> Shape {
        use Kind::*;
        use Shape::{Map, One};
        match (self, key) {
            (Root, "paths") => One(Paths),
            (Root, "webhooks") => Map(PathItem),
            (Root, "components") => One(Components),
            (Root, "definitions") => Map(Schema),
            (Root, "parameters") => Map(Parameter),
            (Root, "responses") => Map(Response),
            (Paths | Callback, k) if !k.starts_with("x-") => One(PathItem),
            (Responses, k) if !k.starts_with("x-") => One(Response),
            (PathItem, "parameters") | (Operation, "parameters") => One(Parameter),
            (PathItem, k) if OPERATIONS.contains(&k) => One(Operation),
            (Operation, "requestBody") => One(RequestBody),
            (Operation, "responses") => One(Responses),
            (Operation, "callbacks") => Map(Callback),
            (Components, k) => component(k),
            (Parameter | Header | Response | MediaType, "schema") => One(Schema),
            (Parameter | Header, "items") => One(Schema),
            (Parameter | Header | RequestBody | Response, "content") => Map(MediaType),
            (Parameter | Header | MediaType, "examples") => Map(Example),
            (MediaType, "encoding") => Map(Encoding),
            (Encoding | Response, "headers") => Map(Header),
            (Response, "links") => Map(Link),
            (Schema, k) => schema_field(k),
            _ => One(Opaque),
        }
    }

    /// Whether a `$ref` at a position of this kind is followed at all.
    pub(crate) fn takes_refs(self) -> bool {
        !matches!(self, Kind::Opaque | Kind::Root)
    }
}

fn component(key: &str) -> Shape {
    use Kind::*;
    use Shape::Map;
    match key {
        "schemas" => Map(Schema),
        "responses" => Map(Response),
        "parameters" => Map(Parameter),
        "examples" => Map(Example),
        "requestBodies" => Map(RequestBody),
        "headers" => Map(Header),
        "securitySchemes" => Map(SecurityScheme),
        "links" => Map(Link),
        "callbacks" => Map(Callback),
        "pathItems" => Map(PathItem),
        _ => Shape::One(Opaque),
    }
}

/// Subschema-holding keywords of JSON Schema (drafts 4 to 2020-12).
fn schema_field(key: &str) -> Shape {
    use Kind::Schema;
    match key {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
        | "dependencies" => Shape::Map(Schema),
        "items"
        | "additionalProperties"
        | "additionalItems"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contains"
        | "propertyNames"
        | "unevaluatedItems"
        | "unevaluatedProperties"
        | "contentSchema"
        | "allOf"
        | "anyOf"
        | "oneOf"
        | "prefixItems" => Shape::One(Schema),
        _ => Shape::One(Kind::Opaque),
    }
}

/// Whether a schema keyword names subschemas (rather than data or annotations).
pub(crate) fn is_schema_keyword(key: &str) -> bool {
    !matches!(schema_field(key), Shape::One(Kind::Opaque))
}
