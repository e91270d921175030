//! `#[derive(ToolInput)]`: typed MCP tool input schemas from plain Rust structs.
//!
//! Use it through `mockloop_runtime`, which re-exports the derive next to the
//! `ToolInput` and `ToolSchema` traits it implements.
#![deny(missing_docs)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod rename;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `ToolSchema` (and, for structs, `ToolInput`) from a struct with
/// named fields or a unit-only enum. The attribute reference is in
/// `attributes.md`, attached to `mockloop_runtime::ToolInput`.
#[proc_macro_derive(ToolInput, attributes(tool_input))]
pub fn derive_tool_input(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
