//! What the templates and data files are rendered from.
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

use super::RenderOptions;
use super::{events, security, validation};
use crate::GENERATOR_VERSION;
use crate::error::{Error, Result};
use crate::graphql;
use crate::model::{ApiModel, Operation, Param, ParamLocation};
use crate::spec::{LoadedSpec, SpecVersion};

/// Template → the file it renders.
pub(super) const TEMPLATE_TARGETS: &[(&str, &str)] = &[
    ("fastapi/main.py.j2", "main.py"),
    ("docker/Dockerfile.j2", "Dockerfile"),
    ("docker/docker-compose.yml.j2", "docker-compose.yml"),
    ("docker/dockerignore.j2", ".dockerignore"),
    ("docs/README.md.j2", "README.md"),
];

/// Files the image needs besides `requirements_mock.txt`.
const IMAGE_FILES: &[&str] = &["main.py", "mockloop.json", "mockloop_mock", "mock_data"];

/// Routes of the mock itself, left out when the API defines them too.
const INTERNAL_ROUTES: &[&str] = &["/health", "/openapi.json", "/docs"];

/// The context of every template.
#[derive(Debug, Serialize)]
pub(super) struct ProjectView<'a> {
    generator_version: &'static str,
    title: &'a str,
    version: &'a str,
    source: String,
    spec_label: &'static str,
    base_path: &'a str,
    port: u16,
    admin_port: Option<u16>,
    admin_ui: bool,
    operation_count: usize,
    service_name: String,
    has_route_aliases: bool,
    copied_files: &'static [&'static str],
    operations: Vec<OperationView<'a>>,
    auth: Value,
    webhooks_enabled: bool,
    storage_enabled: bool,
    events: Vec<EventView>,
    collections: Vec<&'a str>,
    /// A GraphQL mock: its endpoint answers with GraphQL.
    graphql: bool,
}

#[derive(Debug, Serialize)]
struct EventView {
    name: String,
    kind: &'static str,
    method: String,
}

#[derive(Debug, Serialize)]
struct OperationView<'a> {
    method: String,
    route: &'a str,
    route_aliases: &'a [String],
    path: &'a str,
    key: &'a str,
    function: &'a str,
    summary: Option<&'a str>,
    deprecated: bool,
    /// Whether the route shares its path with others (or has conditions):
    /// then it is named by the operation key, which routing looks up.
    grouped: bool,
    default_status: String,
    /// `limit: int | None (query), ...`: the handler's docstring.
    params_doc: Option<String>,
}

impl<'a> ProjectView<'a> {
    pub(super) fn new(spec: &LoadedSpec, model: &'a ApiModel, options: &RenderOptions) -> Self {
        let operations: Vec<OperationView<'a>> =
            model.operations.iter().map(OperationView::new).collect();
        Self {
            generator_version: GENERATOR_VERSION,
            title: &model.title,
            version: &model.version,
            source: source_label(&spec.source),
            spec_label: spec_label(model.spec_version),
            base_path: &model.base_path,
            port: options.port,
            admin_port: options.admin_port,
            admin_ui: options.features.get("admin_ui").copied().unwrap_or(false),
            operation_count: model.operation_count(),
            service_name: slug(&model.title, '-'),
            has_route_aliases: model
                .operations
                .iter()
                .any(|op| !op.route_aliases.is_empty()),
            copied_files: IMAGE_FILES,
            operations,
            auth: security::readme_view(spec, model, feature(options, "auth")),
            webhooks_enabled: feature(options, "webhooks"),
            storage_enabled: feature(options, "storage"),
            events: events::document(spec, model)
                .into_iter()
                .map(|(name, event)| EventView {
                    name,
                    kind: event.kind,
                    method: event.method,
                })
                .collect(),
            collections: collections(model),
            graphql: spec.graphql.is_some(),
        }
    }
}

impl<'a> OperationView<'a> {
    fn new(op: &'a Operation) -> Self {
        Self {
            method: op.method.to_ascii_lowercase(),
            route: &op.route,
            route_aliases: &op.route_aliases,
            path: &op.path,
            key: &op.key,
            function: &op.function,
            summary: op.summary.as_deref().filter(|s| !s.trim().is_empty()),
            deprecated: op.deprecated,
            grouped: !op.route_group.is_empty(),
            default_status: op
                .default_response
                .and_then(|index| op.responses.get(index))
                .map_or_else(|| "200".to_owned(), |r| r.status_code.to_string()),
            params_doc: params_doc(&op.params),
        }
    }
}

/// The parameters of a handler as its docstring says them: name, Python
/// type and where each travels (`parameters(request, key)` reads them).
fn params_doc(params: &[Param]) -> Option<String> {
    if params.is_empty() {
        return None;
    }
    let listed: Vec<String> = params
        .iter()
        .map(|p| {
            let optional = if p.required { "" } else { " | None" };
            let location = match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            format!(
                "{}: {}{optional} from {location} '{}'",
                p.ident, p.py_type, p.name
            )
        })
        .collect();
    Some(format!("Parameters: {}.", listed.join(", ")))
}

/// The JSON files of the project (manifest, responses, the original spec
/// and the validation schemas), serialised straight from borrowed data so
/// that a large spec is never copied.
pub(super) fn data_files(
    spec: &LoadedSpec,
    model: &ApiModel,
    options: &RenderOptions,
) -> Result<Vec<(String, String)>> {
    data_values(spec, model, options)?
        .into_iter()
        .map(|(path, value)| {
            // Read by machines only, and the largest files on big specs: compact.
            let pretty = !matches!(
                path,
                "mock_data/openapi.json" | "mock_data/validation.json" | graphql::DATA_FILE
            );
            json_file(path, &value, pretty)
        })
        .collect()
}

