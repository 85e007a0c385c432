-- 011: cheaper writes of deliveries.
-- deliveries_recent (id DESC) repeated the primary key: a btree is read
-- backwards as cheaply as forwards, so the list's ORDER BY id DESC and its
-- keyset (id < cursor) use deliveries_pkey.  Older servers never named it.
DROP INDEX IF EXISTS deliveries_recent;

-- Raw bodies are compressed on insert (TOAST); lz4 does that several times
-- faster than the default pglz, at a similar ratio on JSON.  Only new rows
-- are written with it.  A PostgreSQL built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE deliveries ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'deliveries.body: lz4 is not available here; keeping pglz';
END $$;
