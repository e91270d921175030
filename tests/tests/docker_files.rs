//! The Docker files of every spec's mock, checked statically (no Docker
//! engine needed): `docker-compose.yml` is valid against the Compose JSON
//! schema (`../shared/schemas/compose-spec.json`), publishes exactly the
//! ports served, on loopback, and keeps the database in a volume; the
//! Dockerfile copies only files that exist, runs as a non-root user on a
//! slim base, and has a health check against `/health`.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use jsonschema::Draft;
use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::paths;
use serde_json::Value;

fn compose_schema() -> Option<Value> {
    let path = paths::workspace_root().join("../shared/schemas/compose-spec.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED: compose schema validation: {} is missing\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            path.display()
        );
        return None;
    };
    Some(serde_json::from_str(&text).unwrap())
}

/// The Dockerfile's instructions: continuation lines joined, comments and
/// blank lines dropped; (keyword, rest).
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (keyword, rest) = current.split_once(' ').unwrap_or((&current, ""));
        out.push((keyword.to_ascii_uppercase(), rest.trim().to_owned()));
        current.clear();
    }
    out
}

fn check_dockerfile(dir: &Path, port: u16, admin_port: Option<u16>) {
    let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let steps = instructions(&text);
    let all = |keyword: &str| -> Vec<&str> {
        steps
            .iter()
            .filter(|(k, _)| k == keyword)
            .map(|(_, rest)| rest.as_str())
            .collect()
    };
    let from = all("FROM");
    assert_eq!(from.len(), 1, "{text}");
    assert!(
        from[0].starts_with("python:") && from[0].ends_with("-slim"),
        "{text}"
    );

    let ignored: Vec<String> = std::fs::read_to_string(dir.join(".dockerignore"))
        .unwrap()
        .lines()
        .map(|line| line.trim().trim_end_matches('/').to_owned())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let copies = all("COPY");
    assert!(copies.len() >= 2, "{text}");
    for copy in copies {
        let words: Vec<&str> = copy
            .split_whitespace()
            .filter(|word| !word.starts_with("--"))
            .collect();
        let (_dest, sources) = words.split_last().unwrap();
        assert!(!sources.is_empty(), "COPY without a source: {copy}");
        for source in sources {
            assert!(
                dir.join(source).exists(),
                "COPY {source}: no such file in {}",
                dir.display()
            );
            assert!(
                !ignored.iter().any(|pattern| pattern == source),
                "COPY {source}, but .dockerignore excludes it"
            );
        }
    }

    let user = all("USER");
    assert_eq!(user.len(), 1, "{text}");
    assert!(!["root", "0"].contains(&user[0]), "{text}");
    let health = all("HEALTHCHECK");
    assert_eq!(health.len(), 1, "{text}");
    assert!(
        health[0].contains(&format!("127.0.0.1:{port}/health")),
        "{text}"
    );
    let mut exposed: Vec<u16> = all("EXPOSE")
        .iter()
        .flat_map(|rest| rest.split_whitespace())
        .map(|port| port.parse().unwrap())
        .collect();
    exposed.sort_unstable();
    let mut served: Vec<u16> = std::iter::once(port).chain(admin_port).collect();
    served.sort_unstable();
    assert_eq!(exposed, served, "{text}");
    let env = all("ENV").join(" ");
    assert!(env.contains("MOCKLOOP_HOST=0.0.0.0"), "{text}");
    assert!(env.contains(&format!("MOCKLOOP_PORT={port}")), "{text}");
}

fn check_compose(dir: &Path, schema: Option<&Value>, port: u16, admin_port: Option<u16>) {
    let text = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
    let compose: Value = yaml_serde::from_str(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    if let Some(schema) = schema {
        let validator = jsonschema::options()
            .with_draft(Draft::Draft7)
            .build(schema)
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&compose)
            .map(|err| format!("at '{}': {err}", err.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}\n{text}", errors.join("\n"));
    }
    let services = compose["services"].as_object().unwrap();
    assert_eq!(services.len(), 1, "{text}");
    let service = services.values().next().unwrap();
    let mut ports: Vec<String> = service["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    ports.sort();
    let mut expected: Vec<String> = std::iter::once(port)
        .chain(admin_port)
        .map(|p| format!("127.0.0.1:{p}:{p}"))
        .collect();
    expected.sort();
    assert_eq!(ports, expected, "{text}");
    let db_path = service["environment"]["MOCKLOOP_DB_PATH"].as_str().unwrap();
    let db_dir = Path::new(db_path).parent().unwrap().to_string_lossy();
    let volumes: Vec<&str> = service["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mounted = volumes.iter().find_map(|v| {
        let (name, target) = v.split_once(':')?;
        (target == db_dir).then_some(name)
    });
    let name = mounted.unwrap_or_else(|| panic!("no volume at {db_dir}\n{text}"));
    assert!(
        compose["volumes"].as_object().unwrap().contains_key(name),
        "{name} is not a named volume\n{text}"
    );
    if let Some(admin_port) = admin_port {
        assert_eq!(
            service["environment"]["MOCKLOOP_ADMIN_PORT"],
            Value::String(admin_port.to_string()),
            "{text}"
        );
    }
}

fn generate(spec: &Path, out: &Path, options: &RenderOptions) -> PathBuf {
    generate_project(&spec.to_string_lossy(), out, Some("mock"), options)
        .unwrap_or_else(|err| panic!("{}: {err}", spec.display()))
        .0
}

#[test]
fn docker_files_of_every_spec() {
    let schema = compose_schema();
    let specs = paths::spec_files(&paths::repo_specs_dir());
    assert!(specs.len() >= 10, "{specs:?}");
    for spec in specs {
        let out = tempfile::tempdir().unwrap();
        let dir = generate(&spec, out.path(), &RenderOptions::default());
        check_dockerfile(&dir, 8000, None);
        check_compose(&dir, schema.as_ref(), 8000, None);
    }
}

#[test]
fn docker_files_with_an_admin_port() {
    let schema = compose_schema();
    let spec = paths::repo_specs_dir().join("petstore.yaml");
    let out = tempfile::tempdir().unwrap();
    let options = RenderOptions::default()
        .with_port(8080)
        .with_admin_port(Some(9090));
    let dir = generate(&spec, out.path(), &options);
    check_dockerfile(&dir, 8080, Some(9090));
    check_compose(&dir, schema.as_ref(), 8080, Some(9090));
}
