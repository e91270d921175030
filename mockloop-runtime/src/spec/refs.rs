//! Resolving the internal `$ref`s of a bundled document.
//!
//! Non-schema references (parameters, responses, request bodies, headers,
//! examples, links, callbacks, path items, security schemes) are replaced by
//! their targets, with sibling keywords laid over the copy. Schema references
//! stay references, rewritten to `#/components/schemas/<Name>`; a reference
//! deeper than one level into the schema container, or anywhere else, gets
//! its target hoisted into the container under a fresh name.
use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::spec::bundle::container_mut;
use crate::spec::kind::{Kind, Shape, is_schema_keyword};
use crate::spec::names::Names;
use crate::spec::pointer::{self, Step, escape, lookup, owned_steps, render, render_steps};

/// How many `$ref`-only schemas may be chained before giving up.
const MAX_REF_CHAIN: usize = 64;

/// Resolves `document`'s references. `container` is where its schemas live
/// (`definitions` or `components/schemas`); schema references in the output
/// all read `#/components/schemas/<Name>`.
pub(crate) fn resolve(
    document: &Value,
    container: &'static [&'static str],
    source_name: &str,
) -> Result<Value> {
    let existing = pointer::lookup_keys(document, container)
        .and_then(Value::as_object)
        .map(|map| map.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let mut resolver = Resolver {
        doc: document,
        source_name,
        container,
        names: Names::new(existing),
        memo: HashMap::new(),
        inlining: Vec::new(),
        hoisted: HashMap::new(),
        queue: VecDeque::new(),
    };
    let mut output = resolver.walk(document, Kind::Root, &mut Vec::new())?;
    let mut hoisted = Vec::new();
    while let Some((name, tokens)) = resolver.queue.pop_front() {
        let target = lookup(document, &tokens).unwrap_or(&Value::Null);
        let mut path = owned_steps(&tokens);
        hoisted.push((name, resolver.walk(target, Kind::Schema, &mut path)?));
    }
    if let Some(schemas) = container_mut(&mut output, container) {
        for (name, value) in hoisted {
            schemas.insert(name, value);
        }
    }
    Ok(output)
}

struct Resolver<'a> {
    doc: &'a Value,
    source_name: &'a str,
    container: &'static [&'static str],
    names: Names,
    /// Resolved non-schema targets by (reference, kind).
    memo: HashMap<(String, Kind), Value>,
    /// References being inlined, to report cycles.
    inlining: Vec<String>,
    /// Pointer of a hoisted schema → its name.
    hoisted: HashMap<String, String>,
    queue: VecDeque<(String, Vec<String>)>,
}

