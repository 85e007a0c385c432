-- 002: what GitHub tells us — deliveries, repositories, runs and jobs,
-- commits and the default-branch sequence, pull requests, tags, releases,
-- packages, checks and GitHub deployments.

-- Every inbound webhook attempt, as received.  One row per attempt: a
-- redelivery is a new row.  `body` is the raw bytes (NULL when the sender
-- was not authenticated, or for a duplicate of a delivery already stored).
CREATE TABLE deliveries (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL CHECK (source IN ('github', 'flux')),
    event        text NOT NULL DEFAULT '',
    action       text NOT NULL DEFAULT '',
    delivery_id  text NOT NULL,          -- X-GitHub-Delivery; Flux: sha256 of the body
    hook_id      text,
    repository   text,                   -- owner/name, when known
    received_at  timestamptz NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}',
    body         bytea,
    body_size    integer NOT NULL,
    body_sha256  bytea NOT NULL,
    signature    text NOT NULL CHECK (signature IN ('valid', 'invalid', 'missing', 'not-configured')),
    -- received: stored, not processed yet; processed: applied; ignored: an
    -- event shiplog does not use (stored, answered 202); failed: processing
    -- error (kept, may be replayed); rejected: bad signature (not processed);
    -- duplicate: a delivery id that had already succeeded; unmatched: a Flux
    -- event for an object no environment claims.
    status       text NOT NULL CHECK (status IN ('received', 'processed', 'ignored', 'failed',
                                                 'rejected', 'duplicate', 'unmatched')),
    error        text,
    processed_at timestamptz,
    replay_of    bigint REFERENCES deliveries (id)
);
CREATE INDEX deliveries_by_delivery_id ON deliveries (source, delivery_id);
-- at most one successful processing per delivery id, whatever the replica
CREATE UNIQUE INDEX deliveries_one_success ON deliveries (source, delivery_id)
    WHERE status IN ('processed', 'ignored', 'unmatched') AND replay_of IS NULL;
CREATE INDEX deliveries_recent ON deliveries (id DESC);
CREATE INDEX deliveries_filter ON deliveries (source, event, status, id DESC);

CREATE TABLE repositories (
    id             bigserial PRIMARY KEY,
    full_name      text NOT NULL,
    github_id      bigint,
    default_branch text NOT NULL DEFAULT 'main',
    html_url       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repositories_name ON repositories (lower(full_name));

-- A pipeline run (GitHub: one workflow run id; other CI: provider + external
-- id).  The latest attempt's state is mirrored here for cheap listing.
CREATE TABLE runs (
    id              bigserial PRIMARY KEY,
    repository_id   bigint NOT NULL REFERENCES repositories (id),
    provider        text NOT NULL DEFAULT 'github-actions',
    external_id     text NOT NULL,        -- GitHub run id as text
    workflow_name   text,
    workflow_path   text,
    workflow_id     bigint,
    kind            text NOT NULL DEFAULT 'other'
                    CHECK (kind IN ('pr', 'main', 'release', 'other')),
    event           text,
    head_branch     text,
    head_sha        text,
    run_number      bigint,
    html_url        text,
    display_title   text,
    latest_attempt  integer NOT NULL DEFAULT 1,
    status          text,
    conclusion      text,
    queued_at       timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    -- whose facts won for the run-level fields (see the merge rule)
    info_rank       integer NOT NULL DEFAULT 0,
    info_updated_at timestamptz,
    info_tiebreak   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, provider, external_id)
);
CREATE INDEX runs_recent ON runs (created_at DESC, id DESC);
CREATE INDEX runs_repo ON runs (repository_id, created_at DESC, id DESC);
CREATE INDEX runs_sha ON runs (head_sha);
CREATE INDEX runs_branch ON runs (repository_id, head_branch, created_at DESC, id DESC);

