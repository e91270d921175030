//! The API's operations as the generator described them: routes,
//! parameters and bodies (`mock_data/validation.json`) and the documented
//! responses (`mock_data/operations.json`), read once at start-up.
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::conditions::{self, Condition};
use super::files::MockFiles;
use super::respond::encode_body;
use super::schemas::absolute_refs;
use crate::error::{Error, Result};
use crate::spec::pointer::escape;

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    Path,
    Query,
    Header,
    Cookie,
}

impl In {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug)]
pub(crate) struct ParamSpec {
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) location: In,
    pub(crate) required: bool,
    pub(crate) style: String,
    pub(crate) explode: bool,
    /// `name=` passes (OpenAPI's `allowEmptyValue`).
    pub(crate) allow_empty: bool,
    pub(crate) schema: Arc<Value>,
}

/// An operation's request body.
#[derive(Debug)]
pub(crate) struct BodySpec {
    pub(crate) required: bool,
    /// Media type → schema, in the spec's order.
    pub(crate) content: Vec<(String, Arc<Value>)>,
}

/// One documented response, serialised once.
#[derive(Debug)]
pub(crate) struct Documented {
    pub(crate) status_code: u16,
    pub(crate) media_type: Option<String>,
    pub(crate) body: Value,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) examples: Map<String, Value>,
    /// The body encoded for its media type.
    pub(crate) encoded: Bytes,
}

/// Documented responses by status (`200`, `4XX`, `default`).
pub(crate) type Responses = IndexMap<String, Arc<Documented>>;

/// One operation.
#[derive(Debug)]
pub(crate) struct Op {
    /// `GET /pets/{petId}`.
    pub(crate) key: Arc<str>,
    pub(crate) method: String,
    /// The spec's path template (`/pets/{petId}`).
    pub(crate) path: String,
    pub(crate) route: String,
    pub(crate) route_aliases: Vec<String>,
    /// What a request must carry beyond the route.
    pub(crate) conditions: Vec<Condition>,
    /// The operations (by index) that share this one's paths, in routing
    /// order; empty when it is alone and has no conditions.
    pub(crate) route_group: Vec<usize>,
    pub(crate) path_template: String,
    pub(crate) params: Vec<ParamSpec>,
    pub(crate) body: Option<BodySpec>,
    /// Status → response schema (refs relative, for synthesis).
    pub(crate) response_schemas: Map<String, Value>,
    /// The documented default status (a key of `responses`).
    pub(crate) default: Option<String>,
    pub(crate) responses: Responses,
}

impl Op {
    /// The documented response for a status: exact, range (`4XX`), then
    /// `default`.
    pub(crate) fn documented(&self, code: u16) -> Option<(&str, &Arc<Documented>)> {
        let exact = code.to_string();
        let range = format!("{}XX", code / 100);
        [exact.as_str(), range.as_str(), "default"]
            .into_iter()
            .find_map(|status| self.responses.get_key_value(status))
            .map(|(status, entry)| (status.as_str(), entry))
    }

    /// The documented response that has the example `name`: the default
    /// one first, then the others in spec order.
    pub(crate) fn with_example(&self, name: &str) -> Option<(&str, &Arc<Documented>)> {
        self.default_response()
            .into_iter()
            .chain(
                self.responses
                    .iter()
                    .map(|(status, entry)| (status.as_str(), entry)),
            )
            .find(|(_, entry)| entry.examples.contains_key(name))
    }

    /// The default documented response, if any.
    pub(crate) fn default_response(&self) -> Option<(&str, &Arc<Documented>)> {
        let status = self.default.as_deref()?;
        self.responses
            .get_key_value(status)
            .map(|(status, entry)| (status.as_str(), entry))
    }
}

/// Every operation, plus the lookups the admin API needs.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) ops: Vec<Op>,
    /// (method, path template with or without the base path) → index.
    templates: HashMap<(String, String), usize>,
    /// The header, query and cookie names of the spec's API keys.
    pub(crate) api_key_names: Vec<String>,
    /// The validation document with absolute refs.
    pub(crate) document: Arc<Value>,
    /// The validation document as written (relative refs), for synthesis.
    pub(crate) raw_document: Arc<Value>,
}

fn malformed(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Serve {
        what: what.to_owned(),
        reason: reason.to_string(),
    }
}

