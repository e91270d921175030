//! GraphQL over HTTP for the native engine, as
//! `mockloop_mock/graphql_http.py` does it for the FastAPI mock: `POST`
//! with `application/json`, `GET` with `?query=` for queries, the response
//! media type from `Accept`, request errors (parse, validation, variables)
//! as `{"errors": [...]}` without `data`: 400 for
//! `application/graphql-response+json`, 200 for `application/json`.
use apollo_compiler::executable::OperationType;
use serde_json::{Map, Value, json};

use super::operation::{prepare, run};
use super::resolve::{Configured, Event, Store, World};

/// The modern response media type.
pub(crate) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// The legacy one.
pub(crate) const JSON: &str = "application/json";
/// The largest query text the mock reads.
const MAX_QUERY_BYTES: usize = 256 * 1024;

/// A request, as read from HTTP.
pub(crate) struct HttpRequest<'a> {
    pub method: &'a str,
    pub query: &'a [(String, String)],
    pub content_type: Option<&'a str>,
    pub accept: Option<&'a str>,
    pub body: &'a [u8],
}

/// The answer: status, media type, body, extra headers, and the
/// operation as the log names it (`query GetUser`).
pub(crate) struct HttpReply {
    pub status: u16,
    pub media_type: &'static str,
    pub body: Value,
    pub headers: Vec<(String, String)>,
    pub operation: Option<String>,
    /// What the mutations did, for subscriptions.
    pub events: Vec<Event>,
}

struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Map<String, Value>,
}

/// Answers one GraphQL request.
pub(crate) fn handle(
    world: &World,
    store: Option<&dyn Store>,
    configured: Option<Configured<'_>>,
    request: &HttpRequest<'_>,
) -> HttpReply {
    let Some(media_type) = response_media_type(request.accept) else {
        return reply(
            406,
            JSON,
            errors(&format!(
                "the response can be {GRAPHQL_RESPONSE} or {JSON}; Accept allows neither"
            )),
        );
    };
    let request_error =
        |message: &str| reply(request_status(media_type), media_type, errors(message));
    let params = match read_params(request) {
        Ok(params) => params,
        Err((status, message)) => {
            let mut answer = reply(status, media_type, errors(&message));
            if status == 405 {
                answer
                    .headers
                    .push(("allow".to_owned(), "GET, POST".to_owned()));
            }
            return answer;
        }
    };
    let prepared = match prepare(
        world,
        &params.query,
        params.operation_name.as_deref(),
        params.variables,
    ) {
        Ok(prepared) => prepared,
        Err(refusal) => {
            let mut answer = reply(
                request_status(media_type),
                media_type,
                json!({ "errors": refusal.errors }),
            );
            answer.operation = Some(refusal.label);
            return answer;
        }
    };
    let label = prepared.label.clone();
    let labelled = |mut answer: HttpReply| {
        answer.operation = Some(label.clone());
        answer
    };
    if prepared.kind == OperationType::Subscription {
        return labelled(request_error(
            "subscriptions are not served over HTTP; use a WebSocket (graphql-transport-ws)",
        ));
    }
    if request.method == "GET" && prepared.kind == OperationType::Mutation {
        let mut answer = reply(405, media_type, errors("a mutation must be sent with POST"));
        answer.headers.push(("allow".to_owned(), "POST".to_owned()));
        return labelled(answer);
    }
    let outcome = run(world, store, configured, &prepared, 0, None);
    let status = if outcome.request_error {
        request_status(media_type)
    } else {
        200
    };
    let mut answer = labelled(reply(status, media_type, outcome.body));
    answer.events = outcome.events;
    answer
}

/// The status of a request error: 400 with the modern media type, 200
/// with `application/json`.
fn request_status(media_type: &str) -> u16 {
    if media_type == GRAPHQL_RESPONSE {
        400
    } else {
        200
    }
}

/// The response media type `Accept` allows, preferring the modern one;
/// `application/json` when there is no `Accept`.
fn response_media_type(accept: Option<&str>) -> Option<&'static str> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(JSON);
    };
    let mut json = false;
    let mut any = false;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = pieces.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE => return Some(GRAPHQL_RESPONSE),
            JSON => json = true,
            "*/*" | "application/*" => any = true,
            _ => {}
        }
    }
    (json || any).then_some(JSON)
}

fn read_params(request: &HttpRequest<'_>) -> Result<Params, (u16, String)> {
    let raw: Map<String, Value> = match request.method {
        "GET" => {
            let mut map = Map::new();
            for (name, value) in request.query {
                if name == "variables" || name == "extensions" {
                    let parsed: Value = serde_json::from_str(value)
                        .map_err(|err| (400, format!("{name} is not JSON: {err}")))?;
                    map.insert(name.clone(), parsed);
                } else {
                    map.insert(name.clone(), Value::String(value.clone()));
                }
            }
            map
        }
        "POST" => {
            let media = request
                .content_type
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match media.as_str() {
                "application/json" => match serde_json::from_slice::<Value>(request.body) {
                    Ok(Value::Object(map)) => map,
                    Ok(Value::Array(_)) => {
                        return Err((400, "batched requests are not accepted".to_owned()));
                    }
                    Ok(_) => {
                        return Err((400, "the body must be a JSON object".to_owned()));
                    }
                    Err(err) => return Err((400, format!("the body is not JSON: {err}"))),
                },
                "application/graphql" => {
                    let text = String::from_utf8(request.body.to_vec())
                        .map_err(|_| (400, "the body is not UTF-8".to_owned()))?;
                    let mut map = Map::new();
                    map.insert("query".to_owned(), Value::String(text));
                    map
                }
                _ => {
                    return Err((
                        415,
                        "send the request as application/json (or application/graphql)".to_owned(),
                    ));
                }
            }
        }
        _ => return Err((405, "GraphQL is served to GET and POST".to_owned())),
    };
    let query = match raw.get("query") {
        Some(Value::String(query)) if !query.trim().is_empty() => query.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err((400, "the request has no query".to_owned()));
        }
        Some(_) => return Err((400, "query must be a string".to_owned())),
    };
    if query.len() > MAX_QUERY_BYTES {
        return Err((
            413,
            format!("the query is longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    let operation_name = match raw.get("operationName") {
        Some(Value::String(name)) if !name.is_empty() => Some(name.clone()),
        Some(Value::String(_) | Value::Null) | None => None,
        Some(_) => return Err((400, "operationName must be a string".to_owned())),
    };
    let variables = match raw.get("variables") {
        Some(Value::Object(map)) => map.clone(),
        Some(Value::Null) | None => Map::new(),
        Some(_) => return Err((400, "variables must be an object".to_owned())),
    };
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

fn errors(message: &str) -> Value {
    json!({ "errors": [{ "message": message }] })
}

fn reply(status: u16, media_type: &'static str, body: Value) -> HttpReply {
    HttpReply {
        status,
        media_type,
        body,
        headers: Vec::new(),
        operation: None,
        events: Vec::new(),
    }
}
