//! Bundling: every `$ref` that leaves the root document is pulled into it.
//!
//! Schema targets are copied into the root's schema container (`definitions`
//! for Swagger 2.0, `components/schemas` for 3.x) under a unique name, and the
//! reference points there, so recursive schemas stay finite. Other targets
//! (parameters, responses, …) are inlined. References inside the root are
//! left as written; references inside other files are resolved against those
//! files.
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::spec::kind::{Kind, Shape};
use crate::spec::names::Names;
use crate::spec::pointer::{self, escape, lookup, render, split_ref};
use crate::spec::source::{self, Location};

/// Pulls external references of `root` (read from `location`) into it.
pub(crate) fn bundle(
    root: Value,
    location: &Location,
    container: &'static [&'static str],
) -> Result<Value> {
    if !has_external_refs(&root) {
        return Ok(root);
    }
    let root = Rc::new(Doc {
        key: location.key(),
        location: location.clone(),
        value: root,
    });
    let mut bundler = Bundler {
        root: Rc::clone(&root),
        docs: HashMap::from([(root.key.clone(), Rc::clone(&root))]),
        container,
        names: Names::new(lookup_names(&root.value, container)),
        by_target: HashMap::new(),
        queue: VecDeque::new(),
        inlining: Vec::new(),
    };
    bundler.run()
}

/// A parsed document.
struct Doc {
    key: String,
    location: Location,
    value: Value,
}

/// A schema waiting to be copied into the container.
struct Pending {
    name: String,
    doc: Rc<Doc>,
    tokens: Vec<String>,
}

/// What to do with a `$ref`.
enum Outcome {
    /// Keep a reference, with this (possibly rewritten) target.
    Keep(String),
    /// Replace the reference object with this value.
    Inline(Value),
}

struct Bundler {
    root: Rc<Doc>,
    docs: HashMap<String, Rc<Doc>>,
    container: &'static [&'static str],
    names: Names,
    /// (document key, pointer) of a bundled schema → its name.
    by_target: HashMap<(String, String), String>,
    queue: VecDeque<Pending>,
    /// (document key, pointer) of the non-schema objects being inlined.
    inlining: Vec<(String, String)>,
}

impl Bundler {
    fn run(&mut self) -> Result<Value> {
        let root = Rc::clone(&self.root);
        let direct = self.claim_direct_entries()?;
        let mut output = self.walk(&root.value, Kind::Root, &root, &mut Vec::new())?;
        let mut bundled = Vec::new();
        while let Some(pending) = self.queue.pop_front() {
            let mut path = pending.tokens.clone();
            let target = lookup(&pending.doc.value, &pending.tokens).unwrap_or(&Value::Null);
            let value = self.walk(target, Kind::Schema, &pending.doc, &mut path)?;
            bundled.push((pending.name, value));
        }
        let Some(schemas) = container_mut(&mut output, self.container) else {
            return Ok(output);
        };
        for (name, value) in bundled {
            if !direct.contains(&name) {
                schemas.insert(name, value);
            } else if let Some(slot) = schemas.get_mut(&name) {
                *slot = value;
            }
        }
        Ok(output)
    }

    /// Container entries that are nothing but an external `$ref` take the
    /// target's content under their own name.
    fn claim_direct_entries(&mut self) -> Result<HashSet<String>> {
        let root = Rc::clone(&self.root);
        let mut direct = HashSet::new();
        let Some(Value::Object(entries)) = pointer::lookup_keys(&root.value, self.container) else {
            return Ok(direct);
        };
        for (name, entry) in entries {
            let Some(Value::String(reference)) = entry.get("$ref") else {
                continue;
            };
            let is_external = !split_ref(reference).0.is_empty();
            if entry.as_object().map_or(0, Map::len) != 1 || !is_external {
                continue;
            }
            let mut path: Vec<String> = self.container.iter().map(|s| (*s).to_owned()).collect();
            path.push(name.clone());
            if let Outcome::Keep(_) =
                self.reference(reference, Kind::Schema, &root, &path, Some(name))?
                && self.queue.back().is_some_and(|p| &p.name == name)
            {
                direct.insert(name.clone());
            }
        }
        Ok(direct)
    }

