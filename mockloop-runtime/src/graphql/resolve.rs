//! The rules that answer every field from the pool, for the native engine.
//! `templates/fastapi/mockloop_mock/graphql_data.py` is the same rules in
//! Python; a query gets the same data from both engines.
//!
//! * The world holds `TOTAL` objects of each object type, numbered; object
//!   `n` of type `T` has the id `base64("T:n")` and the leaf values of pool
//!   instance `n % pool_size`. A field asked with an `id` argument answers
//!   the object with that id (a foreign id answers an object chosen by its
//!   hash, keeping the id), so an object is the same wherever it appears.
//! * An object field of object `n` of `T` answers the object chosen by
//!   `fnv("T:n.field")`; a list answers consecutive objects from there (from
//!   0 on the query root), as many as `first`/`limit`/... say (3 when none
//!   does), from `offset`/`skip`. An interface or union answers its object
//!   types in turn. A list named `...errors` is empty.
//! * A Relay connection (`edges { cursor node }`, `pageInfo`) pages through
//!   the same sequence with `first`, `last`, `after` and `before`.
//! * `createX`/`addX`, `updateX` and `deleteX` mutations answer their
//!   object (or payload) with the input applied; in stateful mode they are
//!   stored, and lists, lookups and connections on the root see them.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use apollo_compiler::Schema;
use apollo_compiler::ast;
use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::JsonValue;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::data::{DEFAULT_LIST, MAX_LIST, MAX_VALUES, TOTAL};
use super::fnv;
use super::shape::Shape;

/// Starts a field error's message that is an override's error object
/// (`{message, extensions}` as JSON), which `http` turns back into one.
pub(crate) const ERROR_MARK: char = '\u{1}';

/// Arguments that set a list's length, and its start.
const LENGTH_ARGS: &[&str] = &[
    "first",
    "last",
    "limit",
    "size",
    "count",
    "take",
    "top",
    "perPage",
    "per_page",
    "pageSize",
    "page_size",
];
const OFFSET_ARGS: &[&str] = &["offset", "skip"];

/// What stateful mode keeps: per object type, records by id
/// (`{"index", "fields", "created", "deleted"}`).
pub(crate) trait Store {
    /// The record of `ty`'s object `id`.
    fn get(&self, ty: &str, id: &str) -> Option<Value>;
    /// Every record of `ty`.
    fn all(&self, ty: &str) -> Vec<(String, Value)>;
    /// Saves a record.
    fn put(&self, ty: &str, id: &str, record: &Value);
}

/// A schema with its pool: what answering needs, built once per mock.
pub(crate) struct World {
    pub schema: Valid<Schema>,
    shape: Shape,
    pool: HashMap<String, Vec<Map<String, Value>>>,
    pool_size: u64,
    query_root: String,
    mutation_root: Option<String>,
    subscription_root: Option<String>,
}

impl World {
    pub(crate) fn new(schema: Valid<Schema>, data: &Value) -> Self {
        let pool_size = data
            .get("pool_size")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1);
        let pool = data
            .get("pool")
            .and_then(Value::as_object)
            .map(|pool| {
                pool.iter()
                    .map(|(name, instances)| {
                        let instances = instances
                            .as_array()
                            .map(|items| {
                                items
                                    .iter()
                                    .filter_map(|i| i.as_object().cloned())
                                    .collect()
                            })
                            .unwrap_or_default();
                        (name.clone(), instances)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let root = |kind: ast::OperationType| schema.root_operation(kind).map(|n| n.to_string());
        Self {
            shape: Shape::new(&schema),
            query_root: root(ast::OperationType::Query).unwrap_or_else(|| "Query".to_owned()),
            mutation_root: root(ast::OperationType::Mutation),
            subscription_root: root(ast::OperationType::Subscription),
            pool,
            pool_size,
            schema,
        }
    }

    /// The root object of an operation on `root_type`; `index` numbers a
    /// subscription's events.
    pub(crate) fn root<'w>(
        &'w self,
        root_type: &str,
        index: u64,
        context: &'w Context<'w>,
    ) -> Obj<'w> {
        Obj::plain(context, root_type.to_owned(), index, None, None)
    }

    /// Whether a subscription's root field (`bookAdded: Book!`) answers
    /// an event: its type holds the event's object (directly, as one of an
    /// interface's or union's types, or in a payload), and its name, when
    /// it says a verb (`added`, `updated`, `deleted`...), says the event's.
    pub(crate) fn wants(&self, field: &str, ty: &ast::Type, event: &Event) -> bool {
        if field_verb(field).is_some_and(|verb| verb != event.verb) {
            return false;
        }
        let named = ty.inner_named_type().as_str();
        named == event.ty
            || self
                .shape
                .possible_types(named)
                .is_some_and(|types| types.contains(&event.ty))
            || payload_field(&self.schema, named, &event.ty).is_some()
    }
}

/// Looks up the override or scenario entry of a coordinate.
pub(crate) type Configured<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// One execution: the world, the store in stateful mode, and the count of
/// values made so far.
pub(crate) struct Context<'w> {
    pub world: &'w World,
    pub store: Option<&'w dyn Store>,
    /// The override or scenario entry of a coordinate (`Query.user`).
    pub configured: Option<Configured<'w>>,
    values: Cell<usize>,
    /// The event a subscription's root field answers.
    event: Option<Event>,
    /// What the mutations of this operation did.
    emitted: RefCell<Vec<Event>>,
}

