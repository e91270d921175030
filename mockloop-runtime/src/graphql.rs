//! GraphQL mocks: a schema (SDL files, a folder of them, or an
//! introspection result) becomes a mock that answers GraphQL over HTTP on
//! `/graphql`, beside the REST model rather than inside it.
//!
//! * [`load`] reads and validates the schema (apollo-compiler), with errors
//!   that name the file, line and column.
//! * [`wrapper`] describes the endpoint as a small OpenAPI document, so the
//!   rest of the pipeline (auth, the request log, the admin API and UI,
//!   Docker, the process manager) treats a GraphQL mock as any other mock.
//! * [`data`] writes `mock_data/graphql.json`: the schema, its
//!   introspection, and the pool of generated values (made by `synth`)
//!   that both engines resolve fields from.
//! * [`resolve`] holds the rules that turn the pool into answers (identity,
//!   lists and connections, mutations, stored changes). The FastAPI mock's
//!   `mockloop_mock/graphql_data.py` follows the same rules, so both
//!   engines answer the same query with the same data.
//! * [`http`] is GraphQL over HTTP for the native engine.

pub(crate) mod behaviour;
pub(crate) mod data;
mod documents;
pub(crate) mod http;
mod introspection;
pub(crate) mod load;
pub(crate) mod operation;
pub(crate) mod resolve;
mod shape;
pub(crate) mod wrapper;

/// The extension of the wrapper document that carries the schema.
pub(crate) const EXTENSION: &str = "x-mockloop-graphql";
/// Where the endpoint is served.
pub(crate) const ENDPOINT: &str = "/graphql";
/// The data file both engines read.
pub(crate) const DATA_FILE: &str = "mock_data/graphql.json";

/// The schema sources a wrapper document carries, when it is one.
pub(crate) fn sources_of(document: &serde_json::Value) -> Option<Vec<load::SdlSource>> {
    let sources = document.get(EXTENSION)?.get("sources")?;
    serde_json::from_value(sources.clone()).ok()
}

/// A GraphQL schema as loaded: its sources and the schema built from them,
/// built once and handed down the pipeline.
#[derive(Debug)]
pub(crate) struct GraphqlSchema {
    pub sources: Vec<load::SdlSource>,
    pub schema: apollo_compiler::validation::Valid<apollo_compiler::Schema>,
}

impl GraphqlSchema {
    /// The schema of a wrapper document, when it is one.
    pub(crate) fn of(document: &serde_json::Value) -> crate::error::Result<Option<Self>> {
        let Some(sources) = sources_of(document) else {
            return Ok(None);
        };
        let schema = load::build(&sources)?;
        Ok(Some(Self { sources, schema }))
    }
}

/// FNV-1a over the UTF-8 bytes of `text`: the hash both engines use to
/// choose among generated values (`graphql_data.py` has the same function).
pub(crate) fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
