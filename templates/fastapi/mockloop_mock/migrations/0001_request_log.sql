-- 1: the request log.
CREATE TABLE IF NOT EXISTS request_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query_params TEXT NOT NULL DEFAULT '',
    status_code INTEGER NOT NULL,
    process_time_ms REAL NOT NULL,
    client_host TEXT,
    headers TEXT NOT NULL DEFAULT '{}',
    request_body TEXT,
    response_body TEXT,
    response_size INTEGER NOT NULL DEFAULT 0,
    user_agent TEXT,
    session_id TEXT,
    correlation_id TEXT,
    test_scenario TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    operation_key TEXT
);
CREATE INDEX IF NOT EXISTS idx_logs_timestamp ON request_logs (timestamp);
CREATE INDEX IF NOT EXISTS idx_logs_method ON request_logs (method);
CREATE INDEX IF NOT EXISTS idx_logs_status ON request_logs (status_code);
CREATE INDEX IF NOT EXISTS idx_logs_session ON request_logs (session_id);
CREATE INDEX IF NOT EXISTS idx_logs_admin ON request_logs (is_admin);
CREATE INDEX IF NOT EXISTS idx_logs_operation ON request_logs (operation_key);
