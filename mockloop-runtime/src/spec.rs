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
//!   `x-nullable` become `"null"` in `type` (not in `enum`), boolean
//!   `exclusiveMinimum`/`exclusiveMaximum` become numbers, 2.0 `type: file`
//!   becomes `{type: string, format: binary}`; OpenAPI keywords that carry
//!   no validation (`example`, `discriminator`, `readOnly`, `writeOnly`,
//!   `xml`, `externalDocs`, `deprecated`) are kept.
//! * 3.1 `webhooks` are kept under `webhooks`, with refs inlined like paths.
//! * `paths` always exists (it may be empty).
//!
//! Details of the shape:
//!
//! * In `#/components/schemas/<Name>`, `<Name>` is the key in
//!   `components.schemas`, escaped as a JSON pointer token (`~0`, `~1`), never
//!   percent-encoded; every such reference resolves.
//! * A bundled external schema is named after the last pointer token of the
//!   reference (`defs.yaml#/Error` → `Error`) or else the file stem
//!   (`../common/Error.yaml` → `Error`). Characters outside `[A-Za-z0-9._-]`
//!   become `_`; on a clash `_2`, `_3`, … is appended. A container entry that
//!   is nothing but an external `$ref` (`Pet: {$ref: Pet.yaml}`) receives the
//!   content under its own name.
//! * A schema reference that points deeper than a component
//!   (`#/components/schemas/Pet/properties/tag`, `…/$defs/id`, or anywhere
//!   else in the document) is hoisted into a new component named from the
//!   pointer without schema keywords (`Pet_tag`, `Owner_id`).
//! * The other `components` sections (parameters, responses, …) stay, with
//!   their references inlined too; nothing needs to look them up.
//! * Sibling keywords of a non-schema `$ref` are laid over the inlined copy
//!   (3.1 `summary`/`description` overrides; path-item merging). Sibling
//!   keywords of a schema `$ref` are kept for 3.1 and dropped (with a
//!   warning) for 2.0 and 3.0, which ignore them.
//! * A `nullable` schema without `type` and with `$ref`/`allOf`/`anyOf`/
//!   `oneOf`/`not`/`const` becomes `{annotations…, anyOf: [{…}, {type: "null"}]}`.
//! * Swagger 2.0: `servers` is one entry per scheme (`http` when none is
//!   given) of `scheme://host+basePath`, or `[{url: basePath}]` without a
//!   host; request and response content default to `application/json`;
//!   `x-example` on a parameter becomes `example`; a JSON response example
//!   written as a string of JSON is parsed; top-level `parameters` and
//!   `responses` are inlined where used and not kept.

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
    /// For a GraphQL schema (described by `original`, its wrapper
    /// document): the schema, built once.
    pub(crate) graphql: Option<std::sync::Arc<graphql::GraphqlSchema>>,
}

mod bundle;
mod ecma_regex;
mod har;
mod infer;
mod keywords;
mod kind;
mod names;
pub(crate) mod pointer;
mod postman;
mod refs;
mod schema;
mod source;
mod swagger2;
mod version;
mod yaml;

use crate::error::Result;
use crate::graphql;
use source::Location;

/// Where Swagger 2.0 keeps its schemas.
const DEFINITIONS: &[&str] = &["definitions"];
/// Where OpenAPI 3.x keeps its schemas.
const COMPONENT_SCHEMAS: &[&str] = &["components", "schemas"];

/// How recordings are read (HAR); specs and collections ignore it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The origin (`https://api.example.com`) a HAR mock serves; default:
    /// the one most requests went to.
    pub har_origin: Option<String>,
    /// Keep what a HAR recording has besides API calls (assets, pages,
    /// analytics, preflights).
    pub har_keep_noise: bool,
    /// The credential a GraphQL mock asks for: `bearer`, `api-key` (in
    /// `X-API-Key`) or `api-key:<Header-Name>`; `None` leaves it open.
    pub graphql_auth: Option<String>,
}

