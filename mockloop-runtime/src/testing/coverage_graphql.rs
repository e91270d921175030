//! Coverage of a GraphQL mock, from its request log: the root fields
//! (`Query.book`, `Mutation.createBook`, ...) the client's operations
//! selected and never selected, the arguments of each it never passed, the
//! statuses it got, and the operations refused as invalid and why; with
//! scenarios that make each called field fail, to test the client's
//! handling of GraphQL errors.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use serde_json::{Value, json};

use super::api::read_json;
use super::coverage::{Coverage, OperationCoverage, Refusal, suggest_never_called};
use crate::error::{Error, Result};
use crate::graphql::ENDPOINT;
use crate::graphql::load::{SdlSource, build};
use crate::logs::RequestLog;

/// The schema a GraphQL mock folder serves.
fn schema(mock_dir: &Path) -> Result<Valid<Schema>> {
    let data = read_json(&mock_dir.join(crate::graphql::DATA_FILE))?;
    let sources: Vec<SdlSource> = data
        .get("sources")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .ok_or_else(|| Error::MockFolder {
            path: mock_dir.to_path_buf(),
            reason: format!("{} has no schema sources", crate::graphql::DATA_FILE),
        })?;
    build(&sources)
}

/// The query, operation name of a logged request.
fn request_query(row: &RequestLog) -> Option<(String, Option<String>)> {
    if row.method == "GET" {
        let mut query = None;
        let mut name = None;
        for (key, value) in form_urlencoded::parse(row.query_params.as_bytes()) {
            match key.as_ref() {
                "query" => query = Some(value.into_owned()),
                "operationName" => name = Some(value.into_owned()),
                _ => {}
            }
        }
        return query.map(|q| (q, name.filter(|n| !n.is_empty())));
    }
    let body: Value = serde_json::from_str(row.request_body.as_deref()?).ok()?;
    let query = body.get("query")?.as_str()?.to_owned();
    let name = body
        .get("operationName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Some((query, name))
}

/// The root fields an operation selects (fragments followed), with the
/// arguments passed to each.
fn root_fields(
    document: &ExecutableDocument,
    set: &SelectionSet,
    out: &mut Vec<(Name, BTreeSet<String>)>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => out.push((
                field.name.clone(),
                field.arguments.iter().map(|a| a.name.to_string()).collect(),
            )),
            Selection::InlineFragment(inline) => root_fields(document, &inline.selection_set, out),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    root_fields(document, &fragment.selection_set, out);
                }
            }
        }
    }
}

/// Every root field of the schema as a coordinate, with its arguments.
fn coordinates(schema: &Schema) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    for (_, root) in schema.schema_definition.iter_root_operations() {
        if let Some(ExtendedType::Object(object)) = schema.types.get(root.name.as_str()) {
            for (name, field) in &object.fields {
                found.insert(
                    format!("{}.{name}", root.name),
                    field.arguments.iter().map(|a| a.name.to_string()).collect(),
                );
            }
        }
    }
    found
}

/// Coverage of a GraphQL mock's root fields.
pub(crate) fn coverage(mock_dir: &Path, rows: &[RequestLog]) -> Result<Coverage> {
    let schema = schema(mock_dir)?;
    let all = coordinates(&schema);
    let mut calls: BTreeMap<String, Vec<(u16, BTreeSet<String>)>> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, u64> = BTreeMap::new();
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows {
        if row.path != ENDPOINT {
            *unmatched
                .entry(format!("{} {}", row.method, row.path))
                .or_default() += 1;
            continue;
        }
        let Some((query, name)) = request_query(row) else {
            *refused
                .entry("no query in the request".to_owned())
                .or_default() += 1;
            continue;
        };
        let document =
            match ExecutableDocument::parse_and_validate(&schema, &query, "query.graphql") {
                Ok(document) => document,
                Err(with_errors) => {
                    let message = with_errors
                        .errors
                        .iter()
                        .next()
                        .map(|d| d.error.to_string())
                        .unwrap_or_else(|| "invalid".to_owned());
                    *refused.entry(message).or_default() += 1;
                    continue;
                }
            };
        let Ok(operation) = document.operations.get(name.as_deref()) else {
            *refused
                .entry("no such operation in the document".to_owned())
                .or_default() += 1;
            continue;
        };
        let root = operation.object_type().to_string();
        let mut fields = Vec::new();
        root_fields(&document, &operation.selection_set, &mut fields);
        for (field, args) in fields {
            if field.starts_with("__") {
                continue;
            }
            calls
                .entry(format!("{root}.{field}"))
                .or_default()
                .push((row.status_code, args));
        }
    }
    let mut report = Coverage {
        requests: rows.len() as u64,
        operations_called: calls.keys().filter(|k| all.contains_key(*k)).count() as u64,
        operations_total: all.len() as u64,
        never_called: all
            .keys()
            .filter(|k| !calls.contains_key(*k))
            .cloned()
            .collect(),
        unmatched,
        operations: Vec::new(),
        refused: refused
            .into_iter()
            .map(|(message, count)| Refusal {
                operation: format!("POST {ENDPOINT}"),
                location: "query".to_owned(),
                message,
                count,
            })
            .collect(),
        suggestions: Vec::new(),
        scenarios: Vec::new(),
    };
    for (coordinate, seen) in &calls {
        let mut statuses_seen: BTreeMap<String, u64> = BTreeMap::new();
        let mut passed: BTreeSet<&String> = BTreeSet::new();
        for (status, args) in seen {
            *statuses_seen.entry(status.to_string()).or_default() += 1;
            passed.extend(args);
        }
        let params_never_sent = all
            .get(coordinate)
            .into_iter()
            .flatten()
            .filter(|arg| !passed.contains(arg))
            .map(|arg| format!("arg.{arg}"))
            .collect();
        report.operations.push(OperationCoverage {
            operation: coordinate.clone(),
            calls: seen.len() as u64,
            statuses_seen,
            documented_never_seen: Vec::new(),
            params_never_sent,
            body_fields_never_sent: Vec::new(),
        });
    }
    suggest(&mut report);
    Ok(report)
}

fn suggest(report: &mut Coverage) {
    suggest_never_called(report, "root fields were never selected");
    for op in &report.operations {
        let name = format!(
            "{}-error",
            op.operation
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        );
        report.suggestions.push(format!(
            "{} always answered data: activate scenario {name:?} (in scenarios) to see the client handle a GraphQL error there.",
            op.operation
        ));
        report.scenarios.push(json!({
            "name": name,
            "description": format!("{} answers a GraphQL error", op.operation),
            "endpoints": {
                op.operation.clone(): {
                    "errors": [{"message": "mocked failure", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
                },
            },
        }));
    }
}
