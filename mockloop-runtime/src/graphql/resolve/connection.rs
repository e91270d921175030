//! Relay connections: paging through an object's sequence with `first`,
//! `last`, `after` and `before`, and the connection's own fields.
use apollo_compiler::ast;
use apollo_compiler::resolvers::{FieldError, ResolvedValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::mutation::field_type;
use super::{Kind, Obj, list_length};
use crate::graphql::data::MAX_LIST;

pub(super) fn cursor(position: u64) -> String {
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

impl<'w> Obj<'w> {
    pub(super) fn connection(
        &self,
        named: &str,
        field: &str,
        args: &Map<String, Value>,
    ) -> Obj<'w> {
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

    pub(super) fn resolve_connection<'a>(
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
}
