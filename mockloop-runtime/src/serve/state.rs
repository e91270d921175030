//! The mock's state in SQLite, shared with the FastAPI mock: scenarios,
//! overrides and the storage switch (`mock_state`), cached in memory and
//! kept current across processes the way `mockloop_mock/database.py` does
//! it: each write bumps the store's revision in `mock_state` and grows the
//! `<db>-changes` file by a byte; each request costs one `fstat` of that
//! file, kept open (and opened again if it is deleted).
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::behaviour::{InputError, Scenario};
use crate::error::Error;

type Result<T, E = Error> = std::result::Result<T, E>;
use crate::logs::migrate_database;

const ACTIVE_KEY: &str = "active_scenario";
const STORAGE_KEY: &str = "storage_enabled";
const OVERRIDES: &str = "overrides_revision";
const SCENARIOS: &str = "scenarios_revision";
const STORAGE: &str = "storage_revision";

/// The current UTC time, ISO 8601 with milliseconds (`...T12:00:00.123Z`).
pub(crate) fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Opens the database (creating its folder), in WAL mode, migrated.
pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let fail = |reason: String| Error::Serve {
        what: path.display().to_string(),
        reason,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|err| fail(format!("cannot create its folder: {err}")))?;
    }
    let connection = Connection::open(path).map_err(|err| fail(err.to_string()))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .and_then(|()| connection.pragma_update(None, "journal_mode", "WAL"))
        .and_then(|()| connection.pragma_update(None, "synchronous", "NORMAL"))
        .and_then(|()| migrate_database(&connection))
        .map_err(|err| fail(err.to_string()))?;
    Ok(connection)
}

/// The active scenario, as requests read it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Active {
    pub(crate) name: Option<String>,
    pub(crate) endpoints: Map<String, Value>,
    pub(crate) storage: bool,
}

#[derive(Debug, Default)]
struct Watch {
    revisions: HashMap<&'static str, Option<String>>,
}

/// Scenarios, overrides and the storage switch.
pub(crate) struct State {
    db: Mutex<Connection>,
    changes: PathBuf,
    /// The changes file, open for `fstat` (no path lookup per request).
    changes_file: RwLock<Option<File>>,
    /// Its size when the stores were last read (`i64::MIN`: never).
    seen_size: AtomicI64,
    watch: Mutex<Watch>,
    overrides: RwLock<Map<String, Value>>,
    active: RwLock<Active>,
    storage_on: RwLock<bool>,
}

fn sql(err: rusqlite::Error) -> InputError {
    InputError::status(500, format!("database error: {err}"))
}

