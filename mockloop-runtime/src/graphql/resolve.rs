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
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::data::{DEFAULT_LIST, MAX_LIST, MAX_VALUES, TOTAL};
use super::documents::Documents;
use super::fnv;
use super::shape::Shape;

mod connection;
mod mutation;
mod values;

use connection::cursor;
pub(crate) use mutation::Event;
use mutation::{field_verb, id_text, payload_field};
use values::leaf_result;
pub(crate) use values::to_response;

/// Starts a field error's message that is an override's error object
/// (`{message, extensions}` as JSON), which `http` turns back into one.
pub(crate) const ERROR_MARK: char = '\u{1}';

/// Arguments that set a list's length, and its start.
pub(crate) const LENGTH_ARGS: &[&str] = &[
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
pub(crate) const OFFSET_ARGS: &[&str] = &["offset", "skip"];

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
    /// The operations seen, parsed and validated.
    pub(crate) documents: Documents,
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
            documents: Documents::default(),
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

    /// The object types a value of `named` can be: its own for an object
    /// type, an abstract type's in their stable order.
    fn candidates(&self, named: &str) -> Vec<String> {
        match self.shape.possible_types(named) {
            Some(types) => types.to_vec(),
            None => vec![named.to_owned()],
        }
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
        let candidates = self.world().candidates(named);
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
        let types = self.world().candidates(named);
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
        let types = self.world().candidates(named);
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
