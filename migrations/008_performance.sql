-- 008: indexes found with EXPLAIN (ANALYZE, BUFFERS) against 1,000,000 runs (bench/scale.sh,
-- bench/README.md).  Additive only: no query needs them to be right, only to stay flat as the
-- history grows.  (Plain CREATE INDEX: on a large live database it holds writes to the table
-- while it builds — seconds per million rows.)

-- "Where is this commit on the default branch?" by (repository, sha), whatever the branch and
-- whether it left: pull requests (merge commit), the journey, commit, commit where.  Before: every
-- entry of the branch was read and filtered (4,000 per repository at 1M runs).
CREATE INDEX branch_sequence_repo_sha ON branch_sequence (repository_id, sha);

-- The runs linked to pull request N (runs list ?pr=, pull request, journey).  The primary key
-- (run_id, pr_number) cannot find a pr_number without reading all of it.
CREATE INDEX run_pull_requests_pr ON run_pull_requests (pr_number, run_id);

-- Pull requests whose head is a given SHA (run detail: the PRs of a run).
CREATE INDEX pull_requests_head_sha ON pull_requests (repository_id, head_sha);

-- Branch health lists a branch's gaps and rewrites, newest first: rare rows, found without
-- reading every push of the repository.
CREATE INDEX pushes_anomalies ON pushes (repository_id, ref, id DESC) WHERE gap OR rewrote;

-- Branch health walks each workflow's runs of a branch in time order and stops at the first
-- that answers (latest, last green, first red after it); the workflows themselves are found by
-- skipping through the index.  The expression is the one api_branch_health groups by.
CREATE INDEX runs_branch_workflow ON runs (repository_id, head_branch,
    (coalesce(workflow_path, workflow_name, workflow_id::text, '')), created_at DESC, id DESC);

-- Release-candidate tags among all tags: the release-candidate facts (domain/rc_*.c) look for
-- tags with is_rc on every read of the RCs, the journey and commit where.  Before: every tag
-- of every repository was read (100,000 at 1M runs).
CREATE INDEX tags_rc ON tags (created_at) WHERE is_rc;
