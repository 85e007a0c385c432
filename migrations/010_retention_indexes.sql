-- 010: what the retention job needs to prune in small, cheap batches.
-- Deleting a delivery checks the replay_of foreign key: without an index
-- that is a full scan per deleted row.
CREATE INDEX deliveries_replay_of ON deliveries (replay_of) WHERE replay_of IS NOT NULL;
CREATE INDEX deliveries_received ON deliveries (received_at);
CREATE INDEX deliveries_body_received ON deliveries (received_at) WHERE body IS NOT NULL;
