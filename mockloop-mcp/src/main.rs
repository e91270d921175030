//! `mockloop-mcp`: with no arguments, an MCP server on stdio; otherwise the
//! command line (`generate`, `http`, `analyze`).
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

/// Generation allocates and frees millions of small JSON values; mimalloc
/// is much faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // stdout carries the protocol: logs go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    mockloop_mcp::cli::main()
}
