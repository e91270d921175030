//! The synthesizer over every response media type of big real specs.
use std::time::Instant;

use serde_json::Value;

use super::super::{Synthesizer, seed_for};

/// Where the shared real-world specs live.
const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/specs");

/// Follows a non-schema `$ref` (responses, examples), in case the loader
/// left one.
fn deref<'d>(document: &'d Value, value: &'d Value) -> &'d Value {
    let mut current = value;
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference
                .strip_prefix('#')
                .and_then(|p| document.pointer(p))
            {
                Some(target) => current = target,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// Runs the synthesizer over every response media type of one spec and
/// returns (media types, invalid values, descriptions of the first failures).
fn run_spec(document: &Value) -> (usize, usize, Vec<String>) {
    let mut synth = Synthesizer::new(document);
    let mut media_count = 0;
    let mut invalid = 0;
    let mut notes = Vec::new();
    let empty = serde_json::Map::new();
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (path, item) in paths {
        let item = deref(document, item).as_object().unwrap_or(&empty);
        for (method, operation) in item {
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                let response = deref(document, response);
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media_type, media) in content {
                    let mut media = media.clone();
                    if let Some(examples) = media.get_mut("examples").and_then(Value::as_object_mut)
                    {
                        for example in examples.values_mut() {
                            *example = deref(document, example).clone();
                        }
                    }
                    media_count += 1;
                    let seed = seed_for(&[path, method, status, media_type]);
                    let examples = synth.media_examples(&media, method, seed);
                    let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
                    let values = std::iter::once(&examples.default).chain(examples.named.values());
                    for value in values {
                        if !synth.is_valid(&schema, value) {
                            invalid += 1;
                            if notes.len() < 20 {
                                let text = value.to_string();
                                let cut: String = text.chars().take(300).collect();
                                notes.push(format!("{method} {path} {status} {media_type}: {cut}"));
                            }
                        }
                    }
                }
            }
        }
    }
    (media_count, invalid, notes)
}

/// Loads and normalises `relative` under the shared specs folder (with the
/// crate's own loader), or says loudly why not.
fn load(relative: &str) -> Option<Value> {
    let path = format!("{SPECS}/{relative}");
    if !std::path::Path::new(&path).exists() {
        eprintln!("!!! SKIPPED: real spec {path} not found; synthesizer not checked on it !!!");
        return None;
    }
    let loaded = crate::spec::load_spec(&path).expect("real spec loads");
    Some(loaded.document)
}

/// Checks every response of one spec, reports the time taken and returns
/// the number of response media types (`None` if the spec is absent).
fn check_spec(relative: &str) -> Option<usize> {
    let document = load(relative)?;
    let start = Instant::now();
    let (media, invalid, notes) = run_spec(&document);
    eprintln!(
        "{relative}: {media} response media types in {:?}, {invalid} invalid",
        start.elapsed()
    );
    assert_eq!(
        invalid,
        0,
        "invalid values in {relative}:\n{}",
        notes.join("\n")
    );
    Some(media)
}

#[test]
fn github_responses_are_valid() {
    let media = check_spec("github/api.github.com.json");
    assert_ne!(media, Some(0), "no responses found");
}

#[test]
fn discord_responses_are_valid() {
    let media = check_spec("discord/openapi.json");
    assert_ne!(media, Some(0), "no responses found");
}

/// Synthesises every component schema of a spec and counts invalid values.
fn check_components(relative: &str) {
    let Some(document) = load(relative) else {
        return;
    };
    let start = Instant::now();
    let mut synth = Synthesizer::new(&document);
    let names: Vec<String> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut notes = Vec::new();
    for name in &names {
        let schema = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
        let value = synth.value(&schema, name, seed_for(&[name]));
        if !synth.is_valid(&schema, &value) {
            let errors = synth.checker.error_paths(&schema, &value);
            let text: String = value.to_string().chars().take(300).collect();
            notes.push(format!("{name}: {errors:?} {text}"));
        }
    }
    eprintln!(
        "{relative}: {} component schemas in {:?}, {} invalid",
        names.len(),
        start.elapsed(),
        notes.len()
    );
    assert!(
        notes.is_empty(),
        "invalid values in {relative}:\n{}",
        notes.join("\n")
    );
}

#[test]
fn github_components_are_valid() {
    check_components("github/api.github.com.json");
}

#[test]
fn discord_components_are_valid() {
    check_components("discord/openapi.json");
}

#[test]
fn oai_example_responses_are_valid() {
    let root = format!("{SPECS}/oai");
    let mut files = Vec::new();
    let mut folders = vec![std::path::PathBuf::from(&root)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "json" || ext == "yaml")
            {
                files.push(path);
            }
        }
    }
    if files.is_empty() {
        eprintln!("!!! SKIPPED: no OAI example specs under {root} !!!");
        return;
    }
    files.sort();
    for file in files {
        // Fragments of multi-file specs are not specs on their own.
        if crate::spec::load_spec(&file.display().to_string()).is_err() {
            continue;
        }
        let relative = file
            .strip_prefix(SPECS)
            .unwrap_or(&file)
            .display()
            .to_string();
        let _ = check_spec(relative.trim_start_matches('/'));
    }
}
