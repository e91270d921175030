//! The mock's SQLite schema, shared by both engines: the migrations are the
//! generated project's own `mockloop_mock/migrations/NNNN_*.sql` files
//! (embedded with the templates), applied the way its `database.py` applies
//! them, so a database either engine created is the other's too.
use include_dir::{Dir, include_dir};
use rusqlite::Connection;

/// The migration files, embedded from the templates.
static MIGRATIONS: Dir<'_> =
    include_dir!("$CARGO_MANIFEST_DIR/../templates/fastapi/mockloop_mock/migrations");

/// The migrations' SQL, in order (`0001_...sql` first).
pub fn database_migrations() -> Vec<&'static str> {
    let mut files: Vec<(&str, &'static str)> = MIGRATIONS
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let numbered = name.len() > 5
                && name
                    .as_bytes()
                    .get(..4)
                    .is_some_and(|digits| digits.iter().all(u8::is_ascii_digit));
            (numbered && name.ends_with(".sql"))
                .then_some(())
                .and_then(|()| Some((name, file.contents_utf8()?)))
        })
        .collect();
    files.sort_by_key(|(name, _)| *name);
    files.into_iter().map(|(_, sql)| sql).collect()
}

/// The schema version a fully migrated database has (`PRAGMA user_version`).
pub fn database_schema_version() -> usize {
    database_migrations().len()
}

/// Applies the migrations `connection`'s database has not seen yet, each in
/// its own `BEGIN IMMEDIATE` transaction (another process may migrate at
/// the same time: each re-reads the version inside the transaction).
pub fn migrate_database(connection: &Connection) -> rusqlite::Result<()> {
    let version = |connection: &Connection| -> rusqlite::Result<usize> {
        let value: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        Ok(usize::try_from(value).unwrap_or(0))
    };
    for (number, sql) in database_migrations().into_iter().enumerate() {
        if version(connection)? > number {
            continue;
        }
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let applied = (|| {
            if version(connection)? <= number {
                connection.execute_batch(sql)?;
                connection.execute_batch(&format!("PRAGMA user_version = {}", number + 1))?;
            }
            Ok(())
        })();
        match applied {
            Ok(()) => connection.execute_batch("COMMIT")?,
            Err(error) => {
                connection.execute_batch("ROLLBACK")?;
                return Err(error);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_and_apply_twice_without_harm() {
        let all = database_migrations();
        assert!(all.len() >= 5, "{}", all.len());
        assert!(all[0].contains("CREATE TABLE IF NOT EXISTS request_logs"));
        let connection = Connection::open_in_memory().unwrap();
        migrate_database(&connection).unwrap();
        migrate_database(&connection).unwrap();
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(usize::try_from(version).unwrap(), database_schema_version());
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_table_info('scenarios')")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(columns.contains(&"storage".to_owned()), "{columns:?}");
    }
}
