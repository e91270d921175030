//! A generated mock running under uvicorn for the length of a test.
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::venv::Venv;

/// How long a mock may take to answer `/health`.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs uvicorn like `python -m uvicorn main:app --host … --port …`, plus a
/// watchdog thread that exits the process when its stdin closes, which
/// happens when the test process ends for any reason (even SIGKILL), so no
/// server outlives its test.
const LAUNCHER: &str = "\
import os, sys, threading
def _watchdog():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_watchdog, daemon=True).start()
sys.argv = ['uvicorn', 'main:app', '--host', '127.0.0.1', '--port', sys.argv[1]]
from uvicorn.main import main
main()
";

/// Which engine serves a mock: the generated FastAPI project under
/// uvicorn, or `mockloop-mcp serve` on the same folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// uvicorn running the generated `main:app`.
    FastApi,
    /// The native engine, `mockloop-mcp serve <mock folder>`.
    Native,
}

impl Engine {
    /// Both engines, FastAPI first.
    pub const ALL: [Engine; 2] = [Engine::FastApi, Engine::Native];

    /// What `/health` says the engine is.
    pub fn name(self) -> &'static str {
        match self {
            Engine::FastApi => "fastapi",
            Engine::Native => "native",
        }
    }
}

/// A running mock server; killed when dropped (also during a panic).
#[derive(Debug)]
pub struct MockServer {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<String>>,
    port: u16,
    dir: PathBuf,
}

impl MockServer {
    /// Starts the mock in `mock_dir` with `venv`'s interpreter on a free
    /// loopback port and waits up to [`START_TIMEOUT`] until `GET /health`
    /// answers 2xx.
    pub fn start(mock_dir: &Path, venv: &Venv) -> Result<Self> {
        Self::start_with_timeout(mock_dir, venv, START_TIMEOUT)
    }

    /// [`MockServer::start`] with another timeout, for very large mocks or
    /// busy machines.
    pub fn start_with_timeout(mock_dir: &Path, venv: &Venv, timeout: Duration) -> Result<Self> {
        Self::start_with_env(mock_dir, venv, timeout, &[])
    }

    /// [`MockServer::start_with_timeout`] with extra environment variables
    /// (e.g. `MOCKLOOP_REQUEST_LOG=off`).
    pub fn start_with_env(
        mock_dir: &Path,
        venv: &Venv,
        timeout: Duration,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        Self::start_engine(Engine::FastApi, mock_dir, venv, timeout, env)
    }

    /// Starts the mock in `mock_dir` on `engine` (the venv is used by the
    /// FastAPI engine only) and waits until `GET /health` answers 2xx.
    pub fn start_engine(
        engine: Engine,
        mock_dir: &Path,
        venv: &Venv,
        timeout: Duration,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        if engine == Engine::Native {
            let mut server = Self::spawn_native(mock_dir, env)?;
            server.wait_native(timeout)?;
            return Ok(server);
        }
        let mut last = None;
        // A port found free can be taken by someone else before uvicorn binds
        // it; that shows as "address already in use", and a new port is tried.
        for _ in 0..3 {
            let port = free_port(mock_dir)?;
            let mut server = Self::spawn(mock_dir, venv, port, env)?;
            let listening = format!("Uvicorn running on {}", server.url());
            match server.wait_healthy(timeout, Some(listening)) {
                Ok(()) => return Ok(server),
                Err(err) => {
                    let retry = server.output().contains("already in use");
                    last = Some(err);
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| Error::ServerStart {
            dir: mock_dir.to_path_buf(),
            reason: "no attempt was made".to_owned(),
            output: String::new(),
        }))
    }

    fn spawn(mock_dir: &Path, venv: &Venv, port: u16, env: &[(&str, &str)]) -> Result<Self> {
        let mut command = Command::new(venv.python());
        command
            .envs(env.iter().copied())
            .args(["-c", LAUNCHER, &port.to_string()])
            .current_dir(mock_dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
        Self::launch(command, mock_dir, port)
    }

    /// Runs `command` with its stdin held open (closing it stops the
    /// server) and its output captured.
    fn launch(mut command: Command, mock_dir: &Path, port: u16) -> Result<Self> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|err| Error::ServerStart {
            dir: mock_dir.to_path_buf(),
            reason: format!("cannot run {:?}: {err}", command.get_program()),
            output: String::new(),
        })?;
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            capture(stdout, Arc::clone(&output));
        }
        if let Some(stderr) = child.stderr.take() {
            capture(stderr, Arc::clone(&output));
        }
        Ok(Self {
            stdin: child.stdin.take(),
            child,
            output,
            port,
            dir: mock_dir.to_path_buf(),
        })
    }

    /// `mockloop-mcp serve <dir> --port 0`: the port is read from its
    /// first line; it stops when its stdin closes, so it cannot outlive
    /// the test.
    fn spawn_native(mock_dir: &Path, env: &[(&str, &str)]) -> Result<Self> {
        let mut command = Command::new(crate::binary::mockloop_mcp()?);
        command
            .envs(env.iter().copied())
            .arg("serve")
            .arg(mock_dir)
            .args(["--port", "0", "--stop-on-stdin-close"]);
        Self::launch(command, mock_dir, 0)
    }

    fn wait_native(&mut self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                return Err(self.start_error(format!("the process exited with {status}")));
            }
            let port = self.output().lines().find_map(|line| {
                let rest = line.split(" at http://127.0.0.1:").nth(1)?;
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<u16>()
                    .ok()
            });
            if let Some(port) = port {
                self.port = port;
                let remaining = timeout.saturating_sub(started.elapsed());
                return self.wait_healthy(remaining, None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(self.start_error(format!("no \"Serving ... at\" line within {timeout:?}")))
    }

    /// Waits for a 2xx from `/health`, and for `listening` in the output
    /// when given (the line that says the answer comes from this process).
    fn wait_healthy(&mut self, timeout: Duration, listening: Option<String>) -> Result<()> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(Error::Client)?;
        let url = format!("{}/health", self.url());
        let started = Instant::now();
        let mut last = String::from("no answer yet");
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the capture threads drain the pipes.
                std::thread::sleep(Duration::from_millis(100));
                return Err(self.start_error(format!("the process exited with {status}")));
            }
            // Another mock may have taken the port first (then this one
            // fails to bind): only uvicorn's own line says it is ours.
            let bound = listening
                .as_ref()
                .is_none_or(|line| self.output().contains(line));
            match client.get(&url).send() {
                Ok(response) if response.status().is_success() && bound => return Ok(()),
                Ok(response) if response.status().is_success() => {
                    last = "/health answered, but not yet from this process".to_owned();
                }
                Ok(response) => last = format!("GET /health answered {}", response.status()),
                Err(err) => last = format!("GET /health: {err}"),
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        Err(self.start_error(format!("no 2xx from /health within {timeout:?} ({last})")))
    }

    fn start_error(&self, reason: String) -> Error {
        Error::ServerStart {
            dir: self.dir.clone(),
            reason,
            output: self.output(),
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server the way an operator would (SIGTERM), so that it
    /// runs its shutdown (the request log is flushed); kills it if it has
    /// not exited within `grace`. Returns whether it exited on its own.
    pub fn stop(mut self, grace: Duration) -> bool {
        let signalled = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        let started = Instant::now();
        while signalled && started.elapsed() < grace {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Everything the server printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port(mock_dir: &Path) -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| Error::ServerStart {
            dir: mock_dir.to_path_buf(),
            reason: format!("cannot find a free port: {err}"),
            output: String::new(),
        })
}

fn capture(mut stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut text) = into.lock() {
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
}
