//! Running mocks for people and assistants: start (native engine, the
//! FastAPI project under Python, or Docker Compose), stop, restart and
//! list, with a registry that outlives the session that started them
//! (`registry`). Only servers mockloop started are ever stopped: a pid is
//! checked against its recorded start time, so a reused pid is refused.
mod process;
mod python;
mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

pub use registry::{Registry, ServerEntry, state_dir};

use crate::error::{Error, Result};
use crate::render::{RenderOptions, render_project, write_project};
use crate::serve::MockFiles;
use crate::spec::load_spec_with;
use process::{Stopped, is_same, start_ticks, stop_group, tail};

/// How long a stopped server may take to exit before SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Which engine serves a started mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// `mockloop-mcp serve` (no Python).
    Native,
    /// The generated FastAPI project (`python main.py` in a cached venv).
    Fastapi,
    /// `docker compose up` in the mock's folder.
    Docker,
}

impl EngineKind {
    /// The engine named `name` (`native`, `fastapi`, `docker`).
    pub fn named(name: &str) -> Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "native" | "" => Ok(Self::Native),
            "fastapi" => Ok(Self::Fastapi),
            "docker" => Ok(Self::Docker),
            other => Err(Error::InvalidArgument {
                name: "engine".to_owned(),
                reason: format!("{other:?} is not an engine; use native, fastapi or docker"),
            }),
        }
    }

    /// The engine's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Fastapi => "fastapi",
            Self::Docker => "docker",
        }
    }
}

/// How to start a mock.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// The engine.
    pub engine: EngineKind,
    /// The port wanted; a free one is chosen when absent or taken.
    pub port: Option<u16>,
    /// A separate admin port, if wanted (a free one if taken).
    pub admin_port: Option<u16>,
    /// Features switched off (`auth`, `webhooks`, `admin_ui`, `storage`).
    pub disabled: Vec<String>,
    /// Where a spec's mock folder is generated.
    pub output_base: PathBuf,
    /// The `mockloop-mcp` binary that runs the native engine.
    pub binary: PathBuf,
    /// How a recording given as the spec is read.
    pub import: crate::spec::ImportOptions,
}

/// A started mock.
#[derive(Debug, Clone, Serialize, Deserialize, crate::ToolInput)]
pub struct Started {
    /// What the registry records.
    pub server: ServerEntry,
    /// The admin UI (or admin API) base URL.
    pub admin_url: String,
    /// The interactive docs.
    pub docs_url: String,
    /// Whether the port asked for was taken (then another was chosen).
    pub port_changed: bool,
    /// How long start-up took, in milliseconds (venv build included).
    pub startup_ms: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn start_error(reason: impl Into<String>) -> Error {
    Error::Serve {
        what: "a mock".to_owned(),
        reason: reason.into(),
    }
}

/// A port on 127.0.0.1 that nothing listens on and no registered server
/// holds: `wanted` when it is such a port.
fn choose_port(wanted: Option<u16>, taken: &[u16]) -> Result<u16> {
    let free = |port: u16| {
        !taken.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
    };
    if let Some(port) = wanted.filter(|p| *p != 0 && free(*p)) {
        return Ok(port);
    }
    for _ in 0..20 {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|err| start_error(format!("cannot find a free port: {err}")))?;
        if free(port) {
            return Ok(port);
        }
    }
    Err(start_error("cannot find a free port"))
}

/// The port `docker-compose.yml` publishes (the manifest's), if it is free.
fn compose_port(dir: &Path, taken: &[u16]) -> Result<u16> {
    let files = MockFiles::from_folder(dir)?;
    let port = files
        .manifest
        .get("port")
        .and_then(serde_json::Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(8000);
    if taken.contains(&port) || std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        return Err(start_error(format!(
            "port {port}, which docker-compose.yml publishes, is taken; stop what holds it, or use engine native"
        )));
    }
    Ok(port)
}

