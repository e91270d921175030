//! A client of a running mock's admin API (`/admin/api/...`, served by
//! `mockloop_mock/admin.py`).
use std::time::Duration;

use reqwest::{Method, Url};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::logs::{LogFilter, LogPage, MAX_LIMIT, RequestLog};

/// How long one admin call may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Talks to one mock's admin API.
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: Url,
    http: reqwest::Client,
}

impl AdminClient {
    /// A client for the mock at `server_url` (e.g. `http://127.0.0.1:8000`).
    pub fn new(server_url: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidArgument {
            name: "server_url".to_owned(),
            reason,
        };
        let mut base = Url::parse(server_url.trim())
            .map_err(|err| invalid(format!("{server_url:?} is not a URL: {err}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(invalid(format!(
                "{server_url:?} is not an http(s) URL like http://127.0.0.1:8000"
            )));
        }
        base.set_query(None);
        base.set_fragment(None);
        let path = base.path().trim_end_matches('/').to_owned();
        base.set_path(&format!("{path}/"));
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|source| Error::Unreachable {
                url: server_url.to_owned(),
                source,
            })?;
        Ok(Self { base, http })
    }

    /// The mock's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Calls `METHOD /admin/api/<path>` with an optional JSON body and query;
    /// returns the JSON answer. A 4xx/5xx becomes [`Error::AdminApi`] with
    /// the mock's `error` message.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let mut url = self
            .base
            .join(&format!("admin/api/{}", path.trim_start_matches('/')))
            .map_err(|err| Error::InvalidArgument {
                name: "path".to_owned(),
                reason: err.to_string(),
            })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| {
            Error::InvalidArgument {
                name: "method".to_owned(),
                reason: format!("{method:?} is not an HTTP method"),
            }
        })?;
        let mut request = self.http.request(method, url.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |source| Error::Unreachable {
            url: url.to_string(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        let value: Option<Value> = serde_json::from_str(&text).ok();
        if !status.is_success() {
            let message = value
                .as_ref()
                .and_then(|v| v.get("error").or_else(|| v.get("detail")))
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .unwrap_or_else(|| text.chars().take(500).collect());
            let message = if status.as_u16() == 404 && value.is_none() {
                format!("{message} (is this a mockloop mock with the admin API?)")
            } else {
                message
            };
            return Err(Error::AdminApi {
                url: url.to_string(),
                status: status.as_u16(),
                message,
            });
        }
        value.ok_or_else(|| Error::AdminApi {
            url: url.to_string(),
            status: status.as_u16(),
            message: format!(
                "the answer is not JSON: {}",
                text.chars().take(200).collect::<String>()
            ),
        })
    }

    /// `GET /admin/api/logs/search` with the filter.
    pub async fn search_logs(&self, filter: &LogFilter) -> Result<LogPage> {
        let value = self
            .call("GET", "logs/search", &query(filter), None)
            .await?;
        serde_json::from_value(value).map_err(|err| Error::AdminApi {
            url: format!("{}/admin/api/logs/search", self.base_url()),
            status: 200,
            message: format!("unexpected answer: {err}"),
        })
    }

    /// Every matching row (up to `cap`), newest first, fetched page by page;
    /// the flag says whether more rows matched than were fetched.
    pub async fn all_logs(&self, filter: &LogFilter, cap: u64) -> Result<(Vec<RequestLog>, bool)> {
        let mut rows: Vec<RequestLog> = Vec::new();
        let mut page_filter = filter.clone();
        let wanted = filter.limit.map_or(cap, |l| u64::from(l).min(cap));
        let mut matching = 0;
        while (rows.len() as u64) < wanted {
            let left = wanted - rows.len() as u64;
            page_filter.limit = Some(u32::try_from(left).unwrap_or(MAX_LIMIT).min(MAX_LIMIT));
            page_filter.offset = filter.offset + rows.len() as u64;
            let page = self.search_logs(&page_filter).await?;
            matching = page.total_count.saturating_sub(filter.offset);
            if page.logs.is_empty() {
                break;
            }
            rows.extend(page.logs);
            if rows.len() as u64 >= matching {
                break;
            }
        }
        let truncated = filter.limit.is_none() && matching > rows.len() as u64;
        Ok((rows, truncated))
    }
}

/// The filter as the admin API's query parameters.
fn query(filter: &LogFilter) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let texts = [
        ("method", &filter.method),
        ("path_pattern", &filter.path_pattern),
        ("time_from", &filter.time_from),
        ("time_to", &filter.time_to),
        ("session_id", &filter.session_id),
    ];
    for (name, value) in texts {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push((name, value.to_owned()));
        }
    }
    if let Some(status) = filter.status_code {
        out.push(("status_code", status.to_string()));
    }
    out.push(("include_admin", filter.include_admin.to_string()));
    if let Some(limit) = filter.limit {
        out.push(("limit", limit.to_string()));
    }
    if filter.offset > 0 {
        out.push(("offset", filter.offset.to_string()));
    }
    out
}
