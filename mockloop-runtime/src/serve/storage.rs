//! Stateful mode (feature `storage`): collections kept in SQLite, as
//! `mockloop_mock/storage.py` keeps them. A collection route `/x` and its
//! item route `/x/{id}` act as a store; other routes answer as usual.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::catalog::Catalog;
use super::state::now;

/// What the store answers: a status and a JSON body (`None`: no body).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

/// Which routes are collections and items.
#[derive(Debug, Default)]
pub(crate) struct Collections {
    /// Item path → its collection path (`/pets/{petId}` → `/pets`).
    items: HashMap<String, String>,
    collections: BTreeSet<String>,
}

impl Collections {
    /// The collections of a catalog.
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let paths: BTreeSet<&str> = catalog.ops.iter().map(|op| op.path.as_str()).collect();
        let mut items = HashMap::new();
        for path in &paths {
            let Some((parent, last)) = path.rsplit_once('/') else {
                continue;
            };
            if last.starts_with('{') && last.ends_with('}') && paths.contains(parent) {
                items.insert((*path).to_owned(), parent.to_owned());
            }
        }
        let collections = items.values().cloned().collect();
        Self { items, collections }
    }

    /// Whether the store handles this spec path at all.
    pub(crate) fn handles(&self, path: &str) -> bool {
        self.collections.contains(path) || self.items.contains_key(path)
    }

    fn item_path(&self, collection: &str) -> Option<&str> {
        self.items
            .iter()
            .filter(|(_, parent)| parent.as_str() == collection)
            .map(|(path, _)| path.as_str())
            .min()
    }

    /// The collections and how many items each holds.
    pub(crate) fn counts(&self, db: &Connection) -> BTreeMap<String, i64> {
        let mut counts: HashMap<String, i64> = HashMap::new();
        if let Ok(mut statement) =
            db.prepare("SELECT collection, COUNT(*) FROM stored_items GROUP BY collection")
        {
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)));
            counts.extend(rows.into_iter().flatten().flatten());
        }
        self.collections
            .iter()
            .map(|name| (name.clone(), counts.get(name).copied().unwrap_or(0)))
            .collect()
    }
}

/// The documented default of an operation: status, example body, whether
/// it has a body.
pub(crate) struct Default {
    pub(crate) status: u16,
    pub(crate) example: Option<Value>,
    pub(crate) has_body: bool,
}

fn id_field(item_path: &str, body: &Map<String, Value>) -> String {
    let parameter = item_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_start_matches('{')
        .trim_end_matches('}');
    if !body.contains_key("id") && body.contains_key(parameter) {
        parameter.to_owned()
    } else {
        "id".to_owned()
    }
}

pub(crate) fn load(db: &Connection, collection: &str, id: &str) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = db
        .query_row(
            "SELECT body FROM stored_items WHERE collection = ? AND item_id = ?",
            [collection, id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

pub(crate) fn save(
    db: &Connection,
    collection: &str,
    id: &str,
    item: &Value,
) -> rusqlite::Result<()> {
    let stamp = now();
    db.execute(
        "INSERT INTO stored_items VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection, item_id) \
         DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![collection, id, item.to_string(), stamp, stamp],
    )?;
    Ok(())
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn new_id(
    db: &Connection,
    collection: &str,
    example: Option<&Value>,
    field: &str,
) -> rusqlite::Result<Value> {
    if example
        .and_then(|e| e.get(field))
        .is_some_and(Value::is_string)
    {
        return Ok(Value::String(uuid4()));
    }
    let mut statement = db.prepare("SELECT item_id FROM stored_items WHERE collection = ?")?;
    let ids = statement.query_map([collection], |row| row.get::<_, String>(0))?;
    let highest = ids
        .flatten()
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|id| id.parse::<i64>().ok())
        .max()
        .unwrap_or(0);
    Ok(json!(highest + 1))
}

fn uuid4() -> String {
    let bytes: [u8; 16] = rand::random();
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The store's answer for a request, or `None` to answer as usual.
pub(crate) fn handle(
    db: &Connection,
    collections: &Collections,
    method: &str,
    path: &str,
    last_segment: &str,
    body: Option<Value>,
    default: &Default,
) -> rusqlite::Result<Option<Outcome>> {
    if collections.collections.contains(path) && method == "POST" {
        let Some(Value::Object(body)) = body else {
            return Ok(None);
        };
        let Some(item_path) = collections.item_path(path) else {
            return Ok(None);
        };
        let field = id_field(item_path, &body);
        let mut item = body;
        if item.get(&field).is_none_or(Value::is_null) {
            let id = new_id(db, path, default.example.as_ref(), &field)?;
            item.insert(field.clone(), id);
        }
        let id = id_text(&item[&field]);
        let item = Value::Object(item);
        save(db, path, &id, &item)?;
        let status = if (200..300).contains(&default.status) {
            default.status
        } else {
            201
        };
        return Ok(Some(Outcome {
            status,
            body: Some(item),
        }));
    }
    if collections.collections.contains(path) && method == "GET" {
        let mut statement =
            db.prepare("SELECT body FROM stored_items WHERE collection = ? ORDER BY rowid")?;
        let items: Vec<Value> = statement
            .query_map([path], |row| row.get::<_, String>(0))?
            .flatten()
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect();
        return Ok(match &default.example {
            None | Some(Value::Array(_)) => Some(Outcome {
                status: default.status,
                body: Some(Value::Array(items)),
            }),
            Some(Value::Object(example)) => {
                example
                    .iter()
                    .find(|(_, value)| value.is_array())
                    .map(|(name, _)| {
                        let mut wrapped = example.clone();
                        wrapped.insert(name.clone(), Value::Array(items));
                        Outcome {
                            status: default.status,
                            body: Some(Value::Object(wrapped)),
                        }
                    })
            }
            Some(_) => None,
        });
    }
    let Some(collection) = collections.items.get(path) else {
        return Ok(None);
    };
    if !["GET", "PUT", "PATCH", "DELETE"].contains(&method) {
        return Ok(None);
    }
    let Some(stored) = load(db, collection, last_segment)? else {
        return Ok(Some(Outcome {
            status: 404,
            body: None,
        }));
    };
    if method == "DELETE" {
        db.execute(
            "DELETE FROM stored_items WHERE collection = ? AND item_id = ?",
            [collection.as_str(), last_segment],
        )?;
        return Ok(Some(Outcome {
            status: default.status,
            body: None,
        }));
    }
    let mut current = stored;
    if let (true, Some(Value::Object(body))) = (method == "PUT" || method == "PATCH", body) {
        let mut item = if method == "PATCH" {
            current.as_object().cloned().unwrap_or_default()
        } else {
            Map::new()
        };
        item.extend(body);
        let stored_map = current.as_object().cloned().unwrap_or_default();
        let field = id_field(path, &stored_map);
        let kept = stored_map
            .get(&field)
            .cloned()
            .or_else(|| item.get(&field).cloned())
            .unwrap_or(Value::Null);
        item.insert(field, kept);
        current = Value::Object(item);
        save(db, collection, last_segment, &current)?;
    }
    let body = (default.has_body || method == "GET").then_some(current);
    Ok(Some(Outcome {
        status: default.status,
        body,
    }))
}
