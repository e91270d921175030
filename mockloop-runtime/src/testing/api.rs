//! The API a test drives: its spec, model and, for a mockloop mock, the
//! mock secrets that satisfy each operation's security requirements.
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{ApiModel, Operation};
use crate::render::{manifest_auth, security_document};
use crate::spec::{LoadedSpec, load_spec};

/// Where a credential goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// A request header.
    Header(String, String),
    /// A query parameter.
    Query(String, String),
    /// A cookie.
    Cookie(String, String),
}

/// One API under test.
#[derive(Debug)]
pub(crate) struct Api {
    /// The loaded description (its normalised document resolves `$ref`s).
    pub(crate) spec: LoadedSpec,
    /// Operations, parameters, bodies and responses.
    pub(crate) model: ApiModel,
    /// The manifest's `auth` section: the mock secrets.
    auth: Value,
    /// `mock_data/security.json`: schemes and requirements.
    security: Value,
    /// The mock's folder, when the API was given as one.
    pub(crate) mock_dir: Option<PathBuf>,
}

/// An operation picked for a test, with its weight in the traffic mix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Picked<'a> {
    /// The operation.
    pub(crate) operation: &'a Operation,
    /// Its relative share of requests (at least 1).
    pub(crate) weight: u32,
}

/// A JSON file of a mock's folder.
pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|err| Error::MockFolder {
        path: path.to_path_buf(),
        reason: format!("not valid JSON: {err}"),
    })
}

impl Api {
    /// Loads a spec (file or URL) or a generated mock's folder.
    pub(crate) fn load(spec_or_dir: &str) -> Result<Self> {
        let folder = Path::new(spec_or_dir);
        if folder.join("mockloop.json").is_file() {
            let openapi = folder.join("mock_data").join("openapi.json");
            let spec = load_spec(&openapi.to_string_lossy())?;
            let model = ApiModel::from_spec(&spec)?;
            let manifest = read_json(&folder.join("mockloop.json"))?;
            let security = read_json(&folder.join("mock_data").join("security.json"))?;
            return Ok(Self {
                auth: manifest.get("auth").cloned().unwrap_or(Value::Null),
                security,
                spec,
                model,
                mock_dir: Some(folder.to_path_buf()),
            });
        }
        if folder.is_dir() {
            return Err(Error::MockFolder {
                path: folder.to_path_buf(),
                reason: "it has no mockloop.json: pass a spec file or URL, or a folder `mockloop-mcp generate` made".to_owned(),
            });
        }
        let spec = load_spec(spec_or_dir)?;
        let model = ApiModel::from_spec(&spec)?;
        Ok(Self {
            auth: manifest_auth(&spec, &model),
            security: security_document(&spec, &model),
            spec,
            model,
            mock_dir: None,
        })
    }

    /// The operations named in `wanted` (`METHOD /path` keys or
    /// `operationId`s, each optionally `:WEIGHT`), or all with weight 1
    /// when `wanted` is empty. An unknown name is an error listing some
    /// known ones.
    pub(crate) fn pick(&self, wanted: &[String]) -> Result<Vec<Picked<'_>>> {
        if wanted.is_empty() {
            return Ok(self
                .model
                .operations
                .iter()
                .map(|operation| Picked {
                    operation,
                    weight: 1,
                })
                .collect());
        }
        let mut picked: Vec<Picked<'_>> = Vec::new();
        for entry in wanted {
            let entry = entry.trim();
            let (name, weight) = match entry.rsplit_once(':') {
                Some((name, weight)) if weight.chars().all(|c| c.is_ascii_digit()) => {
                    let weight =
                        weight
                            .parse::<u32>()
                            .ok()
                            .filter(|w| *w > 0)
                            .ok_or_else(|| Error::InvalidArgument {
                                name: "operations".to_owned(),
                                reason: format!(
                                    "{entry:?}: the weight must be a whole number from 1"
                                ),
                            })?;
                    (name.trim(), weight)
                }
                _ => (entry, 1),
            };
            let found = self.model.operations.iter().find(|operation| {
                operation.key.eq_ignore_ascii_case(name)
                    || operation.operation_id.as_deref() == Some(name)
            });
            let Some(operation) = found else {
                let known: Vec<&str> = self
                    .model
                    .operations
                    .iter()
                    .take(8)
                    .map(|operation| operation.key.as_str())
                    .collect();
                return Err(Error::InvalidArgument {
                    name: "operations".to_owned(),
                    reason: format!(
                        "no operation {name:?} in the spec (give `METHOD /path` or an operationId, for example {})",
                        known.join(", ")
                    ),
                });
            };
            match picked.iter_mut().find(|p| p.operation.key == operation.key) {
                Some(existing) => existing.weight = existing.weight.saturating_add(weight),
                None => picked.push(Picked { operation, weight }),
            }
        }
        Ok(picked)
    }

    /// The mock credentials for operation `key`: those of its first
    /// security alternative the mock secrets can satisfy (none for an open
    /// operation).
    pub(crate) fn credentials(&self, key: &str) -> Vec<Credential> {
        let Some(alternatives) = self
            .security
            .pointer("/operations")
            .and_then(|ops| ops.get(key))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        if alternatives
            .iter()
            .any(|alt| alt.as_array().is_some_and(Vec::is_empty))
        {
            return Vec::new();
        }
        alternatives
            .iter()
            .filter_map(Value::as_array)
            .find_map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|name| self.credential(name))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_default()
    }

    fn credential(&self, scheme_name: &str) -> Option<Credential> {
        let scheme = self.security.pointer("/schemes")?.get(scheme_name)?;
        let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
        if text("type") == "apiKey" {
            let value = self
                .auth
                .pointer("/api_keys")?
                .get(scheme_name)?
                .as_str()?
                .to_owned();
            let name = text("name").to_owned();
            return Some(match text("in") {
                "query" => Credential::Query(name, value),
                "cookie" => Credential::Cookie(name, value),
                _ => Credential::Header(name, value),
            });
        }
        if text("scheme").eq_ignore_ascii_case("basic") {
            let basic = self.auth.get("basic")?;
            let user = basic.get("username")?.as_str()?;
            let password = basic.get("password")?.as_str()?;
            let encoded = STANDARD.encode(format!("{user}:{password}"));
            return Some(Credential::Header(
                "Authorization".to_owned(),
                format!("Basic {encoded}"),
            ));
        }
        let token = self.auth.pointer("/bearer_tokens/0")?.as_str()?;
        Some(Credential::Header(
            "Authorization".to_owned(),
            format!("Bearer {token}"),
        ))
    }

    /// The response object the spec documents for `operation` and `status`
    /// key (`200`, `4XX`, `default`), from the normalised document.
    pub(crate) fn response_object(&self, operation: &Operation, status: &str) -> Option<&Value> {
        let method = operation.method.to_ascii_lowercase();
        let paths = self.spec.document.get("paths")?.as_object()?;
        let item = paths.get(&operation.path)?;
        let response = item.get(&method)?.get("responses")?.get(status)?;
        Some(self.resolve(response))
    }

    /// Follows local `$ref`s (a few levels) in the normalised document.
    pub(crate) fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        resolve_local(&self.spec.document, value)
    }
}

/// `value` with its local `$ref`s (`#/...`) followed in `document`, a few
/// levels deep; a reference that leads nowhere stops the walk.
pub(crate) fn resolve_local<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}
