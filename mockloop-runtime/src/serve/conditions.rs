//! Operations that share a path (`model::RouteCondition` has why): the
//! conditions a request must meet, read from `mock_data/validation.json`,
//! and the choice among the operations of a group, as `MockRoute` makes it
//! in the FastAPI mock.
use serde_json::Value;

use super::request::{Incoming, percent_decode};

/// Where a condition is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Header,
    Query,
    /// A header, else a query parameter.
    Any,
}

/// One condition of an operation's route.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    place: Place,
    name: String,
    /// The value it must have; `None`: any.
    value: Option<String>,
    /// The path parameter that receives the value.
    param: Option<String>,
}

/// The conditions of an operation entry (none when it has no list).
pub(crate) fn read(entry: &Value) -> Vec<Condition> {
    let Some(list) = entry.get("conditions").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
            let place = match item.get("in").and_then(Value::as_str)? {
                "header" => Place::Header,
                "query" => Place::Query,
                _ => Place::Any,
            };
            Some(Condition {
                place,
                name: text("name")?,
                value: text("value"),
                param: text("param"),
            })
        })
        .collect()
}

/// The path parameters `conditions` bind, or `None` when the request does
/// not meet them.
pub(crate) fn held(conditions: &[Condition], request: &Incoming) -> Option<Vec<(String, String)>> {
    let mut bound = Vec::new();
    for condition in conditions {
        let mut found = match condition.place {
            Place::Header | Place::Any => request.header_all(&condition.name).into_iter().next(),
            Place::Query => None,
        };
        if found.is_none() && condition.place != Place::Header {
            found = last_query_value(request, &condition.name, condition.param.is_some());
        }
        let found = found?;
        if condition
            .value
            .as_ref()
            .is_some_and(|value| *value != found)
        {
            return None;
        }
        if let Some(param) = &condition.param {
            bound.push((param.clone(), found));
        }
    }
    Some(bound)
}

/// The last value of query parameter `name`. A value bound to a path
/// parameter is decoded as a path segment is (`%XX` only): clients put it
/// in the URL as the path template says, so a `+` in it is a plus.
fn last_query_value(request: &Incoming, name: &str, as_path: bool) -> Option<String> {
    if !as_path {
        return request
            .query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone());
    }
    request
        .query_string
        .split('&')
        .rev()
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key: String = form_urlencoded::parse(key.as_bytes())
                .map(|(decoded, _)| decoded.into_owned())
                .next()
                .unwrap_or_default();
            (key == name).then(|| percent_decode(value))
        })
        .next()
}
