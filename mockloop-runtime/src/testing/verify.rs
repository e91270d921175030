//! Contract tests: valid requests (and, with `negative`, invalid ones) for
//! every operation, sent to a real API or a mock, each response checked
//! against the spec; every failure with the `curl` line that reproduces it.
mod checks;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::api::Api;
use super::invalid;
use super::requests::{Prepared, RequestMaker};
use crate::error::{Error, Result};
use checks::{Problem, Received};

/// Most request bytes of a response body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What to check, and how.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The API's base URL (the spec's base path is added unless the URL
    /// has a path of its own, which then replaces it).
    pub url: String,
    /// The spec (file or URL) or a mock's folder.
    pub spec: String,
    /// Operations to check (`METHOD /path` or operationId); empty: all.
    pub operations: Vec<String>,
    /// Headers sent with every request (`Authorization` replaces the
    /// mock's credentials).
    pub headers: Vec<(String, String)>,
    /// Valid requests per operation.
    pub requests_per_operation: u32,
    /// Varies the generated values; the same seed sends the same requests.
    pub seed: u64,
    /// Only GET and HEAD (for live systems).
    pub read_only: bool,
    /// Also send invalid requests, which must be refused with a 4xx.
    pub negative: bool,
    /// Send the mock's credentials (from its folder, or derived from the
    /// spec) where an operation needs them.
    pub credentials: bool,
    /// How long one request may take.
    pub timeout: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            url: String::new(),
            spec: String::new(),
            operations: Vec::new(),
            headers: Vec::new(),
            requests_per_operation: 3,
            seed: 0,
            read_only: false,
            negative: false,
            credentials: true,
            timeout: Duration::from_secs(30),
        }
    }
}

/// One failed check of one response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Violation {
    /// The check (schemathesis's name for it): `not_a_server_error`,
    /// `status_code_conformance`, `content_type_conformance`,
    /// `response_headers_conformance`, `response_schema_conformance`,
    /// `negative_data_rejection`; or `request_failed`.
    pub check: String,
    /// What was wrong.
    pub message: String,
    /// The JSON pointer of the violation in the body (schema errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The status received (0: no response).
    pub status: u16,
    /// Whether the request was an invalid one on purpose.
    pub negative: bool,
    /// The request, as a curl command that reproduces it.
    pub curl: String,
}

/// The verdict on one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct OperationVerdict {
    /// `METHOD /path`.
    pub operation: String,
    /// Whether every response passed every check.
    pub passed: bool,
    /// Requests sent.
    pub requests: u32,
    /// Statuses received, with counts.
    pub statuses: BTreeMap<String, u32>,
    /// What failed.
    pub failures: Vec<Violation>,
}

/// The contract test's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct VerifyReport {
    /// The API checked.
    pub url: String,
    /// Operations checked.
    pub operations_checked: u32,
    /// Operations whose responses all passed.
    pub operations_passed: u32,
    /// Operations with at least one failure.
    pub operations_failed: u32,
    /// Requests sent.
    pub requests_sent: u32,
    /// Operations left out by `read_only`.
    pub skipped: Vec<String>,
    /// The seed used (the same seed sends the same requests).
    pub seed: u64,
    /// Per operation, in spec order.
    pub operations: Vec<OperationVerdict>,
}