impl<'w> Context<'w> {
    pub(crate) fn new(
        world: &'w World,
        store: Option<&'w dyn Store>,
        configured: Option<Configured<'w>>,
    ) -> Self {
        Self {
            world,
            store,
            configured,
            values: Cell::new(0),
            event: None,
            emitted: RefCell::new(Vec::new()),
        }
    }

    /// The context of a subscription event.
    pub(crate) fn with_event(mut self, event: Option<Event>) -> Self {
        self.event = event;
        self
    }

    /// What the mutations did.
    pub(crate) fn take_events(&self) -> Vec<Event> {
        self.emitted.take()
    }

    fn spend(&self, values: usize) -> Result<(), FieldError> {
        let total = self.values.get() + values;
        self.values.set(total);
        if total > MAX_VALUES {
            return Err(FieldError {
                message: format!(
                    "the response would hold more than {MAX_VALUES} values; ask for fewer or shorter lists"
                ),
            });
        }
        Ok(())
    }
}

/// The canonical id of object `index` of `ty`.
pub(crate) fn canonical_id(ty: &str, index: u64) -> String {
    STANDARD.encode(format!("{ty}:{index}"))
}

fn decode_id(id: &str) -> Option<(String, u64)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (ty, index) = text.rsplit_once(':')?;
    Some((ty.to_owned(), index.parse().ok()?))
}

fn cursor(position: u64) -> String {
    STANDARD.encode(format!("cursor:{position}"))
}

fn decode_cursor(text: &str) -> Option<u64> {
    let bytes = STANDARD.decode(text).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:")?
        .parse()
        .ok()
}

/// What kind of value an object is.
#[derive(Clone)]
enum Kind<'w> {
    Plain,
    Connection {
        items: Vec<Obj<'w>>,
        start: u64,
        total: u64,
    },
    Edge {
        node: Box<Obj<'w>>,
        cursor: String,
    },
    PageInfo {
        start: u64,
        end: u64,
        total: u64,
    },
    Payload {
        entity: Box<Obj<'w>>,
        client_id: Option<Value>,
    },
}

/// An object of the response.
#[derive(Clone)]
pub(crate) struct Obj<'w> {
    context: &'w Context<'w>,
    ty: String,
    index: u64,
    id: Option<String>,
    overlay: Option<Map<String, Value>>,
    /// Data an override gave this object (fields it leaves out are generated).
    fixed: Option<Map<String, Value>>,
    kind: Kind<'w>,
}

impl<'w> Obj<'w> {
    fn plain(
        context: &'w Context<'w>,
        ty: String,
        index: u64,
        id: Option<String>,
        overlay: Option<Map<String, Value>>,
    ) -> Self {
        Self {
            context,
            ty,
            index,
            id,
            overlay,
            fixed: None,
            kind: Kind::Plain,
        }
    }

