//! Generates the `ToolSchema` and `ToolInput` impls.
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::{Body, Container, Field, Variant};
use crate::ctxt::Ctxt;

/// The entry point: the impls, or every error plus a stub impl so the
/// user sees only the real mistakes.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::default();
    let container = Container::from_ast(&cx, input);
    match (cx.check(), container) {
        (Ok(()), Some(container)) => Ok(impls(&container)),
        (Err(err), _) => Ok(with_stub(input, err.to_compile_error())),
        (Ok(()), None) => Ok(with_stub(input, TokenStream::new())),
    }
}

fn impls(container: &Container) -> TokenStream {
    let ident = &container.original.ident;
    let description = option_str(container.attrs.description.as_deref());
    match &container.body {
        Body::Struct(fields) => {
            let properties = fields.iter().map(property);
            let required = fields.iter().filter(|f| f.required()).map(|f| &f.name);
            let closed = container.attrs.deny_unknown_fields;
            wrap(quote! {
                #[automatically_derived]
                impl ::mockloop_runtime::ToolSchema for #ident {
                    fn tool_schema() -> ::mockloop_runtime::__private::serde_json::Value {
                        let mut properties = ::mockloop_runtime::__private::serde_json::Map::new();
                        #(#properties)*
                        ::mockloop_runtime::__private::object_schema(
                            properties,
                            &[#(#required),*],
                            #description,
                            #closed,
                        )
                    }
                }
                #[automatically_derived]
                impl ::mockloop_runtime::ToolInput for #ident {
                    const DESCRIPTION: ::core::option::Option<&'static str> = #description;
                }
            })
        }
        Body::Enum(variants) => {
            let names = variants.iter().map(|v: &Variant| &v.name);
            let documented = variants.iter().map(|v| {
                let name = &v.name;
                let text = option_str(v.attrs.description.as_deref());
                quote!((#name, #text))
            });
            wrap(quote! {
                #[automatically_derived]
                impl ::mockloop_runtime::ToolSchema for #ident {
                    fn tool_schema() -> ::mockloop_runtime::__private::serde_json::Value {
                        ::mockloop_runtime::__private::enum_schema(
                            &[#(#names),*],
                            &[#(#documented),*],
                            #description,
                        )
                    }
                }
            })
        }
    }
}

/// `properties.insert(..)` for one field.
fn property(field: &Field) -> TokenStream {
    let name = &field.name;
    let ty = field.schema_ty;
    let schema = quote_spanned! {ty.span()=>
        <#ty as ::mockloop_runtime::ToolSchema>::tool_schema()
    };
    let description = option_str(field.attrs.description.as_deref());
    let json = |expr: Option<&syn::Expr>| match expr {
        Some(expr) => quote_spanned! {expr.span()=>
            ::core::option::Option::Some(::mockloop_runtime::__private::serde_json::json!(#expr))
        },
        None => quote!(::core::option::Option::None),
    };
    let default = json(field.attrs.default.as_ref());
    let minimum = json(field.attrs.minimum.as_ref());
    let maximum = json(field.attrs.maximum.as_ref());
    let _ = field.original;
    quote! {
        properties.insert(
            ::std::string::String::from(#name),
            ::mockloop_runtime::__private::field_schema(#schema, #description, #default, #minimum, #maximum),
        );
    }
}

fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

/// Puts the impls in an anonymous const, like serde and schemars do.
fn wrap(tokens: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications)]
        const _: () = {
            #tokens
        };
    }
}

/// The errors, plus impls that do nothing, so no secondary errors follow.
fn with_stub(input: &DeriveInput, errors: TokenStream) -> TokenStream {
    let ident = &input.ident;
    let input_impl = matches!(input.data, syn::Data::Struct(_)).then(|| {
        quote! {
            impl ::mockloop_runtime::ToolInput for #ident {
                const DESCRIPTION: ::core::option::Option<&'static str> = ::core::option::Option::None;
            }
        }
    });
    let impls = wrap(quote! {
        impl ::mockloop_runtime::ToolSchema for #ident {
            fn tool_schema() -> ::mockloop_runtime::__private::serde_json::Value {
                ::mockloop_runtime::__private::serde_json::Value::Null
            }
        }
        #input_impl
    });
    if input.generics.params.is_empty() {
        quote!(#errors #impls)
    } else {
        errors
    }
}
