//! Runtime errors as tool results a person can act on: `isError: true`
//! with the whole cause chain and a hint, never a crashed server.
use mockloop_runtime::Error;
use rmcp::model::{CallToolResult, ContentBlock};

/// The error and its causes on one line, plus what to try next.
pub fn runtime_error(err: &Error) -> Box<CallToolResult> {
    let mut text = crate::cli::error_chain(err);
    if let Some(hint) = hint(err) {
        text.push_str("\nHint: ");
        text.push_str(hint);
    }
    Box::new(CallToolResult::error(vec![ContentBlock::text(text)]))
}

/// Bad arguments: the message, and where the schema is.
pub fn argument_error(message: &str) -> Box<CallToolResult> {
    Box::new(CallToolResult::error(vec![ContentBlock::text(format!(
        "invalid arguments: {message}\nHint: tools/list shows every parameter with its description."
    ))]))
}

fn hint(err: &Error) -> Option<&'static str> {
    Some(match err {
        Error::ReadFile { .. } => {
            "spec_url_or_path is read relative to the MCP server's working directory; pass an absolute path or an http(s) URL."
        }
        Error::Fetch { .. } => {
            "check the URL in a browser; it must serve the JSON or YAML text itself."
        }
        Error::Syntax { .. } | Error::NotASpec { .. } | Error::UnsupportedVersion { .. } => {
            "give an OpenAPI 3.0/3.1 or Swagger 2.0 description (JSON or YAML)."
        }
        Error::UnresolvedRef { .. } => {
            "every $ref must point at something that exists; relative file refs are read beside the spec."
        }
        Error::OutputExists { .. } => "choose another output_dir_name, or remove that folder.",
        Error::WriteOutput { .. } => "check that output_base_dir is writable.",
        Error::LogMissing { .. } => {
            "pass the mock's folder (the one with mockloop.json) as mock_dir, or its server_url while it runs."
        }
        Error::Unreachable { .. } => "discover_mock_servers lists the mocks that are running.",
        Error::AdminApi { .. } => {
            "the mock's message above says what it rejected; list_scenarios shows what exists."
        }
        _ => return None,
    })
}
