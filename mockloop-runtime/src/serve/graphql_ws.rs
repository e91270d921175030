//! GraphQL over WebSocket (`graphql-transport-ws`) on `/graphql` for the
//! native engine, as `mockloop_mock/graphql_ws.py` serves it: the
//! connection is initialised and acknowledged, then each `subscribe` runs
//! its operation. A query or mutation answers once; a subscription emits
//! an event every interval (`MOCKLOOP_GRAPHQL_EVENT_INTERVAL_MS`, or the
//! operation's `extensions.mockloop.interval_ms`; 0 for none) and after
//! every mutation whose object it follows, until the client completes it
//! (or `extensions.mockloop.count` events were sent).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use super::engine::Mock;
use super::graphql::{SqlStore, publish};
use super::log_entry::{EntryFields, LogEntry};
use super::request::Incoming;
use crate::graphql::ENDPOINT;
use crate::graphql::operation::{Prepared, prepare, run};
use crate::graphql::resolve::{Event, Store};

/// The sub-protocol served.
pub(crate) const PROTOCOL: &str = "graphql-transport-ws";
/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a request asks to open a GraphQL WebSocket.
pub(crate) fn is_upgrade(mock: &Mock, request: &Request<hyper::body::Incoming>) -> bool {
    mock.graphql.is_some()
        && request.method() == hyper::Method::GET
        && request.uri().path() == ENDPOINT
        && request
            .headers()
            .get("upgrade")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn refuse(status: u16, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(&json!({"error": message})).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Accepts the WebSocket (after the endpoint's auth) and serves it.
pub(crate) fn upgrade(
    mock: Arc<Mock>,
    local_port: u16,
    client: Option<String>,
    request: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let headers = request.headers();
    let offered = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !offered.split(',').any(|p| p.trim() == PROTOCOL) {
        return refuse(
            400,
            &format!("the WebSocket sub-protocol must be {PROTOCOL}"),
        );
    }
    let Some(key) = headers.get("sec-websocket-key") else {
        return refuse(400, "Sec-WebSocket-Key is missing");
    };
    let accept = derive_accept_key(key.as_bytes());
    let incoming = Incoming::new(
        request.method().clone(),
        request.uri().path(),
        request.uri().query(),
        headers.clone(),
        client,
        local_port,
    );
    if let Some(denied) = mock.auth.check(&incoming, &format!("GET {ENDPOINT}")) {
        let mut response = Response::new(Full::new(denied.body));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        for (name, value) in denied.headers {
            if let (Ok(name), Ok(value)) = (
                hyper::header::HeaderName::from_bytes(name.as_bytes()),
                hyper::header::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        return response;
    }
    let origin = Arc::new(Origin {
        headers: incoming.headers.clone(),
        client: incoming.client.clone(),
    });
    tokio::spawn(async move {
        match hyper::upgrade::on(request).await {
            Ok(upgraded) => {
                let socket =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                session(mock, origin, socket).await;
            }
            Err(err) => tracing::warn!("the GraphQL WebSocket upgrade failed: {err}"),
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let out = response.headers_mut();
    for (name, value) in [
        ("upgrade", "websocket".to_owned()),
        ("connection", "Upgrade".to_owned()),
        ("sec-websocket-accept", accept),
        ("sec-websocket-protocol", PROTOCOL.to_owned()),
    ] {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            out.insert(name, value);
        }
    }
    response
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

fn text(value: &Value) -> Message {
    Message::text(value.to_string())
}

async fn session<S>(mock: Arc<Mock>, origin: Arc<Origin>, socket: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut acked = false;
    let mut subscriptions: HashMap<String, JoinHandle<()>> = HashMap::new();
    let init = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init);
    loop {
        let message = tokio::select! {
            () = &mut init, if !acked => {
                let _ = tx.send(close(4408, "Connection initialisation timeout")).await;
                break;
            }
            message = stream.next() => message,
        };
        let text_message = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(payload))) => {
                let _ = tx.send(Message::Pong(payload)).await;
                continue;
            }
            Some(Ok(Message::Binary(_))) => {
                let _ = tx
                    .send(close(4400, "Binary messages are not accepted"))
                    .await;
                break;
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(_)) | Err(_)) | None => break,
        };
        let parsed: Option<Map<String, Value>> = serde_json::from_str(text_message.as_str()).ok();
        let Some(message) = parsed else {
            let _ = tx.send(close(4400, "Invalid message received")).await;
            break;
        };
        let id = message.get("id").and_then(Value::as_str).map(str::to_owned);
        match message.get("type").and_then(Value::as_str) {
            Some("connection_init") if acked => {
                let _ = tx
                    .send(close(4429, "Too many initialisation requests"))
                    .await;
                break;
            }
            Some("connection_init") => {
                acked = true;
                let _ = tx.send(text(&json!({"type": "connection_ack"}))).await;
            }
            Some("ping") => {
                let _ = tx.send(text(&json!({"type": "pong"}))).await;
            }
            Some("pong") => {}
            Some("subscribe") => {
                if !acked {
                    let _ = tx.send(close(4401, "Unauthorized")).await;
                    break;
                }
                let (Some(id), Some(Value::Object(payload))) = (id, message.get("payload")) else {
                    let _ = tx.send(close(4400, "Invalid message received")).await;
                    break;
                };
                if subscriptions.get(&id).is_some_and(|h| !h.is_finished()) {
                    let reason = format!("Subscriber for {id} already exists");
                    let _ = tx.send(close(4409, &reason)).await;
                    break;
                }
                let task = tokio::spawn(operation(
                    Arc::clone(&mock),
                    Arc::clone(&origin),
                    id.clone(),
                    payload.clone(),
                    tx.clone(),
                ));
                subscriptions.insert(id, task);
            }
            Some("complete") => {
                if let Some(task) = id.and_then(|id| subscriptions.remove(&id)) {
                    task.abort();
                }
            }
            _ => {
                let _ = tx.send(close(4400, "Invalid message received")).await;
                break;
            }
        }
    }
    for task in subscriptions.into_values() {
        task.abort();
    }
    drop(tx);
    let _ = writer.await;
}

/// What the WebSocket's opening request carried, for the log.
pub(crate) struct Origin {
    headers: hyper::HeaderMap,
    client: Option<String>,
}

/// Logs an operation started on a socket, as the FastAPI mock does: the
/// upgrade's `GET /graphql` and headers, status 101, the `subscribe`
/// payload as the request body, the operation (`subscription Ticks`) as
/// its key; an operation refused logs its error message.
async fn log_operation(
    mock: &Mock,
    origin: &Origin,
    payload: &Map<String, Value>,
    label: &str,
    refused: Option<&Value>,
) {
    let Some(log) = &mock.log else {
        return;
    };
    let request_body = serde_json::to_string(payload).unwrap_or_default();
    let response_body = refused.map(Value::to_string).unwrap_or_default();
    let scenario = mock.state.active_name();
    let entry = LogEntry::encode(
        &EntryFields {
            started: std::time::SystemTime::now(),
            method: "GET",
            raw_path: ENDPOINT,
            query: "",
            status_code: 101,
            process_time_ms: 0.0,
            client_host: origin.client.as_deref(),
            headers: &origin.headers,
            request_body: request_body.as_bytes(),
            response_body: response_body.as_bytes(),
            response_size: response_body.len(),
            correlation_id: &format!("{:032x}", rand::random::<u128>()),
            test_scenario: scenario.as_deref(),
            is_admin: false,
            operation_key: Some(label),
        },
        log.body_limit,
    );
    log.submit(entry).await;
}

/// How often a subscription emits, and how many events it sends.
fn pacing(mock: &Mock, payload: &Map<String, Value>) -> (Option<Duration>, Option<u64>) {
    let asked = payload.get("extensions").and_then(|e| e.get("mockloop"));
    let interval_ms = asked
        .and_then(|m| m.get("interval_ms"))
        .and_then(Value::as_u64)
        .unwrap_or(mock.settings.graphql_event_interval_ms);
    let count = asked.and_then(|m| m.get("count")).and_then(Value::as_u64);
    let interval = (interval_ms > 0).then(|| Duration::from_millis(interval_ms.max(10)));
    (interval, count)
}

/// Runs one operation of the socket, sending its results.
async fn operation(
    mock: Arc<Mock>,
    origin: Arc<Origin>,
    id: String,
    payload: Map<String, Value>,
    tx: mpsc::Sender<Message>,
) {
    let Some(world) = mock.graphql.clone() else {
        return;
    };
    let query = payload.get("query").and_then(Value::as_str).unwrap_or("");
    let name = payload.get("operationName").and_then(Value::as_str);
    let variables = payload
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let prepared = match prepare(&world, query, name, variables) {
        Ok(prepared) => Arc::new(prepared),
        Err(refusal) => {
            let message = json!({"id": id, "type": "error", "payload": refusal.errors});
            log_operation(&mock, &origin, &payload, &refusal.label, Some(&message)).await;
            let _ = tx.send(text(&message)).await;
            return;
        }
    };
    log_operation(&mock, &origin, &payload, &prepared.label, None).await;
    let next = |body: Value| text(&json!({"id": id, "type": "next", "payload": body}));
    let complete = text(&json!({"id": id, "type": "complete"}));
    if prepared.kind != apollo_compiler::executable::OperationType::Subscription {
        let body = execute(&mock, &prepared, 0, None).await;
        let _ = tx.send(next(body)).await;
        let _ = tx.send(complete).await;
        return;
    }
    let (interval, count) = pacing(&mock, &payload);
    let mut events = mock.graphql_events.subscribe();
    let mut ticker =
        interval.map(|every| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
    let mut sent: u64 = 0;
    while count.is_none_or(|count| sent < count) {
        let event = tokio::select! {
            () = tick(ticker.as_mut()) => None,
            received = events.recv() => match received {
                Ok(event) => {
                    let wanted = prepared
                        .root_field
                        .as_ref()
                        .is_some_and(|(field, ty)| world.wants(field, ty, &event));
                    if !wanted {
                        continue;
                    }
                    Some(event)
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        };
        sent += 1;
        let body = execute(&mock, &prepared, sent, event).await;
        if tx.send(next(body)).await.is_err() {
            return;
        }
    }
    let _ = tx.send(complete).await;
}

/// The next tick, or never when the subscription has no interval.
async fn tick(ticker: Option<&mut tokio::time::Interval>) {
    match ticker {
        Some(ticker) => {
            ticker.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Runs an operation off the async threads; publishes its mutations.
async fn execute(
    mock: &Arc<Mock>,
    prepared: &Arc<Prepared>,
    index: u64,
    event: Option<Event>,
) -> Value {
    let mock = Arc::clone(mock);
    let prepared = Arc::clone(prepared);
    let done = tokio::task::spawn_blocking(move || {
        let world = mock.graphql.clone()?;
        let store = SqlStore::new(&mock.state);
        let store: Option<&dyn Store> = if mock.storage_active() {
            Some(&store)
        } else {
            None
        };
        let state = &mock.state;
        let configured = |coordinate: &str| {
            state
                .override_of(coordinate)
                .or_else(|| state.scenario_behaviour(coordinate))
        };
        let outcome = run(&world, store, Some(&configured), &prepared, index, event);
        publish(&mock, outcome.events);
        Some(outcome.body)
    })
    .await;
    done.ok()
        .flatten()
        .unwrap_or_else(|| json!({"errors": [{"message": "the operation failed"}]}))
}