/// The mock folder of `source`: the folder itself, or the one generated
/// from a spec (file or URL) under `output_base`. A folder a running server
/// of mockloop's serves is not generated again (that would replace its
/// database under it): the running mock's folder is used as it is.
fn mock_folder(source: &str, options: &StartOptions) -> Result<PathBuf> {
    let path = Path::new(source);
    if MockFiles::is_mock_folder(path) {
        return Ok(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    }
    let render = options.disabled.iter().fold(
        RenderOptions::default().with_import(options.import.clone()),
        |render, name| render.with_feature(name, false),
    );
    let spec = load_spec_with(source, &render.import)?;
    let project = render_project(&spec, &render)?;
    let folder = options.output_base.join(&project.default_name);
    let served = {
        let mut registry = Registry::lock()?;
        prune(&mut registry);
        let wanted = folder.canonicalize().unwrap_or_else(|_| folder.clone());
        registry
            .entries
            .iter()
            .any(|entry| Path::new(&entry.mock_dir) == wanted)
    };
    if !served {
        write_project(&project, &folder)?;
    }
    Ok(folder.canonicalize().unwrap_or(folder))
}

/// Starts a mock and returns once its `/health` answers.
pub fn start_server(
    source: &str,
    options: &StartOptions,
    progress: &dyn Fn(&str),
) -> Result<Started> {
    let began = Instant::now();
    let dir = mock_folder(source, options)?;
    let python = match options.engine {
        EngineKind::Fastapi => Some(python::venv_python(&dir, progress)?),
        _ => None,
    };
    let mut registry = Registry::lock()?;
    prune(&mut registry);
    let taken: Vec<u16> = registry
        .entries
        .iter()
        .flat_map(|e| std::iter::once(e.port).chain(e.admin_port))
        .collect();
    let port = if options.engine == EngineKind::Docker {
        // docker-compose.yml publishes the port the mock was generated with.
        compose_port(&dir, &taken)?
    } else {
        choose_port(options.port, &taken)?
    };
    let admin_port = match options.admin_port {
        Some(wanted) => {
            let mut taken = taken.clone();
            taken.push(port);
            Some(choose_port(Some(wanted), &taken)?)
        }
        None => None,
    };
    let name = dir
        .file_name()
        .map_or_else(|| "mock".to_owned(), |n| n.to_string_lossy().into_owned());
    let id = format!("{name}-{port}");
    let output_dir = registry.output_dir();
    std::fs::create_dir_all(&output_dir)
        .map_err(|err| start_error(format!("cannot create {}: {err}", output_dir.display())))?;
    let output_file = output_dir.join(format!("{id}.log"));
    let url = format!("http://127.0.0.1:{port}");
    progress(&format!(
        "starting the {} engine on {url}",
        options.engine.name()
    ));
    let pid = match options.engine {
        EngineKind::Docker => {
            docker_up(&dir, port, &output_file)?;
            None
        }
        engine => Some(spawn(
            engine,
            &dir,
            port,
            admin_port,
            options,
            python.as_deref(),
            &output_file,
        )?),
    };
    let ticks = pid.and_then(start_ticks);
    let expected = match options.engine {
        EngineKind::Native => "native",
        _ => "fastapi",
    };
    let timeout = Duration::from_secs(if options.engine == EngineKind::Native {
        20
    } else {
        90
    });
    if let Err(reason) = wait_healthy(&url, expected, pid, ticks, timeout) {
        if let Some(pid) = pid {
            stop_group(pid, ticks, Duration::from_secs(3));
        } else {
            docker_down(&dir);
        }
        return Err(start_error(format!(
            "the {} engine did not start on {url}: {reason}\n--- its output ---\n{}",
            options.engine.name(),
            tail(&output_file, 30)
        )));
    }
    let entry = ServerEntry {
        id,
        engine: options.engine.name().to_owned(),
        pid,
        start_ticks: ticks,
        port,
        admin_port,
        url: url.clone(),
        mock_dir: dir.display().to_string(),
        output_file: output_file.display().to_string(),
        log_db: dir.join(crate::LOG_DB_RELATIVE).display().to_string(),
        started_at: now_secs(),
        disabled: options.disabled.clone(),
    };
    registry.entries.push(entry.clone());
    registry.save()?;
    let admin_base = admin_port.map_or_else(|| url.clone(), |p| format!("http://127.0.0.1:{p}"));
    Ok(Started {
        server: entry,
        admin_url: format!("{admin_base}/admin"),
        docs_url: format!("{url}/docs"),
        port_changed: options.port.is_some_and(|p| p != port),
        startup_ms: u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

fn spawn(
    engine: EngineKind,
    dir: &Path,
    port: u16,
    admin_port: Option<u16>,
    options: &StartOptions,
    python: Option<&Path>,
    output_file: &Path,
) -> Result<u32> {
    let (program, mut args): (PathBuf, Vec<String>) = match engine {
        EngineKind::Native => {
            let mut args = vec![
                "serve".to_owned(),
                dir.display().to_string(),
                "--port".to_owned(),
                port.to_string(),
            ];
            if let Some(admin) = admin_port {
                args.extend(["--admin-port".to_owned(), admin.to_string()]);
            }
            args.extend(
                options
                    .disabled
                    .iter()
                    .map(|name| format!("--no-{}", name.replace('_', "-"))),
            );
            (options.binary.clone(), args)
        }
        _ => (
            python.map_or_else(|| PathBuf::from("python3"), Path::to_path_buf),
            vec!["main.py".to_owned()],
        ),
    };
    let output = std::fs::File::create(output_file)
        .map_err(|err| start_error(format!("cannot write {}: {err}", output_file.display())))?;
    let errors = output
        .try_clone()
        .map_err(|err| start_error(format!("cannot write {}: {err}", output_file.display())))?;
    // `setsid` makes the server a session leader without a terminal, so
    // that it outlives the session (and the terminal) that started it.
    let mut command = if has_setsid() {
        args.insert(0, program.display().to_string());
        let mut command = Command::new("setsid");
        command.args(&args);
        command
    } else {
        let mut command = Command::new(&program);
        command.args(&args);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
    };
    command
        .current_dir(dir)
        .env("MOCKLOOP_PORT", port.to_string())
        .env("MOCKLOOP_HOST", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors);
    if let Some(admin) = admin_port {
        command.env("MOCKLOOP_ADMIN_PORT", admin.to_string());
    }
    if engine == EngineKind::Fastapi && options.disabled.iter().any(|d| d == "auth") {
        command.env("MOCKLOOP_AUTH", "off");
    }
    let mut child = command
        .spawn()
        .map_err(|err| start_error(format!("cannot run {}: {err}", program.display())))?;
    let pid = child.id();
    // Reaped when it exits, so no zombie is left behind in this process.
    std::thread::spawn(move || child.wait());
    Ok(pid)
}

fn has_setsid() -> bool {
    Command::new("setsid")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn wait_healthy(
    url: &str,
    engine: &str,
    pid: Option<u32>,
    ticks: Option<u64>,
    timeout: Duration,
) -> std::result::Result<(), String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .no_proxy()
        .build()
        .map_err(|err| err.to_string())?;
    let started = Instant::now();
    let mut last = "no answer yet".to_owned();
    while started.elapsed() < timeout {
        if let Some(pid) = pid
            && !is_same(pid, ticks)
        {
            return Err("the process exited".to_owned());
        }
        match client.get(format!("{url}/health")).send() {
            Ok(response) if response.status().is_success() => {
                let body: serde_json::Value = response.json().unwrap_or_default();
                if body["engine"] == engine {
                    return Ok(());
                }
                last = format!("/health answered {body}, not from the {engine} engine");
            }
            Ok(response) => last = format!("/health answered {}", response.status()),
            Err(err) => last = format!("/health: {}", crate::error::error_chain(&err)),
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(format!(
        "no answer from /health within {timeout:?} ({last})"
    ))
}

fn docker_available() -> std::result::Result<(), String> {
    let output = Command::new("docker")
        .args(["compose", "version"])
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("docker is not installed or not on the PATH ({err})"))?;
    if !output.status.success() {
        return Err(format!(
            "`docker compose version` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let info = Command::new("docker")
        .arg("info")
        .stdin(Stdio::null())
        .output();
    match info {
        Ok(output) if output.status.success() => Ok(()),
        _ => Err("no Docker engine is reachable (`docker info` failed)".to_owned()),
    }
}

fn docker_up(dir: &Path, port: u16, output_file: &Path) -> Result<()> {
    docker_available().map_err(|reason| {
        start_error(format!(
            "{reason}; use engine native (no Python, no Docker) or fastapi"
        ))
    })?;
    let output = Command::new("docker")
        .args(["compose", "up", "-d", "--build"])
        .current_dir(dir)
        .env("MOCKLOOP_PORT", port.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|err| start_error(format!("cannot run docker compose: {err}")))?;
    let _ = std::fs::write(
        output_file,
        [output.stdout.as_slice(), output.stderr.as_slice()].concat(),
    );
    if output.status.success() {
        Ok(())
    } else {
        Err(start_error(format!(
            "docker compose up failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

fn docker_down(dir: &Path) {
    let _ = Command::new("docker")
        .args(["compose", "down"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output();
}

/// Drops the entries whose process is gone.
fn prune(registry: &mut Registry) {
    registry
        .entries
        .retain(|entry| entry.pid.is_none_or(|pid| is_same(pid, entry.start_ticks)));
}

/// Which server to stop or restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Its URL (`http://127.0.0.1:8000`, any path).
    Url(String),
    /// Its port.
    Port(u16),
    /// Its mock folder.
    Dir(PathBuf),
    /// Its process id.
    Pid(u32),
}

impl Target {
    /// Reads `8000`, a URL or a folder.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        if let Ok(port) = text.parse::<u16>() {
            return Self::Port(port);
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            return Self::Url(text.to_owned());
        }
        Self::Dir(PathBuf::from(text))
    }

    fn matches(&self, entry: &ServerEntry) -> bool {
        match self {
            Self::Url(url) => url::Url::parse(url).ok().is_some_and(|u| {
                u.port_or_known_default() == Some(entry.port)
                    || (entry.admin_port.is_some() && u.port_or_known_default() == entry.admin_port)
            }),
            Self::Port(port) => entry.port == *port || entry.admin_port == Some(*port),
            Self::Dir(dir) => {
                let wanted = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                Path::new(&entry.mock_dir) == wanted
            }
            Self::Pid(pid) => entry.pid == Some(*pid),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Url(url) => url.clone(),
            Self::Port(port) => format!("port {port}"),
            Self::Dir(dir) => dir.display().to_string(),
            Self::Pid(pid) => format!("pid {pid}"),
        }
    }
}

/// What a stop did.
#[derive(Debug, Clone, Serialize, Deserialize, crate::ToolInput)]
pub struct StopReport {
    /// The server that was stopped.
    pub server: ServerEntry,
    /// `stopped` (exited after SIGTERM, its log written out), `killed`
    /// (SIGKILL after the wait) or `already gone`.
    pub outcome: String,
}

/// Stops the servers `target` names (mockloop's own only).
pub fn stop_server(target: &Target) -> Result<Vec<StopReport>> {
    let mut registry = Registry::lock()?;
    prune(&mut registry);
    let (chosen, kept): (Vec<ServerEntry>, Vec<ServerEntry>) = registry
        .entries
        .drain(..)
        .partition(|entry| target.matches(entry));
    registry.entries = kept;
    if chosen.is_empty() {
        registry.save()?;
        return Err(Error::InvalidArgument {
            name: "target".to_owned(),
            reason: format!(
                "mockloop started no running server at {}; it only stops servers it started (see list_mock_servers)",
                target.describe()
            ),
        });
    }
    let mut reports = Vec::new();
    for entry in chosen {
        let outcome = match entry.pid {
            Some(pid) => match stop_group(pid, entry.start_ticks, STOP_GRACE) {
                Stopped::Cleanly => "stopped",
                Stopped::Killed => "killed",
                Stopped::Gone => "already gone",
            },
            None => {
                docker_down(Path::new(&entry.mock_dir));
                "stopped"
            }
        };
        reports.push(StopReport {
            server: entry,
            outcome: outcome.to_owned(),
        });
    }
    registry.save()?;
    Ok(reports)
}

/// A registered server and how it is doing.
#[derive(Debug, Clone, Serialize, Deserialize, crate::ToolInput)]
pub struct Listed {
    /// What the registry records.
    pub server: ServerEntry,
    /// Seconds since it started.
    pub uptime_s: u64,
    /// Whether `/health` answers.
    pub answering: bool,
}

/// The servers mockloop started that still run (dead entries are pruned).
pub fn list_servers() -> Result<Vec<Listed>> {
    let mut registry = Registry::lock()?;
    prune(&mut registry);
    registry.save()?;
    let entries = registry.entries.clone();
    drop(registry);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(1))
        .no_proxy()
        .build()
        .ok();
    Ok(entries
        .into_iter()
        .map(|server| {
            let answering = client.as_ref().is_some_and(|c| {
                c.get(format!("{}/health", server.url))
                    .send()
                    .is_ok_and(|r| r.status().is_success())
            });
            Listed {
                uptime_s: now_secs().saturating_sub(server.started_at),
                answering,
                server,
            }
        })
        .collect())
}

/// Stops the server `target` names and starts its folder again on the same
/// engine, port and features.
pub fn restart_server(target: &Target, binary: &Path, progress: &dyn Fn(&str)) -> Result<Started> {
    let stopped = stop_server(target)?;
    let Some(report) = stopped.into_iter().next() else {
        return Err(start_error("nothing was stopped"));
    };
    let entry = report.server;
    let options = StartOptions {
        engine: EngineKind::named(&entry.engine)?,
        port: Some(entry.port),
        admin_port: entry.admin_port,
        disabled: entry.disabled.clone(),
        output_base: PathBuf::from(&entry.mock_dir),
        binary: binary.to_path_buf(),
        // A restart serves the folder: nothing is imported again.
        import: crate::spec::ImportOptions::default(),
    };
    // The port may take a moment to be free again.
    let began = Instant::now();
    while std::net::TcpListener::bind(("127.0.0.1", entry.port)).is_err()
        && began.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    start_server(&entry.mock_dir, &options, progress)
}
