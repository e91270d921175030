//! Running schemathesis (installed in the test venv) against a mock.
//!
//! Schemathesis 4 does not append the spec's `servers`/`basePath` path to
//! `--url`: the path of `--url` *replaces* it (`BaseOpenAPISchema.base_path`
//! takes `urlsplit(base_url).path` when a base URL is configured). Its
//! `--origin` option is the one that appends the declared base path to a
//! scheme-host-port origin. [`run`] passes `--url` with the mock's base path
//! spelled out, which means the same on every 4.x release.
use crate::error::Result;
use crate::venv::{Venv, run as run_command};

/// What a run generates and asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Valid requests only; every response must conform to the spec
    /// (status code, content type, schema) and no 5xx.
    Conformance,
    /// Valid and invalid requests: valid ones accepted, invalid ones
    /// rejected with a 4xx (`positive_data_acceptance`,
    /// `negative_data_rejection`), and no 5xx.
    Acceptance,
}

impl Mode {
    /// The `--checks` this mode asserts.
    pub fn checks(self) -> &'static str {
        match self {
            Self::Conformance => {
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
            }
            Self::Acceptance => {
                "not_a_server_error,positive_data_acceptance,negative_data_rejection"
            }
        }
    }

    /// The `--mode` (data generation) this mode uses.
    fn generation(self) -> &'static str {
        match self {
            Self::Conformance => "positive",
            Self::Acceptance => "all",
        }
    }

    /// The `--phases`. The stateful phase is left out: it feeds values
    /// found through links into parameters of other types, which the spec
    /// does not allow (an id string into an integer query parameter).
    fn phases(self) -> &'static str {
        match self {
            Self::Conformance => "examples,fuzzing",
            Self::Acceptance => "examples,coverage,fuzzing",
        }
    }
}

/// Runs `schemathesis run` in `mode` against the mock at `origin`
/// (e.g. `http://127.0.0.1:4010`) serving its routes under `base_path`
/// (e.g. `/v1` or `""`), with at most `max_examples` cases per operation.
/// `spec` is a file or a URL; the operations whose `operationId` is in
/// `excluded_operation_ids` are left out. Returns schemathesis's output; an
/// error when any check fails.
pub fn run(
    venv: &Venv,
    spec: &str,
    origin: &str,
    base_path: &str,
    max_examples: u32,
    mode: Mode,
    excluded_operation_ids: &[&str],
) -> Result<String> {
    let run = Run {
        spec,
        origin,
        base_path,
        max_examples,
        mode,
        excluded_operation_ids,
    };
    run_with_config(venv, &run, "")
}

/// What [`run_with_config`] runs: [`run`]'s arguments.
pub struct Run<'a> {
    pub spec: &'a str,
    pub origin: &'a str,
    pub base_path: &'a str,
    pub max_examples: u32,
    pub mode: Mode,
    pub excluded_operation_ids: &'a [&'a str],
}

/// [`run`] with `config` as the run's `schemathesis.toml` (credentials, for
/// one; see [`auth_config`]).
pub fn run_with_config(venv: &Venv, run: &Run<'_>, config: &str) -> Result<String> {
    let url = format!("{}{}", run.origin.trim_end_matches('/'), run.base_path);
    let scratch = tempfile::tempdir().map_err(crate::Error::io(
        "cannot create a temp dir in",
        std::env::temp_dir(),
    ))?;
    let config_path = scratch.path().join("schemathesis.toml");
    std::fs::write(&config_path, config)
        .map_err(crate::Error::io("cannot write", config_path.clone()))?;
    let mut command = venv.module("schemathesis.cli");
    command
        .arg("run")
        .arg(run.spec)
        .args(["--url", &url])
        .args(["--checks", run.mode.checks()])
        .args(["--mode", run.mode.generation()])
        .args(["--phases", run.mode.phases()])
        .args(["--max-examples", &run.max_examples.to_string()])
        .args(["--seed", "1", "--workers", "1", "--no-shrink"])
        .args(["--suppress-health-check", "all"])
        .args(["--request-timeout", "10", "--no-color"]);
    for id in run.excluded_operation_ids {
        command.args(["--exclude-operation-id", id]);
    }
    command
        .current_dir(scratch.path())
        .env("SCHEMATHESIS_HOOKS", "")
        .env("NO_COLOR", "1");
    let output = run_command(&mut command)?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A `schemathesis.toml` giving each security scheme of `document` (its
/// `components.securitySchemes`) the mock's credentials from its manifest
/// (`mockloop.json`'s `auth`): the key of an API key scheme, the mock
/// user's basic pair, a bearer token for http bearer, OAuth 2 and OpenID
/// Connect.
pub fn auth_config(manifest: &serde_json::Value, document: &serde_json::Value) -> String {
    let auth = &manifest["auth"];
    let mut out = String::new();
    let schemes = document
        .pointer("/components/securitySchemes")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten();
    for (name, scheme) in schemes {
        let kind = scheme["type"].as_str().unwrap_or_default();
        let http = scheme["scheme"].as_str().unwrap_or_default();
        let lines = match (kind, http.to_ascii_lowercase().as_str()) {
            ("apiKey", _) => auth["api_keys"][name]
                .as_str()
                .map(|key| format!("api_key = {key:?}\n")),
            ("http", "basic") => Some(format!(
                "username = {:?}\npassword = {:?}\n",
                auth["basic"]["username"].as_str().unwrap_or_default(),
                auth["basic"]["password"].as_str().unwrap_or_default()
            )),
            ("http" | "oauth2" | "openIdConnect", _) => auth["bearer_tokens"][0]
                .as_str()
                .map(|token| format!("bearer = {token:?}\n")),
            _ => None,
        };
        if let Some(lines) = lines {
            out.push_str(&format!("[auth.openapi.{name:?}]\n{lines}"));
        }
    }
    out
}
