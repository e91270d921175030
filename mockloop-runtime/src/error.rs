//! The one error type of the runtime library.
use std::path::PathBuf;

/// Everything that can go wrong while loading a spec or generating a mock.
///
/// Every variant names the input it was working on. Print the whole chain
/// with `{:#}`-style formatting by walking [`std::error::Error::source`]:
///
/// ```
/// # fn show(err: &mockloop_runtime::Error) {
/// let mut text = err.to_string();
/// let mut cause = std::error::Error::source(err);
/// while let Some(inner) = cause {
///     text.push_str(&format!(": {inner}"));
///     cause = inner.source();
/// }
/// eprintln!("{text}");
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A spec file could not be read.
    #[error("cannot read {path}")]
    ReadFile {
        /// The file that was asked for.
        path: PathBuf,
        /// The underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A GraphQL schema does not parse or is not valid.
    #[error("{source_name} is not a valid GraphQL schema:\n{problems}")]
    GraphqlSchema {
        /// The files or URL.
        source_name: String,
        /// Each problem as `file:line:column: message`, one per line.
        problems: String,
    },
    /// A spec URL could not be fetched.
    #[error("cannot fetch {url}: {reason}")]
    Fetch {
        /// The URL that was asked for.
        url: String,
        /// What went wrong, in words.
        reason: String,
    },
    /// The text is neither valid JSON nor valid YAML.
    #[error("{source_name} is not valid JSON or YAML: {message}")]
    Syntax {
        /// The file or URL.
        source_name: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The document parsed but is not an OpenAPI or Swagger description.
    #[error(
        "{source_name} is not an OpenAPI, Swagger, Postman Collection or HAR document: {reason}"
    )]
    NotASpec {
        /// The file or URL.
        source_name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The document declares a version we do not read.
    #[error(
        "{source_name} declares {found}, which is not supported (supported: Swagger 2.0, OpenAPI 3.0.x and 3.1.x, Postman Collection v2.0 and v2.1, HAR 1.2)"
    )]
    UnsupportedVersion {
        /// The file or URL.
        source_name: String,
        /// The version string as written.
        found: String,
    },
    /// A `$ref` points at something that does not exist.
    #[error("{source_name}: $ref {reference:?} at {location} cannot be resolved: {reason}")]
    UnresolvedRef {
        /// The file the reference was found in.
        source_name: String,
        /// The reference as written.
        reference: String,
        /// A JSON pointer to where the reference was found.
        location: String,
        /// Why it failed.
        reason: String,
    },
    /// The normalised document does not have the structure of an OpenAPI description.
    #[error("{source_name} has an invalid structure: {message}")]
    Structure {
        /// The file or URL.
        source_name: String,
        /// The structural parser's message.
        message: String,
    },
    /// A feature of the spec that the generator cannot honour.
    #[error("{source_name}: unsupported feature at {location}: {reason}")]
    Unsupported {
        /// The file or URL.
        source_name: String,
        /// A JSON pointer to the construct.
        location: String,
        /// What is unsupported.
        reason: String,
    },
    /// A template failed to render.
    #[error("template {name} failed to render")]
    Template {
        /// The template's name.
        name: String,
        /// minijinja's error.
        #[source]
        source: minijinja::Error,
    },
    /// Serialising generated data failed.
    #[error("cannot serialise {what}")]
    Serialize {
        /// What was being serialised.
        what: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// Writing the generated project failed.
    #[error("cannot write {path}")]
    WriteOutput {
        /// The path being written.
        path: PathBuf,
        /// The underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The output folder exists already.
    #[error("{path} already exists; choose another --name or remove it")]
    OutputExists {
        /// The folder that exists.
        path: PathBuf,
    },
    /// There is no request log where one was expected.
    #[error(
        "no request log at {}: start the mock (it creates db/request_logs.db in its folder) and send it requests, or pass the mock's folder or the .db file",
        path.display()
    )]
    LogMissing {
        /// The database file that was looked for.
        path: PathBuf,
    },
    /// The request log could not be opened or read.
    #[error("cannot read the request log {}", path.display())]
    LogDb {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A log filter or another tool argument is invalid.
    #[error("{name}: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: String,
        /// What is wrong with it and what is expected.
        reason: String,
    },
    /// A mock server could not be reached.
    #[error(
        "cannot reach {url}; is the mock running? (start it with `uvicorn main:app --port PORT` in its folder, or find it with discover_mock_servers)"
    )]
    Unreachable {
        /// The URL that was asked for.
        url: String,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// A mock's admin API answered with an error.
    #[error("{url} answered {status}: {message}")]
    AdminApi {
        /// The URL that was asked for.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The mock's error message, or the body.
        message: String,
    },
    /// A mock folder cannot be served: a file is missing or malformed.
    #[error("cannot serve the mock in {}: {reason}", path.display())]
    MockFolder {
        /// The mock's folder (or the file in it).
        path: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
    /// The native engine could not start or run.
    #[error("cannot serve {what}: {reason}")]
    Serve {
        /// What was being served (an address, a database).
        what: String,
        /// What went wrong, in words.
        reason: String,
    },
}

/// A `Result` whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// An error and all its causes on one line, `outer: cause: root cause`, as
/// the CLI prints it.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
