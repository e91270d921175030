//! Introspection both ways: an introspection result (`__schema`) written
//! back as SDL, for inputs given that way, and a schema's full
//! introspection, which the FastAPI mock builds its schema from
//! (`graphql.build_client_schema`), so that both engines introspect alike.
use std::fmt::Write;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::validation::Valid;
use serde_json::Value;

/// graphql-js's `getIntrospectionQuery` with every option on that both
/// apollo-compiler and graphql-core know.
pub(crate) const QUERY: &str = r"
query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
";

/// A root value whose fields are never asked for: introspection only.
struct NoFields<'a>(&'a str);

impl ObjectValue for NoFields<'_> {
    fn type_name(&self) -> &str {
        self.0
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        Err(self.unknown_field_error(info))
    }
}

/// The `data` of the full introspection query on `schema`.
pub(crate) fn of_schema(schema: &Valid<Schema>) -> Result<Value, String> {
    let document = ExecutableDocument::parse_and_validate(schema, QUERY, "introspection.graphql")
        .map_err(|errors| errors.to_string())?;
    let root = schema
        .schema_definition
        .query
        .as_ref()
        .map_or("Query", |name| name.name.as_str());
    let response = Execution::new(schema, &document)
        .enable_schema_introspection(true)
        .execute_sync(&NoFields(root))
        .map_err(|err| err.message().to_string())?;
    if let Some(error) = response.errors.first() {
        return Err(error.message.clone());
    }
    serde_json::to_value(response.data).map_err(|err| err.to_string())
}

/// Built-in names an SDL does not declare.
const BUILT_IN_SCALARS: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: &[&str] = &["skip", "include", "deprecated", "specifiedBy", "oneOf"];

/// SDL for an introspection result's `__schema`.
pub(crate) fn to_sdl(schema: &Value) -> Result<String, String> {
    let mut out = String::new();
    let root = |key: &str| {
        schema
            .get(key)
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
    };
    let query = root("queryType").ok_or("`__schema.queryType.name` is missing")?;
    description(&mut out, schema.get("description"), "");
    let _ = write!(out, "schema {{\n  query: {}\n", name(query)?);
    if let Some(mutation) = root("mutationType") {
        let _ = writeln!(out, "  mutation: {}", name(mutation)?);
    }
    if let Some(subscription) = root("subscriptionType") {
        let _ = writeln!(out, "  subscription: {}", name(subscription)?);
    }
    out.push_str("}\n");
    for directive in array(schema, "directives") {
        let directive_name = text(directive, "name")?;
        if BUILT_IN_DIRECTIVES.contains(&directive_name) {
            continue;
        }
        out.push('\n');
        description(&mut out, directive.get("description"), "");
        let _ = write!(out, "directive @{}", name(directive_name)?);
        arguments(&mut out, directive)?;
        if directive.get("isRepeatable").and_then(Value::as_bool) == Some(true) {
            out.push_str(" repeatable");
        }
        let locations: Vec<&str> = array(directive, "locations")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for location in &locations {
            name(location)?;
        }
        let _ = writeln!(out, " on {}", locations.join(" | "));
    }
    let types = schema
        .get("types")
        .and_then(Value::as_array)
        .ok_or("`__schema.types` is missing")?;
    for ty in types {
        let type_name = text(ty, "name")?;
        if type_name.starts_with("__") || BUILT_IN_SCALARS.contains(&type_name) {
            continue;
        }
        out.push('\n');
        full_type(&mut out, ty, type_name)?;
    }
    Ok(out)
}

fn full_type(out: &mut String, ty: &Value, type_name: &str) -> Result<(), String> {
    description(out, ty.get("description"), "");
    let type_name = name(type_name)?;
    match text(ty, "kind")? {
        "SCALAR" => {
            let _ = write!(out, "scalar {type_name}");
            if let Some(url) = ty.get("specifiedByURL").and_then(Value::as_str) {
                let _ = write!(out, " @specifiedBy(url: {})", literal(url));
            }
            out.push('\n');
        }
        kind @ ("OBJECT" | "INTERFACE") => {
            let keyword = if kind == "OBJECT" {
                "type"
            } else {
                "interface"
            };
            let _ = write!(out, "{keyword} {type_name}");
            let interfaces = array(ty, "interfaces")
                .iter()
                .map(type_ref)
                .collect::<Result<Vec<_>, _>>()?;
            if !interfaces.is_empty() {
                let _ = write!(out, " implements {}", interfaces.join(" & "));
            }
            out.push_str(" {\n");
            for field in array(ty, "fields") {
                description(out, field.get("description"), "  ");
                let _ = write!(out, "  {}", name(text(field, "name")?)?);
                arguments(out, field)?;
                let _ = write!(
                    out,
                    ": {}",
                    type_ref(field.get("type").unwrap_or(&Value::Null))?
                );
                deprecated(out, field);
                out.push('\n');
            }
            out.push_str("}\n");
        }
        "UNION" => {
            let members = array(ty, "possibleTypes")
                .iter()
                .map(type_ref)
                .collect::<Result<Vec<_>, _>>()?;
            let _ = writeln!(out, "union {type_name} = {}", members.join(" | "));
        }
        "ENUM" => {
            let _ = writeln!(out, "enum {type_name} {{");
            for value in array(ty, "enumValues") {
                description(out, value.get("description"), "  ");
                let _ = write!(out, "  {}", name(text(value, "name")?)?);
                deprecated(out, value);
                out.push('\n');
            }
            out.push_str("}\n");
        }
        "INPUT_OBJECT" => {
            let _ = writeln!(out, "input {type_name} {{");
            for field in array(ty, "inputFields") {
                out.push_str("  ");
                input_value(out, field, "  ")?;
                out.push('\n');
            }
            out.push_str("}\n");
        }
        other => return Err(format!("type {type_name} has an unknown kind {other:?}")),
    }
    Ok(())
}

