//! `mockloop-mcp convert`: the OpenAPI 3.1 document mockloop reads from an
//! input (a Postman Collection, or any description `generate` reads), for a
//! team to adopt and edit.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use mockloop_runtime::{error_chain, load_spec_with};

/// Arguments of `convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// A Postman Collection (v2.0, v2.1) or an OpenAPI/Swagger file or URL.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Where to write it (`.json` for JSON, else YAML); default: standard output, as YAML.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How a HAR recording is read.
    #[command(flatten)]
    pub import: super::ImportFlags,
}

fn render(document: &serde_json::Value, json: bool) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(document)
            .map(|text| text + "\n")
            .map_err(|err| err.to_string())
    } else {
        yaml_serde::to_string(document).map_err(|err| err.to_string())
    }
}

/// Writes `text` to `path` through a temporary file in the same folder,
/// so a failure leaves no half-written file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    temporary.write_all(text.as_bytes())?;
    temporary.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Converts the input and writes the document.
pub fn run(args: &ConvertArgs) -> ExitCode {
    let spec = match load_spec_with(&args.input, &args.import.options()) {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    for warning in &spec.warnings {
        eprintln!("warning: {warning}");
    }
    let json = args
        .out
        .as_ref()
        .is_some_and(|path| path.extension().is_some_and(|ext| ext == "json"));
    let text = match render(&spec.original, json) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot write the document: {err}");
            return ExitCode::FAILURE;
        }
    };
    match &args.out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match write_atomically(path, &text) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: cannot write {}: {err}", path.display());
                ExitCode::FAILURE
            }
        },
    }
}
