//! The files a mock is served from: `mockloop.json` and `mock_data/*.json`,
//! read from a generated mock's folder or rendered in memory from a spec.
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::render::{RenderOptions, embedded_file, render_data};
use crate::spec::load_spec_with;

/// The admin UI's page, as the generated project has it.
const ADMIN_PAGE: &str = "fastapi/mockloop_mock/static/admin.html";

/// Everything the native engine reads about one mock.
#[derive(Debug, Clone)]
pub struct MockFiles {
    /// The mock's folder, when served from one (its `db/` holds the log).
    pub folder: Option<PathBuf>,
    /// `mockloop.json`.
    pub manifest: Value,
    /// `mock_data/operations.json`: the documented responses.
    pub operations: Value,
    /// `mock_data/validation.json`: routes, parameters, bodies, schemas.
    pub validation: Value,
    /// `mock_data/security.json`: schemes and each operation's requirements.
    pub security: Value,
    /// `mock_data/events.json`: the spec's webhooks and callbacks.
    pub events: Value,
    /// `mock_data/openapi.json`: the original API description.
    pub openapi: Value,
    /// The admin UI's page.
    pub admin_page: String,
    /// `mock_data/graphql.json`, for a GraphQL mock.
    pub graphql: Option<Value>,
    /// Its schema, when it was built while loading the spec.
    pub(crate) graphql_schema: Option<std::sync::Arc<crate::graphql::GraphqlSchema>>,
}

impl MockFiles {
    /// Reads a generated mock's folder.
    pub fn from_folder(folder: &Path) -> Result<Self> {
        let read = |relative: &str| -> Result<Value> {
            let path = folder.join(relative);
            let text = std::fs::read_to_string(&path).map_err(|err| Error::MockFolder {
                path: folder.to_path_buf(),
                reason: format!(
                    "cannot read {relative}: {err} (is this a folder `generate` made?)"
                ),
            })?;
            serde_json::from_str(&text).map_err(|err| Error::MockFolder {
                path: folder.to_path_buf(),
                reason: format!("{relative} is not valid JSON: {err}"),
            })
        };
        let manifest = read("mockloop.json")?;
        let graphql = if manifest.get("graphql").is_some() {
            Some(read(crate::graphql::DATA_FILE)?)
        } else {
            None
        };
        let files = Self {
            folder: Some(folder.to_path_buf()),
            manifest,
            operations: read("mock_data/operations.json")?,
            validation: read("mock_data/validation.json")?,
            security: read("mock_data/security.json")?,
            events: read("mock_data/events.json")?,
            openapi: read("mock_data/openapi.json")?,
            admin_page: embedded_file(ADMIN_PAGE).unwrap_or_default().to_owned(),
            graphql,
            graphql_schema: None,
        };
        files.check(folder)?;
        Ok(files)
    }

    /// Loads a spec (path or URL) and renders its mock in memory, as
    /// `generate` would write it.
    pub fn from_spec(input: &str, options: &RenderOptions) -> Result<Self> {
        let spec = load_spec_with(input, &options.import)?;
        let mut data = render_data(&spec, options)?;
        let graphql = data
            .iter()
            .position(|(path, _)| *path == crate::graphql::DATA_FILE)
            .map(|index| data.swap_remove(index).1);
        let mut take = |relative: &str| -> Result<Value> {
            let index = data
                .iter()
                .position(|(path, _)| *path == relative)
                .ok_or_else(|| Error::Serve {
                    what: input.to_owned(),
                    reason: format!("the rendered mock has no {relative}"),
                })?;
            Ok(data.swap_remove(index).1)
        };
        Ok(Self {
            folder: None,
            manifest: take("mockloop.json")?,
            operations: take("mock_data/operations.json")?,
            validation: take("mock_data/validation.json")?,
            security: take("mock_data/security.json")?,
            events: take("mock_data/events.json")?,
            openapi: take("mock_data/openapi.json")?,
            admin_page: embedded_file(ADMIN_PAGE).unwrap_or_default().to_owned(),
            graphql,
            graphql_schema: spec.graphql.clone(),
        })
    }

    /// Whether a command-line argument names a generated mock's folder.
    pub fn is_mock_folder(path: &Path) -> bool {
        path.is_dir() && path.join("mockloop.json").is_file()
    }

    fn check(&self, folder: &Path) -> Result<()> {
        let bad = |reason: &str| Error::MockFolder {
            path: folder.to_path_buf(),
            reason: reason.to_owned(),
        };
        if self.manifest.get("generator").and_then(Value::as_str) != Some("mockloop") {
            return Err(bad("mockloop.json was not written by mockloop"));
        }
        if !self.operations.is_object() {
            return Err(bad("mock_data/operations.json is not an object"));
        }
        if !self
            .validation
            .get("operations")
            .is_some_and(Value::is_object)
        {
            return Err(bad("mock_data/validation.json has no operations object"));
        }
        Ok(())
    }

    /// Switches a feature off (`--no-auth`...), as if generated without it.
    pub fn disable_feature(&mut self, name: &str) {
        if let Some(features) = self
            .manifest
            .get_mut("features")
            .and_then(Value::as_object_mut)
        {
            features.insert(name.to_owned(), Value::Bool(false));
        }
    }

    /// Whether `mockloop.json` switches a feature on.
    pub fn feature(&self, name: &str) -> bool {
        self.manifest
            .get("features")
            .and_then(|f| f.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The API's title.
    pub fn title(&self) -> &str {
        self.manifest
            .pointer("/api/title")
            .and_then(Value::as_str)
            .unwrap_or("mock")
    }
}
