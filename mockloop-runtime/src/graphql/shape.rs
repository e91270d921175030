//! What the resolution rules need to know about a schema beyond its
//! definitions: the concrete types of each abstract type, in a stable
//! order, and which types are Relay connections.
use std::collections::{BTreeSet, HashMap};

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;

/// A Relay connection type: `edges { cursor node }` and `pageInfo`.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The named type of `edges` items.
    pub edge: String,
}

/// The schema facts the rules use, computed once.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Abstract (interface or union) type → its object types, sorted.
    pub possible: HashMap<String, Vec<String>>,
    /// Connection types by name.
    pub connections: HashMap<String, Connection>,
}

impl Shape {
    pub(crate) fn new(schema: &Schema) -> Self {
        let mut possible: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (name, ty) in &schema.types {
            match ty {
                ExtendedType::Union(union) => {
                    possible
                        .entry(name.to_string())
                        .or_default()
                        .extend(union.members.iter().map(|member| member.name.to_string()));
                }
                ExtendedType::Object(object) => {
                    for interface in &object.implements_interfaces {
                        possible
                            .entry(interface.name.to_string())
                            .or_default()
                            .insert(name.to_string());
                    }
                }
                _ => {}
            }
        }
        for (name, ty) in &schema.types {
            if let ExtendedType::Interface(_) = ty {
                possible.entry(name.to_string()).or_default();
            }
        }
        let mut connections = HashMap::new();
        for (name, ty) in &schema.types {
            let fields = match ty {
                ExtendedType::Object(object) => &object.fields,
                ExtendedType::Interface(interface) => &interface.fields,
                _ => continue,
            };
            let (Some(edges), Some(_)) = (fields.get("edges"), fields.get("pageInfo")) else {
                continue;
            };
            if !edges.ty.is_list() {
                continue;
            }
            let edge = edges.ty.inner_named_type();
            let has_node = match schema.types.get(edge) {
                Some(ExtendedType::Object(object)) => object.fields.contains_key("node"),
                Some(ExtendedType::Interface(interface)) => interface.fields.contains_key("node"),
                _ => false,
            };
            if has_node {
                connections.insert(
                    name.to_string(),
                    Connection {
                        edge: edge.to_string(),
                    },
                );
            }
        }
        Self {
            possible: possible
                .into_iter()
                .map(|(name, types)| (name, types.into_iter().collect()))
                .collect(),
            connections,
        }
    }

    /// The object types of an abstract type, sorted; `None` for others.
    pub(crate) fn possible_types(&self, named: &str) -> Option<&[String]> {
        self.possible.get(named).map(Vec::as_slice)
    }
}
