-- Yingji schema 3: alarms carry a version, so that two nodes (or two duty
-- officers) cannot both apply a change made against the same state.
ALTER TABLE alarms ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
