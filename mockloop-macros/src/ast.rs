//! A typed view of the derive input, validated.
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};

use crate::attr::{ContainerAttrs, FieldAttrs, VariantAttrs};
use crate::ctxt::Ctxt;

/// The struct or enum the derive is on.
pub(crate) struct Container<'a> {
    pub original: &'a DeriveInput,
    pub attrs: ContainerAttrs,
    pub body: Body<'a>,
}

/// What the container holds.
pub(crate) enum Body<'a> {
    /// A struct with named fields.
    Struct(Vec<Field<'a>>),
    /// A unit-only enum.
    Enum(Vec<Variant>),
}

/// One struct field.
pub(crate) struct Field<'a> {
    pub original: &'a syn::Field,
    /// The name on the wire (after serde renames).
    pub name: String,
    /// The type whose schema is used: `T` for `Option<T>`.
    pub schema_ty: &'a Type,
    /// Whether the field is an `Option`.
    pub optional: bool,
    pub attrs: FieldAttrs,
}

/// One enum variant.
pub(crate) struct Variant {
    /// The name on the wire (after serde renames).
    pub name: String,
    pub attrs: VariantAttrs,
}

impl<'a> Container<'a> {
    /// Reads and validates the input; problems go to `cx`.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::from_ast(cx, &input.attrs);
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "ToolInput does not support generic types");
        }
        let body = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => Body::Struct(
                    fields
                        .named
                        .iter()
                        .filter_map(|field| Field::from_ast(cx, field, &attrs))
                        .collect(),
                ),
                _ => {
                    cx.error_spanned_by(&input.ident, "ToolInput needs a struct with named fields");
                    return None;
                }
            },
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .filter_map(|variant| Variant::from_ast(cx, variant, &attrs))
                    .collect(),
            ),
            Data::Union(_) => {
                cx.error_spanned_by(&input.ident, "ToolInput does not support unions");
                return None;
            }
        };
        Some(Self {
            original: input,
            attrs,
            body,
        })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field, container: &ContainerAttrs) -> Option<Self> {
        let attrs = FieldAttrs::from_ast(cx, &field.attrs);
        if attrs.skip {
            return None;
        }
        let ident = field.ident.as_ref()?;
        let raw = ident.to_string();
        let raw = raw.strip_prefix("r#").unwrap_or(&raw);
        let name = attrs.rename.clone().unwrap_or_else(|| {
            container
                .rename_all
                .map_or_else(|| raw.to_owned(), |rule| rule.apply_to_field(raw))
        });
        let (schema_ty, optional) = match option_inner(&field.ty) {
            Some(inner) => (inner, true),
            None => (&field.ty, false),
        };
        check_type(cx, schema_ty);
        Some(Self {
            original: field,
            name,
            schema_ty,
            optional,
            attrs,
        })
    }

    /// Whether a request must carry the field.
    pub(crate) fn required(&self) -> bool {
        !self.optional && self.attrs.default.is_none() && !self.attrs.serde_default
    }
}

impl Variant {
    fn from_ast(cx: &Ctxt, variant: &syn::Variant, container: &ContainerAttrs) -> Option<Self> {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                variant,
                "ToolInput supports unit variants only (a string enum)",
            );
            return None;
        }
        let attrs = VariantAttrs::from_ast(cx, &variant.attrs);
        if attrs.skip {
            return None;
        }
        let raw = variant.ident.to_string();
        let name = attrs.rename.clone().unwrap_or_else(|| {
            container
                .rename_all
                .map_or_else(|| raw.clone(), |rule| rule.apply_to_variant(&raw))
        });
        Some(Self { name, attrs })
    }
}

/// `T` if `ty` is `Option<T>` (also `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Rejects types that can never have a JSON schema here.
fn check_type(cx: &Ctxt, ty: &Type) {
    let problem = match ty {
        Type::Reference(_) => "references are not supported; use an owned type such as String",
        Type::Tuple(tuple) if !tuple.elems.is_empty() => "tuples are not supported; use a struct",
        Type::Array(_) | Type::Slice(_) => "arrays and slices are not supported; use Vec<T>",
        Type::Ptr(_)
        | Type::FnPtr(_)
        | Type::ImplTrait(_)
        | Type::TraitObject(_)
        | Type::Never(_) => "this type has no JSON schema",
        Type::Paren(inner) => return check_type(cx, &inner.elem),
        Type::Group(inner) => return check_type(cx, &inner.elem),
        _ => return,
    };
    cx.error_spanned_by(ty, format!("unsupported type for ToolInput: {problem}"));
}
