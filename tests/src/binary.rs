//! The `mockloop-mcp` binary, built on demand with the test's own profile.
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::venv::{command_line, run};

static BUILT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The path of `mockloop-mcp`, after `cargo build -p mockloop-mcp` in the
/// profile the current executable was built with (debug or release).
pub fn mockloop_mcp() -> Result<PathBuf> {
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = built.as_ref() {
        return Ok(path.clone());
    }
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| {
                    dir.parent()
                        .is_some_and(|p| p.join("CACHEDIR.TAG").is_file())
                })
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| crate::paths::target_dir().join("debug"));
    let release = profile_dir
        .file_name()
        .is_some_and(|name| name == "release");
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "-q", "-p", "mockloop-mcp", "--bin", "mockloop-mcp"])
        .current_dir(crate::paths::workspace_root());
    if release {
        command.arg("--release");
    }
    run(&mut command)?;
    let path = profile_dir.join(format!("mockloop-mcp{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(Error::Command {
            command: command_line(&command),
            status: "succeeded".to_owned(),
            output: String::new(),
            hint: format!(", but {} is missing", path.display()),
        });
    }
    *built = Some(path.clone());
    Ok(path)
}

/// [`mockloop_mcp`]'s path as text (for `Command::new` and MCP clients).
pub fn mockloop_mcp_text() -> Result<String> {
    mockloop_mcp().map(|path| path.display().to_string())
}
