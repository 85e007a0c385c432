-- 013: queued webhook processing (webhooks.processing: queued).
-- A delivery stored for the background appliers has status 'received' until
-- one of them applies it; they take the oldest first.  Small: it holds only
-- the backlog.
CREATE INDEX IF NOT EXISTS deliveries_queued ON deliveries (id) WHERE status = 'received';
COMMENT ON COLUMN deliveries.status IS
    'received: stored, waiting for an applier (queued processing); processed, ignored, '
    'unmatched: applied; failed: processing error (kept, replayable); rejected: bad signature; '
    'duplicate: a delivery id that had already succeeded';
