//! The mockloop command line and MCP server.
pub mod cli;
