//! The native engine: serves a generated mock's folder, or a spec rendered
//! in memory, with exactly the FastAPI mock's behaviour (same routes,
//! validation, responses, admin API, request log and database), on hyper.
//!
//! [`start`] binds every mock and returns a [`NativeServer`]; its
//! [`NativeServer::stop`] stops accepting, lets open requests finish and
//! writes out the request log before it returns.
mod admin;
mod api;
mod auth;
mod behaviour;
mod catalog;
mod conditions;
mod engine;
mod files;
mod formats;
mod forms;
mod graphql;
mod graphql_ws;
mod http;
mod log_entry;
mod log_rows;
mod log_writer;
mod multipart;
mod params;
mod redaction;
mod request;
mod respond;
mod router;
mod schemas;
mod settings;
mod state;
mod storage;
mod validate;
mod webhooks;
mod wire;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use files::MockFiles;

use crate::error::{Error, Result};
use crate::render::RenderOptions;
use engine::Mock;
use log_writer::LogThread;
use settings::Settings;

/// The largest request head read (request line and headers).
const MAX_HEAD: usize = 4 * 1024 * 1024;

/// How long open connections may take to finish once a stop is asked for.
const GRACE: Duration = Duration::from_secs(5);

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (default `127.0.0.1`: loopback only).
    pub host: String,
    /// The first mock's port; the others follow. `None`: `MOCKLOOP_PORT`,
    /// else the first mock's manifest port (8000). `Some(0)`: any free ports.
    pub port: Option<u16>,
    /// A separate port for the first mock's admin API; the others follow.
    pub admin_port: Option<u16>,
    /// Features switched off (`auth`, `webhooks`, `admin_ui`, `storage`).
    pub disabled: Vec<String>,
    /// How recordings given as sources are read.
    pub import: crate::spec::ImportOptions,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: None,
            admin_port: None,
            disabled: Vec::new(),
            import: crate::spec::ImportOptions::default(),
        }
    }
}

/// One mock being served.
#[derive(Debug, Clone)]
pub struct ServedMock {
    /// What it was started from (a folder or a spec).
    pub source: String,
    /// The API's title.
    pub title: String,
    /// `http://host:port` of the API (and, without an admin port, the admin API).
    pub url: String,
    /// `http://host:port` of the admin API, when it has its own port.
    pub admin_url: Option<String>,
    /// The SQLite database: request log, scenarios, overrides, items.
    pub database: PathBuf,
    /// How many operations it serves.
    pub operations: usize,
}

/// Mocks being served; stop them with [`NativeServer::stop`].
pub struct NativeServer {
    mocks: Vec<ServedMock>,
    shutdown: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
    logs: Vec<LogThread>,
    live: Vec<Arc<Mock>>,
    /// Temporary folders holding the databases of mocks served from a spec.
    _scratch: Vec<tempfile::TempDir>,
}

impl std::fmt::Debug for NativeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeServer")
            .field("mocks", &self.mocks)
            .finish_non_exhaustive()
    }
}

/// Loads every source (a generated mock's folder, or a spec file or URL),
/// in order. Blocking: URLs are fetched.
pub fn load_sources(sources: &[String], options: &ServeOptions) -> Result<Vec<MockFiles>> {
    let mut render = RenderOptions::default().with_import(options.import.clone());
    for name in &options.disabled {
        render = render.with_feature(name, false);
    }
    sources
        .iter()
        .map(|source| {
            let mut files = if MockFiles::is_mock_folder(Path::new(source)) {
                MockFiles::from_folder(Path::new(source))?
            } else if Path::new(source).is_dir()
                && !crate::graphql::load::has_sdl_files(Path::new(source))
            {
                return Err(Error::MockFolder {
                    path: PathBuf::from(source),
                    reason: "it has no mockloop.json and no GraphQL schema files: pass a folder \
                             `mockloop-mcp generate` made, a folder of SDL files, or a spec file or URL"
                        .to_owned(),
                });
            } else {
                MockFiles::from_spec(source, &render)?
            };
            for name in &options.disabled {
                files.disable_feature(name);
            }
            Ok(files)
        })
        .collect()
}

