-- 003: runs — the kind a CI report named explicitly (POST /api/v1/runs
-- "kind"), merged like the other descriptive fields.  runs.kind is that
-- kind when given, else derived from the run's MERGED workflow path/name,
-- head branch and event (so an event that knows less cannot change it).
ALTER TABLE runs ADD COLUMN kind_given text
    CHECK (kind_given IN ('pr', 'main', 'release', 'other'));
