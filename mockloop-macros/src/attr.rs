//! `#[tool_input(..)]`, `#[serde(..)]` and doc-comment attributes.
//!
//! `tool_input` keys are parsed strictly (unknown and duplicate keys are
//! errors). Of `serde`, the keys that change the wire format of a field are
//! read, so the schema never drifts from deserialisation; keys that would
//! make the schema wrong (`flatten`, container `default`) are rejected.
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Lit, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::rename::RenameRule;

const TOOL_INPUT: &str = "tool_input";
const SERDE: &str = "serde";
const DESCRIPTION: &str = "description";
const DEFAULT: &str = "default";
const MINIMUM: &str = "minimum";
const MAXIMUM: &str = "maximum";

/// Attributes of the struct or enum.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub description: Option<String>,
    pub rename_all: Option<RenameRule>,
    pub deny_unknown_fields: bool,
}

/// Attributes of one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub description: Option<String>,
    pub default: Option<Expr>,
    pub minimum: Option<Expr>,
    pub maximum: Option<Expr>,
    pub rename: Option<String>,
    pub serde_default: bool,
    pub skip: bool,
}

/// Attributes of one enum variant.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    pub description: Option<String>,
    pub rename: Option<String>,
    pub skip: bool,
}

impl ContainerAttrs {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self {
            description: doc_comment(attrs),
            ..Self::default()
        };
        let mut explicit_description = Once::new(DESCRIPTION);
        for attr in attrs {
            if attr.path().is_ident(TOOL_INPUT) {
                description_only(
                    cx,
                    attr,
                    "on a struct or enum",
                    &mut explicit_description,
                    &mut out.description,
                );
            } else if attr.path().is_ident(SERDE) {
                report(
                    cx,
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename_all") {
                            out.rename_all = Some(rename_rule(&meta)?);
                        } else if meta.path.is_ident("deny_unknown_fields") {
                            out.deny_unknown_fields = true;
                        } else if meta.path.is_ident(DEFAULT) {
                            return Err(meta.error(
                                "ToolInput does not support a container-level #[serde(default)]; \
                             put #[serde(default)] or #[tool_input(default = ..)] on the fields",
                            ));
                        } else {
                            skip_value(&meta)?;
                        }
                        Ok(())
                    }),
                );
            }
        }
        out
    }
}

impl FieldAttrs {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self {
            description: doc_comment(attrs),
            ..Self::default()
        };
        let mut seen = [
            Once::new(DESCRIPTION),
            Once::new(DEFAULT),
            Once::new(MINIMUM),
            Once::new(MAXIMUM),
        ];
        for attr in attrs {
            if attr.path().is_ident(TOOL_INPUT) {
                report(
                    cx,
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident(DESCRIPTION) {
                            seen[0].set(&meta)?;
                            out.description = Some(string_value(&meta)?);
                        } else if meta.path.is_ident(DEFAULT) {
                            seen[1].set(&meta)?;
                            out.default = Some(meta.value()?.parse()?);
                        } else if meta.path.is_ident(MINIMUM) {
                            seen[2].set(&meta)?;
                            out.minimum = Some(meta.value()?.parse()?);
                        } else if meta.path.is_ident(MAXIMUM) {
                            seen[3].set(&meta)?;
                            out.maximum = Some(meta.value()?.parse()?);
                        } else {
                            return Err(meta.error(unknown_key(
                                "on a field",
                                &["description", "default", "minimum", "maximum"],
                            )));
                        }
                        Ok(())
                    }),
                );
            } else if attr.path().is_ident(SERDE) {
                report(
                    cx,
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            out.rename = rename_value(&meta)?.or(out.rename.take());
                        } else if meta.path.is_ident(DEFAULT) {
                            out.serde_default = true;
                            skip_value(&meta)?;
                        } else if meta.path.is_ident("skip")
                            || meta.path.is_ident("skip_deserializing")
                        {
                            out.skip = true;
                        } else if meta.path.is_ident("flatten") {
                            return Err(meta.error("ToolInput does not support #[serde(flatten)]"));
                        } else {
                            skip_value(&meta)?;
                        }
                        Ok(())
                    }),
                );
            }
        }
        out
    }
}

