//! `mockloop-mcp convert`: the OpenAPI 3.1 documents written from the
//! shared Postman Collections and HAR recordings, and from the edge-case
//! collection in `specs/`, validate against the OpenAPI 3.1 schema
//! (openapi-spec-validator), and are written atomically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use mockloop_tests::Venv;
use mockloop_tests::paths::{repo_specs_dir, shared_specs_dir};

const VALIDATOR: &str = "openapi-spec-validator==0.9.0\n";

#[test]
fn converted_documents_validate_against_the_openapi_3_1_schema() {
    let binary = mockloop_tests::binary::mockloop_mcp().unwrap();
    let mut inputs = vec![repo_specs_dir().join("postman-edge-cases.postman_collection.json")];
    for relative in [
        "postman/apideck-crm/crm.postman.json",
        "postman/postman-to-openapi/issue175.json",
        "postman/postman-to-openapi/v2/FolderCollection.json",
        "postman/postman-to-openapi/v21/FormData.json",
        "postman/postman-to-openapi/v21/Responses.json",
        "postman/wise/cards-api.postman_collection.json",
        "har/optic/petstore.swagger.io.har",
        "har/pollyjs/jsonplaceholder.recording.har",
        "har/har-to-openapi/ServerService-GetNavigationMenu2-ff.har",
    ] {
        let path = shared_specs_dir().join(relative);
        if path.is_file() {
            inputs.push(path);
        } else {
            eprintln!("SKIPPED: {} is absent", path.display());
        }
    }
    let out = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let target = out.path().join(format!("converted-{index}.json"));
        let status = Command::new(&binary)
            .arg("convert")
            .arg(input)
            .arg("--out")
            .arg(&target)
            .status()
            .unwrap();
        assert!(status.success(), "{}", input.display());
        written.push((input, target));
    }
    let venv = Venv::for_requirements_text(VALIDATOR).unwrap_or_else(|err| panic!("{err}"));
    for (input, target) in &written {
        let output = venv
            .module("openapi_spec_validator")
            .args(["--schema", "3.1"])
            .arg(target)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{} converts to an invalid OpenAPI 3.1 document:\n{}{}",
            input.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_failed_convert_leaves_no_file() {
    let binary = mockloop_tests::binary::mockloop_mcp().unwrap();
    let out = tempfile::tempdir().unwrap();
    let bad = out.path().join("bad.json");
    std::fs::write(&bad, r#"{"info": {"name": "x"}}"#).unwrap();
    let target = out.path().join("openapi.yaml");
    let output = Command::new(&binary)
        .arg("convert")
        .arg(&bad)
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.json"), "{stderr}");
    assert!(stderr.contains("Postman"), "{stderr}");
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
}
