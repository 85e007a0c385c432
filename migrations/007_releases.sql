-- 007: release candidates, their state history, feedback on them, and the
-- releases they become.  Additive only.  (See server/domain/rc.h.)

-- One release candidate per (repository, version), whatever made it: an
-- RC-pattern tag, a GitHub pre-release, POST /api/v1/release-candidates —
-- sources for the same version merge into one row.
CREATE TABLE release_candidates (
    id               bigserial PRIMARY KEY,
    repository_id    bigint NOT NULL REFERENCES repositories (id),
    version          text NOT NULL,            -- v0.38.0-rc.2
    target           text NOT NULL,            -- v0.38.0
    commit_sha       text,                     -- NULL until a source names it
    state            text NOT NULL CHECK (state IN ('draft', 'testing', 'approved', 'rejected',
                                                   'released', 'superseded')),
    state_changed_at timestamptz NOT NULL,
    -- digests given when it was cut (POST); empty: the artifacts built from
    -- its commit are its artifacts
    artifact_digests text[] NOT NULL DEFAULT '{}',
    notes            text,
    -- where it came from: any of 'tag', 'prerelease', 'api'
    sources          text[] NOT NULL DEFAULT '{}',
    tag_name         text,
    prerelease_id    bigint REFERENCES releases (id),  -- the GitHub pre-release
    html_url         text,
    superseded_by    bigint REFERENCES release_candidates (id),
    cut_by           text NOT NULL,
    cut_at           timestamptz NOT NULL,     -- when the first source says it was cut
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, version)
);
CREATE INDEX release_candidates_target ON release_candidates (repository_id, target, id);
CREATE INDEX release_candidates_commit ON release_candidates (commit_sha);
CREATE INDEX release_candidates_state ON release_candidates (state, id DESC);

-- Every state an RC has been in: who, when, why, and on what authority
-- (a person through the API, a fact from GitHub, or shiplog itself).
CREATE TABLE rc_state_changes (
    id          bigserial PRIMARY KEY,
    rc_id       bigint NOT NULL REFERENCES release_candidates (id) ON DELETE CASCADE,
    from_state  text,                          -- NULL when the RC was created
    to_state    text NOT NULL,
    reason      text,
    source      text NOT NULL CHECK (source IN ('api', 'github', 'shiplog')),
    fact        text,                          -- "tag v1.2.0-rc.1 created", ...
    actor       text NOT NULL,
    changed_at  timestamptz NOT NULL,          -- when it happened
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rc_state_changes_rc ON rc_state_changes (rc_id, id);

-- GitHub facts (tags, releases) already folded into release candidates and
-- releases: the fold runs in the delivery's transaction and again before
-- reads, and each fact is applied once ("tag:<repo>:<name>",
-- "release:<id>:released", ...).
CREATE TABLE rc_facts_applied (
    fact       text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- A published, non-pre-release version (what customers deploy), linked to
-- its final RC.  The GitHub `releases` table holds GitHub's objects
-- (pre-releases included); this holds shiplog's answer to "what shipped".
CREATE TABLE shipped_releases (
    id                bigserial PRIMARY KEY,
    repository_id     bigint NOT NULL REFERENCES repositories (id),
    version           text NOT NULL,
    tag_name          text,
    rc_id             bigint REFERENCES release_candidates (id),
    github_release_id bigint REFERENCES releases (id),
    commit_sha        text,
    html_url          text,
    source            text NOT NULL CHECK (source IN ('github', 'api')),
    released_by       text NOT NULL,
    released_at       timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, version)
);
CREATE INDEX shipped_releases_recent ON shipped_releases (released_at DESC, id DESC);
CREATE INDEX shipped_releases_rc ON shipped_releases (rc_id);

-- What internal customers say about an RC.  `verified`: author and team
-- come from an identity the configuration maps to that team (a token's
-- owner, the session, or the SSO header); only verified approvals count.
CREATE TABLE feedback (
    id                bigserial PRIMARY KEY,
    rc_id             bigint NOT NULL REFERENCES release_candidates (id),
    author            text NOT NULL,
    team              text,
    verified          boolean NOT NULL,
    verdict           text NOT NULL CHECK (verdict IN ('approve', 'concern', 'block')),
    severity          text CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    area              text,
    comment           text,
    -- what was running when it was given: the RC's artifact digests and the
    -- staging environment's deployed revision
    running           jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'acknowledged', 'resolved')),
    resolution        text,
    fixed_in_rc_id    bigint REFERENCES release_candidates (id),
    status_changed_by text,
    status_changed_at timestamptz,
    created_by        text NOT NULL,           -- the identity that posted it
    created_at        timestamptz NOT NULL
);
CREATE INDEX feedback_rc ON feedback (rc_id, id DESC);
CREATE INDEX feedback_open ON feedback (rc_id) WHERE status <> 'resolved';
