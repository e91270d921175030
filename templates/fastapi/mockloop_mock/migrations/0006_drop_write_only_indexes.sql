-- 6: the operation_key and status_code indexes go (indexes only: no data).
-- No log search filters on the operation (analysis reads every row it
-- groups), a status has few values (like the method and is_admin of 5), and
-- each cost the request log's writer a B-tree update per row.
DROP INDEX IF EXISTS idx_logs_operation;
DROP INDEX IF EXISTS idx_logs_status;
