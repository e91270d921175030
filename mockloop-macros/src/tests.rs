//! Expansion snapshots, after prettyplease.
use quote::ToTokens;

fn pretty(input: syn::DeriveInput) -> String {
    let tokens = crate::expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.into_token_stream().to_string(),
    }
}

#[test]
fn struct_with_docs_optionals_and_defaults() {
    insta::assert_snapshot!(pretty(syn::parse_quote! {
        /// Generate a mock server.
        struct GenerateMockInput {
            /// The spec: a path or URL.
            spec: String,
            /// The port.
            #[tool_input(default = 8000, minimum = 1)]
            port: u16,
            /// Where to write it.
            out: Option<std::path::PathBuf>,
        }
    }));
}

#[test]
fn serde_renames() {
    insta::assert_snapshot!(pretty(syn::parse_quote! {
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Query {
            server_url: String,
            #[serde(rename = "limit")]
            max_rows: Option<u32>,
            #[serde(default)]
            include_admin: bool,
            #[serde(skip)]
            cache: Vec<String>,
        }
    }));
}

#[test]
fn unit_enum() {
    insta::assert_snapshot!(pretty(syn::parse_quote! {
        /// What to do.
        #[serde(rename_all = "snake_case")]
        enum Operation {
            /// Replace one endpoint's response.
            UpdateResponse,
            CreateScenario,
            #[serde(rename = "list")]
            ListScenarios,
        }
    }));
}

#[test]
fn every_mistake_is_reported_at_once() {
    insta::assert_snapshot!(pretty(syn::parse_quote! {
        struct Broken {
            #[tool_input(colour = "red")]
            a: String,
            #[tool_input(default = 1, default = 2)]
            b: u8,
            c: &'static str,
            #[serde(flatten)]
            d: Other,
        }
    }));
}

#[test]
fn enums_need_unit_variants() {
    insta::assert_snapshot!(pretty(syn::parse_quote! {
        enum Shape {
            Circle(f64),
            Square { side: f64 },
        }
    }));
}
