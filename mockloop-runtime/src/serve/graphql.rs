//! The GraphQL endpoint of a GraphQL mock on the native engine, as
//! `mockloop_mock/graphql_http.py` answers it: auth first, the query page
//! for a browser, then GraphQL over HTTP (`crate::graphql::http`), with the
//! store of stateful mode in `db/`.
use std::sync::Arc;

use serde_json::Value;

use super::engine::Mock;
use super::request::Incoming;
use super::respond::Reply;
use super::state::State;
use super::storage;
use crate::graphql::http::{HttpRequest, handle};
use crate::graphql::resolve::{Event, Store, World};

/// The query page both engines serve.
pub(crate) const PAGE: &str = "fastapi/mockloop_mock/static/graphql.html";

/// The reply to a request for the endpoint, and the operation for the log
/// (`query GetUser`), when one was read.
pub(crate) async fn answer(
    mock: &Arc<Mock>,
    world: &Arc<World>,
    request: &Incoming,
    key: &str,
) -> (Reply, Option<String>) {
    if let Some(denied) = mock.auth.check(request, key) {
        return (denied, None);
    }
    let wants_page = request.method == hyper::Method::GET
        && !request.query.iter().any(|(name, _)| name == "query")
        && request
            .header("accept")
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        let reply = Reply::bytes(200, "text/html; charset=utf-8", mock.graphql_page.clone())
            .with_header("content-security-policy", mock.graphql_csp.clone());
        return (reply, None);
    }
    let shared = Arc::clone(mock);
    let world = Arc::clone(world);
    let method = request.method.as_str().to_owned();
    let query = request.query.clone();
    let content_type = request.header("content-type").map(str::to_owned);
    let accept = request.header("accept").map(str::to_owned);
    let body = request.body.clone();
    let answered = tokio::task::spawn_blocking(move || {
        let mock = shared;
        let store = SqlStore::new(&mock.state);
        let stateful = mock.storage_active();
        let store: Option<&dyn Store> = if stateful { Some(&store) } else { None };
        let state = &mock.state;
        let configured = |coordinate: &str| {
            state
                .override_of(coordinate)
                .or_else(|| state.scenario_behaviour(coordinate))
        };
        handle(
            &world,
            store,
            Some(&configured),
            &HttpRequest {
                method: &method,
                query: &query,
                content_type: content_type.as_deref(),
                accept: accept.as_deref(),
                body: &body,
            },
        )
    })
    .await;
    match answered {
        Ok(mut answer) => {
            publish(mock, std::mem::take(&mut answer.events));
            let mut reply = Reply::json_as(answer.status, &answer.body, answer.media_type);
            for (name, value) in answer.headers {
                reply = reply.with_header(&name, value);
            }
            (reply, answer.operation)
        }
        Err(err) => (
            Reply::error(500, &format!("the GraphQL execution failed: {err}")),
            None,
        ),
    }
}

/// Stateful mode's records in `stored_items`, one collection per type
/// (`graphql:User`), as the FastAPI mock keeps them.
pub(crate) struct SqlStore<'a> {
    state: &'a State,
}

impl<'a> SqlStore<'a> {
    pub(crate) fn new(state: &'a State) -> Self {
        Self { state }
    }
}

/// Tells the open subscriptions what the mutations did.
pub(crate) fn publish(mock: &Mock, events: Vec<Event>) {
    for event in events {
        // No receiver (no subscription open) is not a failure.
        let _ = mock.graphql_events.send(event);
    }
}

fn collection(ty: &str) -> String {
    format!("graphql:{ty}")
}

impl Store for SqlStore<'_> {
    fn get(&self, ty: &str, id: &str) -> Option<Value> {
        storage::load(&self.state.db(), &collection(ty), id)
            .ok()
            .flatten()
    }

    fn all(&self, ty: &str) -> Vec<(String, Value)> {
        let db = self.state.db();
        let Ok(mut statement) = db
            .prepare("SELECT item_id, body FROM stored_items WHERE collection = ? ORDER BY rowid")
        else {
            return Vec::new();
        };
        let rows = statement.query_map([collection(ty)], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        });
        rows.map(|rows| {
            rows.flatten()
                .filter_map(|(id, body)| Some((id, serde_json::from_str(&body).ok()?)))
                .collect()
        })
        .unwrap_or_default()
    }

    fn put(&self, ty: &str, id: &str, record: &Value) {
        if let Err(err) = storage::save(&self.state.db(), &collection(ty), id, record) {
            tracing::warn!("cannot store a GraphQL change: {err}");
        }
    }
}
