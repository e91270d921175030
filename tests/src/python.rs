//! Static checks of a generated project's Python.
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::venv::{Venv, run};

/// The `.py` files directly in `dir` and below, sorted.
pub fn python_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(Error::io("cannot list", &current))?;
        for entry in entries {
            let path = entry.map_err(Error::io("cannot list", &current))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "py") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `ruff check .` inside `dir`, as a user would run it: the pinned ruff's
/// default rules plus the project's own `ruff.toml`, writing no cache.
pub fn ruff_check(venv: &Venv, dir: &Path) -> Result<()> {
    let mut command = venv.module("ruff");
    command
        .args(["check", "--no-cache", "--output-format", "concise", "."])
        .current_dir(dir);
    run(&mut command).map(drop)
}

/// `python -m py_compile` on every `.py` file under `dir`.
pub fn py_compile(venv: &Venv, dir: &Path) -> Result<()> {
    let files = python_files(dir)?;
    if files.is_empty() {
        return Err(Error::Command {
            command: "py_compile".to_owned(),
            status: "nothing to compile".to_owned(),
            output: format!("no .py files in {}", dir.display()),
            hint: String::new(),
        });
    }
    let mut command = venv.module("py_compile");
    command.args(&files);
    run(&mut command).map(drop)
}