fn arguments(out: &mut String, owner: &Value) -> Result<(), String> {
    let args = array(owner, "args");
    if args.is_empty() {
        return Ok(());
    }
    out.push_str("(\n");
    for arg in args {
        out.push_str("    ");
        input_value(out, arg, "    ")?;
        out.push('\n');
    }
    out.push_str("  )");
    Ok(())
}

fn input_value(out: &mut String, value: &Value, indent: &str) -> Result<(), String> {
    if let Some(text) = value.get("description").and_then(Value::as_str) {
        let _ = write!(out, "{}\n{indent}", literal(text));
    }
    let _ = write!(
        out,
        "{}: {}",
        name(text(value, "name")?)?,
        type_ref(value.get("type").unwrap_or(&Value::Null))?
    );
    if let Some(default) = value.get("defaultValue").and_then(Value::as_str) {
        // A GraphQL literal; the schema is validated after, so a bad one
        // is reported there with its place.
        let _ = write!(out, " = {}", default.replace(['\n', '\r'], " "));
    }
    deprecated(out, value);
    Ok(())
}

fn deprecated(out: &mut String, item: &Value) {
    if item.get("isDeprecated").and_then(Value::as_bool) != Some(true) {
        return;
    }
    match item.get("deprecationReason").and_then(Value::as_str) {
        Some(reason) => {
            let _ = write!(out, " @deprecated(reason: {})", literal(reason));
        }
        None => out.push_str(" @deprecated"),
    }
}

fn type_ref(ty: &Value) -> Result<String, String> {
    match text(ty, "kind")? {
        "NON_NULL" => Ok(format!(
            "{}!",
            type_ref(ty.get("ofType").unwrap_or(&Value::Null))?
        )),
        "LIST" => Ok(format!(
            "[{}]",
            type_ref(ty.get("ofType").unwrap_or(&Value::Null))?
        )),
        _ => name(text(ty, "name")?).map(str::to_owned),
    }
}

fn description(out: &mut String, text: Option<&Value>, indent: &str) {
    if let Some(text) = text.and_then(Value::as_str) {
        let _ = writeln!(out, "{indent}{}", literal(text));
    }
}

/// A GraphQL string literal: JSON's escapes are GraphQL's.
fn literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A name, checked to be a GraphQL name so it cannot carry other syntax.
fn name(text: &str) -> Result<&str, String> {
    let mut chars = text.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    if valid {
        Ok(text)
    } else {
        Err(format!("{text:?} is not a GraphQL name"))
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Result<&'a str, String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("an entry without `{key}`"))
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::load::{SdlSource, build};

    #[test]
    fn introspection_round_trips_through_sdl() {
        let sdl = r#"
"A person"
type Query { user(id: ID!, "how many" first: Int = 3): User, search(kind: Kind = A): [Result!]! }
interface Node { id: ID! }
type User implements Node { id: ID!, name: String @deprecated(reason: "use \"full\"") }
type Team implements Node { id: ID! }
union Result = User | Team
enum Kind { A B @deprecated }
scalar Time @specifiedBy(url: "https://example.com/time")
input Filter { kind: Kind = B, after: Time }
directive @auth(role: String = "admin") repeatable on FIELD_DEFINITION | OBJECT
"#;
        let schema = build(&[SdlSource {
            name: "a.graphql".to_owned(),
            sdl: sdl.to_owned(),
        }])
        .unwrap();
        let first = of_schema(&schema).unwrap();
        let rebuilt = to_sdl(&first["__schema"]).unwrap();
        let again = build(&[SdlSource {
            name: "b.graphql".to_owned(),
            sdl: rebuilt.clone(),
        }])
        .unwrap_or_else(|err| panic!("{err}\n{rebuilt}"));
        assert_eq!(of_schema(&again).unwrap(), first, "{rebuilt}");
    }

    #[test]
    fn names_that_carry_syntax_are_refused() {
        let schema = serde_json::json!({
            "queryType": {"name": "Query"},
            "types": [{"kind": "OBJECT", "name": "Query } type X {", "fields": []}],
        });
        assert!(to_sdl(&schema).unwrap_err().contains("not a GraphQL name"));
    }
}
