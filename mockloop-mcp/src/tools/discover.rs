//! `discover_mock_servers`: running mocks on loopback and generated folders.
use std::path::PathBuf;
use std::time::Duration;

use mockloop_runtime::{Discovery, DiscoveryOptions, ServerKind, ToolInput, discover};
use rmcp::model::{CallToolResult, JsonObject};
use serde::Deserialize;

use super::generate::default_output_dir;
use super::{ToolResult, finish, parse, success};
use crate::error::argument_error;

/// The most ports one call may probe.
const MAX_PORTS: usize = 2048;

/// Find running mock servers on 127.0.0.1 (probed concurrently) and the generated mock folders, matched to the servers that run them.
#[derive(Debug, ToolInput, Deserialize)]
pub struct DiscoverMockServersInput {
    /// The loopback ports to probe.
    #[tool_input(default = [8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010, 3000, 3001, 5000, 5001])]
    pub ports: Vec<u16>,
    /// Ask each open port for /health to tell mockloop mocks from other servers.
    #[tool_input(default = true)]
    pub check_health: bool,
    /// Also list the generated mocks under output_base_dir.
    #[tool_input(default = true)]
    pub include_generated: bool,
    /// Where generated mocks live (default: $MOCKLOOP_OUTPUT_DIR, else ./generated_mocks).
    pub output_base_dir: Option<String>,
    /// How long one HTTP probe may take, in milliseconds.
    #[tool_input(default = 1500, minimum = 100, maximum = 10000)]
    pub timeout_ms: u64,
}

/// Probes and lists.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(find(arguments).await)
}

async fn find(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: DiscoverMockServersInput = parse(arguments)?;
    if input.ports.len() > MAX_PORTS {
        return Err(argument_error(&format!(
            "ports: at most {MAX_PORTS} ports per call, got {}",
            input.ports.len()
        )));
    }
    let generated_dir = input.include_generated.then(|| {
        input
            .output_base_dir
            .as_deref()
            .filter(|dir| !dir.is_empty())
            .map_or_else(default_output_dir, PathBuf::from)
    });
    let options = DiscoveryOptions::default()
        .with_ports(input.ports)
        .with_check_health(input.check_health)
        .with_generated_dir(generated_dir)
        .with_timeout(Duration::from_millis(input.timeout_ms.clamp(100, 10_000)));
    let found = discover(&options).await;
    Ok(success(summary(&found), &found))
}

fn summary(found: &Discovery) -> String {
    let mocks = found
        .servers
        .iter()
        .filter(|s| s.kind == ServerKind::Mockloop)
        .count();
    let mut text = format!(
        "Probed {} ports: {} mockloop mocks, {} other servers; {} generated mocks.",
        found.ports_scanned,
        mocks,
        found.servers.len() - mocks,
        found.generated.len()
    );
    for server in &found.servers {
        text.push_str(&format!("\n- {} {}", server.url, server.detail));
        if let Some(title) = &server.api_title {
            text.push_str(&format!(" ({title})"));
        }
    }
    for mock in &found.generated {
        let running = if mock.running_at.is_empty() {
            "not running".to_owned()
        } else {
            format!("running at {}", mock.running_at.join(", "))
        };
        text.push_str(&format!(
            "\n- {} ({}): {running}",
            mock.path, mock.api_title
        ));
    }
    text
}