    fn world(&self) -> &'w World {
        self.context.world
    }

    fn id(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| canonical_id(&self.ty, self.index))
    }

    fn is_query_root(&self) -> bool {
        matches!(self.kind, Kind::Plain) && self.ty == self.world().query_root
    }

    /// Object `index` of `ty`, with what the store has for it; `None` when
    /// it was deleted.
    fn numbered(&self, ty: &str, index: u64) -> Option<Obj<'w>> {
        let id = canonical_id(ty, index);
        let mut overlay = None;
        if let Some(store) = self.context.store
            && let Some(record) = store.get(ty, &id)
        {
            if record.get("deleted").and_then(Value::as_bool) == Some(true) {
                return None;
            }
            overlay = record.get("fields").and_then(Value::as_object).cloned();
        }
        Some(Obj::plain(
            self.context,
            ty.to_owned(),
            index,
            None,
            overlay,
        ))
    }

    /// The object with `id`, of type `named` or one of its object types.
    fn by_id(&self, named: &str, id: &str) -> Option<Obj<'w>> {
        let world = self.world();
        let candidates: Vec<String> = match world.shape.possible_types(named) {
            Some(types) => types.to_vec(),
            None => vec![named.to_owned()],
        };
        if let Some(store) = self.context.store {
            for ty in &candidates {
                if let Some(record) = store.get(ty, id) {
                    if record.get("deleted").and_then(Value::as_bool) == Some(true) {
                        return None;
                    }
                    let index = record.get("index").and_then(Value::as_u64).unwrap_or(0);
                    let overlay = record.get("fields").and_then(Value::as_object).cloned();
                    let custom = (canonical_id(ty, index) != id).then(|| id.to_owned());
                    return Some(Obj::plain(self.context, ty.clone(), index, custom, overlay));
                }
            }
        }
        if let Some((ty, index)) = decode_id(id)
            && candidates.contains(&ty)
        {
            return self.numbered(&ty, index);
        }
        let hash = fnv(id);
        let ty = candidates.get(((hash / TOTAL) % candidates.len().max(1) as u64) as usize)?;
        Some(Obj::plain(
            self.context,
            ty.clone(),
            hash % TOTAL,
            Some(id.to_owned()),
            None,
        ))
    }

    /// The sequence a list or connection of `named` on `field` pages through.
    fn sequence(&self, named: &str, field: &str) -> Vec<Obj<'w>> {
        let world = self.world();
        let types: Vec<String> = match world.shape.possible_types(named) {
            Some(types) => types.to_vec(),
            None => vec![named.to_owned()],
        };
        if types.is_empty() {
            return Vec::new();
        }
        let count = types.len() as u64;
        if self.is_query_root() {
            let mut items: Vec<Obj<'w>> = (0..TOTAL)
                .filter_map(|k| self.numbered(&types[(k % count) as usize], k))
                .collect();
            if let Some(store) = self.context.store {
                let mut created: Vec<Obj<'w>> = Vec::new();
                for ty in &types {
                    for (id, record) in store.all(ty) {
                        let created_here = record.get("created").and_then(Value::as_bool)
                            == Some(true)
                            && record.get("deleted").and_then(Value::as_bool) != Some(true);
                        if created_here {
                            let index = record.get("index").and_then(Value::as_u64).unwrap_or(0);
                            let overlay = record.get("fields").and_then(Value::as_object).cloned();
                            let custom = (canonical_id(ty, index) != id).then_some(id);
                            created.push(Obj::plain(
                                self.context,
                                ty.clone(),
                                index,
                                custom,
                                overlay,
                            ));
                        }
                    }
                }
                created.sort_by(|a, b| (a.index, &a.ty).cmp(&(b.index, &b.ty)));
                items.extend(created);
            }
            return items;
        }
        let hash = fnv(&format!("{}:{}.{field}", self.ty, self.index));
        let base = hash % TOTAL;
        let turn = hash / TOTAL;
        (0..TOTAL)
            .filter_map(|k| {
                let ty = &types[((turn + k) % count) as usize];
                self.numbered(ty, (base + k) % TOTAL)
            })
            .collect()
    }

    /// The single object a field of type `named` answers.
    fn single(&self, named: &str, field: &str, args: &Map<String, Value>) -> Option<Obj<'w>> {
        if let Some(id) = args.get("id").and_then(id_text) {
            return self.by_id(named, &id);
        }
        let world = self.world();
        let types: Vec<String> = match world.shape.possible_types(named) {
            Some(types) => types.to_vec(),
            None => vec![named.to_owned()],
        };
        let hash = fnv(&format!("{}:{}.{field}", self.ty, self.index));
        let ty = types.get(((hash / TOTAL) % types.len().max(1) as u64) as usize)?;
        Some(
            self.numbered(ty, hash % TOTAL)
                .unwrap_or_else(|| Obj::plain(self.context, ty.clone(), hash % TOTAL, None, None)),
        )
    }

    fn leaf(&self, field: &str, ty: &ast::Type) -> Value {
        if let Some(value) = self.overlay.as_ref().and_then(|o| o.get(field)) {
            return value.clone();
        }
        if field == "id" && ty.inner_named_type().as_str() == "ID" && !ty.is_list() {
            return Value::String(self.id());
        }
        if ty.is_list() && is_errors(field) {
            return Value::Array(Vec::new());
        }
        let world = self.world();
        world
            .pool
            .get(&self.ty)
            .and_then(|instances| instances.get((self.index % world.pool_size) as usize))
            .and_then(|instance| instance.get(field))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn resolve_plain<'a>(
        &'a self,
        field: &str,
        ty: &ast::Type,
        args: &Map<String, Value>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let world = self.world();
        let named = ty.inner_named_type().as_str();
        if matches!(
            world.schema.types.get(named),
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
        ) {
            return Ok(leaf_result(&self.leaf(field, ty), ty));
        }
        if ty.is_list() && is_errors(field) {
            return Ok(ResolvedValue::list(std::iter::empty()));
        }
        if world.shape.connections.contains_key(named) {
            let connection = self.connection(named, field, args);
            return Ok(ResolvedValue::object(connection));
        }
        if let ast::Type::List(inner) | ast::Type::NonNullList(inner) = ty {
            let items = self.list(named, field, args);
            self.context.spend(items.len())?;
            if inner.is_list() {
                // A list of lists: the same items in each of two inner lists.
                let rows: Vec<ResolvedValue<'a>> = (0..2)
                    .map(|_| {
                        ResolvedValue::list(items.clone().into_iter().map(ResolvedValue::object))
                    })
                    .collect();
                return Ok(ResolvedValue::list(rows));
            }
            return Ok(ResolvedValue::list(
                items.into_iter().map(ResolvedValue::object),
            ));
        }
        Ok(ResolvedValue::nullable_object(
            self.single(named, field, args),
        ))
    }

    fn list(&self, named: &str, field: &str, args: &Map<String, Value>) -> Vec<Obj<'w>> {
        let sequence = self.sequence(named, field);
        let start = OFFSET_ARGS
            .iter()
            .find_map(|name| args.get(*name).and_then(Value::as_u64))
            .unwrap_or(0);
        let length = list_length(args);
        sequence
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(length).unwrap_or(0))
            .collect()
    }

    fn connection(&self, named: &str, field: &str, args: &Map<String, Value>) -> Obj<'w> {
        let world = self.world();
        let node_type = world
            .shape
            .connections
            .get(named)
            .and_then(|c| field_type(&world.schema, &c.edge, "node"))
            .map(|t| t.inner_named_type().to_string())
            .unwrap_or_default();
        let sequence = self.sequence(&node_type, field);
        let total = sequence.len() as u64;
        let mut start = args
            .get("after")
            .and_then(Value::as_str)
            .and_then(decode_cursor)
            .map_or(0, |p| p + 1);
        let mut end = args
            .get("before")
            .and_then(Value::as_str)
            .and_then(decode_cursor)
            .map_or(total, |p| p.min(total));
        start = start.min(end);
        let first = args.get("first").and_then(Value::as_u64);
        let last = args.get("last").and_then(Value::as_u64);
        if let Some(first) = first {
            end = end.min(start + first.min(MAX_LIST));
        }
        if let Some(last) = last {
            start = start.max(end.saturating_sub(last.min(MAX_LIST)));
        }
        if first.is_none() && last.is_none() {
            end = end.min(start + list_length(args));
        }
        let items = sequence
            .into_iter()
            .skip(start as usize)
            .take(end.saturating_sub(start) as usize)
            .collect();
        let mut connection = Obj::plain(self.context, named.to_owned(), self.index, None, None);
        connection.kind = Kind::Connection {
            items,
            start,
            total,
        };
        connection
    }

    fn resolve_connection<'a>(
        &'a self,
        field: &str,
        ty: &ast::Type,
        args: &Map<String, Value>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let Kind::Connection {
            items,
            start,
            total,
        } = &self.kind
        else {
            return self.resolve_plain(field, ty, args);
        };
        let world = self.world();
        match field {
            "edges" => {
                self.context.spend(items.len() * 2)?;
                let edge_type = world
                    .shape
                    .connections
                    .get(&self.ty)
                    .map(|c| c.edge.clone())
                    .unwrap_or_default();
                let edges = items.iter().enumerate().map(move |(i, item)| {
                    let mut edge =
                        Obj::plain(self.context, edge_type.clone(), item.index, None, None);
                    edge.kind = Kind::Edge {
                        node: Box::new(item.clone()),
                        cursor: cursor(start + i as u64),
                    };
                    ResolvedValue::object(edge)
                });
                Ok(ResolvedValue::list(edges))
            }
            "nodes" if ty.is_list() => {
                self.context.spend(items.len())?;
                Ok(ResolvedValue::list(
                    items.iter().cloned().map(ResolvedValue::object),
                ))
            }
            "pageInfo" => {
                let named = ty.inner_named_type().to_string();
                let mut info = Obj::plain(self.context, named, 0, None, None);
                info.kind = Kind::PageInfo {
                    start: *start,
                    end: start + items.len() as u64,
                    total: *total,
                };
                Ok(ResolvedValue::object(info))
            }
            "totalCount" | "count" | "total" if !ty.is_list() => {
                Ok(ResolvedValue::leaf(i64::try_from(*total).unwrap_or(0)))
            }
            _ => self.resolve_plain(field, ty, args),
        }
    }

    /// The value an override's `data` gives a field of type `ty`.
    fn given<'a>(&self, value: &Value, ty: &ast::Type) -> ResolvedValue<'a>
    where
        'w: 'a,
    {
        let world = self.world();
        let named = ty.inner_named_type().as_str();
        match (ty, value) {
            (_, Value::Null) => ResolvedValue::null(),
            (ast::Type::List(inner) | ast::Type::NonNullList(inner), Value::Array(items)) => {
                let items: Vec<ResolvedValue<'a>> =
                    items.iter().map(|item| self.given(item, inner)).collect();
                ResolvedValue::list(items)
            }
            (_, Value::Object(map))
                if !matches!(
                    world.schema.types.get(named),
                    Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
                ) =>
            {
                let concrete = map
                    .get("__typename")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| match world.shape.possible_types(named) {
                        Some(types) => types.first().cloned(),
                        None => Some(named.to_owned()),
                    })
                    .unwrap_or_default();
                let index = map
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(decode_id)
                    .map_or(0, |(_, index)| index);
                let mut obj = Obj::plain(self.context, concrete, index, None, None);
                obj.fixed = Some(map.clone());
                ResolvedValue::object(obj)
            }
            _ => leaf_result(value, ty),
        }
    }

    /// A subscription field's value for a mutation's event.
    fn event_value<'a>(&self, ty: &ast::Type, event: &Event) -> ResolvedValue<'a>
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

    fn mutation<'a>(
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

