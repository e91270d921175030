-- 5: the method and is_admin indexes go (indexes only: no data). With a
-- handful of values each they never narrow a search much, and each cost
-- the request log's writer a B-tree update per row.
DROP INDEX IF EXISTS idx_logs_method;
DROP INDEX IF EXISTS idx_logs_admin;
