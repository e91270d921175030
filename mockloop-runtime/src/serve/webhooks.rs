//! Webhooks (feature `webhooks`), as `mockloop_mock/webhooks.py` has them:
//! registered receivers, signed deliveries with retries and backoff, and
//! the delivery history, all in the shared SQLite database.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::auth::hmac_sha256;
use super::behaviour::InputError;
use super::state::{State, now};

const REQUEST_COMPLETED: &str = "request.completed";
const TEST_EVENT: &str = "webhook.test";
const TIMEOUT: Duration = Duration::from_secs(5);

/// A registered webhook with its secret.
#[derive(Debug, Clone)]
struct Subscriber {
    id: i64,
    url: String,
    secret: String,
}

/// The webhooks of one mock.
pub(crate) struct Webhooks {
    pub(crate) enabled: bool,
    /// The spec's webhooks and callbacks (`mock_data/events.json`).
    pub(crate) events: Map<String, Value>,
    attempts: u32,
    backoff: f64,
    client: Option<reqwest::Client>,
    subscribers: Mutex<Option<Vec<Subscriber>>>,
}

fn sql(err: rusqlite::Error) -> InputError {
    InputError::status(500, format!("database error: {err}"))
}

/// `sha256=<hex HMAC-SHA256 of body>`.
pub(crate) fn sign(secret: &str, body: &[u8]) -> String {
    let digest = hmac_sha256(secret.as_bytes(), body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn check_url(url: Option<&Value>) -> Result<String, InputError> {
    let Some(url) = url.and_then(Value::as_str).filter(|u| u.len() <= 2000) else {
        return Err(InputError::new("url: expected an http(s) URL"));
    };
    match url::Url::parse(url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(InputError::new(
            "url: only absolute http:// and https:// URLs are allowed",
        )),
    }
}

fn row_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Value, String)> {
    let events: String = row.get("events")?;
    Ok((
        json!({
            "id": row.get::<_, i64>("id")?,
            "url": row.get::<_, String>("url")?,
            "events": serde_json::from_str::<Value>(&events).unwrap_or_else(|_| json!([])),
            "created_at": row.get::<_, String>("created_at")?,
        }),
        row.get("secret")?,
    ))
}

impl Webhooks {
    /// The webhooks feature of a mock.
    pub(crate) fn new(enabled: bool, events: &Value, attempts: u32, backoff: f64) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .user_agent("mockloop-webhooks")
            .build()
            .ok();
        Self {
            enabled,
            events: events.as_object().cloned().unwrap_or_default(),
            attempts: attempts.max(1),
            backoff,
            client,
            subscribers: Mutex::new(None),
        }
    }

    fn forget(&self) {
        *self.subscribers.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Stores `{url, events?, secret?}`; the answer shows the secret once.
    pub(crate) fn register(&self, state: &State, raw: &Value) -> Result<Value, InputError> {
        let object = raw
            .as_object()
            .ok_or_else(|| InputError::new("expected a JSON object {url, events, secret}"))?;
        let mut unknown: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| !["url", "events", "secret"].contains(k))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            let quoted: Vec<String> = unknown.iter().map(|k| super::behaviour::repr(k)).collect();
            return Err(InputError::new(format!(
                "unknown fields [{}]",
                quoted.join(", ")
            )));
        }
        let url = check_url(object.get("url"))?;
        let events = object
            .get("events")
            .cloned()
            .unwrap_or(json!([REQUEST_COMPLETED]));
        if !events
            .as_array()
            .is_some_and(|e| e.iter().all(Value::is_string))
        {
            return Err(InputError::new("events: expected a list of event names"));
        }
        let secret = match object.get("secret") {
            None | Some(Value::Null) => random_hex(16),
            Some(Value::String(s)) if s.is_empty() => random_hex(16),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(InputError::new("secret: expected a string")),
        };
        let created = now();
        let id = {
            let db = state.db();
            db.execute(
                "INSERT INTO webhooks (url, events, secret, created_at) VALUES (?, ?, ?, ?)",
                params![url, events.to_string(), secret, created],
            )
            .map_err(sql)?;
            db.last_insert_rowid()
        };
        self.forget();
        Ok(json!({"id": id, "url": url, "events": events, "secret": secret, "created_at": created}))
    }

    /// Every webhook, oldest first, without secrets.
    pub(crate) fn list(&self, state: &State) -> Result<Vec<Value>, InputError> {
        let db = state.db();
        let mut statement = db
            .prepare("SELECT * FROM webhooks ORDER BY id")
            .map_err(sql)?;
        let rows = statement.query_map([], row_json).map_err(sql)?;
        rows.map(|row| row.map(|(value, _)| value))
            .collect::<rusqlite::Result<_>>()
            .map_err(sql)
    }

    fn get(db: &Connection, id: i64) -> Result<(Value, String), InputError> {
        db.query_row("SELECT * FROM webhooks WHERE id = ?", [id], row_json)
            .optional()
            .map_err(sql)?
            .ok_or_else(|| InputError::status(404, format!("no webhook {id}")))
    }

    /// Removes a webhook (its history stays), or a 404.
    pub(crate) fn delete(&self, state: &State, id: i64) -> Result<(), InputError> {
        {
            let db = state.db();
            Self::get(&db, id)?;
            db.execute("DELETE FROM webhooks WHERE id = ?", [id])
                .map_err(sql)?;
        }
        self.forget();
        Ok(())
    }

    /// The delivery attempts of a webhook, newest first.
    pub(crate) fn deliveries(&self, state: &State, id: i64) -> Result<Vec<Value>, InputError> {
        let db = state.db();
        Self::get(&db, id)?;
        let mut statement = db
            .prepare(
                "SELECT id, webhook_id, event, url, attempt, status_code, error, success, payload, \
                 created_at FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map([id], |row| {
                Ok(json!({
                    "id": row.get::<_, i64>(0)?,
                    "webhook_id": row.get::<_, Option<i64>>(1)?,
                    "event": row.get::<_, String>(2)?,
                    "url": row.get::<_, String>(3)?,
                    "attempt": row.get::<_, i64>(4)?,
                    "status_code": row.get::<_, Option<i64>>(5)?,
                    "error": row.get::<_, Option<String>>(6)?,
                    "success": row.get::<_, i64>(7)? != 0,
                    "payload": row.get::<_, Option<String>>(8)?,
                    "created_at": row.get::<_, String>(9)?,
                }))
            })
            .map_err(sql)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql)
    }

    /// Sends one event, retrying with backoff; records every attempt.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn deliver(
        &self,
        state: &Arc<State>,
        url: &str,
        event: &str,
        payload: &Value,
        secret: Option<&str>,
        webhook_id: Option<i64>,
        method: &str,
        media_type: &str,
    ) -> Value {
        let body = super::respond::python_json(payload);
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut status: Option<u16> = None;
        let mut error: Option<String> = None;
        for attempt in 1..=self.attempts {
            (status, error) = match &self.client {
                None => (None, Some("no HTTP client".to_owned())),
                Some(client) => {
                    let mut request = client
                        .request(method.clone(), url)
                        .header("content-type", media_type)
                        .header("x-mockloop-event", event)
                        .header(
                            "x-mockloop-timestamp",
                            chrono::Utc::now().timestamp().to_string(),
                        )
                        .body(body.clone());
                    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
                        request = request.header("x-mockloop-signature", sign(secret, &body));
                    }
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            (Some(response.status().as_u16()), None)
                        }
                        Ok(response) => {
                            let code = response.status().as_u16();
                            (Some(code), Some(format!("HTTP {code}")))
                        }
                        Err(err) => (None, Some(crate::error::error_chain(&err))),
                    }
                }
            };
            let record = {
                let state = Arc::clone(state);
                let (event, url, error) = (event.to_owned(), url.to_owned(), error.clone());
                let payload: String = String::from_utf8_lossy(&body)
                    .chars()
                    .take(65_536)
                    .collect();
                tokio::task::spawn_blocking(move || {
                    let success = status.is_some_and(|s| (200..300).contains(&s));
                    state.db().execute(
                        "INSERT INTO webhook_deliveries (webhook_id, event, url, attempt, status_code, \
                         error, success, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        params![webhook_id, event, url, attempt, status, error, i64::from(success), payload, now()],
                    )
                })
            };
            if let Ok(Err(err)) = record.await {
                tracing::error!("cannot record a webhook delivery: {err}");
            }
            if status.is_some_and(|s| (200..300).contains(&s)) {
                return json!({"delivered": true, "attempts": attempt, "status_code": status});
            }
            if attempt < self.attempts {
                let wait = self.backoff * 2f64.powi(attempt as i32 - 1);
                tokio::time::sleep(Duration::from_secs_f64(wait.max(0.0))).await;
            }
        }
        json!({"delivered": false, "attempts": self.attempts, "status_code": status, "error": error})
    }

    /// Delivers a `webhook.test` event to a registered webhook.
    pub(crate) async fn send_test(&self, state: &Arc<State>, id: i64) -> Result<Value, InputError> {
        let (webhook, secret) = Self::get(&state.db(), id)?;
        let url = webhook
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let payload = json!({"event": TEST_EVENT, "webhook_id": id, "sent_at": now()});
        Ok(self
            .deliver(
                state,
                &url,
                TEST_EVENT,
                &payload,
                Some(&secret),
                Some(id),
                "POST",
                "application/json",
            )
            .await)
    }

    /// Sends a spec webhook or callback `{name, url, secret?}` with its
    /// precomputed example payload.
    pub(crate) async fn fire(&self, state: &Arc<State>, raw: &Value) -> Result<Value, InputError> {
        let object = raw
            .as_object()
            .ok_or_else(|| InputError::new("expected a JSON object {name, url, secret}"))?;
        let name = object
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| self.events.contains_key(*n));
        let Some(name) = name else {
            let mut names: Vec<&str> = self.events.keys().map(String::as_str).collect();
            names.sort_unstable();
            let quoted: Vec<String> = names.iter().map(|n| super::behaviour::repr(n)).collect();
            return Err(InputError::status(
                404,
                format!("name: expected one of [{}]", quoted.join(", ")),
            ));
        };
        let url = check_url(object.get("url"))?;
        let secret = match object.get("secret") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(InputError::new("secret: expected a string")),
        };
        let event = &self.events[name];
        let field = |key: &str| {
            event
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let result = self
            .deliver(
                state,
                &url,
                name,
                event.get("payload").unwrap_or(&Value::Null),
                secret.as_deref(),
                None,
                field("method").unwrap_or("POST"),
                field("media_type").unwrap_or("application/json"),
            )
            .await;
        let mut out = Map::new();
        out.insert("name".to_owned(), json!(name));
        if let Value::Object(result) = result {
            out.extend(result);
        }
        Ok(Value::Object(out))
    }

    fn subscribers(&self, state: &State) -> Vec<Subscriber> {
        let mut cached = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cached.as_ref() {
            return found.clone();
        }
        let db = state.db();
        let found: Vec<Subscriber> = db
            .prepare("SELECT * FROM webhooks ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([], row_json)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_default()
            .into_iter()
            .filter(|(row, _)| {
                row.get("events")
                    .and_then(Value::as_array)
                    .is_some_and(|events| events.iter().any(|e| e == REQUEST_COMPLETED))
            })
            .map(|(row, secret)| Subscriber {
                id: row.get("id").and_then(Value::as_i64).unwrap_or_default(),
                url: row
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                secret,
            })
            .collect();
        *cached = Some(found.clone());
        found
    }

    /// Schedules `request.completed` for the webhooks that want it.
    pub(crate) fn request_completed(
        self: &Arc<Self>,
        state: &Arc<State>,
        key: &str,
        method: &str,
        path: &str,
        status: u16,
    ) {
        if !self.enabled {
            return;
        }
        let subscribers = self.subscribers(state);
        if subscribers.is_empty() {
            return;
        }
        let payload = json!({
            "event": REQUEST_COMPLETED,
            "operation": key,
            "method": method,
            "path": path,
            "status_code": status,
            "timestamp": now(),
        });
        for webhook in subscribers {
            let hooks = Arc::clone(self);
            let state = Arc::clone(state);
            let payload = payload.clone();
            tokio::spawn(async move {
                hooks
                    .deliver(
                        &state,
                        &webhook.url,
                        REQUEST_COMPLETED,
                        &payload,
                        Some(&webhook.secret),
                        Some(webhook.id),
                        "POST",
                        "application/json",
                    )
                    .await;
            });
        }
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}
