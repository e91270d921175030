//! What a client under test has exercised, from a mock's request log: the
//! operations it called and never called, the documented statuses it
//! received and never saw (its error handling is untested), the query and
//! header parameters and top-level body fields it never sent, and the
//! requests refused with 422 and why; with suggestions ready to pass to
//! `manage_mock_data`.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api::{read_json, resolve_local as resolve};
use crate::error::Result;
use crate::logs::{LogFilter, LogStore, RequestLog};
use crate::spec::pointer::escape;

/// Which rows count.
#[derive(Debug, Clone, Default)]
pub struct CoverageOptions {
    /// Only this `X-Session-Id`.
    pub session_id: Option<String>,
    /// ISO 8601 lower bound, inclusive.
    pub time_from: Option<String>,
    /// ISO 8601 upper bound, inclusive.
    pub time_to: Option<String>,
}

/// One operation's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct OperationCoverage {
    /// `METHOD /path/template`.
    pub operation: String,
    /// Requests the client made to it.
    pub calls: u64,
    /// Statuses it received, with counts.
    pub statuses_seen: BTreeMap<String, u64>,
    /// Documented responses (`200`, `4XX`, `default`) it never received.
    pub documented_never_seen: Vec<String>,
    /// Query and header parameters it never sent (`query.limit`).
    pub params_never_sent: Vec<String>,
    /// Top-level body fields it never sent (`body.tag`).
    pub body_fields_never_sent: Vec<String>,
}

/// A validation failure the client caused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Refusal {
    /// `METHOD /path/template`.
    pub operation: String,
    /// Where the request was wrong (`query.limit`, `body.name`).
    pub location: String,
    /// What was wrong.
    pub message: String,
    /// How many requests had it.
    pub count: u64,
}

/// The coverage report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Coverage {
    /// The API requests counted.
    pub requests: u64,
    /// Operations called, out of all.
    pub operations_called: u64,
    /// All operations of the API.
    pub operations_total: u64,
    /// Operations never called.
    pub never_called: Vec<String>,
    /// Requests no operation matched (404s of unknown paths), by `METHOD path`.
    pub unmatched: BTreeMap<String, u64>,
    /// Per operation called.
    pub operations: Vec<OperationCoverage>,
    /// The 422 answers, by operation and location.
    pub refused: Vec<Refusal>,
    /// What to try next, in words.
    pub suggestions: Vec<String>,
    /// `manage_mock_data` arguments that make the mock answer the statuses
    /// never seen (one scenario per status), minus `server_url`.
    pub scenarios: Vec<Value>,
}

/// Does a documented status key (`200`, `4XX`, `default`) cover `code`?
fn covers(key: &str, code: u16, keys: &[String]) -> bool {
    if key == code.to_string() {
        return true;
    }
    let range = format!("{}XX", code / 100);
    if key.eq_ignore_ascii_case(&range) {
        return !keys.iter().any(|k| k == &code.to_string());
    }
    key == "default"
        && !keys
            .iter()
            .any(|k| k == &code.to_string() || k.eq_ignore_ascii_case(&range))
}

/// Top-level property names of a body schema (through `$ref` and `allOf`).
fn body_fields(document: &Value, schema: &Value, out: &mut BTreeSet<String>) {
    let schema = resolve(document, schema);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        out.extend(properties.keys().cloned());
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        body_fields(document, member, out);
    }
}

fn query_names(query: &str) -> BTreeSet<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect()
}

