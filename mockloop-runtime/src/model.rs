//! The normalised API model that templates see.
//!
//! [`ApiModel::from_spec`] walks a [`LoadedSpec`]'s normalised document: its
//! structure is parsed with `openapiv3` (schemas are kept beside it as raw
//! JSON Schema, since 3.0 cannot say everything 3.1 can), and every
//! operation becomes an [`Operation`] with Python-safe identifiers, typed
//! parameters and a precomputed example response for every documented status.
mod conditions;
mod ident;
mod operation;
mod params;
mod responses;
mod routes;
mod structure;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::spec::{LoadedSpec, SpecVersion};
pub use conditions::RouteCondition;
pub(crate) use responses::{base as media_essence, carries_json};

/// Everything the templates need to know about one API.
#[derive(Debug, Clone, Serialize)]
pub struct ApiModel {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`, if any.
    pub description: Option<String>,
    /// The version the description was written in.
    pub spec_version: SpecVersion,
    /// The path prefix every route is served under: `""` or e.g. `"/v1"`.
    pub base_path: String,
    /// Operations in route-registration order (literal segments before
    /// parameters, so `/pets/mine` wins over `/pets/{id}`).
    pub operations: Vec<Operation>,
    /// Constructs read but not honoured.
    pub warnings: Vec<String>,
}

/// One operation (a method on a path).
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `"GET /pets/{petId}"`: method and the spec's path template. The key
    /// of this operation in data files, scenarios and overrides.
    pub key: String,
    /// The spec's `operationId`, if any.
    pub operation_id: Option<String>,
    /// The Python function name of the handler; unique in `main.py`.
    pub function: String,
    /// The upper-case HTTP method.
    pub method: String,
    /// The spec's path template, without the base path.
    pub path: String,
    /// The route as registered in FastAPI: base path plus the template with
    /// parameter names replaced by their Python identifiers.
    pub route: String,
    /// Other routes that reach this operation: the collapsed form of a route
    /// with empty segments (`/a//b` also as `/a/b`, which HTTP clients send),
    /// unless another operation of the same method has that route.
    pub route_aliases: Vec<String>,
    /// What a request must carry beyond the route, when the spec's path key
    /// has a query or fragment (`/#X-Amz-Target=Svc.Op`); `route` is the
    /// path part.
    pub conditions: Vec<RouteCondition>,
    /// The keys of the operations of this method whose routes match the
    /// same paths (this one included), in registration order, when there
    /// are several or this one has conditions: a request goes to the first
    /// whose conditions it meets and whose path parameters are valid, else
    /// to the first whose conditions it meets. Empty otherwise.
    pub route_group: Vec<String>,
    /// `summary`, if any.
    pub summary: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Path, query, header and cookie parameters (path-level ones merged in).
    pub params: Vec<Param>,
    /// The request body, if one is documented.
    pub request_body: Option<RequestBody>,
    /// Every documented response, in spec order.
    pub responses: Vec<ResponseSpec>,
    /// The index in `responses` of the one served by default (first 2xx).
    pub default_response: Option<usize>,
}

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// The name on the wire.
    pub name: String,
    /// The Python identifier used for it in the handler; unique per handler.
    pub ident: String,
    /// Where it lives.
    pub location: ParamLocation,
    /// Whether the request must carry it.
    pub required: bool,
    /// The Python type it is declared with in the handler (`int`, `float`,
    /// `bool`, `str` or `list[...]`), so FastAPI parses and documents it.
    pub py_type: String,
    /// The parameter's JSON Schema (normalised dialect).
    pub schema: Value,
    /// The serialisation style (`form`, `simple`, ...).
    pub style: String,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
    /// Whether a query parameter may be sent with an empty value (`name=`),
    /// OpenAPI's `allowEmptyValue`.
    pub allow_empty: bool,
    /// A value valid against `schema`, for documentation and tests.
    pub example: Value,
}

/// A documented request body.
#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    /// Whether the body is required.
    pub required: bool,
    /// Media type → JSON Schema (normalised dialect).
    pub content: IndexMap<String, Value>,
    /// The preferred media type and a valid example body for it.
    pub example: Option<(String, Value)>,
}

/// One documented response and the example served for it.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseSpec {
    /// The key as written in the spec: `"200"`, `"4XX"` or `"default"`.
    pub status: String,
    /// The status code sent when this response is served.
    pub status_code: u16,
    /// `description`.
    pub description: String,
    /// The media type served, if the response has a body.
    pub media_type: Option<String>,
    /// Every documented media type.
    pub media_types: Vec<String>,
    /// The response schema for `media_type` (normalised dialect).
    pub schema: Option<Value>,
    /// The body served by default, valid against `schema`.
    pub body: Option<Value>,
    /// Named examples from the spec, valid against `schema`.
    pub examples: IndexMap<String, Value>,
    /// Documented response headers and the values sent for them.
    pub headers: IndexMap<String, String>,
}

impl ApiModel {
    /// Builds the model of a loaded spec.
    pub fn from_spec(spec: &LoadedSpec) -> Result<Self> {
        let api = structure::parse(spec)?;
        operation::build_model(spec, &api)
    }

    /// The number of operations.
    pub fn operation_count(&self) -> usize {
        self.operations.len()
    }
}
