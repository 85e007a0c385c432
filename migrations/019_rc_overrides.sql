-- 019: readiness is enforced.  Moving a release candidate to
-- approved or released while a gate failed or is pending needs an override
-- (the release scope and a reason); each one is recorded here, in the
-- transaction of the state change it allowed.  A GitHub release of an RC
-- that was not ready is recorded all the same (GitHub is the truth of what
-- shipped) and marked with the gates that were failing then.  Additive.
CREATE TABLE rc_overrides (
    id              bigserial PRIMARY KEY,
    rc_id           bigint NOT NULL REFERENCES release_candidates (id) ON DELETE CASCADE,
    -- the history entry it allowed
    state_change_id bigint NOT NULL REFERENCES rc_state_changes (id) ON DELETE CASCADE,
    actor           text NOT NULL,                -- the request's identity
    from_state      text NOT NULL,
    to_state        text NOT NULL CHECK (to_state IN ('approved', 'released')),
    -- the gates not passed at that moment: [{name, status, reason}]
    gates           jsonb NOT NULL CHECK (jsonb_typeof(gates) = 'array'),
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    at              timestamptz NOT NULL
);
CREATE INDEX rc_overrides_rc ON rc_overrides (rc_id, id);
CREATE UNIQUE INDEX rc_overrides_change ON rc_overrides (state_change_id);

-- Released by GitHub while not ready: when, and the gates not passed then
-- ([{name, status, reason}]); NULL when it was ready (or not released so).
ALTER TABLE release_candidates ADD COLUMN released_unready_at timestamptz;
ALTER TABLE release_candidates ADD COLUMN released_unready_gates jsonb;