/// The mock's data files as JSON values, by relative path: what the native
/// engine serves a spec from without writing a folder.
pub(super) fn data_values(
    spec: &LoadedSpec,
    model: &ApiModel,
    options: &RenderOptions,
) -> Result<Vec<(&'static str, Value)>> {
    fn value(path: &'static str, data: &impl Serialize) -> Result<(&'static str, Value)> {
        serde_json::to_value(data)
            .map(|value| (path, value))
            .map_err(|source| Error::Serialize {
                what: path.to_owned(),
                source,
            })
    }
    let mut values = vec![
        ("mockloop.json", manifest(spec, model, options)),
        value("mock_data/operations.json", &operations(model))?,
        ("mock_data/openapi.json", spec.original.clone()),
        value(
            "mock_data/validation.json",
            &validation::document(spec, model),
        )?,
        value("mock_data/security.json", &security::document(spec, model))?,
        value("mock_data/events.json", &events::document(spec, model))?,
    ];
    if let Some(built) = &spec.graphql {
        values.push((
            graphql::DATA_FILE,
            graphql::data::document(&built.sources, &built.schema)?,
        ));
    }
    Ok(values)
}

/// Collection paths that have an item route `/x/{id}` (stateful mode).
fn collections(model: &ApiModel) -> Vec<&str> {
    let paths: std::collections::BTreeSet<&str> =
        model.operations.iter().map(|op| op.path.as_str()).collect();
    paths
        .iter()
        .filter(|path| {
            paths.iter().any(|item| {
                item.rsplit_once('/').is_some_and(|(parent, last)| {
                    parent == **path && last.starts_with('{') && last.ends_with('}')
                })
            })
        })
        .copied()
        .collect()
}

/// Whether a feature flag is on.
fn feature(options: &RenderOptions, name: &str) -> bool {
    options.features.get(name).copied().unwrap_or(false)
}

/// JSON (pretty for files people edit) with a final newline.
fn json_file(path: &str, value: &impl Serialize, pretty: bool) -> Result<(String, String)> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    let text = text.map_err(|source| Error::Serialize {
        what: path.to_owned(),
        source,
    })?;
    Ok((path.to_owned(), text + "\n"))
}

fn manifest(spec: &LoadedSpec, model: &ApiModel, options: &RenderOptions) -> Value {
    let reserved: Vec<String> = model
        .operations
        .iter()
        .filter(|op| op.method == "GET" && INTERNAL_ROUTES.contains(&op.route.as_str()))
        .map(|op| format!("GET {}", op.route))
        .collect();
    let mut manifest = json!({
        "generator": "mockloop",
        "generator_version": GENERATOR_VERSION,
        "api": {
            "title": model.title,
            "version": model.version,
            "spec_version": model.spec_version,
            "source": source_label(&spec.source),
        },
        "base_path": model.base_path,
        "port": options.port,
        "admin_port": options.admin_port,
        "features": options.features,
        "auth": security::manifest_auth(spec, model),
        "operation_count": model.operation_count(),
        "reserved_routes": reserved,
        "warnings": model.warnings,
    });
    if spec.graphql.is_some()
        && let Some(object) = manifest.as_object_mut()
    {
        // A GraphQL mock says so (REST manifests stay as they were).
        object.insert("graphql".to_owned(), json!({"endpoint": graphql::ENDPOINT}));
    }
    manifest
}

/// One operation in `mock_data/operations.json`.
#[derive(Serialize)]
struct OperationEntry<'a> {
    default: Option<&'a str>,
    responses: IndexMap<&'a str, ResponseEntry<'a>>,
}

/// One documented response in `mock_data/operations.json`.
#[derive(Serialize)]
struct ResponseEntry<'a> {
    status_code: u16,
    media_type: Option<&'a str>,
    body: &'a Option<Value>,
    examples: &'a IndexMap<String, Value>,
    headers: &'a IndexMap<String, String>,
}

fn operations(model: &ApiModel) -> IndexMap<&str, OperationEntry<'_>> {
    model
        .operations
        .iter()
        .map(|op| {
            let responses = op
                .responses
                .iter()
                .map(|r| {
                    let entry = ResponseEntry {
                        status_code: r.status_code,
                        media_type: r.media_type.as_deref(),
                        body: &r.body,
                        examples: &r.examples,
                        headers: &r.headers,
                    };
                    (r.status.as_str(), entry)
                })
                .collect();
            let default = op
                .default_response
                .and_then(|i| op.responses.get(i))
                .map(|r| r.status.as_str());
            (op.key.as_str(), OperationEntry { default, responses })
        })
        .collect()
}

/// The folder name used when none is given: the title and version as a slug.
pub(super) fn default_dir_name(model: &ApiModel) -> String {
    let name = slug(&format!("{} {}", model.title, model.version), '_');
    if name.is_empty() {
        "mock_api".to_owned()
    } else {
        name
    }
}

/// Lower-case ASCII letters and digits joined by `separator`, at most 60 long.
fn slug(text: &str, separator: char) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() > 60 {
            break;
        }
        if !out.is_empty() {
            out.push(separator);
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        "mock".to_owned()
    } else {
        out
    }
}

/// The spec's file name (or URL), without the directories of this machine.
fn source_label(source: &str) -> String {
    if source.contains("://") {
        return source.to_owned();
    }
    std::path::Path::new(source).file_name().map_or_else(
        || source.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn spec_label(version: SpecVersion) -> &'static str {
    match version {
        SpecVersion::Swagger2 => "Swagger 2.0",
        SpecVersion::OpenApi30 => "OpenAPI 3.0",
        SpecVersion::OpenApi31 => "OpenAPI 3.1",
    }
}
