-- 4: a scenario can switch stateful mode on.
ALTER TABLE scenarios ADD COLUMN storage INTEGER NOT NULL DEFAULT 0;
