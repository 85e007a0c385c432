-- 005: what the merge rule needs for checks, releases and GitHub
-- deployments (see server/webhooks/gh_checks.c, gh_releases.c,
-- gh_deployments.c).  Additive only.

-- check runs: (status_rank, progress_at, tiebreak) decides which event's
-- state is kept; progress_at is completed_at for a completed run, else
-- started_at.
ALTER TABLE check_runs ADD COLUMN progress_at timestamptz;
ALTER TABLE check_runs ADD COLUMN tiebreak text NOT NULL DEFAULT '';
ALTER TABLE check_runs ADD COLUMN details_url text;

-- check suites: (status_rank, updated_at, tiebreak).
ALTER TABLE check_suites ADD COLUMN tiebreak text NOT NULL DEFAULT '';
ALTER TABLE check_suites ADD COLUMN created_at timestamptz;

-- releases: (event_at, tiebreak) of the event whose description is kept;
-- event_at is release.updated_at when GitHub sends it, else when the
-- delivery was received.
ALTER TABLE releases ADD COLUMN event_at timestamptz;
ALTER TABLE releases ADD COLUMN tiebreak text NOT NULL DEFAULT '';
CREATE INDEX releases_tag ON releases (repository_id, tag_name);

-- GitHub deployments: (updated_at, tiebreak) of the winning description.
ALTER TABLE github_deployments ADD COLUMN description text;
ALTER TABLE github_deployments ADD COLUMN updated_at timestamptz;
ALTER TABLE github_deployments ADD COLUMN tiebreak text NOT NULL DEFAULT '';
CREATE INDEX github_deployments_sha ON github_deployments (sha);

ALTER TABLE github_deployment_statuses ADD COLUMN log_url text;
CREATE INDEX github_deployment_statuses_deployment
    ON github_deployment_statuses (repository_id, deployment_github_id, created_at DESC);