impl<'a> Resolver<'a> {
    fn walk(&mut self, value: &'a Value, kind: Kind, path: &mut Vec<Step<'a>>) -> Result<Value> {
        match value {
            Value::Object(map) if kind != Kind::Opaque => self.walk_object(map, kind, path),
            Value::Array(items) if kind != Kind::Opaque => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    let walked = self.walk(item, kind, path);
                    path.pop();
                    out.push(walked?);
                }
                Ok(Value::Array(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn walk_object(
        &mut self,
        map: &'a Map<String, Value>,
        kind: Kind,
        path: &mut Vec<Step<'a>>,
    ) -> Result<Value> {
        let reference = match map.get("$ref") {
            Some(Value::String(reference)) if kind.takes_refs() => Some(reference),
            _ => None,
        };
        let mut out = match (reference, kind) {
            (None, _) => Map::with_capacity(map.len()),
            (Some(reference), Kind::Schema) => {
                let target = self.schema_ref(reference, path)?;
                Map::from_iter([("$ref".to_owned(), Value::String(target))])
            }
            (Some(reference), _) => match self.inline(reference, kind, path)? {
                Value::Object(target) => target,
                other => return Ok(other),
            },
        };
        for (key, value) in map {
            if key == "$ref" && reference.is_some() {
                continue;
            }
            path.push(Step::Key(key));
            let walked = self.walk_field(value, kind.field(key), path);
            path.pop();
            out.insert(key.clone(), walked?);
        }
        Ok(Value::Object(out))
    }

    fn walk_field(
        &mut self,
        value: &'a Value,
        shape: Shape,
        path: &mut Vec<Step<'a>>,
    ) -> Result<Value> {
        match (shape, value) {
            (Shape::One(kind), _) => self.walk(value, kind, path),
            (Shape::Map(kind), Value::Object(map)) => {
                let mut out = Map::with_capacity(map.len());
                for (key, item) in map {
                    path.push(Step::Key(key));
                    let walked = self.walk(item, kind, path);
                    path.pop();
                    out.insert(key.clone(), walked?);
                }
                Ok(Value::Object(out))
            }
            (Shape::Map(_), other) => Ok(other.clone()),
        }
    }

    fn unresolved(&self, reference: &str, path: &[Step<'_>], reason: String) -> Error {
        Error::UnresolvedRef {
            source_name: self.source_name.to_owned(),
            reference: reference.to_owned(),
            location: render_steps(path),
            reason,
        }
    }

    fn tokens(&self, reference: &str, path: &[Step<'_>]) -> Result<Vec<String>> {
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(self.unresolved(
                reference,
                path,
                "external reference in a part of the document that is not bundled".to_owned(),
            ));
        };
        pointer::tokens(fragment).map_err(|reason| self.unresolved(reference, path, reason))
    }

    /// The normalised target of a schema reference.
    fn schema_ref(&mut self, reference: &str, path: &[Step<'_>]) -> Result<String> {
        let mut tokens = self.tokens(reference, path)?;
        for _ in 0..MAX_REF_CHAIN {
            let pointer = render(&tokens);
            let Some(target) = lookup(self.doc, &tokens) else {
                return Err(self.unresolved(
                    reference,
                    path,
                    format!("there is nothing at {pointer}"),
                ));
            };
            let in_container = tokens.len() == self.container.len() + 1
                && self.container.iter().zip(&tokens).all(|(a, b)| *a == b);
            let name = match (in_container, self.hoisted.get(&pointer)) {
                (true, _) => tokens.last().cloned().unwrap_or_default(),
                (false, Some(name)) => name.clone(),
                (false, None) => {
                    if let Some(Value::String(next)) = target.get("$ref")
                        && target.as_object().is_some_and(|map| map.len() == 1)
                    {
                        tokens = self.tokens(next, &owned_steps(&tokens))?;
                        continue;
                    }
                    let name = self.names.claim(&hoist_base(&tokens, self.container));
                    self.hoisted.insert(pointer, name.clone());
                    self.queue.push_back((name.clone(), tokens));
                    name
                }
            };
            return Ok(format!("#/components/schemas/{}", escape(&name)));
        }
        Err(self.unresolved(
            reference,
            path,
            "the chain of references is circular".to_owned(),
        ))
    }

    /// The resolved target of a non-schema reference.
    fn inline(&mut self, reference: &str, kind: Kind, path: &[Step<'_>]) -> Result<Value> {
        let key = (reference.to_owned(), kind);
        if let Some(done) = self.memo.get(&key) {
            return Ok(done.clone());
        }
        if self.inlining.iter().any(|r| r == reference) {
            return Err(self.unresolved(reference, path, "the reference is circular".to_owned()));
        }
        let tokens = self.tokens(reference, path)?;
        let Some(target) = lookup(self.doc, &tokens) else {
            return Err(self.unresolved(
                reference,
                path,
                format!("there is nothing at {}", render(&tokens)),
            ));
        };
        self.inlining.push(reference.to_owned());
        let mut inner = owned_steps(&tokens);
        let walked = self.walk(target, kind, &mut inner);
        self.inlining.pop();
        let walked = walked?;
        self.memo.insert(key, walked.clone());
        Ok(walked)
    }
}

/// A name for a hoisted schema from the pointer to it: the tokens after the
/// container, without schema keywords (`Pet/properties/tag` → `Pet_tag`).
fn hoist_base(tokens: &[String], container: &[&str]) -> String {
    let skip = if container.iter().zip(tokens).all(|(a, b)| *a == b) {
        container.len()
    } else {
        0
    };
    let parts: Vec<&str> = tokens
        .iter()
        .skip(skip)
        .map(String::as_str)
        .filter(|t| !is_schema_keyword(t) && *t != "schema")
        .collect();
    parts.join("_")
}
