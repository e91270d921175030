//! Response synthesis: example values that are valid against their schemas.
//!
//! [`Synthesizer::value`] prefers the spec's own examples (schema `example`,
//! `examples[0]`, `default`, at every level) and otherwise generates from the
//! schema's validation keywords, with realistic data chosen from property
//! names (`fake`, seeded). Every result is checked with `jsonschema`
//! (2020-12, formats asserted, refs resolved in the document); the parts that
//! fail are regenerated without examples or hints. Everything is seeded, so
//! the same document, schema, hint and seed give the same value.
use indexmap::IndexMap;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

mod array;
mod check;
mod compose;
mod examples;
mod exclusive;
mod format;
mod generate;
mod merge;
mod number;
mod object;
mod pattern;
mod realistic;
mod resolve;
mod string;
#[cfg(test)]
mod tests;
mod unroll;

use check::Checker;
use generate::Gen;
use pattern::PatternCache;

/// Generations tried for one value before the best effort is returned.
const ATTEMPTS: u64 = 6;

/// Named examples for one media type, plus the default one to serve.
#[derive(Debug, Clone, Default)]
pub(crate) struct MediaExamples {
    /// The body served by default.
    pub default: Value,
    /// Every named example (`examples` map of the media type), in spec order.
    pub named: IndexMap<String, Value>,
}

/// Makes example values for schemas of one normalised document.
pub(crate) struct Synthesizer<'a> {
    /// The document `$ref`s resolve against.
    document: &'a Value,
    /// Compiled validators for the document's schemas.
    checker: Checker<'a>,
    /// Compiled string generators for patterns.
    patterns: PatternCache,
    /// What could not be made valid, for the generation's warnings.
    warnings: Vec<String>,
}

impl<'a> Synthesizer<'a> {
    /// A synthesizer resolving `$ref`s against `document`.
    pub(crate) fn new(document: &'a Value) -> Self {
        Self {
            document,
            checker: Checker::new(document),
            patterns: PatternCache::default(),
            warnings: Vec::new(),
        }
    }

    /// A value valid against `schema`. `hint` is the property or parameter
    /// name, used to pick realistic data. The same seed gives the same value.
    pub(crate) fn value(&mut self, schema: &Value, hint: &str, seed: u64) -> Value {
        let mut avoid: Vec<String> = Vec::new();
        let mut omit: Vec<String> = Vec::new();
        let mut best = Value::Null;
        let mut failing: Vec<String> = Vec::new();
        for attempt in 0..ATTEMPTS {
            let rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(attempt));
            let (value, used) = {
                let mut generator = Gen::new(
                    self.document,
                    &mut self.checker,
                    &mut self.patterns,
                    rng,
                    avoid.clone(),
                );
                generator.omit.clone_from(&omit);
                let value = generator.any(schema, hint);
                (value, generator.used)
            };
            let Some(errors) = self.checker.error_paths(schema, &value) else {
                return value;
            };
            if errors.is_empty() {
                return value;
            }
            best = value;
            failing.clone_from(&errors);
            for path in errors {
                // Still invalid with examples off: leave the property out
                // if it is optional (a contradictory schema such as an
                // array with an enum of strings).
                if avoid.contains(&path) && !omit.contains(&path) {
                    omit.push(path.clone());
                }
                let culprit = used.iter().find(|used| is_within(&path, used)).cloned();
                let mut path = culprit.unwrap_or(path);
                while avoid.contains(&path) && !path.is_empty() {
                    path = parent(&path);
                }
                if !avoid.contains(&path) {
                    avoid.push(path);
                }
            }
        }
        let at: Vec<&str> = failing
            .iter()
            .map(|path| if path.is_empty() { "/" } else { path.as_str() })
            .collect();
        self.warnings.push(format!(
            "{hint}: no value valid against the schema could be made (it fails at {}; \
             for a oneOf, no value matches exactly one branch)",
            at.join(", ")
        ));
        best
    }

    /// A fresh value for `schema` made from its keywords alone (no spec
    /// examples, no realistic hints), for `Prefer: dynamic=true`; `None`
    /// when no valid one came out of a few attempts.
    pub(crate) fn fresh_value(&mut self, schema: &Value, seed: u64) -> Option<Value> {
        for attempt in 0..ATTEMPTS {
            let rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(attempt));
            let value = Gen::new(
                self.document,
                &mut self.checker,
                &mut self.patterns,
                rng,
                vec![String::new()],
            )
            .any(schema, "");
            if self.checker.is_valid(schema, &value) != Some(false) {
                return Some(value);
            }
        }
        None
    }

    /// The warnings gathered so far (values that could not be made valid),
    /// each once, in the order they arose.
    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let uncompiled = std::mem::take(&mut self.checker.failures)
            .into_iter()
            .map(|reason| {
                format!("a schema cannot be checked ({reason}); values for it are used unchecked")
            });
        std::mem::take(&mut self.warnings)
            .into_iter()
            .chain(uncompiled)
            .filter(|warning| seen.insert(warning.clone()))
            .collect()
    }

    /// The errors of `instance` against `schema` (JSON pointer, message),
    /// at most `limit`; `None` when the schema cannot be compiled.
    pub(crate) fn violations(
        &mut self,
        schema: &Value,
        instance: &Value,
        limit: usize,
    ) -> Option<Vec<(String, String)>> {
        self.checker.violations(schema, instance, limit)
    }

    /// Whether `instance` is valid against `schema` (`true` when the schema
    /// cannot be compiled, as nothing better is known).
    pub(crate) fn is_valid(&mut self, schema: &Value, instance: &Value) -> bool {
        self.checker.is_valid(schema, instance) != Some(false)
    }
}

/// Whether pointer `path` is `ancestor` or below it.
fn is_within(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The parent of a JSON pointer (`/a/b` → `/a`, `/a` → ``).
fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map(|(head, _)| head.to_owned())
        .unwrap_or_default()
}

/// A stable 64-bit seed from text parts (the same on every platform and run).
pub(crate) fn seed_for(parts: &[&str]) -> u64 {
    // FNV-1a: tiny, stable and good enough to spread seeds.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