/// The coverage of a mock folder's request log.
pub fn coverage(mock_dir: &Path, options: &CoverageOptions) -> Result<Coverage> {
    let filter = LogFilter {
        session_id: options.session_id.clone(),
        time_from: options.time_from.clone(),
        time_to: options.time_to.clone(),
        ..LogFilter::default()
    };
    if mock_dir.join(crate::graphql::DATA_FILE).is_file() {
        // A GraphQL mock: coverage of its root fields.
        let rows = LogStore::open(mock_dir)?.rows(&filter)?;
        return super::coverage_graphql::coverage(mock_dir, &rows);
    }
    let validation = read_json(&mock_dir.join("mock_data/validation.json"))?;
    let responses = read_json(&mock_dir.join("mock_data/operations.json"))?;
    let store = LogStore::open(mock_dir)?;
    let rows = store.rows(&filter)?;
    let operations = validation
        .get("operations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut by_op: BTreeMap<String, Vec<&RequestLog>> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, u64> = BTreeMap::new();
    for row in &rows {
        match row
            .operation_key
            .as_deref()
            .filter(|k| operations.contains_key(*k))
        {
            Some(key) => by_op.entry(key.to_owned()).or_default().push(row),
            None => {
                *unmatched
                    .entry(format!("{} {}", row.method, row.path))
                    .or_default() += 1
            }
        }
    }
    let mut report = Coverage {
        requests: rows.len() as u64,
        operations_called: by_op.len() as u64,
        operations_total: operations.len() as u64,
        never_called: operations
            .keys()
            .filter(|k| !by_op.contains_key(*k))
            .cloned()
            .collect(),
        unmatched,
        operations: Vec::new(),
        refused: Vec::new(),
        suggestions: Vec::new(),
        scenarios: Vec::new(),
    };
    let mut refused: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for (key, calls) in &by_op {
        let entry = &operations[key];
        let documented: Vec<String> = responses
            .pointer(&format!("/{}/responses", escape(key)))
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        let mut statuses_seen: BTreeMap<String, u64> = BTreeMap::new();
        let mut sent_params: BTreeSet<String> = BTreeSet::new();
        let mut sent_fields: BTreeSet<String> = BTreeSet::new();
        for row in calls {
            *statuses_seen
                .entry(row.status_code.to_string())
                .or_default() += 1;
            sent_params.extend(
                query_names(&row.query_params)
                    .into_iter()
                    .map(|n| format!("query.{n}")),
            );
            if let Some(headers) = row.headers.as_object() {
                sent_params.extend(
                    headers
                        .keys()
                        .map(|n| format!("header.{}", n.to_lowercase())),
                );
            }
            if let Some(Value::Object(body)) = row
                .request_body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
            {
                sent_fields.extend(body.keys().cloned());
            }
            if row.status_code == 422
                && let Some(errors) = row
                    .response_body
                    .as_deref()
                    .and_then(|b| serde_json::from_str::<Value>(b).ok())
                    .and_then(|b| b.get("errors").cloned())
                    .and_then(|e| e.as_array().cloned())
            {
                for error in errors {
                    let text = |k: &str| {
                        error
                            .get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    *refused
                        .entry((key.clone(), text("location"), text("message")))
                        .or_default() += 1;
                }
            }
        }
        let seen_codes: Vec<u16> = calls.iter().map(|r| r.status_code).collect();
        let documented_never_seen: Vec<String> = documented
            .iter()
            .filter(|k| !seen_codes.iter().any(|code| covers(k, *code, &documented)))
            .cloned()
            .collect();
        let params_never_sent: Vec<String> = entry
            .get("params")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let (place, name) = (p.get("in")?.as_str()?, p.get("name")?.as_str()?);
                let id = match place {
                    "query" => format!("query.{name}"),
                    "header" => format!("header.{}", name.to_lowercase()),
                    _ => return None,
                };
                (!sent_params.contains(&id)).then(|| {
                    if place == "header" {
                        format!("header.{name}")
                    } else {
                        id
                    }
                })
            })
            .collect();
        let mut declared = BTreeSet::new();
        for schema in entry
            .pointer("/body/content")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.values())
        {
            body_fields(&validation, schema, &mut declared);
        }
        let body_fields_never_sent = declared
            .into_iter()
            .filter(|f| !sent_fields.contains(f))
            .map(|f| format!("body.{f}"))
            .collect();
        report.operations.push(OperationCoverage {
            operation: key.clone(),
            calls: calls.len() as u64,
            statuses_seen,
            documented_never_seen,
            params_never_sent,
            body_fields_never_sent,
        });
    }
    report.refused = refused
        .into_iter()
        .map(|((operation, location, message), count)| Refusal {
            operation,
            location,
            message,
            count,
        })
        .collect();
    suggest(&mut report, &responses);
    Ok(report)
}

/// The suggestion that names what was never called (`operations were
/// never called`, `root fields were never selected`).
pub(super) fn suggest_never_called(report: &mut Coverage, what: &str) {
    if !report.never_called.is_empty() {
        report.suggestions.push(format!(
            "{} of {} {what}: {}.",
            report.never_called.len(),
            report.operations_total,
            report.never_called.join(", ")
        ));
    }
}

fn suggest(report: &mut Coverage, responses: &Value) {
    suggest_never_called(report, "operations were never called");
    for op in &report.operations {
        let errors: Vec<&String> = op
            .documented_never_seen
            .iter()
            .filter(|s| s.starts_with(['4', '5']) || *s == "default")
            .collect();
        for status in errors {
            let code: u16 = match status.as_str() {
                "default" => 500,
                text => text.replace(['X', 'x'], "0").parse().unwrap_or(500),
            };
            let body = responses
                .pointer(&format!(
                    "/{}/responses/{status}/body",
                    escape(&op.operation)
                ))
                .cloned()
                .unwrap_or(Value::Null);
            let name = format!(
                "{}-{code}",
                op.operation
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
                    .trim_matches('-')
            );
            report.suggestions.push(format!(
                "{} never answered {status}: the client's handling of it is untested; activate scenario {name:?} (in scenarios) to try it.",
                op.operation
            ));
            let mut behaviour = json!({"status_code": code});
            if !body.is_null() {
                behaviour["body"] = body;
            }
            report.scenarios.push(json!({
                "operation": "create_scenario",
                "scenario_name": name,
                "scenario_config": {op.operation.clone(): behaviour},
            }));
        }
        if !op.params_never_sent.is_empty() || !op.body_fields_never_sent.is_empty() {
            let missing: Vec<&String> = op
                .params_never_sent
                .iter()
                .chain(&op.body_fields_never_sent)
                .collect();
            report.suggestions.push(format!(
                "{} was never sent {}.",
                op.operation,
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for refusal in &report.refused {
        report.suggestions.push(format!(
            "{} refused {} request(s) at {}: {}.",
            refusal.operation, refusal.count, refusal.location, refusal.message
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn documented_keys_cover_codes() {
        let keys = vec![
            "200".to_owned(),
            "4XX".to_owned(),
            "404".to_owned(),
            "default".to_owned(),
        ];
        assert!(covers("200", 200, &keys));
        assert!(covers("4XX", 400, &keys));
        assert!(!covers("4XX", 404, &keys));
        assert!(covers("default", 500, &keys));
        assert!(!covers("default", 404, &keys));
    }
}
