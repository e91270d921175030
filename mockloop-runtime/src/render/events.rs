//! `mock_data/events.json`: the spec's 3.1 `webhooks` and 3.0 `callbacks`
//! with a schema-valid example payload each, so the admin API can fire them.
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::model::ApiModel;
use crate::spec::LoadedSpec;
use crate::synth::{Synthesizer, seed_for};

const METHODS: &[&str] = &["post", "put", "patch", "get", "delete"];

/// One event the mock can send.
#[derive(Serialize)]
pub(super) struct EventEntry {
    pub(super) kind: &'static str,
    /// The operation declaring a callback.
    operation: Option<String>,
    /// The callback's URL expression, for information.
    expression: Option<String>,
    pub(super) method: String,
    media_type: Option<String>,
    payload: Value,
}

/// Every webhook and callback by name; a callback name used by two
/// operations gets the operation key appended to the later one.
pub(super) fn document(spec: &LoadedSpec, model: &ApiModel) -> IndexMap<String, EventEntry> {
    let mut synth = Synthesizer::new(&spec.document);
    let mut out = IndexMap::new();
    if let Some(webhooks) = spec.document.get("webhooks").and_then(Value::as_object) {
        for (name, item) in webhooks {
            if let Some(entry) = entry(&mut synth, "webhook", name, item, None, None) {
                out.insert(name.clone(), entry);
            }
        }
    }
    for op in &model.operations {
        let callbacks = spec
            .document
            .get("paths")
            .and_then(|paths| paths.get(&op.path))
            .and_then(|item| item.get(op.method.to_ascii_lowercase()))
            .and_then(|raw| raw.get("callbacks"))
            .and_then(Value::as_object);
        for (name, callback) in callbacks.into_iter().flatten() {
            let Some((expression, item)) = callback.as_object().and_then(|c| c.iter().next())
            else {
                continue;
            };
            let Some(entry) = entry(
                &mut synth,
                "callback",
                name,
                item,
                Some(op.key.clone()),
                Some(expression.clone()),
            ) else {
                continue;
            };
            let key = if out.contains_key(name) {
                format!("{name} ({})", op.key)
            } else {
                name.clone()
            };
            out.insert(key, entry);
        }
    }
    out
}

fn entry(
    synth: &mut Synthesizer<'_>,
    kind: &'static str,
    name: &str,
    item: &Value,
    operation: Option<String>,
    expression: Option<String>,
) -> Option<EventEntry> {
    let (method, raw) = METHODS
        .iter()
        .find_map(|method| Some((*method, item.get(*method)?)))?;
    let content = raw
        .pointer("/requestBody/content")
        .and_then(Value::as_object);
    let (media_type, payload) = match content.and_then(|c| c.iter().next()) {
        Some((media_type, media)) => {
            let seed = seed_for(&["event", kind, name]);
            let examples = synth.media_examples(media, name, seed);
            (Some(media_type.clone()), examples.default)
        }
        None => (None, Value::Null),
    };
    Some(EventEntry {
        kind,
        operation,
        expression,
        method: method.to_ascii_uppercase(),
        media_type,
        payload,
    })
}
