//! A cached Python virtual environment with a generated mock's requirements
//! plus the test tools.
//!
//! The venv lives in `<target>/mockloop-venv/<key>/`, where the key hashes
//! the requirements, [`TEST_TOOLS`] and the interpreter's version, so it is
//! built once and rebuilt only when one of them changes. Building is guarded
//! by an in-process mutex and, across processes (several `cargo test` runs),
//! by a lock directory holding the builder's pid; a lock whose process died
//! is taken over. A finished venv carries a `.mockloop-ready` marker, so a
//! half-built one (killed build) is rebuilt. Each use touches the marker;
//! building a new venv removes the others unused for three days, so venvs of
//! old requirements do not pile up.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, Result};

/// Test tools installed beside the mock's own requirements.
pub const TEST_TOOLS: &[&str] = &[
    "ruff==0.17.6",
    "schemathesis==4.32.5",
    "gql[requests,websockets]==4.4.0",
];

/// The interpreter used to create venvs: `MOCKLOOP_PYTHON` or `python3`.
pub fn base_python() -> String {
    std::env::var("MOCKLOOP_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

const READY_MARKER: &str = ".mockloop-ready";
const LOCK_WAIT: Duration = Duration::from_secs(20 * 60);
/// A cached venv unused for this long is removed when another is built.
const UNUSED_FOR: Duration = Duration::from_secs(3 * 24 * 60 * 60);

static BUILD: Mutex<()> = Mutex::new(());

/// A ready virtual environment.
#[derive(Debug, Clone)]
pub struct Venv {
    root: PathBuf,
}

impl Venv {
    /// The venv for `requirements` (a `requirements_mock.txt`), building it
    /// if needed.
    pub fn for_requirements(requirements: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(requirements)
            .map_err(Error::io("cannot read", requirements))?;
        Self::for_requirements_text(&text)
    }

    /// The venv for requirements given as text.
    pub fn for_requirements_text(requirements: &str) -> Result<Self> {
        let python = base_python();
        let version = python_version(&python)?;
        let key = cache_key(requirements, &version);
        let root = crate::paths::target_dir().join("mockloop-venv").join(key);
        let venv = Self { root };
        // A poisoned mutex only means another thread's build panicked; the
        // marker check below still tells whether the venv is usable.
        let _guard = BUILD
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if venv.is_ready() {
            venv.mark_used();
            return Ok(venv);
        }
        let _lock = DirLock::acquire(&venv.root.with_extension("lock"))?;
        if !venv.is_ready() {
            venv.build(&python, requirements)?;
            venv.prune_unused_siblings();
        }
        Ok(venv)
    }

    /// Records a use in the marker's modification time, which
    /// [`Self::prune_unused_siblings`] reads.
    fn mark_used(&self) {
        let marker = self.root.join(READY_MARKER);
        if let Ok(file) = std::fs::File::options().append(true).open(&marker) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Removes the other cached venvs that nothing used for [`UNUSED_FOR`]
    /// (left by older requirements), so they do not pile up. Best effort: a
    /// venv that cannot be removed stays.
    fn prune_unused_siblings(&self) {
        let Some(parent) = self.root.parent() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(parent) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let last_used = std::fs::metadata(path.join(READY_MARKER)).and_then(|m| m.modified());
            let unused = last_used
                .ok()
                .and_then(|time| time.elapsed().ok())
                .is_some_and(|age| age > UNUSED_FOR);
            if path != self.root && unused && !path.with_extension("lock").exists() {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }

    /// The venv's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its interpreter.
    pub fn python(&self) -> PathBuf {
        self.root.join("bin").join("python")
    }

    /// `python -m <module>` in this venv, with bytecode writing off.
    pub fn module(&self, module: &str) -> Command {
        let mut command = Command::new(self.python());
        command
            .arg("-m")
            .arg(module)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null());
        command
    }

    fn is_ready(&self) -> bool {
        self.root.join(READY_MARKER).is_file() && self.python().exists()
    }

    fn build(&self, python: &str, requirements: &str) -> Result<()> {
        if self.root.exists() {
            std::fs::remove_dir_all(&self.root).map_err(Error::io("cannot remove", &self.root))?;
        }
        let parent = self.root.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(parent).map_err(Error::io("cannot create", parent))?;
        let mut venv = Command::new(python);
        venv.args(["-m", "venv"]).arg(&self.root);
        run(&mut venv).map_err(|err| with_hint(err, VENV_HINT))?;
        let req_file = self.root.join("requirements-under-test.txt");
        std::fs::write(&req_file, requirements).map_err(Error::io("cannot write", &req_file))?;
        let mut pip = self.module("pip");
        pip.args([
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-q",
            "-r",
        ])
        .arg(&req_file)
        .args(TEST_TOOLS);
        if let Err(err) = run(&mut pip) {
            let _ = std::fs::remove_dir_all(&self.root);
            return Err(with_hint(err, PIP_HINT));
        }
        let marker = self.root.join(READY_MARKER);
        std::fs::write(&marker, requirements).map_err(Error::io("cannot write", &marker))
    }
}

const VENV_HINT: &str =
    " (is the venv module installed? Debian: `apt-get install -y python3-venv`)";
const PIP_HINT: &str = " (pip needs network access to PyPI, or PIP_FIND_LINKS with the wheels)";

fn with_hint(err: Error, text: &str) -> Error {
    match err {
        Error::Command {
            command,
            status,
            output,
            ..
        } => Error::Command {
            command,
            status,
            output,
            hint: text.to_owned(),
        },
        other => other,
    }
}

/// Runs a command to completion, capturing its output; an error unless it
/// exits with status 0.
pub fn run(command: &mut Command) -> Result<std::process::Output> {
    let line = command_line(command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| Error::Command {
            command: line.clone(),
            status: format!("cannot start: {err}"),
            output: String::new(),
            hint: String::new(),
        })?;
    if output.status.success() {
        return Ok(output);
    }
    Err(Error::Command {
        command: line,
        status: output.status.to_string(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        hint: String::new(),
    })
}

/// A command as it would be typed, for messages.
pub fn command_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn python_version(python: &str) -> Result<String> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys; print(sys.version); print(sys.base_prefix)",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|err| Error::PythonMissing {
            program: python.to_owned(),
            reason: err.to_string(),
        })?;
    if !output.status.success() {
        return Err(Error::PythonMissing {
            program: python.to_owned(),
            reason: format!(
                "{}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    let version = String::from_utf8_lossy(&output.stdout).into_owned();
    if !version.starts_with('3') {
        return Err(Error::PythonMissing {
            program: python.to_owned(),
            reason: format!("it is Python {}", version.trim()),
        });
    }
    Ok(version)
}

/// A stable (FNV-1a) hash of everything the venv's contents depend on.
fn cache_key(requirements: &str, python_version: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = [
        requirements,
        "\0",
        &TEST_TOOLS.join("\n"),
        "\0",
        python_version,
    ];
    for byte in parts.iter().flat_map(|part| part.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A cross-process lock: a directory that exists while it is held, with the
/// holder's pid inside.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    fn acquire(path: &Path) -> Result<Self> {
        let started = Instant::now();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io("cannot create", parent))?;
        }
        loop {
            match std::fs::create_dir(path) {
                Ok(()) => {
                    let pid_file = path.join("pid");
                    std::fs::write(&pid_file, std::process::id().to_string())
                        .map_err(Error::io("cannot write", &pid_file))?;
                    return Ok(Self {
                        path: path.to_path_buf(),
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path.join("pid")).unwrap_or_default();
                    if is_stale(path, &holder) {
                        let _ = std::fs::remove_dir_all(path);
                        continue;
                    }
                    if started.elapsed() > LOCK_WAIT {
                        return Err(Error::LockTimeout {
                            path: path.to_path_buf(),
                            holder,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(err) => return Err(Error::io("cannot create", path)(err)),
            }
        }
    }
}

/// Whether a lock's holder is gone: its pid no longer runs, or (if it never
/// wrote one) the lock is over a minute old.
fn is_stale(path: &Path, holder: &str) -> bool {
    match holder.trim().parse::<u32>() {
        Ok(pid) => Path::new("/proc").is_dir() && !Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > Duration::from_secs(60)),
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_key_depends_on_inputs() {
        let a = cache_key("fastapi==1\n", "3.11");
        assert_eq!(a, cache_key("fastapi==1\n", "3.11"));
        assert_ne!(a, cache_key("fastapi==2\n", "3.11"));
        assert_ne!(a, cache_key("fastapi==1\n", "3.12"));
    }

    #[test]
    fn a_missing_python_is_explained() {
        let err = python_version("/nonexistent/python3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/python3"), "{err}");
        assert!(
            err.contains("python3-venv") && err.contains("MOCKLOOP_PYTHON"),
            "{err}"
        );
    }

    #[test]
    fn dead_holders_lose_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        std::fs::create_dir(&path).unwrap();
        // Pid 0 never names a user process under /proc.
        std::fs::write(path.join("pid"), "0").unwrap();
        let lock = DirLock::acquire(&path).unwrap();
        let holder = std::fs::read_to_string(path.join("pid")).unwrap();
        assert_eq!(holder, std::process::id().to_string());
        drop(lock);
        assert!(!path.exists());
    }
}