    fn walk(
        &mut self,
        value: &Value,
        kind: Kind,
        doc: &Rc<Doc>,
        path: &mut Vec<String>,
    ) -> Result<Value> {
        match value {
            Value::Object(map) if kind != Kind::Opaque => self.walk_object(map, kind, doc, path),
            Value::Array(items) if kind != Kind::Opaque => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let walked = self.walk(item, kind, doc, path);
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
        map: &Map<String, Value>,
        kind: Kind,
        doc: &Rc<Doc>,
        path: &mut Vec<String>,
    ) -> Result<Value> {
        let reference = match map.get("$ref") {
            Some(Value::String(reference)) if kind.takes_refs() => Some(reference),
            _ => None,
        };
        let mut out = match reference {
            None => Map::with_capacity(map.len()),
            Some(reference) => match self.reference(reference, kind, doc, path, None)? {
                Outcome::Keep(target) => {
                    Map::from_iter([("$ref".to_owned(), Value::String(target))])
                }
                Outcome::Inline(Value::Object(target)) => target,
                Outcome::Inline(other) => return Ok(other),
            },
        };
        for (key, value) in map {
            if key == "$ref" && reference.is_some() {
                continue;
            }
            path.push(key.clone());
            let walked = self.walk_field(value, kind.field(key), doc, path);
            path.pop();
            out.insert(key.clone(), walked?);
        }
        Ok(Value::Object(out))
    }

    fn walk_field(
        &mut self,
        value: &Value,
        shape: Shape,
        doc: &Rc<Doc>,
        path: &mut Vec<String>,
    ) -> Result<Value> {
        match (shape, value) {
            (Shape::One(kind), _) => self.walk(value, kind, doc, path),
            (Shape::Map(kind), Value::Object(map)) => {
                let mut out = Map::with_capacity(map.len());
                for (key, item) in map {
                    path.push(key.clone());
                    let walked = self.walk(item, kind, doc, path);
                    path.pop();
                    out.insert(key.clone(), walked?);
                }
                Ok(Value::Object(out))
            }
            (Shape::Map(_), other) => Ok(other.clone()),
        }
    }

    fn reference(
        &mut self,
        reference: &str,
        kind: Kind,
        doc: &Rc<Doc>,
        path: &[String],
        preferred_name: Option<&str>,
    ) -> Result<Outcome> {
        let (file, fragment) = split_ref(reference);
        if file.is_empty() && doc.key == self.root.key {
            return Ok(Outcome::Keep(reference.to_owned()));
        }
        let unresolved = |reason: String| Error::UnresolvedRef {
            source_name: doc.location.display(),
            reference: reference.to_owned(),
            location: render(path),
            reason,
        };
        let target_doc = if file.is_empty() {
            Rc::clone(doc)
        } else {
            let location = doc.location.join(file).map_err(unresolved)?;
            self.load(location).map_err(|err| match err {
                Error::ReadFile { .. } | Error::Fetch { .. } => {
                    unresolved(source::error_chain(&err))
                }
                other => other,
            })?
        };
        if target_doc.key == self.root.key {
            return Ok(Outcome::Keep(format!("#{fragment}")));
        }
        let tokens = pointer::tokens(fragment).map_err(unresolved)?;
        let Some(target) = lookup(&target_doc.value, &tokens) else {
            return Err(unresolved(format!(
                "{} has nothing at {}",
                target_doc.location.display(),
                render(&tokens)
            )));
        };
        let target_key = (target_doc.key.clone(), render(&tokens));
        if kind == Kind::Schema {
            let name = self.schema_name(target_key, target_doc, tokens, preferred_name);
            let prefix = render(
                &self
                    .container
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect::<Vec<_>>(),
            );
            return Ok(Outcome::Keep(format!("{prefix}/{}", escape(&name))));
        }
        if self.inlining.contains(&target_key) {
            return Err(unresolved("the reference is circular".to_owned()));
        }
        self.inlining.push(target_key);
        let mut inner_path = tokens;
        let walked = self.walk(target, kind, &target_doc, &mut inner_path);
        self.inlining.pop();
        Ok(Outcome::Inline(walked?))
    }

    fn schema_name(
        &mut self,
        target_key: (String, String),
        doc: Rc<Doc>,
        tokens: Vec<String>,
        preferred_name: Option<&str>,
    ) -> String {
        if let Some(name) = self.by_target.get(&target_key) {
            return name.clone();
        }
        let name = match preferred_name {
            Some(name) => name.to_owned(),
            None => {
                let base = tokens.last().cloned().or_else(|| doc.location.stem());
                self.names.claim(base.as_deref().unwrap_or("Schema"))
            }
        };
        self.by_target.insert(target_key, name.clone());
        self.queue.push_back(Pending {
            name: name.clone(),
            doc,
            tokens,
        });
        name
    }

    fn load(&mut self, location: Location) -> Result<Rc<Doc>> {
        let key = location.key();
        if let Some(doc) = self.docs.get(&key) {
            return Ok(Rc::clone(doc));
        }
        let text = location.read()?;
        let value = source::parse(&text, &location.display())?;
        let doc = Rc::new(Doc {
            key: key.clone(),
            location,
            value,
        });
        self.docs.insert(key, Rc::clone(&doc));
        Ok(doc)
    }
}

/// Whether any `$ref` (anywhere) leaves the document.
fn has_external_refs(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, item)| match (key.as_str(), item) {
            ("$ref", Value::String(reference)) => !reference.starts_with('#'),
            _ => has_external_refs(item),
        }),
        Value::Array(items) => items.iter().any(has_external_refs),
        _ => false,
    }
}

fn lookup_names(root: &Value, container: &[&str]) -> impl Iterator<Item = String> {
    pointer::lookup_keys(root, container)
        .and_then(Value::as_object)
        .map(|map| map.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
}

/// The container object, created when missing. `None` only when the root is
/// not an object, which version detection has ruled out.
pub(crate) fn container_mut<'a>(
    root: &'a mut Value,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let mut node = root;
    for key in path {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        node = node
            .as_object_mut()?
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut()
}