impl State {
    /// Opens the stores on the database at `path` and loads them.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let db = connect(path)?;
        let state = Self {
            db: Mutex::new(db),
            changes: PathBuf::from(format!("{}-changes", path.display())),
            changes_file: RwLock::new(None),
            seen_size: AtomicI64::new(i64::MIN),
            watch: Mutex::new(Watch::default()),
            overrides: RwLock::new(Map::new()),
            active: RwLock::new(Active::default()),
            storage_on: RwLock::new(false),
        };
        // An empty changes file (as good as none), so that requests can
        // keep it open from the start.
        if let Err(err) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&state.changes)
        {
            tracing::warn!("cannot create {}: {err}", state.changes.display());
        }
        state.refresh();
        Ok(state)
    }

    /// The connection, for the stores' own queries.
    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The changes file's size; -1 while there is none.
    fn changes_size(&self) -> i64 {
        let size_of = |file: &File| {
            file.metadata()
                .ok()
                .filter(|meta| meta.nlink() > 0)
                .map(|meta| i64::try_from(meta.len()).unwrap_or(i64::MAX))
        };
        if let Ok(open) = self.changes_file.read()
            && let Some(size) = open.as_ref().and_then(size_of)
        {
            return size;
        }
        // Not open yet, or deleted since: open it again by its path.
        let Ok(file) = File::open(&self.changes) else {
            return -1;
        };
        let size = size_of(&file).unwrap_or(-1);
        if let Ok(mut open) = self.changes_file.write() {
            *open = Some(file);
        }
        size
    }

    /// Reloads the stores another process changed (one `fstat` when none
    /// did).
    pub(crate) fn refresh(&self) {
        let size = self.changes_size();
        // One request of those that see a new size reloads the stores.
        if self.seen_size.swap(size, Ordering::AcqRel) == size {
            return;
        }
        // Locks are taken database first, then the watch, everywhere.
        let db = self.db();
        let revisions: Vec<(&'static str, Option<String>)> = [OVERRIDES, SCENARIOS, STORAGE]
            .into_iter()
            .map(|key| (key, state_value(&db, key)))
            .collect();
        let stale: Vec<&'static str> = {
            let mut watch = self.watch.lock().unwrap_or_else(|p| p.into_inner());
            revisions
                .into_iter()
                .filter(|(key, revision)| {
                    let stale = !watch.revisions.contains_key(key)
                        || watch.revisions.get(key) != Some(revision);
                    watch.revisions.insert(key, revision.clone());
                    stale
                })
                .map(|(key, _)| key)
                .collect()
        };
        for key in stale {
            match key {
                OVERRIDES => self.load_overrides(&db),
                SCENARIOS => self.load_active(&db),
                _ => self.load_storage(&db),
            }
        }
    }

    fn changed(&self, db: &Connection, key: &'static str) -> Result<(), InputError> {
        db.execute(
            "INSERT INTO mock_state VALUES (?, '1') ON CONFLICT(key) \
             DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            [key],
        )
        .map_err(sql)?;
        let revision = state_value(db, key);
        // This process is current: remember the revision so that it does
        // not reload its own write.
        let mut watch = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        watch.revisions.insert(key, revision);
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.changes)
            .and_then(|mut file| file.write_all(b"."))
        {
            Ok(()) => {
                self.seen_size.store(self.changes_size(), Ordering::Release);
            }
            Err(err) => tracing::warn!(
                "cannot record a change in {}: {err}; other processes of this mock see it after their restart",
                self.changes.display()
            ),
        }
        Ok(())
    }

    fn load_overrides(&self, db: &Connection) {
        let mut found = Map::new();
        if let Ok(mut statement) = db.prepare("SELECT endpoint, config FROM response_overrides") {
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            });
            for (endpoint, config) in rows.into_iter().flatten().flatten() {
                if let Ok(config) = serde_json::from_str(&config) {
                    found.insert(endpoint, config);
                }
            }
        }
        *self.overrides.write().unwrap_or_else(|p| p.into_inner()) = found;
    }

    fn load_active(&self, db: &Connection) {
        self.set_active(db, state_value(db, ACTIVE_KEY).as_deref());
    }

    fn set_active(&self, db: &Connection, name: Option<&str>) {
        let row = name.and_then(|name| {
            db.query_row(
                "SELECT endpoints, storage FROM scenarios WHERE name = ?",
                [name],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
            )
            .optional()
            .ok()
            .flatten()
        });
        let active = match (name, row) {
            (Some(name), Some((endpoints, storage))) => Active {
                name: Some(name.to_owned()),
                endpoints: serde_json::from_str(&endpoints).unwrap_or_default(),
                storage: storage != 0,
            },
            _ => Active::default(),
        };
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = active;
    }

    fn load_storage(&self, db: &Connection) {
        *self.storage_on.write().unwrap_or_else(|p| p.into_inner()) =
            state_value(db, STORAGE_KEY).as_deref() == Some("on");
    }

    /// The override of an operation, if any.
    pub(crate) fn override_of(&self, key: &str) -> Option<Value> {
        self.overrides.read().ok()?.get(key).cloned()
    }

    /// How many overrides there are.
    pub(crate) fn override_count(&self) -> usize {
        self.overrides.read().map(|o| o.len()).unwrap_or_default()
    }

    /// The active scenario's name.
    pub(crate) fn active_name(&self) -> Option<String> {
        self.active.read().ok().and_then(|a| a.name.clone())
    }

    /// What the active scenario says about an operation.
    pub(crate) fn scenario_behaviour(&self, key: &str) -> Option<Value> {
        self.active.read().ok()?.endpoints.get(key).cloned()
    }

    /// Whether the active scenario switches stateful mode on.
    pub(crate) fn scenario_storage(&self) -> bool {
        self.active.read().is_ok_and(|a| a.storage)
    }

    /// Whether the admin API switched storage on.
    pub(crate) fn storage_on(&self) -> bool {
        self.storage_on.read().is_ok_and(|on| *on)
    }

    // ---- overrides ----

    /// Every override, by endpoint.
    pub(crate) fn list_overrides(&self) -> Vec<Value> {
        let overrides = self.overrides.read().map(|o| o.clone()).unwrap_or_default();
        let mut keys: Vec<&String> = overrides.keys().collect();
        keys.sort();
        keys.into_iter()
            .map(|key| describe_override(key, &overrides[key.as_str()]))
            .collect()
    }

    /// Adds or replaces the override of one endpoint.
    pub(crate) fn set_override(
        &self,
        key: &str,
        config: Map<String, Value>,
    ) -> Result<Value, InputError> {
        let db = self.db();
        db.execute(
            "INSERT INTO response_overrides VALUES (?, ?, ?) ON CONFLICT(endpoint) \
             DO UPDATE SET config = excluded.config, created_at = excluded.created_at",
            params![key, Value::Object(config.clone()).to_string(), now()],
        )
        .map_err(sql)?;
        self.changed(&db, OVERRIDES)?;
        let config = Value::Object(config);
        self.overrides
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), config.clone());
        Ok(describe_override(key, &config))
    }

    /// Clears one endpoint's override (`Some(key)`) or all; returns how many.
    pub(crate) fn clear_overrides(&self, key: Option<&str>) -> Result<usize, InputError> {
        let db = self.db();
        let mut overrides = self.overrides.write().unwrap_or_else(|p| p.into_inner());
        let count = match key {
            None => {
                db.execute("DELETE FROM response_overrides", [])
                    .map_err(sql)?;
                let count = overrides.len();
                overrides.clear();
                count
            }
            Some(key) => {
                db.execute("DELETE FROM response_overrides WHERE endpoint = ?", [key])
                    .map_err(sql)?;
                usize::from(overrides.remove(key).is_some())
            }
        };
        drop(overrides);
        self.changed(&db, OVERRIDES)?;
        Ok(count)
    }

    // ---- scenarios ----

    fn scenario_row(db: &Connection, name: &str) -> Result<Option<Value>, InputError> {
        db.query_row(
            "SELECT name, description, endpoints, storage, created_at, updated_at \
             FROM scenarios WHERE name = ?",
            [name],
            scenario_json,
        )
        .optional()
        .map_err(sql)
    }

    /// Every scenario, by name.
    pub(crate) fn list_scenarios(&self) -> Result<Vec<Value>, InputError> {
        let db = self.db();
        let mut statement = db
            .prepare(
                "SELECT name, description, endpoints, storage, created_at, updated_at \
                 FROM scenarios ORDER BY name",
            )
            .map_err(sql)?;
        let rows = statement.query_map([], scenario_json).map_err(sql)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
    }

    /// One scenario; 404 if there is none by that name.
    pub(crate) fn get_scenario(&self, name: &str) -> Result<Value, InputError> {
        let db = self.db();
        Self::scenario_row(&db, name)?.ok_or_else(|| no_scenario(name))
    }

    /// Adds a scenario; 409 if the name is taken.
    pub(crate) fn create_scenario(&self, scenario: &Scenario) -> Result<Value, InputError> {
        let db = self.db();
        match write_scenario(&db, scenario, "") {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(InputError::status(
                    409,
                    format!(
                        "a scenario named {} exists; PUT replaces it",
                        super::behaviour::repr(&scenario.name)
                    ),
                ));
            }
            Err(err) => return Err(sql(err)),
        }
        Self::scenario_row(&db, &scenario.name)?.ok_or_else(|| no_scenario(&scenario.name))
    }

    /// Creates or replaces a scenario.
    pub(crate) fn replace_scenario(&self, scenario: &Scenario) -> Result<Value, InputError> {
        let db = self.db();
        write_scenario(
            &db,
            scenario,
            " ON CONFLICT(name) DO UPDATE SET description = excluded.description, \
             endpoints = excluded.endpoints, updated_at = excluded.updated_at, \
             storage = excluded.storage",
        )
        .map_err(sql)?;
        self.changed(&db, SCENARIOS)?;
        if self.active_name().as_deref() == Some(scenario.name.as_str()) {
            self.set_active(&db, Some(&scenario.name));
        }
        Self::scenario_row(&db, &scenario.name)?.ok_or_else(|| no_scenario(&scenario.name))
    }

    /// Deletes a scenario, deactivating it if it was active.
    pub(crate) fn delete_scenario(&self, name: &str) -> Result<(), InputError> {
        self.get_scenario(name)?;
        {
            let db = self.db();
            db.execute("DELETE FROM scenarios WHERE name = ?", [name])
                .map_err(sql)?;
        }
        if self.active_name().as_deref() == Some(name) {
            self.deactivate()?;
        }
        Ok(())
    }

    /// Makes `name` the active scenario.
    pub(crate) fn activate(&self, name: &str) -> Result<Value, InputError> {
        let scenario = self.get_scenario(name)?;
        let db = self.db();
        self.set_state(&db, Some(name))?;
        self.set_active(&db, Some(name));
        Ok(scenario)
    }

    /// No scenario is active any more; returns the one that was.
    pub(crate) fn deactivate(&self) -> Result<Option<String>, InputError> {
        let previous = self.active_name();
        let db = self.db();
        self.set_state(&db, None)?;
        self.set_active(&db, None);
        Ok(previous)
    }

    fn set_state(&self, db: &Connection, name: Option<&str>) -> Result<(), InputError> {
        db.execute(
            "INSERT INTO mock_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![ACTIVE_KEY, name],
        )
        .map_err(sql)?;
        self.changed(db, SCENARIOS)
    }

    // ---- storage switch ----

    /// Switches storage on or off for this mock, across restarts.
    pub(crate) fn switch_storage(&self, on: bool) -> Result<(), InputError> {
        let db = self.db();
        db.execute(
            "INSERT INTO mock_state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![STORAGE_KEY, if on { "on" } else { "off" }],
        )
        .map_err(sql)?;
        self.changed(&db, STORAGE)?;
        *self.storage_on.write().unwrap_or_else(|p| p.into_inner()) = on;
        Ok(())
    }
}

