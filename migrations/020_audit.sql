-- 020: the audit trail.  Every write by a person or a token is one
-- row, inserted in the transaction of the change it records (db/audit.h).
-- Append-only in the database: UPDATE and TRUNCATE are always refused, and
-- DELETE too unless the transaction set shiplog.audit_prune (SET LOCAL), which
-- only the retention job does.  before/after never hold a secret (no token
-- value or hash, no session id).
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    actor_id    bigint,      -- the API token's id; NULL for the admin token and SSO
    via         text NOT NULL CHECK (via IN ('token', 'admin-token', 'cookie', 'sso')),
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text,
    before      jsonb,
    after       jsonb,
    reason      text,
    request_id  text,
    remote_addr text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('shiplog.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Failed sign-ins (a refused token, at sign-in or as a bearer token), counted
-- per client address and hour: one row each, upserted, never one per attempt,
-- so a flood cannot fill the table.
CREATE TABLE audit_failed_sign_ins (
    id          bigserial UNIQUE,  -- keys the API's pages with the hour
    remote_addr text NOT NULL,
    hour        timestamptz NOT NULL,
    attempts    bigint NOT NULL CHECK (attempts > 0),
    first_at    timestamptz NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (remote_addr, hour)
);
CREATE INDEX audit_failed_sign_ins_hour ON audit_failed_sign_ins (hour);