impl ObjectValue for Obj<'_> {
    fn type_name(&self) -> &str {
        &self.ty
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        self.context.spend(1)?;
        let field = info.field_name();
        let ty = &info.field_definition().ty;
        if let Some(configured) = self.context.configured
            && let Some(config) = configured(&format!("{}.{field}", self.ty))
        {
            if let Some(delay) = config.get("delay_ms").and_then(Value::as_f64) {
                std::thread::sleep(std::time::Duration::from_secs_f64(delay / 1000.0));
            }
            if let Some(rate) = config.get("error_rate").and_then(Value::as_f64)
                && rand::random::<f64>() < rate
            {
                return Err(FieldError {
                    message: "error injected by mockloop (error_rate)".to_owned(),
                });
            }
            if let Some(error) = config
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|errors| errors.first())
            {
                return Err(FieldError {
                    message: format!("{ERROR_MARK}{error}"),
                });
            }
            if let Some(data) = config.get("data") {
                return Ok(self.given(data, ty));
            }
        }
        if let Some(value) = self.fixed.as_ref().and_then(|fixed| fixed.get(field)) {
            return Ok(self.given(value, ty));
        }
        let args: Map<String, Value> = serde_json::to_value(info.arguments())
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        match &self.kind {
            Kind::Plain => {
                let world = self.world();
                if Some(&self.ty) == world.mutation_root.as_ref() {
                    return self.mutation(field, ty, &args);
                }
                if Some(&self.ty) == world.subscription_root.as_ref()
                    && let Some(event) = &self.context.event
                    && world.wants(field, ty, event)
                {
                    return Ok(self.event_value(ty, event));
                }
                self.resolve_plain(field, ty, &args)
            }
            Kind::Connection { .. } => self.resolve_connection(field, ty, &args),
            Kind::Edge { node, cursor } => match field {
                "node" => Ok(ResolvedValue::object((**node).clone())),
                "cursor" => Ok(ResolvedValue::leaf(cursor.clone())),
                _ => self.resolve_plain(field, ty, &args),
            },
            Kind::PageInfo { start, end, total } => match field {
                "hasNextPage" => Ok(ResolvedValue::leaf(end < total)),
                "hasPreviousPage" => Ok(ResolvedValue::leaf(*start > 0)),
                "startCursor" => Ok(if end > start {
                    ResolvedValue::leaf(cursor(*start))
                } else {
                    ResolvedValue::null()
                }),
                "endCursor" => Ok(if end > start {
                    ResolvedValue::leaf(cursor(end - 1))
                } else {
                    ResolvedValue::null()
                }),
                _ => self.resolve_plain(field, ty, &args),
            },
            Kind::Payload { entity, client_id } => {
                let named = ty.inner_named_type().as_str();
                if named == entity.ty
                    || self
                        .world()
                        .shape
                        .possible_types(named)
                        .is_some_and(|types| types.contains(&entity.ty))
                {
                    if ty.is_list() {
                        return Ok(ResolvedValue::list([ResolvedValue::object(
                            (**entity).clone(),
                        )]));
                    }
                    return Ok(ResolvedValue::object((**entity).clone()));
                }
                match field {
                    "clientMutationId" => Ok(ResolvedValue::Leaf(to_response(
                        client_id.as_ref().unwrap_or(&Value::Null),
                    ))),
                    "success" | "ok" | "deleted" | "removed" if named == "Boolean" => {
                        Ok(ResolvedValue::leaf(true))
                    }
                    _ => self.resolve_plain(field, ty, &args),
                }
            }
        }
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
fn field_verb(field: &str) -> Option<Verb> {
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
fn payload_field(schema: &Schema, payload: &str, ty: &str) -> Option<String> {
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

fn field_type<'s>(schema: &'s Schema, ty: &str, field: &str) -> Option<&'s ast::Type> {
    match schema.types.get(ty)? {
        ExtendedType::Object(object) => object.fields.get(field).map(|f| &f.ty),
        ExtendedType::Interface(interface) => interface.fields.get(field).map(|f| &f.ty),
        _ => None,
    }
}

