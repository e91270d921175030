//! Validation of values against document schemas, with compiled validators
//! cached for the life of one [`Checker`].
use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonschema::{Draft, Registry, ValidationError, Validator};
use serde_json::Value;

use super::unroll::unroll;

/// The URI under which the whole document is registered; every internal
/// `$ref` (`#/components/schemas/X`) is rewritten to start with it.
pub(crate) const BASE_URI: &str = "https://mockloop.invalid/document.json";

/// Most compiled validators kept at once. A validator carries compiled
/// copies of every schema it reaches, so on large specs (GitHub's) an
/// unbounded cache costs more memory than recompiling the rare repeat.
const MAX_CACHED_VALIDATORS: usize = 128;

/// Most instance locations reported for one failed validation.
const MAX_ERROR_PATHS: usize = 16;

/// A compile this slow means the document's `$ref` graph is very connected:
/// from then on, values are checked against schemas unrolled for them.
const SLOW_COMPILE: Duration = Duration::from_millis(10);

/// Validates values against schemas of one document (JSON Schema 2020-12,
/// formats asserted). Validators are compiled once per distinct schema.
pub(crate) struct Checker<'a> {
    /// The document the schemas' refs point into.
    document: &'a Value,
    /// The document as a prepared resource registry; `None` if it could not
    /// be registered (then nothing can be checked).
    registry: Option<Registry<'a>>,
    /// Whether values are checked against schemas unrolled for them (see
    /// [`unroll`]), after a compile was slow.
    unrolling: bool,
    /// Compiled validators by the schema's JSON text; `None` records a schema
    /// that does not compile.
    cache: HashMap<String, Option<Validator>>,
    /// Why schemas could not be compiled (each reason once), for warnings:
    /// values checked against them are taken as they are.
    pub(crate) failures: Vec<String>,
}

impl<'a> Checker<'a> {
    /// Registers `document` once; validators compiled later resolve refs in it.
    pub(crate) fn new(document: &'a Value) -> Self {
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .retrieve_known_draft_meta_schemas(false)
            .add(BASE_URI, document)
            .and_then(|builder| builder.prepare())
            .ok();
        Self {
            document,
            registry,
            unrolling: false,
            cache: HashMap::new(),
            failures: Vec::new(),
        }
    }

    /// Whether `instance` is valid against `schema`; `None` when the schema
    /// cannot be compiled (then the caller cannot know).
    pub(crate) fn is_valid(&mut self, schema: &Value, instance: &Value) -> Option<bool> {
        self.judge(schema, instance).map(|v| v.is_valid(instance))
    }

    /// The instance locations (JSON pointers) of the errors of `instance`
    /// against `schema`: empty if valid, `None` if the schema does not compile.
    pub(crate) fn error_paths(&mut self, schema: &Value, instance: &Value) -> Option<Vec<String>> {
        let validator = self.judge(schema, instance)?;
        if validator.is_valid(instance) {
            return Some(Vec::new());
        }
        let mut paths: Vec<String> = Vec::new();
        for error in validator.iter_errors(instance).take(MAX_ERROR_PATHS) {
            let path = error.instance_path().as_str().to_owned();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            paths.push(String::new());
        }
        Some(paths)
    }

    /// Each error of `instance` against `schema` as (JSON pointer of the
    /// instance location, message), at most `limit`: empty if valid, `None`
    /// if the schema does not compile.
    pub(crate) fn violations(
        &mut self,
        schema: &Value,
        instance: &Value,
        limit: usize,
    ) -> Option<Vec<(String, String)>> {
        let validator = self.judge(schema, instance)?;
        Some(
            validator
                .iter_errors(instance)
                .take(limit)
                .map(|error| {
                    let message = error.to_string();
                    (error.instance_path().as_str().to_owned(), message)
                })
                .collect(),
        )
    }

    /// The validator that judges `instance` against `schema`: unrolled for
    /// it in unrolling mode, else the cached one of `schema`.
    fn judge(&mut self, schema: &Value, instance: &Value) -> Option<Judge<'_>> {
        if let Some(unrolled) = self.unrolled(schema, instance) {
            return Some(Judge::Unrolled(unrolled));
        }
        self.validator(schema).map(Judge::Cached)
    }

    /// The compiled validator of `schema`, compiling it on first use.
    fn validator(&mut self, schema: &Value) -> Option<&Validator> {
        let key = match schema {
            Value::Object(map) if map.len() == 1 => match map.get("$ref") {
                Some(Value::String(target)) => target.clone(),
                _ => schema.to_string(),
            },
            _ => schema.to_string(),
        };
        if !self.cache.contains_key(&key) {
            if self.cache.len() >= MAX_CACHED_VALIDATORS {
                self.cache.clear();
            }
            let started = Instant::now();
            let compiled = self.compile(schema);
            self.unrolling |= started.elapsed() > SLOW_COMPILE;
            self.cache.insert(key.clone(), compiled);
        }
        self.cache.get(&key).and_then(Option::as_ref)
    }

    /// In unrolling mode, a validator of `schema` unrolled for `instance`
    /// (compiled for this one check); `None` otherwise, or when the schema
    /// cannot be unrolled or compiled that way.
    fn unrolled(&mut self, schema: &Value, instance: &Value) -> Option<Validator> {
        if !self.unrolling {
            return None;
        }
        let unrolled = unroll(self.document, schema, instance)?;
        build(self.registry.as_ref()?, &unrolled).ok()
    }

    /// Compiles `schema` with its internal refs pointing into the document.
    fn compile(&mut self, schema: &Value) -> Option<Validator> {
        let Some(registry) = self.registry.as_ref() else {
            self.failed("the document cannot be registered for validation".to_owned());
            return None;
        };
        match build(registry, schema) {
            Ok(validator) => Some(validator),
            Err(error) => {
                self.failed(error.to_string());
                None
            }
        }
    }

    fn failed(&mut self, reason: String) {
        if !self.failures.contains(&reason) {
            self.failures.push(reason);
        }
    }
}

/// The validator of one check: unrolled for its instance,
/// or cached for its schema.
enum Judge<'c> {
    Unrolled(Validator),
    Cached(&'c Validator),
}

impl std::ops::Deref for Judge<'_> {
    type Target = Validator;

    fn deref(&self) -> &Validator {
        match self {
            Self::Unrolled(validator) => validator,
            Self::Cached(validator) => validator,
        }
    }
}

/// Compiles `schema` (JSON Schema 2020-12, formats asserted) with its
/// internal refs pointing into the registered document.
fn build(registry: &Registry<'_>, schema: &Value) -> Result<Validator, ValidationError<'static>> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&rebase_refs(schema))
}

/// A copy of `schema` whose document-internal `$ref`s (`#/...`) are absolute
/// references into the registered document.
fn rebase_refs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("$ref", Value::String(target)) if target.starts_with('#') => {
                            Value::String(format!("{BASE_URI}{target}"))
                        }
                        // Data, not subschemas: copied as is.
                        ("enum" | "const" | "example" | "examples" | "default", _) => value.clone(),
                        _ => rebase_refs(value),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(rebase_refs).collect()),
        other => other.clone(),
    }
}
