//! One served mock: its catalog, routes, stores, log and features, built
//! from its files, and the routes in the order the FastAPI app tries them.
use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::auth::Auth;
use super::catalog::Catalog;
use super::files::MockFiles;
use super::log_writer::{LogThread, LogWriter};
use super::redaction::Redactor;
use super::router::{Handler, Own, Router};
use super::schemas::Schemas;
use super::settings::Settings;
use super::state::State;
use super::storage::Collections;
use super::webhooks::Webhooks;
use crate::error::{Error, Result};
use crate::graphql::resolve::World;
use crate::render::embedded_file;

const ADMIN_API: &str = "/admin/api";

/// Everything a request to one mock reads.
pub(crate) struct Mock {
    pub(crate) settings: Settings,
    /// `mockloop.json`.
    pub(crate) manifest: Value,
    pub(crate) catalog: Catalog,
    pub(crate) schemas: Schemas,
    pub(crate) router: Router,
    pub(crate) state: Arc<State>,
    pub(crate) auth: Auth,
    pub(crate) webhooks: Arc<Webhooks>,
    pub(crate) collections: Collections,
    pub(crate) log: Option<LogWriter>,
    pub(crate) started: Instant,
    pub(crate) health: Bytes,
    pub(crate) openapi: Bytes,
    pub(crate) docs: Bytes,
    pub(crate) admin_page: Bytes,
    pub(crate) admin_csp: String,
    /// A GraphQL mock's schema and pool.
    pub(crate) graphql: Option<Arc<World>>,
    pub(crate) graphql_page: Bytes,
    pub(crate) graphql_csp: String,
    /// What GraphQL mutations did, for the open subscriptions.
    pub(crate) graphql_events: tokio::sync::broadcast::Sender<crate::graphql::resolve::Event>,
}

impl Mock {
    /// Builds a mock and starts its log writer.
    pub(crate) fn new(
        mut files: MockFiles,
        settings: Settings,
    ) -> Result<(Self, Option<LogThread>)> {
        let catalog = Catalog::new(&mut files)?;
        let schemas = Schemas::new(Arc::clone(&catalog.document), settings.strict_formats)?;
        let state = Arc::new(State::open(&settings.db_path)?);
        let auth = Auth::new(&files.security, &files.manifest, settings.auth);
        let webhooks = Arc::new(Webhooks::new(
            settings.webhooks,
            &files.events,
            settings.webhook_attempts,
            settings.webhook_backoff,
        ));
        let collections = Collections::new(&catalog);
        let (log, thread) = if settings.request_log {
            let redactor = Redactor::new(&catalog.api_key_names);
            let (writer, thread) =
                LogWriter::start(&settings.db_path, redactor, settings.log_body_limit)?;
            (Some(writer), Some(thread))
        } else {
            (None, None)
        };
        let manifest = &files.manifest;
        let health = json!({
            "status": "ok",
            "engine": "native",
            "mockloop": {
                "generator_version": manifest.get("generator_version"),
                "api_title": manifest.pointer("/api/title"),
                "api_version": manifest.pointer("/api/version"),
                "operation_count": manifest.get("operation_count"),
            },
        });
        let docs = swagger_ui_html(&format!("{} (mock)", files.title()));
        let admin_csp = content_security_policy(&files.admin_page);
        let graphql = files
            .graphql
            .as_ref()
            .map(|data| graphql_world(data, files.graphql_schema.as_deref()))
            .transpose()?;
        let graphql_page = embedded_file(super::graphql::PAGE).unwrap_or_default();
        let mut mock = Self {
            health: Bytes::from(serde_json::to_vec(&health).unwrap_or_default()),
            openapi: Bytes::from(serde_json::to_vec(&files.openapi).unwrap_or_default()),
            docs: Bytes::from(docs.into_bytes()),
            admin_page: Bytes::from(files.admin_page.clone().into_bytes()),
            admin_csp,
            graphql_csp: content_security_policy(graphql_page),
            graphql_page: Bytes::from(graphql_page.as_bytes().to_vec()),
            graphql,
            graphql_events: tokio::sync::broadcast::channel(256).0,
            router: Router::default(),
            settings,
            manifest: files.manifest,
            catalog,
            schemas,
            state,
            auth,
            webhooks,
            collections,
            log,
            started: Instant::now(),
        };
        mock.router = mock.routes();
        Ok((mock, thread))
    }

    fn api_has(&self, method: &str, route: &str) -> bool {
        self.catalog.ops.iter().any(|op| {
            op.method == method
                && (op.route == route || op.route_aliases.iter().any(|a| a == route))
        })
    }

