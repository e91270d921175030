//! Derive macros for mockloop (the `ToolInput` derive arrives with the MCP server).
#![deny(missing_docs)]
