//! End to end: every spec's generated mock passes ruff and py_compile,
//! starts under uvicorn, serves `/health` and the original description at
//! `/openapi.json`, and answers a valid request to every operation with a
//! documented status, media type and schema-valid body.
//!
//! Python 3 with the venv module and network access to PyPI (or
//! `PIP_FIND_LINKS`) are needed; the venv is cached in
//! `target/mockloop-venv/`.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use mockloop_runtime::{ApiModel, RenderOptions, generate_project, load_spec};
use mockloop_tests::paths::{repo_specs_dir, shared_specs_dir, spec_files};
use mockloop_tests::pipeline::{default_workers, exercise_all, failures};
use mockloop_tests::schemathesis::Mode;
use mockloop_tests::{
    Engine, GeneratedMock, MockServer, Secrets, Venv, check_all, conformance, on_both_engines,
    python, schemathesis,
};

on_both_engines!(
    repo_specs,
    oai_examples,
    github_spec,
    schemathesis_accepts_mocks,
    schemathesis_valid_accepted_invalid_rejected,
    schemathesis_on_real_world_gaps,
    schemathesis_with_auth_on
);

fn assert_all_pass(specs: &[PathBuf], engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let outcomes = exercise_all(specs, out.path(), default_workers(), engine);
    let failed = failures(&outcomes);
    let count = outcomes.iter().filter(|o| !o.problems.is_empty()).count();
    assert!(
        failed.is_empty(),
        "{count} of {} mocks failed:\n{failed}",
        outcomes.len()
    );
}

fn repo_specs(engine: Engine) {
    let specs = spec_files(&repo_specs_dir());
    assert!(
        !specs.is_empty(),
        "no specs in {}",
        repo_specs_dir().display()
    );
    assert_all_pass(&specs, engine);
}

fn oai_examples(engine: Engine) {
    let dir = shared_specs_dir().join("oai");
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED oai_examples: {} is missing (clone ../shared beside the repo)\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let specs = spec_files(&dir);
    assert!(!specs.is_empty(), "no specs in {}", dir.display());
    assert_all_pass(&specs, engine);
}

