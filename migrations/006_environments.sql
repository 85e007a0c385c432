-- 006: environments, deployments, and what artifacts need for them.
-- Additive only.

-- Where things are deployed.  Declared in the configuration (managed_by
-- 'config', upserted at start) or created through the API ('api').  A
-- deleted environment keeps its row (deleted_at) so its deployments keep
-- their history; its name may be used again.
CREATE TABLE environments (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    tier        text NOT NULL DEFAULT 'other'
                CHECK (tier IN ('development', 'staging', 'production', 'other')),
    url         text,
    description text,
    sort_order  integer NOT NULL DEFAULT 0,
    -- the Flux objects that deploy to it: [{"kind", "namespace", "name"}]
    flux        jsonb NOT NULL DEFAULT '[]',
    managed_by  text NOT NULL DEFAULT 'api' CHECK (managed_by IN ('config', 'api')),
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX environments_live_name ON environments (lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX environments_flux ON environments USING gin (flux);

-- An environment received a revision.  One row per (environment, origin,
-- revision): Flux repeats and retries, so origin_key names the Flux object
-- ("Kind/namespace/name"), the GitHub deployment ("github:<repo>:<id>") or
-- the API reporter ("api:<repository>"), and revision_key is the commit,
-- digest or chart version the revision stands for.
CREATE TABLE deployments (
    id               bigserial PRIMARY KEY,
    environment_id   bigint NOT NULL REFERENCES environments (id),
    source           text NOT NULL CHECK (source IN ('flux', 'github', 'api')),
    origin_key       text NOT NULL,
    revision_key     text NOT NULL,
    revision         text NOT NULL,            -- as reported
    revision_kind    text NOT NULL CHECK (revision_kind IN ('git', 'digest', 'chart', 'other')),
    ref              text,                     -- branch / tag of the revision, when it says
    commit_sha       text,
    chart_version    text,
    revision_digest  text,
    object_kind      text,
    object_namespace text,
    object_name      text,
    repository_id    bigint REFERENCES repositories (id),
    -- digests the deployer named (POST /api/v1/deployments)
    artifact_digests text[] NOT NULL DEFAULT '{}',
    -- the chart (by version) or the artifact (by digest) the revision is,
    -- once known
    resolved_artifact_id bigint REFERENCES artifacts (id),
    -- the merge rule: (status_rank, status_at, tiebreak) of the winner
    status           text NOT NULL CHECK (status IN ('queued', 'in_progress', 'success', 'failure',
                                                     'error', 'inactive')),
    status_rank      integer NOT NULL,
    status_at        timestamptz NOT NULL,
    tiebreak         text NOT NULL DEFAULT '',
    reason           text,
    message          text,
    url              text,
    started_at       timestamptz NOT NULL,     -- earliest event seen
    finished_at      timestamptz,              -- the winning terminal event's time
    last_event_at    timestamptz NOT NULL,     -- latest event seen: orders "current"
    created_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (environment_id, source, origin_key, revision_key)
);
CREATE INDEX deployments_env_current ON deployments (environment_id, last_event_at DESC, id DESC);
CREATE INDEX deployments_env_history ON deployments (environment_id, started_at DESC, id DESC);
CREATE INDEX deployments_recent ON deployments (started_at DESC, id DESC);
CREATE INDEX deployments_commit ON deployments (commit_sha);
CREATE INDEX deployments_artifact ON deployments (resolved_artifact_id);
CREATE INDEX deployments_digests ON deployments USING gin (artifact_digests);
CREATE INDEX deployments_unresolved ON deployments (id)
    WHERE resolved_artifact_id IS NULL AND (chart_version IS NOT NULL OR revision_digest IS NOT NULL);
CREATE INDEX deployments_no_repo ON deployments (id)
    WHERE repository_id IS NULL AND commit_sha IS NOT NULL;

-- Every status a deployment was reported in (deduplicated): healthy-since
-- and first-deployed times come from here.
CREATE TABLE deployment_statuses (
    id            bigserial PRIMARY KEY,
    deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    status        text NOT NULL,
    event_at      timestamptz NOT NULL,
    reason        text NOT NULL DEFAULT '',
    message       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (deployment_id, status, event_at, reason)
);

-- GitHub deployments and statuses (github_deployments,
-- github_deployment_statuses) already folded into deployments: kind 'd'
-- for a deployment row, 's' for a status row.
CREATE TABLE deployment_github_applied (
    kind   char(1) NOT NULL CHECK (kind IN ('d', 's')),
    row_id bigint NOT NULL,
    PRIMARY KEY (kind, row_id)
);

-- Artifacts: the CI system's run id as given (POST /api/v1/artifacts
-- run_id), linked to runs when that run is known.
ALTER TABLE artifacts ADD COLUMN run_external_id text;
CREATE INDEX artifacts_chart_version ON artifacts (version) WHERE kind = 'chart';

-- Finding the repository of a deployed commit.
CREATE INDEX branch_sequence_by_sha ON branch_sequence (sha) WHERE left_at IS NULL;
