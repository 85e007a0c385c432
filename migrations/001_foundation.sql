-- 001: the foundation — API tokens and domain events.

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    owner        text NOT NULL,
    -- AUTH_SCOPE_* bits: 1 read, 2 ci, 4 feedback, 8 admin
    scopes       integer NOT NULL CHECK (scopes > 0 AND scopes < 16),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Every change to the domain, recorded in the transaction that made it.
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text NOT NULL,
    actor       text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_entity ON events (entity_type, entity_id, id);
CREATE INDEX events_created ON events (created_at);
