//! Mutations (`createX`, `updateX`, `deleteX`: the object or payload with
//! the input applied, kept in stateful mode) and the events they send to
//! subscriptions.
use apollo_compiler::Schema;
use apollo_compiler::ast;
use apollo_compiler::resolvers::{FieldError, ResolvedValue};
use apollo_compiler::schema::ExtendedType;
use serde_json::{Map, Value, json};

use super::{Kind, Obj, canonical_id};
use crate::graphql::data::TOTAL;
use crate::graphql::fnv;

impl<'w> Obj<'w> {
    /// A subscription field's value for a mutation's event.
    pub(super) fn event_value<'a>(&self, ty: &ast::Type, event: &Event) -> ResolvedValue<'a>
    where
        'w: 'a,
    {
        let entity = Obj::plain(
            self.context,
            event.ty.clone(),
            event.index,
            event.id.clone(),
            event.overlay.clone(),
        );
        let named = ty.inner_named_type().as_str();
        let value = if named == event.ty
            || self
                .world()
                .shape
                .possible_types(named)
                .is_some_and(|types| types.contains(&event.ty))
        {
            ResolvedValue::object(entity)
        } else {
            let mut payload = Obj::plain(self.context, named.to_owned(), event.index, None, None);
            payload.kind = Kind::Payload {
                entity: Box::new(entity),
                client_id: None,
            };
            ResolvedValue::object(payload)
        };
        if ty.is_list() {
            ResolvedValue::list([value])
        } else {
            value
        }
    }

    pub(super) fn mutation<'a>(
        &'a self,
        field: &str,
        ty: &ast::Type,
        args: &Map<String, Value>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let Some(plan) = MutationPlan::new(&self.world().schema, field, ty) else {
            return self.resolve_plain(field, ty, args);
        };
        let input = input_fields(&self.world().schema, &plan.entity, args);
        let store = self.context.store;
        let entity = match plan.verb {
            Verb::Create => {
                let index = match store {
                    Some(store) if plan.identified => {
                        let created = store
                            .all(&plan.entity)
                            .iter()
                            .filter(|(_, r)| {
                                r.get("created").and_then(Value::as_bool) == Some(true)
                            })
                            .count() as u64;
                        let index = TOTAL + created;
                        let id = canonical_id(&plan.entity, index);
                        let record = json!({"index": index, "fields": input, "created": true});
                        store.put(&plan.entity, &id, &record);
                        index
                    }
                    _ => fnv(field) % TOTAL,
                };
                Some(Obj::plain(
                    self.context,
                    plan.entity.clone(),
                    index,
                    None,
                    Some(input),
                ))
            }
            Verb::Update | Verb::Delete if !plan.identified || find_id(args).is_none() => {
                // Nothing says which object: one chosen by the field, with
                // the input applied, and nothing stored.
                Some(Obj::plain(
                    self.context,
                    plan.entity.clone(),
                    fnv(field) % TOTAL,
                    None,
                    Some(input),
                ))
            }
            Verb::Update | Verb::Delete => {
                let id = find_id(args).unwrap_or_default();
                let Some(mut found) = self.by_id(&plan.entity, &id) else {
                    return Err(FieldError {
                        message: format!("no {} has the id {id:?}", plan.entity),
                    });
                };
                let mut fields = found.overlay.clone().unwrap_or_default();
                if plan.verb == Verb::Update {
                    fields.extend(input);
                }
                if let Some(store) = store {
                    let created = store
                        .get(&found.ty, &id)
                        .and_then(|r| r.get("created").and_then(Value::as_bool))
                        == Some(true);
                    let record = json!({
                        "index": found.index,
                        "fields": fields,
                        "created": created,
                        "deleted": plan.verb == Verb::Delete,
                    });
                    store.put(&found.ty, &id, &record);
                }
                found.overlay = Some(fields);
                Some(found)
            }
        };
        let Some(entity) = entity else {
            return Ok(ResolvedValue::null());
        };
        self.context.emitted.borrow_mut().push(Event {
            ty: entity.ty.clone(),
            index: entity.index,
            id: entity.id.clone(),
            overlay: entity.overlay.clone(),
            verb: plan.verb,
        });
        let named = ty.inner_named_type().as_str();
        match named {
            "Boolean" => return Ok(ResolvedValue::leaf(true)),
            "ID" | "String" => return Ok(ResolvedValue::leaf(entity.id())),
            _ => {}
        }
        if named == plan.entity || plan.payload_field.is_none() {
            return Ok(ResolvedValue::object(entity));
        }
        let mut payload = Obj::plain(self.context, named.to_owned(), entity.index, None, None);
        payload.kind = Kind::Payload {
            entity: Box::new(entity),
            client_id: args
                .get("clientMutationId")
                .or_else(|| args.get("input").and_then(|i| i.get("clientMutationId")))
                .cloned(),
        };
        Ok(ResolvedValue::object(payload))
    }
}

