//! The servers mockloop started, in a state file that outlives the session
//! that started them: `$MOCKLOOP_STATE_DIR`, else `$XDG_STATE_HOME/mockloop`,
//! else `~/.local/state/mockloop`. Every change holds an exclusive lock on
//! `servers.lock` and replaces `servers.json` atomically (write, rename).
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One server mockloop started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct ServerEntry {
    /// A name for it (`<folder>-<port>`).
    pub id: String,
    /// `native`, `fastapi` or `docker`.
    pub engine: String,
    /// The process (the leader of its process group); absent for docker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// When the process started, in clock ticks since boot (`/proc/PID/stat`
    /// field 22): with the pid, what tells it from a later process that
    /// reuses the pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ticks: Option<u64>,
    /// The API's port.
    pub port: u16,
    /// The admin API's port, when separate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_port: Option<u16>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The mock's folder.
    pub mock_dir: String,
    /// The server's output (stdout and stderr).
    pub output_file: String,
    /// The request log.
    pub log_db: String,
    /// When it started (Unix seconds).
    pub started_at: u64,
    /// The features switched off at start (`auth`, `webhooks`...).
    #[serde(default)]
    pub disabled: Vec<String>,
}

/// The state folder.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MOCKLOOP_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("mockloop");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".local/state/mockloop")
}

fn io_error(path: &Path, what: &str) -> impl Fn(std::io::Error) -> Error {
    let path = path.to_path_buf();
    let what = what.to_owned();
    move |err| Error::Serve {
        what: path.display().to_string(),
        reason: format!("cannot {what}: {err}"),
    }
}

/// The registry, locked for as long as this value lives.
pub struct Registry {
    dir: PathBuf,
    _lock: File,
    /// The servers, as read when locked.
    pub entries: Vec<ServerEntry>,
}

impl Registry {
    /// Locks the registry (waiting for another writer) and reads it.
    pub fn lock() -> Result<Self> {
        let dir = state_dir();
        std::fs::create_dir_all(&dir).map_err(io_error(&dir, "create the state folder"))?;
        let lock_path = dir.join("servers.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path, "open"))?;
        lock.lock().map_err(io_error(&lock_path, "lock"))?;
        let path = dir.join("servers.json");
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        Ok(Self {
            dir,
            _lock: lock,
            entries,
        })
    }

    /// Writes the entries back (atomically).
    pub fn save(&self) -> Result<()> {
        let path = self.dir.join("servers.json");
        let temporary = self
            .dir
            .join(format!("servers.json.{}", std::process::id()));
        let text =
            serde_json::to_string_pretty(&self.entries).map_err(|source| Error::Serialize {
                what: "servers.json".to_owned(),
                source,
            })?;
        std::fs::write(&temporary, text).map_err(io_error(&temporary, "write"))?;
        std::fs::rename(&temporary, &path).map_err(io_error(&path, "replace"))
    }

    /// The folder of the servers' output files.
    pub fn output_dir(&self) -> PathBuf {
        self.dir.join("output")
    }
}
