//! The FastAPI engine's Python: one venv per distinct
//! `requirements_mock.txt`, in `$XDG_CACHE_HOME/mockloop/venvs` (or
//! `~/.cache/mockloop/venvs`), built once with `python -m venv` and pip and
//! reused after; built in a scratch folder and renamed into place, so a
//! failed build leaves nothing half made.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MOCKLOOP_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("mockloop");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/mockloop")
}

fn fail(reason: String) -> Error {
    Error::Serve {
        what: "the FastAPI engine".to_owned(),
        reason,
    }
}

/// A Python 3.10+ interpreter: `$MOCKLOOP_PYTHON`, else `python3`, else `python`.
fn interpreter() -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("MOCKLOOP_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(["python3", "python"].map(PathBuf::from))
        .collect();
    for candidate in &candidates {
        let version = Command::new(candidate)
            .args([
                "-c",
                "import sys, venv; print(sys.version_info[0], sys.version_info[1])",
            ])
            .stdin(Stdio::null())
            .output();
        let Ok(output) = version else { continue };
        let text = String::from_utf8_lossy(&output.stdout);
        let numbers: Vec<u32> = text
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if output.status.success() && numbers.len() == 2 && (numbers[0], numbers[1]) >= (3, 10) {
            return Ok(candidate.clone());
        }
    }
    Err(fail(
        "no Python 3.10+ with the venv module was found (tried $MOCKLOOP_PYTHON, python3, python): \
         install Python 3.10 or newer with venv (Debian: apt-get install python3-venv), or use the native engine"
            .to_owned(),
    ))
}

/// The venv's python for a mock's requirements, built on first use;
/// `progress` hears what is happening while it builds.
pub(crate) fn venv_python(mock_dir: &Path, progress: &dyn Fn(&str)) -> Result<PathBuf> {
    let requirements = mock_dir.join("requirements_mock.txt");
    let text = std::fs::read(&requirements)
        .map_err(|err| fail(format!("cannot read {}: {err}", requirements.display())))?;
    let digest: String = Sha256::digest(&text)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let venvs = cache_dir().join("venvs");
    let venv = venvs.join(&digest);
    let python = venv.join("bin/python");
    if python.is_file() {
        return Ok(python);
    }
    std::fs::create_dir_all(&venvs)
        .map_err(|err| fail(format!("cannot create {}: {err}", venvs.display())))?;
    let lock_path = venvs.join(format!("{digest}.lock"));
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| fail(format!("cannot open {}: {err}", lock_path.display())))?;
    lock.lock()
        .map_err(|err| fail(format!("cannot lock {}: {err}", lock_path.display())))?;
    if python.is_file() {
        return Ok(python);
    }
    let base = interpreter()?;
    let scratch = venvs.join(format!("{digest}.building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    progress("creating a Python venv for the FastAPI engine (once per set of requirements)");
    run(
        Command::new(&base).args(["-m", "venv"]).arg(&scratch),
        "python -m venv",
    )?;
    progress("installing the mock's requirements with pip (about half a minute, once)");
    let installed = run(
        Command::new(scratch.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r requirements_mock.txt",
    );
    if let Err(err) = installed {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(err);
    }
    std::fs::rename(&scratch, &venv).map_err(|err| {
        fail(format!(
            "cannot move the venv into {}: {err}",
            venv.display()
        ))
    })?;
    progress("the venv is ready");
    Ok(python)
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| fail(format!("cannot run {what}: {err}")))?;
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let last: Vec<&str> = text.lines().rev().take(15).collect();
    Err(fail(format!(
        "{what} failed ({}):\n{}",
        output.status,
        last.into_iter().rev().collect::<Vec<_>>().join("\n")
    )))
}