impl VariantAttrs {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self {
            description: doc_comment(attrs),
            ..Self::default()
        };
        let mut explicit_description = Once::new(DESCRIPTION);
        for attr in attrs {
            if attr.path().is_ident(TOOL_INPUT) {
                description_only(
                    cx,
                    attr,
                    "on an enum variant",
                    &mut explicit_description,
                    &mut out.description,
                );
            } else if attr.path().is_ident(SERDE) {
                report(
                    cx,
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            out.rename = rename_value(&meta)?.or(out.rename.take());
                        } else if meta.path.is_ident("skip")
                            || meta.path.is_ident("skip_deserializing")
                        {
                            out.skip = true;
                        } else {
                            skip_value(&meta)?;
                        }
                        Ok(())
                    }),
                );
            }
        }
        out
    }
}

/// Rejects a key given twice.
struct Once {
    name: &'static str,
    seen: bool,
}

impl Once {
    fn new(name: &'static str) -> Self {
        Self { name, seen: false }
    }

    fn set(&mut self, meta: &ParseNestedMeta) -> syn::Result<()> {
        if std::mem::replace(&mut self.seen, true) {
            return Err(meta.error(format!("duplicate tool_input attribute `{}`", self.name)));
        }
        Ok(())
    }
}

/// `#[tool_input(description = "..")]`, the only key a struct, an enum or
/// a variant takes; unknown and repeated keys are errors.
fn description_only(
    cx: &Ctxt,
    attr: &Attribute,
    place: &str,
    seen: &mut Once,
    description: &mut Option<String>,
) {
    report(
        cx,
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(DESCRIPTION) {
                seen.set(&meta)?;
                *description = Some(string_value(&meta)?);
                Ok(())
            } else {
                Err(meta.error(unknown_key(place, &["description"])))
            }
        }),
    );
}

fn report(cx: &Ctxt, result: syn::Result<()>) {
    if let Err(err) = result {
        cx.syn_error(err);
    }
}

fn unknown_key(place: &str, known: &[&str]) -> String {
    format!(
        "unknown tool_input attribute {place}; expected one of: {}",
        known.join(", ")
    )
}

fn string_value(meta: &ParseNestedMeta) -> syn::Result<String> {
    let lit: LitStr = meta.value()?.parse()?;
    Ok(lit.value())
}

fn rename_rule(meta: &ParseNestedMeta) -> syn::Result<RenameRule> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return RenameRule::from_lit(&lit);
    }
    let mut rule = None;
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("deserialize") {
            rule = Some(RenameRule::from_lit(&lit)?);
        }
        Ok(())
    })?;
    rule.ok_or_else(|| meta.error("rename_all needs a rule for deserialize"))
}

/// `rename = "x"` or `rename(deserialize = "x")`: the deserialised name.
fn rename_value(meta: &ParseNestedMeta) -> syn::Result<Option<String>> {
    if meta.input.peek(Token![=]) {
        return string_value(meta).map(Some);
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("deserialize") {
            name = Some(lit.value());
        }
        Ok(())
    })?;
    Ok(name)
}

/// Consumes the value of a serde key this derive does not need.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// The `///` doc comment, lines joined with spaces (blank lines keep paragraphs).
fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(pair) = &attr.meta
            && let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(text),
                ..
            }) = &pair.value
        {
            lines.push(text.value().trim().to_owned());
        }
    }
    let mut text = String::new();
    for line in lines {
        if line.is_empty() {
            if !text.ends_with("\n\n") && !text.is_empty() {
                text.push_str("\n\n");
            }
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(&line);
        }
    }
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}
