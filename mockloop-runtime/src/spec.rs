//! Loading and normalising API descriptions.
//!
//! Any supported input (Swagger 2.0, OpenAPI 3.0.x, OpenAPI 3.1.x; JSON or
//! YAML; a file or an http(s) URL; one file or several joined by relative
//! `$ref`s) ends as one [`LoadedSpec`] whose `document` has a single shape:
//!
//! * OpenAPI 3.0 structure (`paths`, `components`, `servers`, `requestBody`,
//!   `content` maps, `components.securitySchemes`).
//! * Every `$ref` that is not a schema reference (parameters, responses,
//!   request bodies, headers, examples, path items, callbacks, links) is
//!   inlined, so the structure can be walked without resolving anything.
//! * Every schema reference is internal and of the form
//!   `#/components/schemas/<Name>`; external schemas are bundled there.
//! * Every schema is in the JSON Schema 2020-12 dialect: `nullable` and
//!   `x-nullable` become `"null"` in `type` (or `enum`), boolean
//!   `exclusiveMinimum`/`exclusiveMaximum` become numbers, 2.0 `type: file`
//!   becomes `{type: string, format: binary}`; OpenAPI keywords that carry
//!   no validation (`example`, `discriminator`, `readOnly`, `writeOnly`,
//!   `xml`, `externalDocs`, `deprecated`) are kept.
//! * 3.1 `webhooks` are kept under `webhooks`, with refs inlined like paths.
//! * `paths` always exists (it may be empty).

/// The version of the description as the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum SpecVersion {
    /// Swagger 2.0.
    #[serde(rename = "2.0")]
    Swagger2,
    /// OpenAPI 3.0.x.
    #[serde(rename = "3.0")]
    OpenApi30,
    /// OpenAPI 3.1.x.
    #[serde(rename = "3.1")]
    OpenApi31,
}

/// A loaded and normalised API description.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// Where it came from: the path or the URL as given.
    pub source: String,
    /// The version it was written in.
    pub version: SpecVersion,
    /// The description as the user wrote it, as JSON, with external `$ref`s
    /// bundled in so that it stands alone. Served by the mock at `/openapi.json`.
    pub original: serde_json::Value,
    /// The normalised document (see the module docs).
    pub document: serde_json::Value,
    /// Things that were read but cannot be honoured fully.
    pub warnings: Vec<String>,
}

mod bundle;
mod kind;
mod names;
mod pointer;
mod refs;
mod schema;
mod source;
mod swagger2;
mod version;
mod yaml;

use crate::error::Result;
use source::Location;

/// Where Swagger 2.0 keeps its schemas.
const DEFINITIONS: &[&str] = &["definitions"];
/// Where OpenAPI 3.x keeps its schemas.
const COMPONENT_SCHEMAS: &[&str] = &["components", "schemas"];

/// Loads a spec from a file path or an http(s) URL and normalises it.
pub fn load_spec(input: &str) -> Result<LoadedSpec> {
    let location = Location::parse(input);
    let text = location.read()?;
    load(&text, input, &location)
}

/// Loads a spec from text (JSON or YAML). `source_name` names it in errors;
/// relative external `$ref`s are resolved against it when it is a path.
pub fn load_spec_str(text: &str, source_name: &str) -> Result<LoadedSpec> {
    load(text, source_name, &Location::parse(source_name))
}

fn load(text: &str, source_name: &str, location: &Location) -> Result<LoadedSpec> {
    let parsed = source::parse(text, source_name)?;
    let version = version::detect(&parsed, source_name)?;
    let original = bundle::bundle(parsed, location, schema_container(version))?;
    let mut warnings = Vec::new();
    let document = normalise(&original, version, source_name, &mut warnings)?;
    Ok(LoadedSpec {
        source: source_name.to_owned(),
        version,
        original,
        document,
        warnings,
    })
}

/// Where schemas live in a document of this version.
fn schema_container(version: SpecVersion) -> &'static [&'static str] {
    match version {
        SpecVersion::Swagger2 => DEFINITIONS,
        SpecVersion::OpenApi30 | SpecVersion::OpenApi31 => COMPONENT_SCHEMAS,
    }
}

/// The bundled document → the normalised one (see the module docs).
fn normalise(
    original: &serde_json::Value,
    version: SpecVersion,
    source_name: &str,
    warnings: &mut Vec<String>,
) -> Result<serde_json::Value> {
    let resolved = refs::resolve(original, schema_container(version), source_name)?;
    let mut document = match version {
        SpecVersion::Swagger2 => swagger2::convert(resolved, warnings),
        SpecVersion::OpenApi30 | SpecVersion::OpenApi31 => resolved,
    };
    if let serde_json::Value::Object(map) = &mut document {
        map.entry("paths")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    schema::normalise(&mut document, version, warnings);
    Ok(document)
}
