-- 6: the operation_key index goes (an index only: no data). No log search
-- filters on the operation (analysis reads every row it groups), and the
-- index cost the request log's writer a B-tree update per row.
DROP INDEX IF EXISTS idx_logs_operation;
