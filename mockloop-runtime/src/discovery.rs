//! Finding mocks: running servers on loopback ports, and generated mock
//! folders under an output base directory.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::logs::LOG_DB_RELATIVE;

/// The ports probed when none are given: 8000-8010, 3000-3001, 5000-5001.
pub const DEFAULT_PORTS: [u16; 15] = [
    8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010, 3000, 3001, 5000, 5001,
];

/// What to look for.
#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    ports: Vec<u16>,
    check_health: bool,
    generated_dir: Option<PathBuf>,
    timeout: Duration,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            ports: DEFAULT_PORTS.to_vec(),
            check_health: true,
            generated_dir: None,
            timeout: Duration::from_millis(1500),
        }
    }
}

impl DiscoveryOptions {
    /// The loopback ports to probe.
    #[must_use]
    pub fn with_ports(mut self, ports: Vec<u16>) -> Self {
        self.ports = ports;
        self
    }
    /// Whether to ask each open port for `/health` (else ports are only
    /// reported open).
    #[must_use]
    pub fn with_check_health(mut self, check: bool) -> Self {
        self.check_health = check;
        self
    }
    /// Also list the generated mocks under this folder.
    #[must_use]
    pub fn with_generated_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.generated_dir = dir;
        self
    }
    /// How long one HTTP probe may take (connecting takes at most 300 ms).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// What a listening port turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::ToolInput)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerKind {
    /// A mockloop mock (its `/health` has a `mockloop` object).
    Mockloop,
    /// Something else that listens there (not a mockloop mock).
    NotMockloop,
    /// The port is open; `/health` was not asked.
    Unchecked,
}

/// A server listening on a loopback port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct RunningServer {
    /// The port.
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// What it is.
    pub kind: ServerKind,
    /// What `/health` answered, in words.
    pub detail: String,
    /// The mocked API's title (mockloop mocks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_title: Option<String>,
    /// The mocked API's version (mockloop mocks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The mockloop version that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_version: Option<String>,
    /// How many operations it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_count: Option<u64>,
    /// Its folder, from the admin API's database path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_dir: Option<String>,
    /// The engine serving it (`native` or `fastapi`, from `/health`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Its process, when mockloop started it (`list_mock_servers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Seconds since mockloop started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_s: Option<u64>,
}

/// A generated mock folder (one holding a `mockloop.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct GeneratedMock {
    /// The folder.
    pub path: String,
    /// The API's title.
    pub api_title: String,
    /// The API's version.
    pub api_version: String,
    /// The port it was generated for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// How many operations it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_count: Option<u64>,
    /// Whether it has a request log yet.
    pub has_request_log: bool,
    /// The URLs of the running servers that serve this folder.
    pub running_at: Vec<String>,
}

/// Everything found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Discovery {
    /// Listening servers, by port.
    pub servers: Vec<RunningServer>,
    /// Generated mock folders, by path.
    pub generated: Vec<GeneratedMock>,
    /// How many ports were probed.
    pub ports_scanned: u64,
    /// The folder searched for generated mocks, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_dir: Option<String>,
}

/// Probes the ports concurrently on 127.0.0.1 and lists generated mocks,
/// matching each to the servers that run it.
pub async fn discover(options: &DiscoveryOptions) -> Discovery {
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(Duration::from_millis(300))
        .no_proxy()
        .build()
        .ok();
    let mut ports = options.ports.clone();
    ports.sort_unstable();
    ports.dedup();
    let mut probes = JoinSet::new();
    for &port in &ports {
        let client = client.clone();
        let check = options.check_health;
        probes.spawn(async move { probe(port, client, check).await });
    }
    let mut servers = Vec::new();
    while let Some(found) = probes.join_next().await {
        if let Ok(Some(server)) = found {
            servers.push(server);
        }
    }
    servers.sort_by_key(|s| s.port);
    // What mockloop's registry knows of the servers it started.
    if let Ok(Ok(started)) = tokio::task::spawn_blocking(crate::manage::list_servers).await {
        for server in &mut servers {
            if let Some(listed) = started.iter().find(|l| l.server.port == server.port) {
                server.pid = listed.server.pid;
                server.uptime_s = Some(listed.uptime_s);
                server.engine = server
                    .engine
                    .take()
                    .or_else(|| Some(listed.server.engine.clone()));
            }
        }
    }
    let generated = options
        .generated_dir
        .as_deref()
        .map(|dir| generated_mocks(dir, &servers))
        .unwrap_or_default();
    Discovery {
        servers,
        generated,
        ports_scanned: ports.len() as u64,
        generated_dir: options
            .generated_dir
            .as_ref()
            .map(|d| d.display().to_string()),
    }
}

