"""The mock's SQLite database: connections and the versioned schema.

The schema version is SQLite's ``user_version``. Each migration moves it up
by one and only adds tables, columns or indexes, or drops an index, so a
newer mock opens an older database without losing data.
"""

import os
import sqlite3
import sys
from pathlib import Path

# The migrations, in order: ``migrations/NNNN_*.sql``, shared with the
# native engine (``mockloop-runtime``'s ``logs::migrate``) so both keep one
# schema. Each moves ``user_version`` up by one.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATIONS: list[str] = [
    path.read_text(encoding="utf-8")
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
]

SCHEMA_VERSION = len(MIGRATIONS)
# A store's revision before its first load.
UNLOADED = object()


def connect(path: Path) -> sqlite3.Connection:
    """Opens the database (creating its folder), in WAL mode, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=30000")
    migrate(connection)
    return connection


def migrate(connection: sqlite3.Connection) -> None:
    """Applies the migrations the database has not seen yet, each atomically."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version, SCHEMA_VERSION):
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated meanwhile.
            current = connection.execute("PRAGMA user_version").fetchone()[0]
            if current <= number:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


class SqliteStore:
    """A store kept in the database, with an in-memory copy of what
    requests read, kept current across processes.

    Several processes may share one database (``uvicorn --workers N``, or
    two mocks of one folder). Each write bumps the store's revision in
    ``mock_state`` and then grows the changes file (:func:`changes_path`) by
    a byte. :func:`refresh_stores`, run once per request, costs one
    ``stat`` of that file while it keeps its size, one read of the
    revisions when it grows, and reloads a store only when another process
    changed its revision, so a change made through any worker takes effect
    on every worker's next request. (Watching the database itself would
    cost more: the request log changes it all the time.)
    """

    #: This store's revision counter in ``mock_state``.
    revision_key = "revision"

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None
        self._changes: Path | None = None
        self.revision: object = UNLOADED
        STORES.append(self)

    def open(self, path: Path) -> None:
        """Connects and loads the store."""
        self._db = connect(path)
        self._changes = changes_path(path)
        self.revision = UNLOADED

    def close(self) -> None:
        """Closes the connection."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection."""
        if self._db is None:
            raise RuntimeError(f"{type(self).__name__} is not open")
        return self._db

    def load(self) -> None:
        """Reloads the in-memory copy from the database."""
        raise NotImplementedError

    def changed(self) -> None:
        """Records a write, so that other processes reload."""
        self.db.execute(
            "INSERT INTO mock_state VALUES (?, '1') ON CONFLICT(key)"
            " DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (self.revision_key,),
        )
        if self._changes is not None:
            announce_change(self._changes)


def changes_path(db_path: Path) -> Path:
    """The file that grows by a byte after each change to a store."""
    return db_path.with_name(db_path.name + "-changes")


def announce_change(changes: Path) -> None:
    """Grows the changes file (appends are atomic), after the commit."""
    try:
        with changes.open("ab") as file:
            file.write(b".")
    except OSError as error:
        print(
            f"mockloop: cannot record a change in {changes}: {error};"
            " other processes of this mock see it after their restart",
            file=sys.stderr,
        )


STORES: list[SqliteStore] = []


class _Watch:
    """What tells this process about other processes' changes."""

    db: sqlite3.Connection | None = None
    changes: Path | None = None
    # The changes file's size when the revisions were last read.
    size: int | None = None


def open_stores(path: Path) -> None:
    """Opens and loads every store."""
    for store in STORES:
        store.open(path)
    _Watch.db = connect(path)
    _Watch.changes = changes_path(path)
    _Watch.size = None
    refresh_stores()


def close_stores() -> None:
    """Closes every store."""
    for store in STORES:
        store.close()
    if _Watch.db is not None:
        _Watch.db.close()
        _Watch.db = None


def refresh_stores() -> None:
    """Reloads the stores that another process changed."""
    db = _Watch.db
    if db is None or _Watch.changes is None:
        return
    try:
        size = os.stat(_Watch.changes).st_size
    except OSError:
        size = -1  # No change recorded yet.
    if size == _Watch.size:
        return
    _Watch.size = size
    keys = [store.revision_key for store in STORES]
    marks = ", ".join("?" * len(keys))
    rows = db.execute(
        f"SELECT key, value FROM mock_state WHERE key IN ({marks})", keys
    ).fetchall()
    revisions = {row["key"]: row["value"] for row in rows}
    for store in STORES:
        revision = revisions.get(store.revision_key)
        if revision != store.revision:
            store.revision = revision
            store.load()
