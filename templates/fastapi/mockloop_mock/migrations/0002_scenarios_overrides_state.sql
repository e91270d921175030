-- 2: scenarios, overrides and the mock's state.
CREATE TABLE IF NOT EXISTS scenarios (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    endpoints TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS response_overrides (
    endpoint TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_state (
    key TEXT PRIMARY KEY,
    value TEXT
);