/// Inserts a scenario, with `conflict` (an `ON CONFLICT` clause, or "").
fn write_scenario(db: &Connection, scenario: &Scenario, conflict: &str) -> rusqlite::Result<usize> {
    let stamp = now();
    db.execute(
        &format!(
            "INSERT INTO scenarios (name, description, endpoints, created_at, updated_at, storage) \
             VALUES (?, ?, ?, ?, ?, ?){conflict}"
        ),
        params![
            scenario.name,
            scenario.description,
            Value::Object(scenario.endpoints.clone()).to_string(),
            stamp,
            stamp,
            i64::from(scenario.storage)
        ],
    )
}

/// A value of `mock_state` (`None` when absent or unreadable).
fn state_value(db: &Connection, key: &str) -> Option<String> {
    db.query_row("SELECT value FROM mock_state WHERE key = ?", [key], |row| {
        row.get::<_, Option<String>>(0)
    })
    .optional()
    .ok()
    .flatten()
    .flatten()
}

fn no_scenario(name: &str) -> InputError {
    InputError::status(
        404,
        format!("no scenario named {}", super::behaviour::repr(name)),
    )
}

fn describe_override(key: &str, config: &Value) -> Value {
    let mut out = Map::new();
    out.insert("endpoint".to_owned(), json!(key));
    match key.split_once(' ') {
        Some((method, path)) => {
            out.insert("method".to_owned(), json!(method));
            out.insert("path".to_owned(), json!(path));
        }
        // A GraphQL mock's schema coordinate (`Query.user`).
        None => {
            out.insert("coordinate".to_owned(), json!(key));
        }
    }
    if let Value::Object(config) = config {
        out.extend(config.clone());
    }
    Value::Object(out)
}

fn scenario_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let endpoints: String = row.get(2)?;
    Ok(json!({
        "name": row.get::<_, String>(0)?,
        "description": row.get::<_, String>(1)?,
        "endpoints": serde_json::from_str::<Value>(&endpoints).unwrap_or_else(|_| json!({})),
        "storage": row.get::<_, i64>(3)? != 0,
        "created_at": row.get::<_, String>(4)?,
        "updated_at": row.get::<_, String>(5)?,
    }))
}