async fn probe(port: u16, client: Option<reqwest::Client>, check: bool) -> Option<RunningServer> {
    let connect = TcpStream::connect(("127.0.0.1", port));
    match tokio::time::timeout(Duration::from_millis(300), connect).await {
        Ok(Ok(_)) => {}
        _ => return None,
    }
    let url = format!("http://127.0.0.1:{port}");
    let mut server = RunningServer {
        port,
        url: url.clone(),
        kind: ServerKind::Unchecked,
        detail: "port open".to_owned(),
        api_title: None,
        api_version: None,
        generator_version: None,
        operation_count: None,
        mock_dir: None,
        engine: None,
        pid: None,
        uptime_s: None,
    };
    let Some(client) = client.filter(|_| check) else {
        return Some(server);
    };
    server.kind = ServerKind::NotMockloop;
    let response = match client.get(format!("{url}/health")).send().await {
        Ok(response) => response,
        Err(err) => {
            server.detail = format!("not mockloop: no HTTP answer to GET /health ({err})");
            return Some(server);
        }
    };
    let status = response.status();
    let body: Option<Value> = response.json().await.ok();
    match body
        .as_ref()
        .and_then(|b| b.get("mockloop"))
        .filter(|m| m.is_object())
    {
        Some(info) => {
            let text = |key: &str| info.get(key).and_then(Value::as_str).map(str::to_owned);
            server.kind = ServerKind::Mockloop;
            server.detail = format!("mockloop mock, /health answered {status}");
            server.api_title = text("api_title");
            server.api_version = text("api_version");
            server.generator_version = text("generator_version");
            server.operation_count = info.get("operation_count").and_then(Value::as_u64);
            server.engine = body
                .as_ref()
                .and_then(|b| b.get("engine"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            server.mock_dir = mock_dir_of(&client, &url).await;
        }
        None => server.detail = format!("not mockloop: GET /health answered {status}"),
    }
    Some(server)
}

/// The mock's folder, from `/admin/api/info`'s database path.
async fn mock_dir_of(client: &reqwest::Client, url: &str) -> Option<String> {
    let info: Value = client
        .get(format!("{url}/admin/api/info"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let db = info.pointer("/database/path")?.as_str()?;
    let folder = Path::new(db).parent()?.parent()?;
    Some(folder.display().to_string())
}

fn generated_mocks(dir: &Path, servers: &[RunningServer]) -> Vec<GeneratedMock> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<GeneratedMock> = entries
        .flatten()
        .filter_map(|entry| read_mock(&entry.path(), servers))
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn read_mock(folder: &Path, servers: &[RunningServer]) -> Option<GeneratedMock> {
    let text = std::fs::read_to_string(folder.join("mockloop.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    let text = |pointer: &str| {
        manifest
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let folder = folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf());
    let (api_title, api_version) = (text("/api/title"), text("/api/version"));
    let port = manifest
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok());
    let same_dir = |s: &RunningServer| {
        s.mock_dir
            .as_deref()
            .and_then(|d| Path::new(d).canonicalize().ok())
            .is_some_and(|d| d == folder)
    };
    // A server that reports its folder is matched by it; one that does not
    // (an older mock) by title, version and port.
    let running_at = servers
        .iter()
        .filter(|s| s.kind == ServerKind::Mockloop)
        .filter(|s| {
            same_dir(s)
                || (s.mock_dir.is_none()
                    && s.api_title.as_deref() == Some(api_title.as_str())
                    && s.api_version.as_deref() == Some(api_version.as_str())
                    && Some(s.port) == port)
        })
        .map(|s| s.url.clone())
        .collect();
    Some(GeneratedMock {
        has_request_log: folder.join(LOG_DB_RELATIVE).is_file(),
        path: folder.display().to_string(),
        api_title,
        api_version,
        port,
        operation_count: manifest.get("operation_count").and_then(Value::as_u64),
        running_at,
    })
}
