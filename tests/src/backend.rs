//! Helpers for testing a running mock as a test backend: its admin API and
//! where it keeps its request log.
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

use crate::error::{Error, Result};

/// A blocking HTTP client for one mock.
#[derive(Debug, Clone)]
pub struct Api {
    client: Client,
    base: String,
}

impl Api {
    /// A client for the mock at `base` (e.g. `http://127.0.0.1:4010`).
    pub fn new(base: &str) -> Result<Self> {
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent("mockloop-tests")
            .build()
            .map_err(Error::Client)?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// A request to `path` (which starts with `/`).
    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &Value) -> RequestBuilder {
        with_json(self.request(reqwest::Method::POST, path), body)
    }

    /// `path` with a query string built from `query`.
    pub fn with_query(&self, path: &str, query: &[(&str, &str)]) -> String {
        let pairs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        if pairs.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{pairs}")
        }
    }

    /// Sends a request; the status and the body as JSON (`Null` if empty or
    /// not JSON).
    pub fn send(request: RequestBuilder) -> Result<(u16, Value)> {
        let response = request.send().map_err(Error::Client)?;
        Ok(split(response))
    }

    /// `GET /admin/api/logs/search?<query>`.
    pub fn search(&self, query: &[(&str, &str)]) -> Result<(u16, Value)> {
        Self::send(self.get(&self.with_query("/admin/api/logs/search", query)))
    }

    /// `GET /admin/api/logs/analyze?<query>`.
    pub fn analyze(&self, query: &[(&str, &str)]) -> Result<(u16, Value)> {
        Self::send(self.get(&self.with_query("/admin/api/logs/analyze", query)))
    }
}

/// A request with a JSON body.
pub fn with_json(request: RequestBuilder, body: &Value) -> RequestBuilder {
    request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

/// A request with a form-urlencoded body.
pub fn with_form(request: RequestBuilder, fields: &[(&str, &str)]) -> RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    request
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}

/// A request with a `multipart/form-data` body of text fields, in order
/// (a name may repeat).
pub fn with_multipart(request: RequestBuilder, fields: &[(&str, &str)]) -> RequestBuilder {
    const BOUNDARY: &str = "mockloop-test-boundary-7f3a";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    request
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
}

/// A response's body as JSON (`Null` if empty or not JSON).
pub fn json_body(response: Response) -> Value {
    response
        .text()
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

fn split(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, json_body(response))
}

/// The request-log database of the mock in `mock_dir`.
pub fn log_db_path(mock_dir: &Path) -> PathBuf {
    mock_dir.join("db").join("request_logs.db")
}

/// The percentile the mock's analysis reports: linear interpolation between
/// closest ranks (`rank = p / 100 * (n - 1)`) over sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - rank.floor())
}
