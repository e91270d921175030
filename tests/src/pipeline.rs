//! The whole end-to-end check of one spec: generate the mock, lint and
//! compile its Python, start it, and check `/health`, `/openapi.json` and
//! every operation. Several specs run in parallel, each with its own server.
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mockloop_runtime::{ApiModel, RenderOptions, generate_project, load_spec};

use crate::conformance::{self, check_all};
use crate::python;
use crate::server::{Engine, MockServer, START_TIMEOUT};
use crate::venv::Venv;

/// What happened to one spec.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The spec's path.
    pub spec: PathBuf,
    /// The operations exercised.
    pub operations: usize,
    /// The response bodies validated against a schema.
    pub validated: usize,
    /// Everything that went wrong; empty when the mock passed.
    pub problems: Vec<String>,
    /// How long it took.
    pub elapsed: Duration,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.problems.is_empty() {
            "ok"
        } else {
            "FAILED"
        };
        writeln!(
            f,
            "{verdict}: {} ({} operations, {} bodies validated, {:.1?})",
            self.spec.display(),
            self.operations,
            self.validated,
            self.elapsed
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {}", problem.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

/// Runs [`exercise`] on every spec with `workers` threads, generating into
/// folders under `out_base`, serving on `engine`; outcomes in the order of
/// `specs`.
pub fn exercise_all(
    specs: &[PathBuf],
    out_base: &Path,
    workers: usize,
    engine: Engine,
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(spec) = specs.get(index) else {
                        break;
                    };
                    let outcome = exercise(spec, &out_base.join(format!("{index:03}")), engine);
                    eprint!("{outcome}");
                    if let Ok(mut list) = outcomes.lock() {
                        list.push((index, outcome));
                    }
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap_or_default();
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// The failed outcomes, printed one after the other.
pub fn failures(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .filter(|outcome| !outcome.problems.is_empty())
        .map(Outcome::to_string)
        .collect()
}

/// Generates the mock for `spec` under `out_base` and puts it through every
/// check, served on `engine` (the Python is linted on the FastAPI run); the
/// first failing stage ends the run.
pub fn exercise(spec: &Path, out_base: &Path, engine: Engine) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        spec: spec.to_path_buf(),
        operations: 0,
        validated: 0,
        problems: Vec::new(),
        elapsed: Duration::ZERO,
    };
    if let Err(problem) = run_stages(spec, out_base, engine, &mut outcome) {
        outcome.problems.push(problem);
    }
    outcome.elapsed = started.elapsed();
    outcome
}

fn run_stages(
    spec_path: &Path,
    out_base: &Path,
    engine: Engine,
    outcome: &mut Outcome,
) -> Result<(), String> {
    let input = spec_path.to_string_lossy();
    let (dir, _) = generate_project(&input, out_base, Some("mock"), &RenderOptions::default())
        .map_err(|err| format!("generate: {err}"))?;
    let spec = load_spec(&input).map_err(|err| format!("load_spec: {err}"))?;
    let model = ApiModel::from_spec(&spec).map_err(|err| format!("ApiModel::from_spec: {err}"))?;
    outcome.operations = model.operations.len();
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .map_err(|err| format!("venv: {err}"))?;
    if engine == Engine::FastApi {
        python::ruff_check(&venv, &dir).map_err(|err| format!("ruff: {err}"))?;
        python::py_compile(&venv, &dir).map_err(|err| format!("py_compile: {err}"))?;
    }
    let server = MockServer::start_engine(engine, &dir, &venv, START_TIMEOUT, &[])
        .map_err(|err| err.to_string())?;
    let url = server.url();
    let spec_owns = |path: &str| {
        model
            .operations
            .iter()
            .any(|op| op.method == "GET" && format!("{}{}", model.base_path, op.path) == path)
    };
    if !spec_owns("/health")
        && let Err(problem) = conformance::check_health(&url)
    {
        outcome.problems.push(problem);
    }
    if !spec_owns("/openapi.json")
        && let Err(problem) = conformance::check_openapi_json(&spec, &url)
    {
        outcome.problems.push(problem);
    }
    let report = check_all(
        &spec,
        &model,
        &url,
        &conformance::Secrets::from_mock_dir(&dir),
    )
    .map_err(|err| err.to_string())?;
    outcome.validated = report.validated;
    if !report.is_ok() {
        outcome.problems.push(format!(
            "{report}--- server output ---\n{}",
            tail(&server.output(), 40)
        ));
    }
    Ok(())
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A sensible number of mocks to run at once on this machine.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() + 1)
        .min(6)
}
