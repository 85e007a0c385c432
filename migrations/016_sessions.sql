-- 016: browser sessions kept on the server.  The cookie holds only a random
-- 256-bit id; this table holds its SHA-256 (a copy of the table cannot be
-- replayed as a cookie), who it is and what made it.  What a session may do is
-- read again on every request: a token session has its token's current scopes
-- and ends with the token; an admin-token session ends when SHIPLOG_ADMIN_TOKEN
-- changes; an SSO session has the scopes the configuration gives SSO people.
CREATE TABLE sessions (
    id_hash          bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    kind             text NOT NULL CHECK (kind IN ('token', 'admin-token', 'sso')),
    subject          text NOT NULL,
    token_id         bigint REFERENCES api_tokens (id) ON DELETE CASCADE,
    -- SHA-256 of SHIPLOG_ADMIN_TOKEN when the session was made from it
    admin_token_hash bytea CHECK (length(admin_token_hash) = 32),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    CHECK ((kind = 'token') = (token_id IS NOT NULL)),
    CHECK ((kind = 'admin-token') = (admin_token_hash IS NOT NULL))
);
-- revoking a token ends its sessions
CREATE INDEX sessions_token ON sessions (token_id) WHERE revoked_at IS NULL;
-- retention removes sessions long expired or revoked
CREATE INDEX sessions_expires ON sessions (expires_at);
