//! The tools, one module each: its input (derived schema), its output and
//! its body. Every tool answers with structured content matching its output
//! schema plus a short text, or with an `isError` result saying what to do.
pub mod coverage;
pub mod discover;
pub mod generate;
pub mod load;
pub mod manage_data;
pub mod query_logs;
pub mod servers;
pub mod verify;

use std::sync::Arc;

use mockloop_runtime::ToolInput;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde::Serialize;
use serde_json::Value;

use crate::error::{argument_error, runtime_error};

/// A tool body's result: the failure is already an `isError` result.
pub(crate) type ToolResult<T> = Result<T, Box<CallToolResult>>;

/// A tool's input or output schema: the derived schema of `T`, with the
/// root `type: object` MCP requires.
pub fn schema<T: ToolInput>() -> Arc<JsonObject> {
    T::input_schema()
}

/// Parses tool arguments, filling in schema defaults first.
pub(crate) fn parse<T: ToolInput>(arguments: JsonObject) -> ToolResult<T> {
    T::from_arguments(Value::Object(arguments)).map_err(|err| argument_error(&err.to_string()))
}

/// A success: `text` for people, `output` as structured content (and as
/// JSON text for clients that only read text).
pub(crate) fn success<T: Serialize>(text: String, output: &T) -> CallToolResult {
    match serde_json::to_value(output) {
        Ok(value) => {
            let json = value.to_string();
            let mut result = CallToolResult::structured(value);
            result.content = vec![ContentBlock::text(text), ContentBlock::text(json)];
            result
        }
        Err(err) => *argument_error(&format!("cannot serialise the result: {err}")),
    }
}

/// Runs a blocking runtime call off the async threads.
pub(crate) async fn blocking<T, F>(work: F) -> ToolResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> mockloop_runtime::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(runtime_error(&err)),
        Err(err) => Err(argument_error(&format!(
            "the tool stopped unexpectedly: {err}"
        ))),
    }
}

/// Unwraps a tool body written with `?` on `Result<_, CallToolResult>`.
pub(crate) fn finish(result: ToolResult<CallToolResult>) -> CallToolResult {
    result.unwrap_or_else(|error| *error)
}
