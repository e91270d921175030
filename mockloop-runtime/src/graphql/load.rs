//! Reading a GraphQL schema: which inputs are GraphQL, reading a folder of
//! SDL files, and building and validating the schema with errors that name
//! the file, line and column.
use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::diagnostic::ToCliReport;
use apollo_compiler::validation::Valid;
use serde_json::Value;

use super::introspection;
use crate::error::{Error, Result};

/// File name endings of SDL files.
const SDL_EXTENSIONS: &[&str] = &["graphql", "graphqls", "gql"];
/// Words an SDL document can start with (after comments and descriptions).
const SDL_KEYWORDS: &[&str] = &[
    "type",
    "schema",
    "interface",
    "union",
    "enum",
    "input",
    "scalar",
    "directive",
    "extend",
];
/// How many files a folder may hold before we refuse it.
const MAX_FILES: usize = 2_000;

/// One SDL text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SdlSource {
    /// The file or URL, for messages.
    pub name: String,
    /// The SDL.
    pub sdl: String,
}

/// Whether `input` names SDL by its extension (a path or URL).
pub(crate) fn has_sdl_extension(input: &str) -> bool {
    let path = input.split(['?', '#']).next().unwrap_or(input);
    Path::new(path)
        .extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| SDL_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Whether a folder (or a subfolder) holds GraphQL schema files.
pub(crate) fn has_sdl_files(folder: &Path) -> bool {
    let mut paths = Vec::new();
    collect(folder, &mut paths).is_ok() && !paths.is_empty()
}

/// The SDL files of a folder and its subfolders, sorted by path.
pub(crate) fn read_folder(folder: &Path) -> Result<Vec<SdlSource>> {
    let mut paths = Vec::new();
    collect(folder, &mut paths)?;
    if paths.is_empty() {
        return Err(Error::NotASpec {
            source_name: folder.display().to_string(),
            reason: "the folder has no GraphQL schema files (.graphql, .graphqls, .gql)".to_owned(),
        });
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let sdl = std::fs::read_to_string(&path).map_err(|source| Error::ReadFile {
                path: path.clone(),
                source,
            })?;
            Ok(SdlSource {
                name: path.display().to_string(),
                sdl,
            })
        })
        .collect()
}

fn collect(folder: &Path, paths: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::ReadFile {
        path: folder.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&path, paths)?;
        } else if kind.is_file() && has_sdl_extension(&path.to_string_lossy()) {
            paths.push(path);
        }
        if paths.len() > MAX_FILES {
            return Err(Error::InvalidArgument {
                name: folder.display().to_string(),
                reason: format!("more than {MAX_FILES} schema files"),
            });
        }
    }
    Ok(())
}

/// The GraphQL schema `text` holds, when it is one: SDL (by the input's
/// extension or by how the text starts) or an introspection result (JSON
/// with `__schema`, alone or under `data`), which becomes SDL.
pub(crate) fn detect(input: &str, text: &str) -> Result<Option<SdlSource>> {
    if has_sdl_extension(input) || looks_like_sdl(text) {
        return Ok(Some(SdlSource {
            name: input.to_owned(),
            sdl: text.to_owned(),
        }));
    }
    if !text.trim_start().starts_with('{') || !text.contains("__schema") {
        return Ok(None);
    }
    let Ok(json) = serde_json::from_str::<Value>(text) else {
        return Ok(None);
    };
    let schema = json
        .get("__schema")
        .or_else(|| json.pointer("/data/__schema"));
    let Some(schema) = schema else {
        return Ok(None);
    };
    let sdl = introspection::to_sdl(schema).map_err(|reason| Error::NotASpec {
        source_name: input.to_owned(),
        reason: format!("an introspection result that cannot be read: {reason}"),
    })?;
    Ok(Some(SdlSource {
        name: input.to_owned(),
        sdl,
    }))
}

/// Whether the first word of `text`, after comments, descriptions and a
/// BOM, is one an SDL document starts with.
fn looks_like_sdl(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix('#') {
            rest = after
                .split_once('\n')
                .map_or("", |(_, next)| next)
                .trim_start();
        } else if let Some(after) = rest.strip_prefix("\"\"\"") {
            rest = after
                .split_once("\"\"\"")
                .map_or("", |(_, next)| next)
                .trim_start();
        } else if let Some(after) = rest.strip_prefix('"') {
            rest = after
                .split_once('"')
                .map_or("", |(_, next)| next)
                .trim_start();
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    SDL_KEYWORDS.contains(&word.as_str())
        && rest[word.len()..].starts_with(|c: char| c.is_whitespace() || c == '{' || c == '@')
}

/// Builds and validates the schema the sources make together. Built-in
/// scalars may be extended (`extend scalar ID @key`), as several servers
/// allow; everything else must be valid GraphQL.
pub(crate) fn build(sources: &[SdlSource]) -> Result<Valid<Schema>> {
    let label = sources
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut builder = Schema::builder().adopt_orphan_extensions();
    for source in sources {
        builder = builder.parse(&source.sdl, &source.name);
    }
    let built = builder.build().and_then(Schema::validate);
    let schema = built.map_err(|with_errors| {
        let problems: Vec<String> = with_errors
            .errors
            .iter()
            .take(20)
            .map(|diagnostic| {
                let file = diagnostic
                    .error
                    .location()
                    .and_then(|span| diagnostic.sources.get(&span.file_id()))
                    .map(|file| file.path().display().to_string())
                    .unwrap_or_else(|| label.clone());
                let at = diagnostic
                    .line_column_range()
                    .map(|range| format!(":{}:{}", range.start.line, range.start.column))
                    .unwrap_or_default();
                format!("{file}{at}: {}", diagnostic.error)
            })
            .collect();
        let more = with_errors.errors.len().saturating_sub(problems.len());
        let mut text = problems.join("\n");
        if more > 0 {
            text.push_str(&format!("\n... and {more} more"));
        }
        Error::GraphqlSchema {
            source_name: label.clone(),
            problems: text,
        }
    })?;
    if schema.schema_definition.query.is_none() {
        return Err(Error::GraphqlSchema {
            source_name: label,
            problems:
                "the schema has no query root type (no `type Query` and no `schema { query: ... }`)"
                    .to_owned(),
        });
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_sdl_by_its_first_word() {
        assert!(looks_like_sdl("# c\n\"\"\"d\"\"\"\ntype Query { a: Int }"));
        assert!(looks_like_sdl("schema{query: Q}"));
        assert!(!looks_like_sdl("openapi: 3.1.0"));
        assert!(!looks_like_sdl("{\"openapi\": \"3.1.0\"}"));
        assert!(!looks_like_sdl("types: 1"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let sources = [SdlSource {
            name: "bad.graphql".to_owned(),
            sdl: "type Query {\n  a: Missing\n}\n".to_owned(),
        }];
        let err = build(&sources).unwrap_err().to_string();
        assert!(err.contains("bad.graphql:2:"), "{err}");
        assert!(err.contains("Missing"), "{err}");
    }
}