CREATE TABLE run_attempts (
    id            bigserial PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt       integer NOT NULL CHECK (attempt >= 1),
    status        text,
    conclusion    text,
    status_rank   integer NOT NULL DEFAULT 0,   -- 0 unknown, 1 queued, 2 in_progress/waiting, 3 completed
    updated_at    timestamptz,                  -- the winning event's updated_at
    tiebreak      text NOT NULL DEFAULT '',
    queued_at     timestamptz,
    started_at    timestamptz,
    completed_at  timestamptz,
    html_url      text,
    UNIQUE (run_id, attempt)
);

CREATE TABLE jobs (
    id            bigserial PRIMARY KEY,
    attempt_id    bigint NOT NULL REFERENCES run_attempts (id) ON DELETE CASCADE,
    external_id   text NOT NULL,               -- GitHub job id, or the job name for other CI
    name          text NOT NULL,
    stage         text NOT NULL DEFAULT 'other'
                  CHECK (stage IN ('lint', 'unit', 'integration', 'build', 'publish', 'e2e', 'other')),
    required      boolean NOT NULL DEFAULT true,
    status        text,
    conclusion    text,
    status_rank   integer NOT NULL DEFAULT 0,
    progress_at   timestamptz,
    tiebreak      text NOT NULL DEFAULT '',
    queued_at     timestamptz,
    started_at    timestamptz,
    completed_at  timestamptz,
    runner_name   text,
    labels        jsonb NOT NULL DEFAULT '[]',
    steps         jsonb NOT NULL DEFAULT '[]',
    html_url      text,
    UNIQUE (attempt_id, external_id)
);

-- Explicit PR links from workflow_run.pull_requests (often empty: runs are
-- also linked to PRs by head SHA and branch at query time).
CREATE TABLE run_pull_requests (
    run_id    bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    pr_number integer NOT NULL,
    PRIMARY KEY (run_id, pr_number)
);

CREATE TABLE commits (
    id            bigserial PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id),
    sha           text NOT NULL,
    message       text,
    author_name   text,
    author_email  text,
    author_login  text,
    committed_at  timestamptz,
    html_url      text,
    UNIQUE (repository_id, sha)
);

-- The default branch in order: each push to it extends the sequence, so
-- "revision R contains commit C" is seq(C) <= seq(R).  A forced push marks
-- the commits that left with left_at.
CREATE TABLE branch_sequence (
    repository_id bigint NOT NULL REFERENCES repositories (id),
    branch        text NOT NULL,
    seq           bigint NOT NULL,
    sha           text NOT NULL,
    pushed_at     timestamptz NOT NULL,
    push_id       bigint,
    left_at       timestamptz,
    PRIMARY KEY (repository_id, branch, seq)
);
CREATE UNIQUE INDEX branch_sequence_sha ON branch_sequence (repository_id, branch, sha)
    WHERE left_at IS NULL;

CREATE TABLE branches (
    repository_id bigint NOT NULL REFERENCES repositories (id),
    name          text NOT NULL,
    head_sha      text,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    PRIMARY KEY (repository_id, name)
);

CREATE TABLE pushes (
    id            bigserial PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id),
    delivery_id   text,
    ref           text NOT NULL,
    before_sha    text,
    after_sha     text,
    forced        boolean NOT NULL DEFAULT false,
    created       boolean NOT NULL DEFAULT false,
    deleted       boolean NOT NULL DEFAULT false,
    pusher        text,
    commit_count  integer NOT NULL DEFAULT 0,
    -- a push to the default branch whose `before` was not the known head
    gap           boolean NOT NULL DEFAULT false,
    rewrote       boolean NOT NULL DEFAULT false,
    received_at   timestamptz NOT NULL
);
CREATE INDEX pushes_repo ON pushes (repository_id, id DESC);

CREATE TABLE pull_requests (
    id               bigserial PRIMARY KEY,
    repository_id    bigint NOT NULL REFERENCES repositories (id),
    number           integer NOT NULL,
    github_id        bigint,
    title            text,
    author           text,
    state            text,            -- open | closed
    draft            boolean NOT NULL DEFAULT false,
    merged           boolean NOT NULL DEFAULT false,
    labels           jsonb NOT NULL DEFAULT '[]',
    head_ref         text,
    head_sha         text,
    base_ref         text,
    merge_commit_sha text,
    html_url         text,
    opened_at        timestamptz,
    closed_at        timestamptz,
    merged_at        timestamptz,
    updated_at       timestamptz,      -- the winning event's updated_at
    tiebreak         text NOT NULL DEFAULT '',
    UNIQUE (repository_id, number)
);
CREATE INDEX pull_requests_head ON pull_requests (repository_id, head_ref);
CREATE INDEX pull_requests_merge ON pull_requests (merge_commit_sha);