/// What a mutation did to an object, for the subscriptions that follow it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub ty: String,
    pub index: u64,
    pub id: Option<String>,
    pub overlay: Option<Map<String, Value>>,
    pub verb: Verb,
}

/// The verb a subscription field's name says (`bookAdded`), if any.
pub(super) fn field_verb(field: &str) -> Option<Verb> {
    let lower = field.to_ascii_lowercase();
    let says = |parts: &[&str]| parts.iter().any(|p| lower.contains(p));
    if says(&["creat", "add", "new", "insert"]) {
        Some(Verb::Create)
    } else if says(&["updat", "chang", "edit", "modif"]) {
        Some(Verb::Update)
    } else if says(&["delet", "remov", "destroy"]) {
        Some(Verb::Delete)
    } else {
        None
    }
}

/// The field of payload type `payload` that holds an object of `ty`.
pub(super) fn payload_field(schema: &Schema, payload: &str, ty: &str) -> Option<String> {
    let Some(ExtendedType::Object(object)) = schema.types.get(payload) else {
        return None;
    };
    object
        .fields
        .iter()
        .find(|(_, f)| !f.ty.is_list() && f.ty.inner_named_type().as_str() == ty)
        .map(|(name, _)| name.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Create,
    Update,
    Delete,
}

/// What a mutation field does, found from its name and return type.
struct MutationPlan {
    verb: Verb,
    /// The object type created, changed or deleted.
    entity: String,
    /// The payload's field holding it, when the mutation answers a payload.
    payload_field: Option<String>,
    /// Whether the entity has an `id` (else nothing is stored).
    identified: bool,
}

impl MutationPlan {
    fn new(schema: &Schema, field: &str, ty: &ast::Type) -> Option<Self> {
        let lower = field.to_ascii_lowercase();
        let verbs: &[(&[&str], Verb)] = &[
            (
                &["create", "add", "insert", "new", "register"],
                Verb::Create,
            ),
            (
                &[
                    "update", "edit", "modify", "patch", "set", "change", "save", "upsert",
                ],
                Verb::Update,
            ),
            (&["delete", "remove", "destroy", "archive"], Verb::Delete),
        ];
        let (verb, noun) = verbs.iter().find_map(|(prefixes, verb)| {
            prefixes
                .iter()
                .find(|p| lower.starts_with(*p))
                .map(|p| (*verb, &lower[p.len()..]))
        })?;
        let named = ty.inner_named_type().as_str();
        if has_id(schema, named) {
            return Some(Self {
                verb,
                entity: named.to_owned(),
                payload_field: None,
                identified: true,
            });
        }
        if let Some(ExtendedType::Object(payload)) = schema.types.get(named) {
            let candidates: Vec<(&str, &str)> = payload
                .fields
                .iter()
                .filter(|(_, f)| !f.ty.is_list())
                .map(|(name, f)| (name.as_str(), f.ty.inner_named_type().as_str()))
                .filter(|(_, t)| has_id(schema, t))
                .collect();
            let chosen = candidates
                .iter()
                .find(|(name, _)| noun.contains(&name.to_ascii_lowercase()))
                .or_else(|| candidates.first());
            if let Some((name, entity)) = chosen {
                return Some(Self {
                    verb,
                    entity: (*entity).to_owned(),
                    payload_field: Some((*name).to_owned()),
                    identified: true,
                });
            }
            // An object without an id (`createReview: Review`): answered
            // with the input applied, never stored.
            return (verb != Verb::Delete).then(|| Self {
                verb,
                entity: named.to_owned(),
                payload_field: None,
                identified: false,
            });
        }
        // A scalar answer (`deleteUser: Boolean`): the object named after the verb.
        let entity = schema
            .types
            .iter()
            .find(|(name, ty)| {
                ty.is_object() && name.to_ascii_lowercase() == noun && has_id(schema, name)
            })
            .map(|(name, _)| name.to_string())?;
        Some(Self {
            verb,
            entity,
            payload_field: None,
            identified: true,
        })
    }
}

fn has_id(schema: &Schema, named: &str) -> bool {
    matches!(schema.types.get(named), Some(ExtendedType::Object(object))
        if object.fields.get("id").is_some_and(|f| !f.ty.is_list()))
}

pub(super) fn field_type<'s>(schema: &'s Schema, ty: &str, field: &str) -> Option<&'s ast::Type> {
    match schema.types.get(ty)? {
        ExtendedType::Object(object) => object.fields.get(field).map(|f| &f.ty),
        ExtendedType::Interface(interface) => interface.fields.get(field).map(|f| &f.ty),
        _ => None,
    }
}