fn env_port(name: &str) -> Option<u16> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Binds and starts serving `files` (one mock each, on consecutive ports).
pub async fn start(
    files: Vec<MockFiles>,
    sources: &[String],
    options: &ServeOptions,
) -> Result<NativeServer> {
    let first_port = options
        .port
        .or_else(|| env_port("MOCKLOOP_PORT"))
        .or_else(|| {
            files
                .first()
                .and_then(|f| f.manifest.get("port"))
                .and_then(serde_json::Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
        })
        .unwrap_or(8000);
    let first_admin = options
        .admin_port
        .or_else(|| env_port("MOCKLOOP_ADMIN_PORT"))
        .or_else(|| {
            files
                .first()
                .and_then(|f| f.manifest.get("admin_port"))
                .and_then(serde_json::Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
        });
    let (shutdown, _) = watch::channel(false);
    let mut server = NativeServer {
        mocks: Vec::new(),
        shutdown,
        listeners: Vec::new(),
        logs: Vec::new(),
        live: Vec::new(),
        _scratch: Vec::new(),
    };
    for (index, files) in files.into_iter().enumerate() {
        let offset = u16::try_from(index).unwrap_or(u16::MAX);
        let step = |port: u16| {
            if port == 0 {
                0
            } else {
                port.saturating_add(offset)
            }
        };
        let port = step(first_port);
        let admin_port = first_admin.filter(|p| *p != 0).map(step);
        let main = bind(&options.host, port).await?;
        let admin = match admin_port {
            Some(p) => Some(bind(&options.host, p).await?),
            None => None,
        };
        let port = main.local_addr().map_or(port, |a| a.port());
        let admin_port = admin
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port());
        let default_db = if files.folder.is_none() {
            let scratch = tempfile::Builder::new()
                .prefix("mockloop-serve-")
                .tempdir()
                .map_err(|err| Error::Serve {
                    what: "a temporary folder".to_owned(),
                    reason: err.to_string(),
                })?;
            let path = scratch.path().join("request_logs.db");
            server._scratch.push(scratch);
            Some(path)
        } else {
            None
        };
        let settings = Settings::new(&files, admin_port, default_db);
        let source = sources.get(index).cloned().unwrap_or_default();
        let title = files.title().to_owned();
        let (mock, log_thread) = Mock::new(files, settings)?;
        let mock = Arc::new(mock);
        let host = display_host(&options.host);
        server.mocks.push(ServedMock {
            source,
            title,
            url: format!("http://{host}:{port}"),
            admin_url: admin_port.map(|p| format!("http://{host}:{p}")),
            database: mock.settings.db_path.clone(),
            operations: mock.catalog.ops.len(),
        });
        server.logs.extend(log_thread);
        for listener in std::iter::once(main).chain(admin) {
            server.listeners.push(tokio::spawn(accept(
                listener,
                Arc::clone(&mock),
                server.shutdown.subscribe(),
            )));
        }
        server.live.push(mock);
    }
    Ok(server)
}

fn display_host(host: &str) -> String {
    match host {
        "0.0.0.0" | "::" | "" => "127.0.0.1".to_owned(),
        other if other.contains(':') => format!("[{other}]"),
        other => other.to_owned(),
    }
}

async fn bind(host: &str, port: u16) -> Result<TcpListener> {
    let address = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    TcpListener::bind(&address)
        .await
        .map_err(|err| Error::Serve {
            what: address.clone(),
            reason: format!("cannot listen: {err}"),
        })
}

async fn accept(listener: TcpListener, mock: Arc<Mock>, mut shutdown: watch::Receiver<bool>) {
    let local_port = listener.local_addr().map_or(0, |a| a.port());
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, peer, local_port, Arc::clone(&mock), shutdown.clone()));
            }
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    local_port: u16,
    mock: Arc<Mock>,
    mut shutdown: watch::Receiver<bool>,
) {
    let client = Some(peer.ip().to_string());
    let service = service_fn(move |request| {
        http::serve(Arc::clone(&mock), local_port, client.clone(), request)
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        // Request heads as long as uvicorn takes (long paths and queries
        // are answered 422 by validation, not refused by the parser).
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(wire::Wire::new(stream)), service)
        // GraphQL subscriptions take the connection over as a WebSocket.
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

impl NativeServer {
    /// The mocks being served.
    pub fn mocks(&self) -> &[ServedMock] {
        &self.mocks
    }

    /// Stops accepting, lets open requests finish (up to a few seconds) and
    /// writes out every request-log entry before returning.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for listener in self.listeners {
            let _ = listener.await;
        }
        for mock in &self.live {
            if let Some(log) = &mock.log {
                log.close().await;
            }
        }
        drop(self.live);
        let logs = self.logs;
        let _ =
            tokio::task::spawn_blocking(move || logs.into_iter().for_each(LogThread::join)).await;
    }
}
