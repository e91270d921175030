//! Rendering the FastAPI project from the embedded templates.
mod context;
mod env;
mod events;
mod output;
mod python;
mod security;
mod validation;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::ApiModel;
use crate::spec::{ImportOptions, LoadedSpec, load_spec_with};

pub(crate) use env::embedded_file;
pub use output::write_project;
pub(crate) use security::{document as security_document, manifest_auth};

/// How to generate a mock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    pub(crate) import: ImportOptions,
    pub(crate) port: u16,
    pub(crate) admin_port: Option<u16>,
    pub(crate) features: BTreeMap<String, bool>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        let features = ["auth", "webhooks", "admin_ui", "storage"]
            .into_iter()
            .map(|name| (name.to_owned(), true))
            .collect();
        Self {
            import: ImportOptions::default(),
            port: 8000,
            admin_port: None,
            features,
        }
    }
}

impl RenderOptions {
    /// How recordings (HAR) are read.
    #[must_use]
    pub fn with_import(mut self, import: ImportOptions) -> Self {
        self.import = import;
        self
    }

    /// The port the mock listens on (default 8000).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// A separate port for the admin API, if any.
    #[must_use]
    pub fn with_admin_port(mut self, port: Option<u16>) -> Self {
        self.admin_port = port;
        self
    }

    /// Switches a feature flag (`auth`, `webhooks`, `admin_ui`, `storage`,
    /// or any other name, which is recorded in the manifest).
    #[must_use]
    pub fn with_feature(mut self, name: &str, enabled: bool) -> Self {
        self.features.insert(name.to_owned(), enabled);
        self
    }
}

/// A rendered project: relative path → file contents, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedProject {
    /// The model the project was rendered from.
    pub operation_count: usize,
    /// The suggested folder name, from the API's title and version.
    pub default_name: String,
    /// Relative path (with `/`) → contents.
    pub files: BTreeMap<String, String>,
    /// Constructs of the spec that could not be honoured.
    pub warnings: Vec<String>,
}

/// Files of the FastAPI project that only a GraphQL mock has.
const GRAPHQL_FILES: &[&str] = &[
    "mockloop_mock/graphql_data.py",
    "mockloop_mock/graphql_http.py",
    "mockloop_mock/graphql_resolve.py",
    "mockloop_mock/graphql_ws.py",
    "mockloop_mock/static/graphql.html",
];

/// Renders every file of the mock project for a loaded spec.
pub fn render_project(spec: &LoadedSpec, options: &RenderOptions) -> Result<GeneratedProject> {
    let model = ApiModel::from_spec(spec)?;
    let env = env::environment().map_err(|source| Error::Template {
        name: "environment".to_owned(),
        source,
    })?;
    let mut files = BTreeMap::new();
    let graphql = spec.graphql.is_some();
    for (path, text) in env::static_files("fastapi/") {
        let relative = path.trim_start_matches("fastapi/").to_owned();
        // The GraphQL endpoint's modules and page ship with GraphQL mocks only.
        if !graphql && GRAPHQL_FILES.contains(&relative.as_str()) {
            continue;
        }
        files.insert(relative, text.to_owned());
    }
    files.extend(context::data_files(spec, &model, options)?);
    let view = context::ProjectView::new(spec, &model, options);
    for (template, target) in context::TEMPLATE_TARGETS {
        let rendered = env
            .get_template(template)
            .and_then(|t| t.render(minijinja::value::Serde(&view)))
            .map_err(|source| Error::Template {
                name: (*template).to_owned(),
                source,
            })?;
        files.insert((*target).to_owned(), rendered);
    }
    Ok(GeneratedProject {
        operation_count: model.operation_count(),
        default_name: context::default_dir_name(&model),
        files,
        warnings: model.warnings,
    })
}

/// The mock's data files (`mockloop.json`, `mock_data/*.json`) as JSON
/// values, without rendering the project's code.
pub(crate) fn render_data(
    spec: &LoadedSpec,
    options: &RenderOptions,
) -> Result<Vec<(&'static str, serde_json::Value)>> {
    let model = ApiModel::from_spec(spec)?;
    context::data_values(spec, &model, options)
}

/// Loads `spec_input` (a path or URL), renders the project and writes it to
/// `out_base/<name>` (or the default name). Returns the folder and the project.
pub fn generate_project(
    spec_input: &str,
    out_base: &Path,
    name: Option<&str>,
    options: &RenderOptions,
) -> Result<(PathBuf, GeneratedProject)> {
    let spec = load_spec_with(spec_input, &options.import)?;
    let project = render_project(&spec, options)?;
    let folder = out_base.join(name.unwrap_or(&project.default_name));
    write_project(&project, &folder)?;
    Ok((folder, project))
}