/// GitHub's description is large (≈1200 operations, 13 MB): its mock must
/// generate, pass ruff and py_compile, start, and conform like the others
/// (the checks take seconds).
fn github_spec(engine: Engine) {
    let spec = shared_specs_dir().join("github/api.github.com.json");
    if !spec.is_file() {
        eprintln!("\n!!! SKIPPED github_spec: {} is missing\n", spec.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let (dir, project) = generate_project(
        &spec.to_string_lossy(),
        out.path(),
        Some("github"),
        &RenderOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert!(project.operation_count > 500, "{}", project.operation_count);
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .unwrap_or_else(|err| panic!("{err}"));
    if engine == Engine::FastApi {
        python::ruff_check(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
        python::py_compile(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
    }
    // Importing 1200 routes takes seconds, more on a loaded 2-core machine.
    let server = MockServer::start_engine(engine, &dir, &venv, Duration::from_secs(120), &[])
        .unwrap_or_else(|err| panic!("{err}"));
    conformance::check_health(&server.url())
        .unwrap_or_else(|err| panic!("{err}\n{}", server.output()));
    let spec = load_spec(&spec.to_string_lossy()).unwrap();
    let model = ApiModel::from_spec(&spec).unwrap();
    let report = check_all(&spec, &model, &server.url(), &Secrets::from_mock_dir(&dir)).unwrap();
    eprint!("{report}");
    assert!(report.is_ok(), "{report}");
}

/// Schemathesis, positive mode, on four small mocks: a 3.0 one with a
/// path server, a 2.0 one with a `basePath`, and ones made from a Postman
/// Collection and a HAR recording; every response conforms.
fn schemathesis_accepts_mocks(engine: Engine) {
    for name in [
        "openapi30-petstore-expanded.yaml",
        "swagger2-petstore-minimal.yaml",
        "postman-edge-cases.postman_collection.json",
        "har-edge-cases.har",
    ] {
        let spec = repo_specs_dir().join(name);
        run_schemathesis(&spec, Mode::Conformance, &RenderOptions::default(), engine);
    }
}

/// Schemathesis, positive and negative modes, on the specs that exercise
/// validation most (every parameter style, formats, nullable, oneOf, forms
/// and multipart, Swagger 2.0 formData): every valid request is accepted
/// and every invalid one rejected. Auth is off so that requests reach
/// validation.
fn schemathesis_valid_accepted_invalid_rejected(engine: Engine) {
    let options = RenderOptions::default().with_feature("auth", false);
    for name in [
        "openapi30-edge-cases.yaml",
        "openapi31-edge-cases.yaml",
        "swagger2-edge-cases.yaml",
        "petstore.yaml",
        "openapi30-crud.yaml",
        "openapi30-uspto.json",
    ] {
        let spec = repo_specs_dir().join(name);
        run_schemathesis(&spec, Mode::Acceptance, &options, engine);
    }
}

/// Schemathesis on the real-world gaps (`openapi31-real-world-gaps.yaml`):
/// every response conforms, every valid request is accepted and every
/// invalid one rejected — except on operations where the wire cannot tell
/// valid from invalid: forms whose required array may be empty (an empty
/// array has no field on the wire, so an absent one is read as `[]`, which
/// schemathesis counts as missing), a multipart body that is not an object
/// (no encoding is defined, so any is accepted), multipart text that
/// schemathesis means as a number where a string is wanted (the wire
/// cannot tell them apart), and binary bodies
/// (`image/png`, `*/*` sent as neither JSON nor a form), where any bytes,
/// `{}` included, are a valid file. `real_world_gaps.rs` checks those.
fn schemathesis_on_real_world_gaps(engine: Engine) {
    let spec = repo_specs_dir().join("openapi31-real-world-gaps.yaml");
    run_schemathesis(&spec, Mode::Conformance, &RenderOptions::default(), engine);
    let options = RenderOptions::default().with_feature("auth", false);
    run_schemathesis_excluding(
        &spec,
        Mode::Acceptance,
        &options,
        engine,
        &[
            "postUrlencoded",
            "postPermissions",
            "postMultipart",
            "postMultipartList",
            "postThread",
            "postImage",
            "postAnything",
        ],
    );
}

/// Schemathesis in both modes with auth on, as a client with the mock's
/// credentials runs it (`schemathesis.toml` gives each security scheme its
/// secret): every scheme kind (API key in a header, the query and a
/// cookie; bearer, basic, OAuth 2, OpenID Connect; alternatives and
/// combinations) lets valid requests through and invalid ones are refused.
fn schemathesis_with_auth_on(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-security.yaml");
    let input = spec.to_string_lossy();
    let mock = GeneratedMock::new(&input, &RenderOptions::default()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mock.dir.join("mockloop.json")).unwrap())
            .unwrap();
    let loaded = load_spec(&input).unwrap();
    let config = schemathesis::auth_config(&manifest, &loaded.document);
    assert!(config.matches("[auth.openapi.").count() >= 7, "{config}");
    let model = ApiModel::from_spec(&loaded).unwrap();
    let server = mock.start_on(engine).unwrap_or_else(|err| panic!("{err}"));
    let served = format!("{}/openapi.json", server.url());
    for mode in [Mode::Conformance, Mode::Acceptance] {
        let run = schemathesis::Run {
            spec: &served,
            origin: &server.url(),
            base_path: &model.base_path,
            max_examples: 10,
            mode,
            excluded_operation_ids: &[],
        };
        schemathesis::run_with_config(&mock.venv, &run, &config).unwrap_or_else(|err| {
            panic!(
                "{mode:?}, {engine:?}: {err}\n--- config ---\n{config}\n--- server output ---\n{}",
                server.output()
            )
        });
    }
}

fn run_schemathesis(spec: &Path, mode: Mode, options: &RenderOptions, engine: Engine) {
    run_schemathesis_excluding(spec, mode, options, engine, &[]);
}

fn run_schemathesis_excluding(
    spec: &Path,
    mode: Mode,
    options: &RenderOptions,
    engine: Engine,
    excluded: &[&str],
) {
    let input = spec.to_string_lossy();
    let mock = GeneratedMock::new(&input, options).unwrap_or_else(|err| panic!("{err}"));
    let model = ApiModel::from_spec(&load_spec(&input).unwrap()).unwrap();
    let server = mock.start_on(engine).unwrap_or_else(|err| panic!("{err}"));
    let venv = &mock.venv;
    // The mock's own copy of the description, as it serves it.
    let served = format!("{}/openapi.json", server.url());
    schemathesis::run(
        venv,
        &served,
        &server.url(),
        &model.base_path,
        10,
        mode,
        excluded,
    )
    .unwrap_or_else(|err| {
        panic!(
            "{} ({mode:?}, {engine:?}): {err}\n--- server output ---\n{}",
            spec.display(),
            server.output()
        )
    });
}
