//! The OpenAPI document that describes a GraphQL mock's HTTP endpoint:
//! `POST /graphql` and `GET /graphql`, with the schema's sources under
//! [`EXTENSION`]. Everything that reads OpenAPI (routes, auth, the log,
//! `/docs`) then knows the endpoint; the engines answer it with GraphQL.
use std::path::Path;

use serde_json::{Value, json};

use super::load::SdlSource;
use super::{ENDPOINT, EXTENSION};

/// The wrapper document for a schema made of `sources`, loaded from `input`.
pub(crate) fn document(input: &str, sources: &[SdlSource], description: Option<&str>) -> Value {
    let title = format!("{} GraphQL API", title_word(input));
    let request = json!({
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "The GraphQL document."},
            "operationName": {"type": ["string", "null"]},
            "variables": {"type": ["object", "null"]},
            "extensions": {"type": ["object", "null"]},
        },
        "required": ["query"],
    });
    let response = json!({
        "type": "object",
        "properties": {
            "data": {"type": ["object", "null"]},
            "errors": {"type": "array", "items": {"type": "object"}},
        },
    });
    let responses = json!({
        "200": {
            "description": "The result: `data`, and `errors` when a field failed.",
            "content": {
                "application/graphql-response+json": {"schema": response},
                "application/json": {"schema": response},
            },
        },
        "400": {
            "description": "A request that is not valid GraphQL (application/graphql-response+json).",
            "content": {"application/graphql-response+json": {"schema": response}},
        },
    });
    let query_parameter = |name: &str, required: bool, description: &str| {
        json!({
            "name": name,
            "in": "query",
            "required": required,
            "description": description,
            "schema": {"type": "string"},
        })
    };
    let mut paths = serde_json::Map::new();
    paths.insert(
        ENDPOINT.to_owned(),
        json!({
            "post": {
                "operationId": "graphql",
                "summary": "Run a GraphQL operation",
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/json": {"schema": request},
                        "application/graphql": {"schema": {"type": "string"}},
                    },
                },
                "responses": responses,
            },
            "get": {
                "operationId": "graphqlGet",
                "summary": "Run a GraphQL query (a browser gets the query page)",
                "parameters": [
                    query_parameter("query", false, "The GraphQL document."),
                    query_parameter("operationName", false, "The operation to run."),
                    query_parameter("variables", false, "The variables, as JSON."),
                    query_parameter("extensions", false, "Extensions, as JSON."),
                ],
                "responses": responses,
            },
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": description.unwrap_or("A GraphQL API, mocked by mockloop."),
        },
        "paths": paths,
        EXTENSION: {"sources": labelled(input, sources)},
    })
}

/// The sources as the mock's files name them: relative to the folder
/// given, or by file name (never the machine's absolute paths); URLs whole.
fn labelled(input: &str, sources: &[SdlSource]) -> Vec<SdlSource> {
    let folder = Path::new(input);
    sources
        .iter()
        .map(|source| {
            let name = if source.name.contains("://") {
                source.name.clone()
            } else {
                let path = Path::new(&source.name);
                path.strip_prefix(folder)
                    .ok()
                    .filter(|relative| !relative.as_os_str().is_empty())
                    .or_else(|| path.file_name().map(Path::new))
                    .map_or_else(|| source.name.clone(), |p| p.display().to_string())
            };
            SdlSource {
                name,
                sdl: source.sdl.clone(),
            }
        })
        .collect()
}

/// A word for the title: the file's stem, or its folder's name when the
/// stem says nothing (`schema.graphql`).
fn title_word(input: &str) -> String {
    let path = Path::new(input.split(['?', '#']).next().unwrap_or(input));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("GraphQL");
    let generic = ["schema", "schemas", "graphql", "index", "main", "api"];
    let word = if path.is_dir() {
        path.file_name().and_then(|s| s.to_str()).unwrap_or(stem)
    } else if generic.contains(&stem.to_ascii_lowercase().as_str()) {
        path.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
    } else {
        stem
    };
    let cleaned: String = word
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        "GraphQL".to_owned()
    } else {
        let mut chars = cleaned.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

/// The credential a GraphQL mock asks for (given at generation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// An API key in a header.
    ApiKey(String),
}

impl Auth {
    /// `bearer`, `api-key` (header `X-API-Key`) or `api-key:<Header-Name>`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("bearer") {
            return Ok(Self::Bearer);
        }
        let lower = text.to_ascii_lowercase();
        let Some(rest) = lower
            .strip_prefix("api-key")
            .map(|_| &text["api-key".len()..])
        else {
            return Err(format!(
                "{text:?} is not bearer, api-key or api-key:<Header-Name>"
            ));
        };
        let header = match rest.strip_prefix(':') {
            None if rest.is_empty() => "X-API-Key",
            Some(name) => name.trim(),
            None => return Err(format!("{text:?}: write api-key:<Header-Name>")),
        };
        let valid = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            return Err(format!("{header:?} is not a header name"));
        }
        Ok(Self::ApiKey(header.to_owned()))
    }

    /// Declares the scheme and requires it on the endpoint.
    pub(crate) fn apply(&self, document: &mut Value) {
        let (name, scheme) = match self {
            Self::Bearer => ("bearerAuth", json!({"type": "http", "scheme": "bearer"})),
            Self::ApiKey(header) => (
                "apiKey",
                json!({"type": "apiKey", "in": "header", "name": header}),
            ),
        };
        document["components"] = json!({"securitySchemes": {name: scheme}});
        document["security"] = json!([{name: []}]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_is_read_from_its_flag() {
        assert_eq!(Auth::parse("Bearer"), Ok(Auth::Bearer));
        assert_eq!(
            Auth::parse("api-key"),
            Ok(Auth::ApiKey("X-API-Key".to_owned()))
        );
        assert_eq!(
            Auth::parse("api-key:X-Token"),
            Ok(Auth::ApiKey("X-Token".to_owned()))
        );
        assert!(Auth::parse("api-key:bad header").is_err());
        assert!(Auth::parse("basic").is_err());
    }
}