/// Loads a spec from a file path or an http(s) URL and normalises it.
pub fn load_spec(input: &str) -> Result<LoadedSpec> {
    load_spec_with(input, &ImportOptions::default())
}

/// [`load_spec`] with options for recordings.
pub fn load_spec_with(input: &str, import: &ImportOptions) -> Result<LoadedSpec> {
    let location = Location::parse(input);
    if let Location::File(path) = &location
        && path.is_dir()
    {
        let sources = graphql::load::read_folder(path)?;
        return load_graphql(input, &location, sources, import);
    }
    let text = location.read()?;
    if let Some(source) = graphql::load::detect(input, &text)? {
        return load_graphql(input, &location, vec![source], import);
    }
    load(&text, input, &location, import)
}

/// A GraphQL schema: validated, then described by its wrapper document,
/// which goes through the same loading as any OpenAPI 3.1 document.
fn load_graphql(
    input: &str,
    location: &Location,
    sources: Vec<graphql::load::SdlSource>,
    import: &ImportOptions,
) -> Result<LoadedSpec> {
    let auth = import
        .graphql_auth
        .as_deref()
        .map(graphql::wrapper::Auth::parse)
        .transpose()
        .map_err(|reason| crate::error::Error::InvalidArgument {
            name: "graphql_auth".to_owned(),
            reason,
        })?;
    let schema = graphql::load::build(&sources)?;
    let description = schema
        .schema_definition
        .description
        .as_ref()
        .map(|d| d.to_string());
    let mut wrapper = graphql::wrapper::document(input, &sources, description.as_deref());
    if let Some(auth) = auth {
        auth.apply(&mut wrapper);
    }
    // The sources as the wrapper labels them (relative names, as the
    // generated files show them).
    let sources = graphql::sources_of(&wrapper).unwrap_or(sources);
    let built = graphql::GraphqlSchema { sources, schema };
    load_parsed(wrapper, input, location, Vec::new(), Some(built))
}

/// Loads a spec from text (JSON or YAML). `source_name` names it in errors;
/// relative external `$ref`s are resolved against it when it is a path.
pub fn load_spec_str(text: &str, source_name: &str) -> Result<LoadedSpec> {
    load(
        text,
        source_name,
        &Location::parse(source_name),
        &ImportOptions::default(),
    )
}

fn load(
    text: &str,
    source_name: &str,
    location: &Location,
    import: &ImportOptions,
) -> Result<LoadedSpec> {
    let parsed = source::parse(text, source_name)?;
    let mut warnings = Vec::new();
    let parsed = match postman::detect(&parsed) {
        Some(postman::Format::V2) => postman::convert(&parsed, &mut warnings),
        Some(postman::Format::V1) => {
            return Err(crate::error::Error::UnsupportedVersion {
                source_name: source_name.to_owned(),
                found: "a Postman Collection v1 (open it in Postman and export it again as Collection v2.1)"
                    .to_owned(),
            });
        }
        None if har::detect(&parsed) => har::convert(&parsed, import, &mut warnings)?,
        None => parsed,
    };
    load_parsed(parsed, source_name, location, warnings, None)
}

/// Loading once the text is a document: versions, bundling, normalising.
/// `graphql` is the schema a wrapper document describes, when the caller
/// built it; a wrapper document read as a file gets its schema built here.
fn load_parsed(
    parsed: serde_json::Value,
    source_name: &str,
    location: &Location,
    mut warnings: Vec<String>,
    graphql: Option<graphql::GraphqlSchema>,
) -> Result<LoadedSpec> {
    let version = version::detect(&parsed, source_name)?;
    let original = bundle::bundle(parsed, location, schema_container(version))?;
    let document = normalise(&original, version, source_name, &mut warnings)?;
    let graphql = match graphql {
        Some(built) => Some(built),
        None => graphql::GraphqlSchema::of(&original)?,
    };
    Ok(LoadedSpec {
        source: source_name.to_owned(),
        version,
        original,
        document,
        warnings,
        graphql: graphql.map(std::sync::Arc::new),
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
