//! One request through the layers the FastAPI mock has, outermost first:
//! CORS (only for configured origins), the admin token, the admin port
//! split, then correlation ids and the request log around the routes.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use super::admin;
use super::api;
use super::conditions;
use super::engine::Mock;
use super::graphql;
use super::graphql_ws;
use super::log_entry::{EntryFields, LogEntry};
use super::request::Incoming;
use super::respond::Reply;
use super::router::{Fit, Handler, Matched};
use super::validate;

/// The largest request body read (bigger ones get 413).
const MAX_BODY: usize = 64 * 1024 * 1024;
const ALL_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

fn is_admin(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

fn is_logged_admin(path: &str) -> bool {
    path == "/admin" || path == "/admin/" || path == "/admin/api" || path.starts_with("/admin/api/")
}

fn presented_token(request: &Incoming) -> String {
    let header = request.header("authorization").unwrap_or_default();
    if let Some((scheme, value)) = header.split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
        && !value.trim().is_empty()
    {
        return value.trim().to_owned();
    }
    request
        .header("x-admin-token")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn correlation_id(request: &Incoming) -> String {
    for name in ["x-correlation-id", "x-request-id"] {
        if let Some(value) = request.headers.get(name).filter(|v| !v.is_empty()) {
            let text: String = value
                .as_bytes()
                .iter()
                .take(200)
                .map(|&b| char::from(b))
                .collect();
            return text;
        }
    }
    hex(&rand::random::<[u8; 16]>())
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    out
}

/// Serves one request.
pub(crate) async fn serve(
    mock: Arc<Mock>,
    local_port: u16,
    client: Option<String>,
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if graphql_ws::is_upgrade(&mock, &request) {
        return Ok(graphql_ws::upgrade(mock, local_port, client, request));
    }
    let (parts, body) = request.into_parts();
    let mut incoming = Incoming::new(
        parts.method,
        parts.uri.path(),
        parts.uri.query(),
        parts.headers,
        client,
        local_port,
    );
    let origin = incoming.header("origin").map(str::to_owned);
    let has_cookie = incoming.headers.contains_key("cookie");
    let cors = !mock.settings.cors_origins.is_empty();
    if cors
        && let Some(origin) = &origin
        && incoming.method == hyper::Method::OPTIONS
        && incoming
            .headers
            .contains_key("access-control-request-method")
    {
        return Ok(finish(preflight(&mock, &incoming, origin), None));
    }
    let reply = match guard(&mock, &incoming) {
        Some(refused) => refused,
        None => {
            match Limited::new(body, MAX_BODY).collect().await {
                Ok(collected) => incoming.body = collected.to_bytes(),
                Err(_) => {
                    return Ok(finish(
                        Reply::error(413, "the request body is too large"),
                        None,
                    ));
                }
            }
            logged(&mock, &mut incoming).await
        }
    };
    let reply = if cors {
        simple_cors(&mock, reply, origin.as_deref(), has_cookie)
    } else {
        reply
    };
    Ok(finish(reply, None))
}

/// The admin token and admin port checks; `Some` refuses the request.
fn guard(mock: &Mock, request: &Incoming) -> Option<Reply> {
    let path = request.path.as_str();
    if let Some(admin_port) = mock.settings.admin_port {
        let on_admin_port = request.local_port == admin_port;
        if on_admin_port != is_admin(path) && !(on_admin_port && path == "/health") {
            // Inside the token check: the token middleware runs first.
            if let Some(refused) = token_check(mock, request) {
                return Some(refused);
            }
            return Some(Reply::json(404, &json!({"error": "not found"})));
        }
    }
    token_check(mock, request)
}

fn token_check(mock: &Mock, request: &Incoming) -> Option<Reply> {
    let token = &mock.settings.admin_token;
    let path = request.path.as_str();
    if token.is_empty() || !is_admin(path) || path == "/admin" || path == "/admin/" {
        return None;
    }
    if super::auth::same(presented_token(request).as_bytes(), token.as_bytes()) {
        return None;
    }
    Some(
        Reply::error(401, "the admin API needs the admin token")
            .with_header("www-authenticate", "Bearer"),
    )
}

fn allowed_origin(mock: &Mock, origin: &str) -> bool {
    mock.settings
        .cors_origins
        .iter()
        .any(|o| o == "*" || o == origin)
}

fn preflight(mock: &Mock, request: &Incoming, origin: &str) -> Reply {
    let wildcard = mock.settings.cors_origins.iter().any(|o| o == "*");
    let explicit = !wildcard;
    let mut reply = Reply::bytes(200, "text/plain", Bytes::from_static(b"OK"));
    if explicit {
        reply = reply.with_header("vary", "Origin");
    } else {
        reply = reply.with_header("access-control-allow-origin", "*");
    }
    reply = reply
        .with_header("access-control-allow-methods", ALL_METHODS)
        .with_header("access-control-max-age", "600");
    if explicit {
        reply = reply.with_header("access-control-allow-credentials", "true");
    }
    let mut failures = Vec::new();
    if allowed_origin(mock, origin) {
        if explicit {
            reply = reply.with_header("access-control-allow-origin", origin);
        }
    } else {
        failures.push("origin");
    }
    if let Some(requested) = request.header("access-control-request-headers") {
        reply = reply.with_header("access-control-allow-headers", requested);
    }
    if failures.is_empty() {
        return reply;
    }
    reply.status = 400;
    reply.body = Bytes::from(format!("Disallowed CORS {}", failures.join(", ")));
    reply
}

fn simple_cors(mock: &Mock, mut reply: Reply, origin: Option<&str>, has_cookie: bool) -> Reply {
    let Some(origin) = origin else {
        return reply;
    };
    let wildcard = mock.settings.cors_origins.iter().any(|o| o == "*");
    if wildcard {
        reply = reply.with_header("access-control-allow-origin", "*");
    } else {
        reply = reply.with_header("access-control-allow-credentials", "true");
    }
    reply = reply.with_header("access-control-expose-headers", "X-Correlation-Id");
    let explicit = (wildcard && has_cookie) || (!wildcard && allowed_origin(mock, origin));
    if explicit {
        reply
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("access-control-allow-origin"));
        reply = reply
            .with_header("access-control-allow-origin", origin)
            .with_header("vary", "Origin");
    }
    reply
}

/// Correlation ids, the routes, and the request log.
async fn logged(mock: &Arc<Mock>, request: &mut Incoming) -> Reply {
    let started = SystemTime::now();
    let clock = Instant::now();
    mock.state.refresh();
    let request_id = correlation_id(request);
    let (reply, operation_key) = route(mock, request).await;
    let reply = reply.with_header("x-correlation-id", request_id.clone());
    if let Some(log) = &mock.log {
        let scenario = mock.state.active_name();
        let entry = LogEntry::encode(
            &EntryFields {
                started,
                method: request.method.as_str(),
                raw_path: &request.raw_path,
                query: &request.query_string,
                status_code: reply.status,
                process_time_ms: clock.elapsed().as_secs_f64() * 1000.0,
                client_host: request.client.as_deref(),
                headers: &request.headers,
                request_body: &request.body,
                response_body: &reply.body,
                response_size: reply.body.len(),
                correlation_id: &request_id,
                test_scenario: scenario.as_deref(),
                is_admin: is_logged_admin(&request.path),
                operation_key: operation_key.as_deref(),
            },
            log.body_limit,
        );
        log.submit(entry).await;
    }
    reply
}

async fn route(mock: &Arc<Mock>, request: &mut Incoming) -> (Reply, Option<Arc<str>>) {
    let fit = |op: usize, captured: &[(String, String)]| {
        let op = &mock.catalog.ops[op];
        let bound = conditions::held(&op.conditions, request);
        let valid =
            bound.is_some() && validate::path_params_valid(&mock.schemas, request, op, captured);
        Fit { bound, valid }
    };
    let found = mock
        .router
        .find(request.method.as_str(), &request.path, &fit);
    let (handler, key) = match found {
        Matched::Found(route, params) => {
            request.path_params = params;
            let key = match route.handler {
                Handler::Api(index) => std::sync::Arc::clone(&mock.catalog.ops[index].key),
                Handler::Own(_) => std::sync::Arc::from(route.key()),
            };
            (route.handler, key)
        }
        Matched::MethodNotAllowed(route) => {
            let reply = Reply::json(405, &json!({"detail": "Method Not Allowed"}))
                .with_header("allow", route.method());
            return (reply, None);
        }
        Matched::Redirect(path) => {
            let host = request.header("host").unwrap_or("localhost");
            let mut location = format!("http://{host}{path}");
            if !request.query_string.is_empty() {
                location.push('?');
                location.push_str(&request.query_string);
            }
            return (Reply::empty(307).with_header("location", location), None);
        }
        Matched::NotFound => return (Reply::json(404, &json!({"detail": "Not Found"})), None),
    };
    if let (Handler::Api(_), Some(world)) = (&handler, &mock.graphql) {
        let (reply, operation) = graphql::answer(mock, world, request, &key).await;
        return (reply, Some(operation.map_or(key, Arc::from)));
    }
    let reply = match handler {
        Handler::Api(index) => {
            let reply = api::answer(mock, request, index).await;
            let op = &mock.catalog.ops[index];
            let path = request.restore(&request.path);
            mock.webhooks.request_completed(
                &mock.state,
                &op.key,
                request.method.as_str(),
                &path,
                reply.status,
            );
            reply
        }
        Handler::Own(own) => admin::handle(mock, own, request).await,
    };
    (reply, Some(key))
}

/// The HTTP response of a reply.
fn finish(reply: Reply, _unused: Option<()>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    if let Some(content_type) = reply.content_type
        && !headers.contains_key(hyper::header::CONTENT_TYPE)
        && let Ok(value) = HeaderValue::from_str(&content_type)
    {
        headers.insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}
