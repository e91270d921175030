//! How a natively served mock is configured: the same environment variables
//! as the FastAPI mock (`mockloop_mock/settings.py`), read the same way.
use std::path::PathBuf;

use super::files::MockFiles;
use crate::logs::LOG_DB_RELATIVE;

/// Every setting of one served mock.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// A second port serving only `/admin` (and `/health`).
    pub(crate) admin_port: Option<u16>,
    /// The SQLite file: request log, scenarios, overrides, items, webhooks.
    pub(crate) db_path: PathBuf,
    /// `MOCKLOOP_REQUEST_LOG`.
    pub(crate) request_log: bool,
    /// `MOCKLOOP_STRICT_FORMATS`.
    pub(crate) strict_formats: bool,
    /// `MOCKLOOP_VALIDATION`.
    pub(crate) validation: bool,
    /// `MOCKLOOP_LOG_BODY_LIMIT`: bodies are logged up to this many bytes.
    pub(crate) log_body_limit: usize,
    /// `MOCKLOOP_CORS_ORIGINS`.
    pub(crate) cors_origins: Vec<String>,
    /// `MOCKLOOP_ADMIN_TOKEN` (empty: none).
    pub(crate) admin_token: String,
    /// The admin UI at `/admin`.
    pub(crate) admin_ui: bool,
    /// The spec's security requirements are enforced.
    pub(crate) auth: bool,
    /// The storage feature is generated in.
    pub(crate) storage: bool,
    /// `MOCKLOOP_STORAGE=on`.
    pub(crate) storage_env: bool,
    /// The webhooks feature is generated in.
    pub(crate) webhooks: bool,
    /// `MOCKLOOP_WEBHOOK_ATTEMPTS`.
    pub(crate) webhook_attempts: u32,
    /// `MOCKLOOP_WEBHOOK_BACKOFF` (seconds).
    pub(crate) webhook_backoff: f64,
    /// How often a GraphQL subscription emits a generated event (0: never).
    pub(crate) graphql_event_interval_ms: u64,
}

/// Reads an on/off environment variable (`on`/`off`, `1`/`0`...).
pub(crate) fn env_flag(name: &str, default: bool) -> bool {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "0" | "off" | "false" | "no"
        ),
        _ => default,
    }
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// The settings of `files` served on `port` (and `admin_port`), with a
    /// database at `default_db` unless `MOCKLOOP_DB_PATH` says otherwise.
    pub(crate) fn new(
        files: &MockFiles,
        admin_port: Option<u16>,
        default_db: Option<PathBuf>,
    ) -> Self {
        let db_path = env_text("MOCKLOOP_DB_PATH")
            .map(PathBuf::from)
            .or(default_db)
            .or_else(|| files.folder.as_ref().map(|f| f.join(LOG_DB_RELATIVE)))
            .unwrap_or_else(|| PathBuf::from(LOG_DB_RELATIVE));
        let cors_origins = std::env::var("MOCKLOOP_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        Self {
            admin_port,
            db_path,
            request_log: env_flag("MOCKLOOP_REQUEST_LOG", true),
            strict_formats: env_flag("MOCKLOOP_STRICT_FORMATS", true),
            validation: env_flag("MOCKLOOP_VALIDATION", true),
            log_body_limit: env_text("MOCKLOOP_LOG_BODY_LIMIT")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(65_536),
            cors_origins,
            admin_token: std::env::var("MOCKLOOP_ADMIN_TOKEN")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            admin_ui: files.feature("admin_ui"),
            auth: files.feature("auth") && env_flag("MOCKLOOP_AUTH", true),
            storage: files.feature("storage"),
            storage_env: env_flag("MOCKLOOP_STORAGE", false),
            webhooks: files.feature("webhooks"),
            webhook_attempts: env_text("MOCKLOOP_WEBHOOK_ATTEMPTS")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(3),
            webhook_backoff: env_text("MOCKLOOP_WEBHOOK_BACKOFF")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0.5),
            graphql_event_interval_ms: env_text("MOCKLOOP_GRAPHQL_EVENT_INTERVAL_MS")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(1000),
        }
    }
}
