-- 011: one index fewer to write for every delivery.
-- deliveries_recent (id DESC) repeated the primary key: a btree is read
-- backwards as cheaply as forwards, so the list's ORDER BY id DESC and its
-- keyset (id < cursor) use deliveries_pkey.  Older servers never named it.
DROP INDEX IF EXISTS deliveries_recent;