-- Every head SHA a PR has had (opened, each synchronize).
CREATE TABLE pull_request_shas (
    pull_request_id bigint NOT NULL REFERENCES pull_requests (id) ON DELETE CASCADE,
    sha             text NOT NULL,
    seen_at         timestamptz NOT NULL,
    PRIMARY KEY (pull_request_id, sha)
);
CREATE INDEX pull_request_shas_sha ON pull_request_shas (sha);

CREATE TABLE tags (
    repository_id bigint NOT NULL REFERENCES repositories (id),
    name          text NOT NULL,
    sha           text,
    is_rc         boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    PRIMARY KEY (repository_id, name)
);

CREATE TABLE releases (
    id                bigserial PRIMARY KEY,
    repository_id     bigint NOT NULL REFERENCES repositories (id),
    github_id         bigint NOT NULL,
    tag_name          text NOT NULL,
    name              text,
    body              text,
    draft             boolean NOT NULL DEFAULT false,
    prerelease        boolean NOT NULL DEFAULT false,
    target_commitish  text,
    author            text,
    html_url          text,
    created_at        timestamptz,
    published_at      timestamptz,
    deleted_at        timestamptz,
    last_action       text,
    updated_at        timestamptz NOT NULL,
    UNIQUE (repository_id, github_id)
);

-- Published build outputs.  Immutable: kind + name + version has one digest.
CREATE TABLE artifacts (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('image', 'chart', 'npm', 'binary', 'other')),
    name          text NOT NULL,
    version       text NOT NULL,
    digest        text,
    uri           text,
    size          bigint,
    repository_id bigint REFERENCES repositories (id),
    commit_sha    text,
    run_id        bigint REFERENCES runs (id),
    labels        jsonb NOT NULL DEFAULT '{}',
    source        text NOT NULL DEFAULT 'api',
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, name, version)
);
CREATE INDEX artifacts_commit ON artifacts (commit_sha);
CREATE INDEX artifacts_digest ON artifacts (digest);

CREATE TABLE check_suites (
    id            bigserial PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id),
    github_id     bigint NOT NULL,
    head_sha      text,
    head_branch   text,
    app_name      text,
    status        text,
    conclusion    text,
    status_rank   integer NOT NULL DEFAULT 0,
    updated_at    timestamptz,
    UNIQUE (repository_id, github_id)
);
CREATE INDEX check_suites_sha ON check_suites (head_sha);

CREATE TABLE check_runs (
    id             bigserial PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (id),
    github_id      bigint NOT NULL,
    check_suite_id bigint,
    name           text,
    head_sha       text,
    app_name       text,
    status         text,
    conclusion     text,
    status_rank    integer NOT NULL DEFAULT 0,
    started_at     timestamptz,
    completed_at   timestamptz,
    html_url       text,
    UNIQUE (repository_id, github_id)
);
CREATE INDEX check_runs_sha ON check_runs (head_sha);

CREATE TABLE github_deployments (
    id            bigserial PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id),
    github_id     bigint NOT NULL,
    environment   text,
    sha           text,
    ref           text,
    task          text,
    creator       text,
    created_at    timestamptz,
    UNIQUE (repository_id, github_id)
);

CREATE TABLE github_deployment_statuses (
    id              bigserial PRIMARY KEY,
    repository_id   bigint NOT NULL REFERENCES repositories (id),
    github_id       bigint NOT NULL,
    deployment_github_id bigint NOT NULL,
    state           text NOT NULL,
    environment     text,
    target_url      text,
    description     text,
    created_at      timestamptz,
    UNIQUE (repository_id, github_id)
);