impl Catalog {
    /// Reads the catalog of a mock.
    pub(crate) fn new(files: &mut MockFiles) -> Result<Self> {
        let mut document = std::mem::take(&mut files.validation);
        let raw_document = Arc::new(document.clone());
        absolute_refs(&mut document);
        let operations = document
            .get("operations")
            .and_then(Value::as_object)
            .ok_or_else(|| malformed("mock_data/validation.json", "no operations object"))?;
        let responses = files
            .operations
            .as_object()
            .ok_or_else(|| malformed("mock_data/operations.json", "not an object"))?;
        let mut ops = Vec::with_capacity(operations.len());
        for (key, entry) in operations {
            let raw_entry = raw_document.pointer(&format!("/operations/{}", escape(key)));
            ops.push(read_op(key, entry, raw_entry, responses.get(key))?);
        }
        let index_of: HashMap<&str, usize> = operations
            .keys()
            .enumerate()
            .map(|(index, key)| (key.as_str(), index))
            .collect();
        for (op, entry) in ops.iter_mut().zip(operations.values()) {
            op.route_group = entry
                .get("route_group")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|key| index_of.get(key.as_str()?).copied())
                .collect();
        }
        let mut templates = HashMap::new();
        for (index, op) in ops.iter().enumerate() {
            templates.insert((op.method.clone(), op.path.clone()), index);
            templates
                .entry((op.method.clone(), op.path_template.clone()))
                .or_insert(index);
        }
        let api_key_names = document
            .get("api_key_names")
            .and_then(Value::as_object)
            .map(|names| {
                names
                    .values()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            ops,
            templates,
            api_key_names,
            document: Arc::new(document),
            raw_document,
        })
    }

    /// The operation on `method path_template` (base path optional).
    pub(crate) fn operation(&self, method: &str, path_template: &str) -> Option<&Op> {
        self.templates
            .get(&(method.to_ascii_uppercase(), path_template.to_owned()))
            .map(|&index| &self.ops[index])
    }
}

fn read_op(
    key: &str,
    entry: &Value,
    raw_entry: Option<&Value>,
    responses: Option<&Value>,
) -> Result<Op> {
    let what = format!("mock_data/validation.json operation {key:?}");
    let text = |name: &str| -> Result<String> {
        entry
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| malformed(&what, format!("no {name}")))
    };
    let (method, path) = key
        .split_once(' ')
        .ok_or_else(|| malformed(&what, "the key is not 'METHOD /path'"))?;
    let params = entry
        .get("params")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|param| read_param(param, &what))
        .collect::<Result<Vec<_>>>()?;
    let body = entry
        .get("body")
        .and_then(Value::as_object)
        .map(|body| BodySpec {
            required: body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            content: body
                .get("content")
                .and_then(Value::as_object)
                .map(|content| {
                    content
                        .iter()
                        .map(|(media, schema)| (media.clone(), Arc::new(schema.clone())))
                        .collect()
                })
                .unwrap_or_default(),
        });
    let (default, documented) = read_responses(key, responses)?;
    Ok(Op {
        key: Arc::from(key),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        route: text("route")?,
        route_aliases: entry
            .get("route_aliases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        conditions: conditions::read(entry),
        route_group: Vec::new(),
        path_template: text("path_template")?,
        params,
        body,
        response_schemas: raw_entry
            .and_then(|e| e.get("responses"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        default,
        responses: documented,
    })
}

fn read_param(param: &Value, what: &str) -> Result<ParamSpec> {
    let text = |name: &str| param.get(name).and_then(Value::as_str).unwrap_or_default();
    let location = match text("in") {
        "path" => In::Path,
        "query" => In::Query,
        "header" => In::Header,
        "cookie" => In::Cookie,
        other => return Err(malformed(what, format!("a parameter is in {other:?}"))),
    };
    Ok(ParamSpec {
        name: text("name").to_owned(),
        ident: text("ident").to_owned(),
        location,
        required: param
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        style: text("style").to_owned(),
        explode: param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        allow_empty: param
            .get("allow_empty")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        schema: Arc::new(param.get("schema").cloned().unwrap_or(Value::Bool(true))),
    })
}

fn read_responses(key: &str, responses: Option<&Value>) -> Result<(Option<String>, Responses)> {
    let what = format!("mock_data/operations.json operation {key:?}");
    let Some(entry) = responses else {
        return Ok((None, IndexMap::new()));
    };
    let default = entry
        .get("default")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut out = IndexMap::new();
    for (status, response) in entry
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let status_code = response
            .get("status_code")
            .and_then(Value::as_u64)
            .and_then(|code| u16::try_from(code).ok())
            .ok_or_else(|| malformed(&what, format!("response {status} has no status_code")))?;
        out.insert(status.clone(), Arc::new(documented(status_code, response)));
    }
    Ok((default, out))
}

/// A documented response entry (`{status_code, media_type, body, headers,
/// examples}`), its body encoded.
pub(crate) fn documented(status_code: u16, response: &Value) -> Documented {
    let media_type = response
        .get("media_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let body = response.get("body").cloned().unwrap_or(Value::Null);
    let encoded = media_type
        .as_deref()
        .map(|media| encode_body(&body, media))
        .unwrap_or_default();
    Documented {
        status_code,
        media_type,
        body,
        headers: response
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        examples: response
            .get("examples")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        encoded,
    }
}
