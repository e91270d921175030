//! A mock generated into a temp folder, with the venv that runs it: the
//! set-up every test of a running mock starts with.
use std::path::{Path, PathBuf};

use mockloop_runtime::{RenderOptions, generate_project};

use crate::error::{Error, Result};
use crate::server::{Engine, MockServer, START_TIMEOUT};
use crate::venv::Venv;

/// A generated mock (`<temp>/mock`) and its venv; the folder is removed
/// when this is dropped.
pub struct GeneratedMock {
    out: tempfile::TempDir,
    /// The mock's folder.
    pub dir: PathBuf,
    /// The venv with its pinned requirements.
    pub venv: Venv,
}

impl GeneratedMock {
    /// Generates a mock of `spec` (a file or a URL) with `options`.
    pub fn new(spec: &str, options: &RenderOptions) -> Result<Self> {
        let out = tempfile::tempdir().map_err(Error::io(
            "cannot create a temp dir in",
            std::env::temp_dir(),
        ))?;
        let (dir, _) = generate_project(spec, out.path(), Some("mock"), options)?;
        let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
        Ok(Self { out, dir, venv })
    }

    /// Generates a mock of the spec text `text`, saved first as `file_name`.
    pub fn from_text(file_name: &str, text: &str, options: &RenderOptions) -> Result<Self> {
        let scratch = tempfile::tempdir().map_err(Error::io(
            "cannot create a temp dir in",
            std::env::temp_dir(),
        ))?;
        let spec = scratch.path().join(file_name);
        std::fs::write(&spec, text).map_err(Error::io("cannot write", &spec))?;
        Self::new(&spec.to_string_lossy(), options)
    }

    /// The temp folder the mock was generated in.
    pub fn out(&self) -> &Path {
        self.out.path()
    }

    /// Starts the mock under uvicorn.
    pub fn start(&self) -> Result<MockServer> {
        self.start_with_env(&[])
    }

    /// Starts the mock with extra environment variables.
    pub fn start_with_env(&self, env: &[(&str, &str)]) -> Result<MockServer> {
        MockServer::start_with_env(&self.dir, &self.venv, START_TIMEOUT, env)
    }

    /// Starts the mock on `engine`.
    pub fn start_on(&self, engine: Engine) -> Result<MockServer> {
        self.start_on_with_env(engine, &[])
    }

    /// Starts the mock on `engine` with extra environment variables.
    pub fn start_on_with_env(&self, engine: Engine, env: &[(&str, &str)]) -> Result<MockServer> {
        MockServer::start_engine(engine, &self.dir, &self.venv, START_TIMEOUT, env)
    }
}
