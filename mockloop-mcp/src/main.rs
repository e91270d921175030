//! `mockloop-mcp`: generate FastAPI mock servers from OpenAPI descriptions.
use std::process::ExitCode;

fn main() -> ExitCode {
    mockloop_mcp::cli::main()
}