    fn routes(&self) -> Router {
        use Own::*;
        let mut router = Router::default();
        add_all(
            &mut router,
            ADMIN_API,
            &[
                ("GET", "/logs/search", LogsSearch),
                ("GET", "/logs/analyze", LogsAnalyze),
                ("GET", "/mock-data/scenarios", ScenariosList),
                ("POST", "/mock-data/scenarios", ScenarioCreate),
                ("GET", "/mock-data/scenarios/active", ScenarioActive),
                (
                    "POST",
                    "/mock-data/scenarios/deactivate",
                    ScenarioDeactivate,
                ),
                ("GET", "/mock-data/scenarios/{name}", ScenarioGet),
                ("PUT", "/mock-data/scenarios/{name}", ScenarioReplace),
                ("DELETE", "/mock-data/scenarios/{name}", ScenarioDelete),
                (
                    "POST",
                    "/mock-data/scenarios/{name}/activate",
                    ScenarioActivate,
                ),
                ("GET", "/mock-data/responses", OverridesList),
                ("POST", "/mock-data/responses", OverrideSet),
                ("DELETE", "/mock-data/responses", OverridesClear),
                ("GET", "/info", Info),
            ],
        );
        if self.settings.admin_ui && !self.api_has("GET", "/admin") {
            add_all(
                &mut router,
                "/admin",
                &[("GET", "", AdminPage), ("GET", "/", AdminPage)],
            );
        }
        let reserved: Vec<&str> = self
            .manifest
            .get("reserved_routes")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (path, own) in [
            ("/health", Health),
            ("/openapi.json", OpenApi),
            ("/docs", Docs),
        ] {
            if !reserved.contains(&format!("GET {path}").as_str()) {
                router.add("GET", path, Handler::Own(own));
            }
        }
        if self.auth.enabled() && !self.api_has("POST", "/token") {
            router.add("POST", "/token", Handler::Own(Token));
        }
        if self.webhooks.enabled {
            add_all(
                &mut router,
                &format!("{ADMIN_API}/webhooks"),
                &[
                    ("GET", "", WebhooksList),
                    ("POST", "", WebhookRegister),
                    ("GET", "/events", WebhookEvents),
                    ("POST", "/fire", WebhookFire),
                    ("DELETE", "/{webhook_id}", WebhookDelete),
                    ("POST", "/{webhook_id}/test", WebhookTest),
                    ("GET", "/{webhook_id}/deliveries", WebhookDeliveries),
                ],
            );
        }
        if self.settings.storage {
            add_all(
                &mut router,
                &format!("{ADMIN_API}/storage"),
                &[
                    ("GET", "", StorageShow),
                    ("POST", "/enable", StorageEnable),
                    ("POST", "/disable", StorageDisable),
                    ("DELETE", "", StorageClear),
                ],
            );
        }
        for (index, op) in self.catalog.ops.iter().enumerate() {
            router.add_grouped(
                &op.method,
                &op.route,
                Handler::Api(index),
                op.route_group.clone(),
            );
        }
        for (index, op) in self.catalog.ops.iter().enumerate() {
            for alias in &op.route_aliases {
                router.add(&op.method, alias, Handler::Api(index));
            }
        }
        router
    }

    /// Whether requests go to the store.
    pub(crate) fn storage_active(&self) -> bool {
        self.settings.storage
            && (self.settings.storage_env
                || self.state.storage_on()
                || self.state.scenario_storage())
    }
}

/// The schema and pool of `mock_data/graphql.json`; the schema is built
/// from its sources unless loading the spec built it.
fn graphql_world(
    data: &Value,
    built: Option<&crate::graphql::GraphqlSchema>,
) -> Result<Arc<World>> {
    if let Some(built) = built {
        return Ok(Arc::new(World::new(built.schema.clone(), data)));
    }
    let sources = data
        .get("sources")
        .and_then(|sources| serde_json::from_value(sources.clone()).ok());
    let sources: Vec<crate::graphql::load::SdlSource> = sources.ok_or_else(|| Error::Serve {
        what: crate::graphql::DATA_FILE.to_owned(),
        reason: "it has no schema sources".to_owned(),
    })?;
    let schema = crate::graphql::load::build(&sources)?;
    Ok(Arc::new(World::new(schema, data)))
}

/// Adds the mock's own routes `prefix + path`, in order.
fn add_all(router: &mut Router, prefix: &str, routes: &[(&str, &str, Own)]) {
    for (method, path, own) in routes {
        router.add(method, &format!("{prefix}{path}"), Handler::Own(*own));
    }
}

/// Only the page's inline scripts run; only this server is reached.
fn content_security_policy(page: &str) -> String {
    let mut hashes = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<script>") {
        let body_start = start + "<script>".len();
        let Some(end) = rest[body_start..].find("</script>") else {
            break;
        };
        let body = &rest[body_start..body_start + end];
        hashes.push(format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(body.as_bytes()))
        ));
        rest = &rest[body_start + end..];
    }
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

/// FastAPI's Swagger UI page for `/openapi.json`.
fn swagger_ui_html(title: &str) -> String {
    let title = html_escape(title);
    format!(
        r##"
    <!DOCTYPE html>
    <html>
    <head>
    <link type="text/css" rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
    <link rel="shortcut icon" href="https://fastapi.tiangolo.com/img/favicon.png">
    <title>{title}</title>
    </head>
    <body>
    <div id="swagger-ui">
    </div>
    <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
    <!-- `SwaggerUIBundle` is now available on the page -->
    <script>
    const ui = SwaggerUIBundle({{
        url: '/openapi.json',
    "dom_id": "#swagger-ui",
"layout": "BaseLayout",
"deepLinking": true,
"showExtensions": true,
"showCommonExtensions": true,
oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',
    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
        ],
    }})
    </script>
    </body>
    </html>
    "##
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}
