//! Where a document comes from (a file or an http(s) URL), reading it, and
//! parsing its text as JSON or, failing that, YAML.
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

/// How long one HTTP fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest document we fetch over HTTP.
const MAX_FETCH_BYTES: u64 = 50 * 1024 * 1024;

/// A document's location: relative `$ref`s are resolved against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// A local file.
    File(PathBuf),
    /// An http(s) URL.
    Url(url::Url),
}

impl Location {
    /// Reads user input: `http://` and `https://` are URLs, anything else a path.
    pub(crate) fn parse(input: &str) -> Location {
        let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
        if (lower.starts_with("http://") || lower.starts_with("https://"))
            && let Ok(url) = url::Url::parse(input)
        {
            return Location::Url(url);
        }
        Location::File(PathBuf::from(input))
    }

    /// The location of `reference` (a URI reference without fragment)
    /// relative to this one.
    pub(crate) fn join(&self, reference: &str) -> std::result::Result<Location, String> {
        let lower = reference.get(..8).unwrap_or(reference).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return url::Url::parse(reference)
                .map(Location::Url)
                .map_err(|err| format!("invalid URL: {err}"));
        }
        match self {
            Location::Url(base) => base
                .join(reference)
                .map(Location::Url)
                .map_err(|err| format!("cannot resolve against {base}: {err}")),
            Location::File(base) => {
                let relative = reference.strip_prefix("file://").map_or_else(
                    || crate::spec::pointer::percent_decode(reference),
                    str::to_owned,
                );
                let dir = base.parent().unwrap_or(Path::new(""));
                Ok(Location::File(lexical_normalise(&dir.join(relative))))
            }
        }
    }

    /// A key that is equal for two locations of the same document.
    pub(crate) fn key(&self) -> String {
        match self {
            Location::File(path) => std::fs::canonicalize(path)
                .unwrap_or_else(|_| lexical_normalise(path))
                .to_string_lossy()
                .into_owned(),
            Location::Url(url) => {
                let mut url = url.clone();
                url.set_fragment(None);
                url.to_string()
            }
        }
    }

    /// The name used in messages.
    pub(crate) fn display(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Url(url) => url.to_string(),
        }
    }

    /// The file name without extension, used to name bundled schemas.
    pub(crate) fn stem(&self) -> Option<String> {
        let name = match self {
            Location::File(path) => path.file_name()?.to_string_lossy().into_owned(),
            Location::Url(url) => url.path_segments()?.next_back()?.to_owned(),
        };
        let stem = name.split('.').next().unwrap_or_default();
        (!stem.is_empty()).then(|| stem.to_owned())
    }

    /// Reads the document's text.
    pub(crate) fn read(&self) -> Result<String> {
        match self {
            Location::File(path) => {
                std::fs::read_to_string(path).map_err(|source| Error::ReadFile {
                    path: path.clone(),
                    source,
                })
            }
            Location::Url(url) => fetch(url),
        }
    }
}

/// Parses JSON, falling back to YAML. The error reports the parser that fits
/// the text best (JSON when it starts with `{` or `[`), with line and column.
pub(crate) fn parse(text: &str, source_name: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json_error = match serde_json::from_str::<Value>(text) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let yaml_error = match crate::spec::yaml::parse(text) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let looks_like_json = text.trim_start().starts_with(['{', '[']);
    let message = if looks_like_json {
        format!("JSON: {json_error}")
    } else {
        format!("YAML: {yaml_error}")
    };
    Err(Error::Syntax {
        source_name: source_name.to_owned(),
        message,
    })
}

fn fetch(url: &url::Url) -> Result<String> {
    let failed = |reason: String| Error::Fetch {
        url: url.to_string(),
        reason,
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|err| failed(error_chain(&err)))?;
    let response = client
        .get(url.as_str())
        .send()
        .map_err(|err| failed(error_chain(&err)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("the server answered HTTP {status}")));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_FETCH_BYTES)
    {
        return Err(failed(format!(
            "the document is larger than {} MB",
            MAX_FETCH_BYTES / 1024 / 1024
        )));
    }
    let mut bytes = Vec::new();
    response
        .take(MAX_FETCH_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| failed(error_chain(&err)))?;
    if bytes.len() as u64 > MAX_FETCH_BYTES {
        return Err(failed(format!(
            "the document is larger than {} MB",
            MAX_FETCH_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| failed("the document is not UTF-8 text".to_owned()))
}

/// An error and its sources, joined with `: `.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}

/// Removes `.` and resolves `..` without touching the file system.
fn lexical_normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_files() {
        let base = Location::parse("specs/a/swagger.yaml");
        let joined = base.join("../common/Error.yaml").unwrap();
        assert_eq!(
            joined,
            Location::File(PathBuf::from("specs/common/Error.yaml"))
        );
        assert_eq!(joined.stem().as_deref(), Some("Error"));
    }

    #[test]
    fn joins_urls() {
        let base = Location::parse("https://example.com/api/spec.yaml");
        let joined = base.join("../common/Pet.yaml").unwrap();
        assert_eq!(joined.display(), "https://example.com/common/Pet.yaml");
    }

    #[test]
    fn reports_yaml_errors_with_position() {
        let err = parse("a: [1, 2\nb: 3\n", "x.yaml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("x.yaml") && text.contains("line"), "{text}");
    }
}
