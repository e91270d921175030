//! Parsed and validated operations by their text. Clients send the same
//! few queries again and again, and parsing and validating one is most of
//! the work of answering it; the FastAPI mock keeps them the same way
//! (`graphql_http.py`).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use foldhash::fast::RandomState;
use serde_json::Value;

/// Documents kept; the cache starts over when it is full.
const KEPT: usize = 512;
/// Longer operations are parsed every time, not kept.
const LONGEST_KEPT: usize = 16 * 1024;

/// A document, or the errors (`[{message, locations}]`) that refused it.
pub(crate) type Parsed = Result<Arc<Valid<ExecutableDocument>>, Arc<Value>>;

/// The cache, one per schema.
#[derive(Default)]
pub(crate) struct Documents {
    kept: Mutex<HashMap<Box<str>, Parsed, RandomState>>,
}

impl Documents {
    /// `query` parsed and validated against `schema`, from the cache when
    /// it was seen before.
    pub(crate) fn get(&self, schema: &Valid<Schema>, query: &str) -> Parsed {
        let cacheable = query.len() <= LONGEST_KEPT;
        if cacheable
            && let Ok(kept) = self.kept.lock()
            && let Some(found) = kept.get(query)
        {
            return found.clone();
        }
        let parsed = parse(schema, query);
        if cacheable && let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= KEPT {
                kept.clear();
            }
            kept.insert(Box::from(query), parsed.clone());
        }
        parsed
    }
}

fn parse(schema: &Valid<Schema>, query: &str) -> Parsed {
    ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
        .map(Arc::new)
        .map_err(|with_errors| {
            Arc::new(Value::Array(
                with_errors
                    .errors
                    .iter()
                    .map(|d| serde_json::to_value(d.to_json()).unwrap_or(Value::Null))
                    .collect(),
            ))
        })
}
