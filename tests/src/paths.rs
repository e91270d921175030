//! Where things are: the workspace, its target directory, the shared specs.
use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory for this build.
///
/// The test binary lives somewhere under it, and Cargo marks its root with a
/// `CACHEDIR.TAG`; failing that, `CARGO_TARGET_DIR` (relative to the
/// workspace root) or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe
            .ancestors()
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
    {
        return dir.to_path_buf();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The repository's own specs (`specs/`).
pub fn repo_specs_dir() -> PathBuf {
    workspace_root().join("specs")
}

/// The shared specs checked out beside the repository (`../shared/specs`).
pub fn shared_specs_dir() -> PathBuf {
    workspace_root().join("../shared/specs")
}

/// Every API description under `dir` (recursively, skipping folders named
/// `invalid`), sorted: files ending in `.json`, `.yaml` or `.yml` whose top
/// level has a `swagger` or `openapi` key. Fragments pulled in by `$ref`
/// (which have neither) are left out.
pub fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect_specs(dir, &mut found);
    found.sort();
    found
}

fn collect_specs(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "invalid") {
                collect_specs(&path, found);
            }
        } else if is_description(&path) {
            found.push(path);
        }
    }
}

fn is_description(path: &Path) -> bool {
    let ext = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
    if !matches!(ext, "json" | "yaml" | "yml" | "har") {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    // A top-level key sits at column 0 in YAML, and at the first nesting
    // level of a JSON object; both are found by this cheap scan.
    // A Postman Collection v2 names its format in `info.schema`.
    if text.contains("schema.getpostman.com/json/collection/v2") {
        return true;
    }
    // A HAR recording is a `log` with `entries`.
    if ext == "har" {
        return text.contains("\"entries\"");
    }
    text.lines().any(|line| {
        let line = line.trim_start_matches(['{', ' ', '\t']);
        ["swagger", "openapi", "\"swagger\"", "\"openapi\""]
            .iter()
            .any(|key| line.starts_with(key) && line[key.len()..].trim_start().starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_dir_is_cargos() {
        let dir = target_dir();
        assert!(dir.join("CACHEDIR.TAG").is_file(), "{}", dir.display());
    }

    #[test]
    fn fragments_are_not_specs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "openapi: 3.0.0\ninfo: {}\n").unwrap();
        std::fs::write(dir.path().join("b.json"), "{\n  \"swagger\": \"2.0\"}").unwrap();
        std::fs::write(dir.path().join("c.yaml"), "type: object\n").unwrap();
        std::fs::write(dir.path().join("d.txt"), "openapi: 3.0.0\n").unwrap();
        std::fs::create_dir(dir.path().join("invalid")).unwrap();
        std::fs::write(dir.path().join("invalid/e.yaml"), "openapi: 9\n").unwrap();
        let names: Vec<_> = spec_files(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.yaml", "b.json"]);
    }
}