/// The entity's leaf fields the arguments set: top-level leaf arguments
/// and the leaf entries of input-object arguments (not `id`), where the
/// value fits the field (an input's `null` does not clear a non-null
/// field, an `Int` does not fill a `String`).
fn input_fields(schema: &Schema, entity: &str, args: &Map<String, Value>) -> Map<String, Value> {
    let mut found = Map::new();
    let mut take = |name: &str, value: &Value| {
        if name == "id" || name == "clientMutationId" || value.is_object() {
            return;
        }
        if let Some(ty) = field_type(schema, entity, name)
            && matches!(
                schema.types.get(ty.inner_named_type().as_str()),
                Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
            )
            && fits(schema, ty, value)
        {
            found.insert(name.to_owned(), value.clone());
        }
    };
    for (name, value) in args {
        if let Value::Object(fields) = value {
            for (inner, inner_value) in fields {
                take(inner, inner_value);
            }
        } else {
            take(name, value);
        }
    }
    found
}

/// Whether `value` can be the value of a leaf field of type `ty`.
fn fits(schema: &Schema, ty: &ast::Type, value: &Value) -> bool {
    match (ty, value) {
        (_, Value::Null) => !ty.is_non_null(),
        (ast::Type::List(item) | ast::Type::NonNullList(item), Value::Array(items)) => {
            items.iter().all(|value| fits(schema, item, value))
        }
        (ast::Type::List(_) | ast::Type::NonNullList(_), _) | (_, Value::Array(_)) => false,
        (named, value) => {
            let name = named.inner_named_type().as_str();
            match name {
                "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                "Float" => value.is_number(),
                "String" => value.is_string(),
                "Boolean" => value.is_boolean(),
                "ID" => value.is_string() || value.is_i64() || value.is_u64(),
                _ => match schema.types.get(name) {
                    Some(ExtendedType::Enum(found)) => value
                        .as_str()
                        .is_some_and(|text| found.values.keys().any(|known| known == text)),
                    _ => true,
                },
            }
        }
    }
}

/// The id a mutation's arguments name: `id`, `input.id`, or an `...Id`.
fn find_id(args: &Map<String, Value>) -> Option<String> {
    if let Some(id) = args.get("id").and_then(id_text) {
        return Some(id);
    }
    for value in args.values() {
        if let Some(id) = value.get("id").and_then(id_text) {
            return Some(id);
        }
    }
    args.iter()
        .find(|(name, _)| name.ends_with("Id") || name.ends_with("ID"))
        .and_then(|(_, value)| id_text(value))
}

pub(super) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