/// Runs the contract test.
pub async fn verify_api(options: &VerifyOptions) -> Result<VerifyReport> {
    let parsed = url::Url::parse(options.url.trim())
        .map_err(|err| invalid("url", format!("{:?} is not a URL: {err}", options.url)))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(invalid(
            "url",
            format!(
                "{:?} is not an http(s) URL like https://api.example.com",
                options.url
            ),
        ));
    }
    if options.requests_per_operation == 0 || options.requests_per_operation > 1000 {
        return Err(invalid(
            "requests_per_operation",
            "give 1 to 1000".to_owned(),
        ));
    }
    let api = Api::load(&options.spec)?;
    let picked = api.pick(&options.operations)?;
    let origin = parsed.origin().ascii_serialization();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("mockloop-verify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|source| Error::Unreachable {
            url: options.url.clone(),
            source,
        })?;
    let mut maker = RequestMaker::for_url(
        &api,
        &options.url,
        options.seed,
        options.credentials,
        options.headers.clone(),
    );
    let mut synth = crate::synth::Synthesizer::new(&api.spec.document);
    let mut report = VerifyReport {
        url: options.url.clone(),
        operations_checked: 0,
        operations_passed: 0,
        operations_failed: 0,
        requests_sent: 0,
        skipped: Vec::new(),
        seed: options.seed,
        operations: Vec::new(),
    };
    for one in picked {
        let operation = one.operation;
        if options.read_only && !matches!(operation.method.as_str(), "GET" | "HEAD") {
            report.skipped.push(operation.key.clone());
            continue;
        }
        let mut requests: Vec<Prepared> = (0..options.requests_per_operation)
            .map(|variant| maker.valid(operation, variant))
            .collect();
        requests.dedup();
        if options.negative {
            requests.extend(maker.negative(operation, 8));
        }
        let mut verdict = OperationVerdict {
            operation: operation.key.clone(),
            passed: true,
            requests: 0,
            statuses: BTreeMap::new(),
            failures: Vec::new(),
        };
        for request in requests {
            verdict.requests += 1;
            let curl = request.curl(&origin);
            let negative = request.breaks.is_some();
            let received = match send(&client, &origin, &request).await {
                Ok(received) => received,
                Err(reason) => {
                    verdict.failures.push(Violation {
                        check: "request_failed".to_owned(),
                        message: reason,
                        pointer: None,
                        status: 0,
                        negative,
                        curl,
                    });
                    continue;
                }
            };
            *verdict
                .statuses
                .entry(received.status.to_string())
                .or_default() += 1;
            let problems: Vec<Problem> = match &request.breaks {
                Some(breaks) => checks::negative(breaks, &received),
                None => checks::positive(&api, &mut synth, operation, &received),
            };
            for problem in problems {
                // The same failure again (another request, same fault) is
                // reported once, with the first request that showed it.
                let seen = verdict
                    .failures
                    .iter()
                    .any(|f| f.check == problem.check && f.message == problem.message);
                if !seen {
                    verdict.failures.push(Violation {
                        check: problem.check.to_owned(),
                        message: problem.message,
                        pointer: problem.pointer,
                        status: received.status,
                        negative,
                        curl: curl.clone(),
                    });
                }
            }
        }
        verdict.passed = verdict.failures.is_empty();
        report.requests_sent += verdict.requests;
        report.operations_checked += 1;
        if verdict.passed {
            report.operations_passed += 1;
        } else {
            report.operations_failed += 1;
        }
        report.operations.push(verdict);
    }
    if report.operations_checked > 0
        && report.operations.iter().all(|op| {
            op.failures
                .iter()
                .all(|failure| failure.check == "request_failed")
                && !op.failures.is_empty()
        })
    {
        let reason = report
            .operations
            .first()
            .and_then(|op| op.failures.first())
            .map(|f| f.message.clone())
            .unwrap_or_default();
        return Err(Error::Serve {
            what: options.url.clone(),
            reason: format!("no request got an answer: {reason}"),
        });
    }
    Ok(report)
}

/// Sends one request; the response, or why there is none.
async fn send(
    client: &reqwest::Client,
    origin: &str,
    request: &Prepared,
) -> std::result::Result<Received, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("{:?} is not an HTTP method", request.method))?;
    let mut builder = client.request(method, format!("{origin}{}", request.target));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut response = builder
        .send()
        .await
        .map_err(|err| crate::error::error_chain(&err))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| crate::error::error_chain(&err))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("the response body is larger than 16 MiB".to_owned());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received {
        status,
        headers,
        body,
    })
}