/// The entity's leaf fields the arguments set: top-level leaf arguments
/// and the leaf entries of input-object arguments (not `id`).
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

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn list_length(args: &Map<String, Value>) -> u64 {
    LENGTH_ARGS
        .iter()
        .find_map(|name| args.get(*name).and_then(Value::as_i64))
        .map_or(DEFAULT_LIST, |n| {
            u64::try_from(n).unwrap_or(0).min(MAX_LIST)
        })
}

fn is_errors(field: &str) -> bool {
    field.to_ascii_lowercase().ends_with("errors")
}

/// A leaf value as the executor wants it: a list type's value as a list
/// of leaves (a value that is not a list is left for the executor to refuse).
fn leaf_result<'a>(value: &Value, ty: &ast::Type) -> ResolvedValue<'a> {
    match (ty, value) {
        (ast::Type::List(inner) | ast::Type::NonNullList(inner), Value::Array(items)) => {
            let items: Vec<ResolvedValue<'a>> =
                items.iter().map(|item| leaf_result(item, inner)).collect();
            ResolvedValue::list(items)
        }
        _ => ResolvedValue::Leaf(to_response(value)),
    }
}

/// serde_json → the response's JSON type.
pub(crate) fn to_response(value: &Value) -> JsonValue {
    match value {
        Value::Null => JsonValue::Null,
        Value::Bool(b) => JsonValue::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(JsonValue::from)
            .or_else(|| n.as_u64().map(JsonValue::from))
            .or_else(|| n.as_f64().map(JsonValue::from))
            .unwrap_or(JsonValue::Null),
        Value::String(s) => JsonValue::from(s.as_str()),
        Value::Array(items) => JsonValue::Array(items.iter().map(to_response).collect()),
        Value::Object(map) => JsonValue::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().into(), to_response(v)))
                .collect(),
        ),
    }
}
