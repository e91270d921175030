//! The harness's error type.
use std::path::PathBuf;

/// What can go wrong while preparing or running a mock under test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No usable Python 3 interpreter.
    #[error(
        "cannot run `{program}` ({reason}); the end-to-end tests need Python 3.9+ with the venv \
         module (Debian: `apt-get install -y python3 python3-venv`), or set MOCKLOOP_PYTHON to an \
         interpreter"
    )]
    PythonMissing {
        /// The interpreter that was tried.
        program: String,
        /// Why it is unusable.
        reason: String,
    },
    /// A file-system operation failed.
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done, e.g. "cannot create".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A helper command could not be started or exited unsuccessfully.
    #[error("`{command}` failed ({status}){}{hint}\n{output}", if output.is_empty() { "" } else { ":" })]
    Command {
        /// The command line, for the message.
        command: String,
        /// Its exit status, or why it could not run.
        status: String,
        /// Its captured stdout and stderr.
        output: String,
        /// A hint at the likely cause, if one is known.
        hint: String,
    },
    /// Another process held the venv lock for too long.
    #[error("timed out waiting for the venv lock {} held by pid {holder}", path.display())]
    LockTimeout {
        /// The lock directory.
        path: PathBuf,
        /// The pid written in the lock, if any.
        holder: String,
    },
    /// The mock server did not come up.
    #[error("mock server in {} did not start: {reason}\n--- server output ---\n{output}", dir.display())]
    ServerStart {
        /// The mock's folder.
        dir: PathBuf,
        /// What went wrong.
        reason: String,
        /// What the server printed.
        output: String,
    },
    /// An HTTP client could not be built.
    #[error("cannot build an HTTP client")]
    Client(#[source] reqwest::Error),
    /// The spec's document cannot be used as a schema registry.
    #[error("cannot index the spec's document for schema validation: {0}")]
    Registry(String),
    /// mockloop could not generate a mock.
    #[error(transparent)]
    Generate(#[from] mockloop_runtime::Error),
}

/// The harness's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
