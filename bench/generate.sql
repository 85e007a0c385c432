-- bench/generate.sql — synthetic history for the scale benchmark (bench/scale.sh, bench/reads.sh).
--
--   psql "$URL" -v runs=1000000 -f bench/generate.sql        (into a freshly migrated database)
--
-- Everything is made inside PostgreSQL by INSERT ... SELECT FROM generate_series(): the rows never
-- leave the server, so it loads at COPY speed or faster (no text to parse).  Secondary indexes are
-- dropped before the load and re-created from their own definitions afterwards (one sort per
-- index instead of N inserts), then VACUUM ANALYZE, as autovacuum would have done on a live
-- database.  `runs` must be a multiple of 1000.  With runs = N:
--
--   repositories          50 (bench-org/app-1 .. app-50, default branch main) — history grows,
--                         the organisation does not: each repository has N/50 runs
--   runs                  N, one every 31.5 s (1,000,000 runs = one year; 10,000 = 3.6 days),
--                         ending now; in each repository a "cycle" of 10 runs: 4 on main (workflows
--                         ci, lint, e2e, build), 3 + 2 on two pull requests, 1 on a release tag.
--                         The newest 0.2% are in progress; of the rest 8% failed, 2% cancelled.
--   run_attempts          N + N/20 (every 20th run was re-run: attempt 1 failed)
--   jobs                  5 N (lint, unit, integration, build, e2e on the latest attempt)
--   pull_requests         N/5 (70% merged, 20% open, 10% closed), 2 head SHAs each
--                         (pull_request_shas), linked to their runs (run_pull_requests)
--   branch_sequence, commits  N/5: the two merge commits of each cycle on main
--   pushes                N/10, one per cycle; tags N/10 (v1.<cycle>.0); branches: main
--   environments          4: development, staging, qa, production
--   deployments           N/20 (Flux, every second cycle of a repository, environments in turn,
--                         95% successful), each with its image artifact (artifacts N/20)
\set ON_ERROR_STOP on
\if :{?runs}
\else
  \set runs 10000
\endif
SET synchronous_commit = off;
-- the rows are consistent by construction: skip the foreign-key triggers (needs a superuser)
SET session_replication_role = replica;
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';

SELECT (:runs % 1000 = 0 AND :runs > 0) AS runs_ok \gset
\if :runs_ok
\else
  \echo 'generate.sql: runs must be a positive multiple of 1000'
  \quit
\endif

CREATE FUNCTION pg_temp.sha(x text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5(x) || left(md5('2' || x), 8) $$;
-- when run i (1..N) was created; cycle c of every repository starts at run 500 c + 1
CREATE FUNCTION pg_temp.t(i bigint, n bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE
    AS $$ SELECT date_trunc('second', now()) - (n - i) * interval '31.5 seconds' $$;

-- the secondary indexes of the loaded tables (not those backing constraints), to re-create
CREATE TEMP TABLE bench_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname IN ('runs', 'run_attempts', 'jobs', 'run_pull_requests', 'pull_requests',
                    'pull_request_shas', 'branch_sequence', 'commits', 'pushes', 'tags',
                    'deployments', 'artifacts')
  AND t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

\set repos 50
SELECT :runs / 500 AS cycles \gset

\echo repositories, environments
INSERT INTO repositories (id, full_name, github_id, default_branch, html_url, created_at)
SELECT r, 'bench-org/app-' || r, 100000 + r, 'main', 'https://github.com/bench-org/app-' || r,
       pg_temp.t(1, :runs)
FROM generate_series(1, :repos) r;
SELECT setval('repositories_id_seq', :repos);
INSERT INTO environments (name, tier, sort_order, managed_by, created_by)
VALUES ('development', 'development', 1, 'api', 'bench'), ('staging', 'staging', 2, 'api', 'bench'),
       ('qa', 'other', 3, 'api', 'bench'), ('production', 'production', 4, 'api', 'bench')
ON CONFLICT DO NOTHING;

\echo runs
-- run i: repository r = (i - 1) % 50 + 1, m = (i - 1) / 50 its run number in the repository,
-- cycle c = m / 10, slot s = m % 10
INSERT INTO runs (id, repository_id, provider, external_id, workflow_name, workflow_path,
                  workflow_id, kind, event, head_branch, head_sha, run_number, html_url,
                  display_title, latest_attempt, status, conclusion, queued_at, started_at,
                  completed_at, info_rank, info_updated_at, info_tiebreak, created_at)
SELECT i, r, 'github-actions', (1000000000 + i)::text, wf, '.github/workflows/' || wf || '.yml',
       1000 + wfn, kind, CASE kind WHEN 'pr' THEN 'pull_request' ELSE 'push' END, branch, sha,
       m + 1, 'https://github.com/bench-org/app-' || r || '/actions/runs/' || (1000000000 + i),
       'Change ' || m, att, st, co, t0, t0 + interval '10 s',
       CASE WHEN st = 'completed' THEN t0 + interval '5 min' END,
       att * 10 + CASE WHEN st = 'completed' THEN 3 ELSE 2 END,
       t0 + interval '5 min', '', t0
FROM (
  SELECT i, r, m, c, s, t0, att,
         (ARRAY['ci', 'lint', 'e2e', 'build'])[wfn + 1] AS wf, wfn,
         CASE WHEN s < 4 THEN 'main' WHEN s < 9 THEN 'pr' ELSE 'release' END AS kind,
         CASE WHEN s < 4 THEN 'main' WHEN s < 7 THEN 'feature/' || (2 * c + 1)
              WHEN s < 9 THEN 'feature/' || (2 * c + 2) ELSE 'v1.' || c || '.0' END AS branch,
         CASE WHEN s < 4 OR s = 9 THEN pg_temp.sha('m' || r || '-' || c || '-2')
              WHEN s < 7 THEN pg_temp.sha('p' || r || '-' || (2 * c + 1) || '-2')
              ELSE pg_temp.sha('p' || r || '-' || (2 * c + 2) || '-2') END AS sha,
         CASE WHEN i > :runs - :runs / 500 THEN 'in_progress' ELSE 'completed' END AS st,
         CASE WHEN i > :runs - :runs / 500 THEN NULL
              WHEN abs(hashint8(i)) % 100 < 8 THEN 'failure'
              WHEN abs(hashint8(i)) % 100 < 10 THEN 'cancelled' ELSE 'success' END AS co
  FROM (
    SELECT i, (i - 1) % :repos + 1 AS r, (i - 1) / :repos AS m, (i - 1) / :repos / 10 AS c,
           (i - 1) / :repos % 10 AS s, pg_temp.t(i, :runs) AS t0,
           CASE WHEN i % 20 = 0 THEN 2 ELSE 1 END AS att,
           CASE WHEN (i - 1) / :repos % 10 < 4 THEN (i - 1) / :repos % 10
                WHEN (i - 1) / :repos % 10 < 7 THEN (i - 1) / :repos % 10 - 4
                WHEN (i - 1) / :repos % 10 < 9 THEN (i - 1) / :repos % 10 - 7 ELSE 3 END AS wfn
    FROM generate_series(1::bigint, :runs) i
  ) a
) b;
SELECT setval('runs_id_seq', :runs);

\echo run_attempts
-- attempt 1 of run i has id i; attempt 2 of every 20th run has id N + i / 20
INSERT INTO run_attempts (id, run_id, attempt, status, conclusion, status_rank, updated_at,
                          tiebreak, queued_at, started_at, completed_at, html_url)
SELECT id, id, 1, CASE WHEN latest_attempt = 2 THEN 'completed' ELSE status END,
       CASE WHEN latest_attempt = 2 THEN 'failure' ELSE conclusion END,
       CASE WHEN latest_attempt = 2 OR status = 'completed' THEN 3 ELSE 2 END,
       completed_at, '', queued_at, started_at,
       CASE WHEN latest_attempt = 2 THEN started_at + interval '4 min' ELSE completed_at END,
       html_url || '/attempts/1'
FROM runs;
INSERT INTO run_attempts (id, run_id, attempt, status, conclusion, status_rank, updated_at,
                          tiebreak, queued_at, started_at, completed_at, html_url)
SELECT :runs + id / 20, id, 2, status, conclusion, CASE WHEN status = 'completed' THEN 3 ELSE 2 END,
       completed_at, '', queued_at, started_at, completed_at, html_url || '/attempts/2'
FROM runs WHERE latest_attempt = 2;
SELECT setval('run_attempts_id_seq', :runs + :runs / 20);

\echo jobs
INSERT INTO jobs (id, attempt_id, external_id, name, stage, required, status, conclusion,
                  status_rank, progress_at, tiebreak, queued_at, started_at, completed_at,
                  runner_name, labels, steps, html_url)
SELECT (r.id - 1) * 5 + j, CASE WHEN r.latest_attempt = 2 THEN :runs + r.id / 20 ELSE r.id END,
       (2000000000 + (r.id - 1) * 5 + j)::text, st.name, st.name, true, r.status,
       CASE WHEN r.conclusion = 'failure' AND j = 2 THEN 'failure'
            WHEN r.conclusion IS NULL THEN NULL
            WHEN r.conclusion = 'failure' THEN 'success' ELSE r.conclusion END,
       CASE WHEN r.status = 'completed' THEN 3 ELSE 2 END, r.completed_at, '',
       r.queued_at, r.started_at + j * interval '5 s', r.completed_at,
       'runner-' || (r.id % 16), '["ubuntu-latest"]', '[]',
       r.html_url || '/job/' || (2000000000 + (r.id - 1) * 5 + j)
FROM runs r
CROSS JOIN LATERAL (VALUES (1, 'lint'), (2, 'unit'), (3, 'integration'), (4, 'build'), (5, 'e2e'))
    AS st(j, name);
SELECT setval('jobs_id_seq', :runs * 5);

\echo pull requests
-- pull request n of repository r: cycle c = (n - 1) / 2, merged into main commit (c, (n - 1) % 2 + 1)
INSERT INTO pull_requests (id, repository_id, number, github_id, title, author, state, draft,
                           merged, labels, head_ref, head_sha, base_ref, merge_commit_sha,
                           html_url, opened_at, closed_at, merged_at, updated_at, tiebreak)
SELECT (r - 1) * 2 * :cycles + n, r, n, 50000000 + (r - 1) * 2 * :cycles + n,
       'Pull request ' || n || ' of app-' || r, 'dev' || (n % 40),
       CASE WHEN n % 10 BETWEEN 7 AND 8 THEN 'open' ELSE 'closed' END, false, n % 10 < 7, '[]',
       'feature/' || n, pg_temp.sha('p' || r || '-' || n || '-2'), 'main',
       CASE WHEN n % 10 < 7 THEN pg_temp.sha('m' || r || '-' || (n - 1) / 2 || '-' || ((n - 1) % 2 + 1)) END,
       'https://github.com/bench-org/app-' || r || '/pull/' || n,
       pg_temp.t(500 * ((n - 1) / 2) + 1, :runs) - interval '1 hour',
       CASE WHEN n % 10 BETWEEN 7 AND 8 THEN NULL
            ELSE pg_temp.t(500 * ((n - 1) / 2) + 1, :runs) + ((n - 1) % 2) * interval '1 min' END,
       CASE WHEN n % 10 < 7 THEN pg_temp.t(500 * ((n - 1) / 2) + 1, :runs) + ((n - 1) % 2) * interval '1 min' END,
       pg_temp.t(500 * ((n - 1) / 2) + 1, :runs) + interval '2 min', ''
FROM generate_series(1, :repos) r, generate_series(1, 2 * :cycles) n;
SELECT setval('pull_requests_id_seq', :repos * 2 * :cycles);
INSERT INTO pull_request_shas (pull_request_id, sha, seen_at)
SELECT p.id, pg_temp.sha('p' || p.repository_id || '-' || p.number || '-' || k),
       p.opened_at + k * interval '10 min'
FROM pull_requests p, generate_series(1, 2) k;
INSERT INTO run_pull_requests (run_id, pr_number)
SELECT id, substr(head_branch, 9)::int FROM runs WHERE kind = 'pr';

\echo default branch: pushes, sequence, commits, branches, tags
INSERT INTO pushes (id, repository_id, delivery_id, ref, before_sha, after_sha, forced, created,
                    deleted, pusher, commit_count, gap, rewrote, received_at)
SELECT (r - 1) * :cycles + c + 1, r, 'bench-push-' || r || '-' || c, 'refs/heads/main',
       CASE WHEN c > 0 THEN pg_temp.sha('m' || r || '-' || (c - 1) || '-2') END,
       pg_temp.sha('m' || r || '-' || c || '-2'), false, c = 0, false, 'dev' || (c % 40), 2,
       false, false, pg_temp.t(500 * c + 1, :runs) + interval '1 min'
FROM generate_series(1, :repos) r, generate_series(0, :cycles - 1) c;
SELECT setval('pushes_id_seq', :repos * :cycles);
INSERT INTO branch_sequence (repository_id, branch, seq, sha, pushed_at, push_id)
SELECT r, 'main', 2 * c + k, pg_temp.sha('m' || r || '-' || c || '-' || k),
       pg_temp.t(500 * c + 1, :runs) + interval '1 min', (r - 1) * :cycles + c + 1
FROM generate_series(1, :repos) r, generate_series(0, :cycles - 1) c, generate_series(1, 2) k;
INSERT INTO commits (repository_id, sha, message, author_name, author_email, author_login,
                     committed_at, html_url)
SELECT repository_id, sha, 'Merge pull request #' || seq || ' from bench-org/feature/' || seq,
       'Dev ' || (seq % 40), 'dev' || (seq % 40) || '@example.com', 'dev' || (seq % 40),
       pushed_at - interval '1 min', 'https://github.com/bench-org/app-' || repository_id || '/commit/' || sha
FROM branch_sequence;
INSERT INTO branches (repository_id, name, head_sha, updated_at)
SELECT r, 'main', pg_temp.sha('m' || r || '-' || (:cycles - 1) || '-2'), now()
FROM generate_series(1, :repos) r;
INSERT INTO tags (repository_id, name, sha, is_rc, created_at)
SELECT r, 'v1.' || c || '.0', pg_temp.sha('m' || r || '-' || c || '-2'), false,
       pg_temp.t(500 * c + 1, :runs) + interval '2 hours'
FROM generate_series(1, :repos) r, generate_series(0, :cycles - 1) c;

\echo artifacts, deployments
-- every second cycle of a repository: an image built by the cycle's build run, deployed by Flux
-- to one environment, the environments in turn (every two cycles, 8.75 h, the next one)
INSERT INTO artifacts (id, kind, name, version, digest, repository_id, commit_sha, run_id,
                       run_external_id, source, created_by, created_at)
SELECT (r - 1) * (:cycles / 2) + c / 2 + 1, 'image', 'ghcr.io/bench-org/app-' || r,
       'sha-' || left(pg_temp.sha('m' || r || '-' || c || '-2'), 12),
       'sha256:' || md5('d' || r || '-' || c) || md5('e' || r || '-' || c), r,
       pg_temp.sha('m' || r || '-' || c || '-2'), 500 * c + 150 + r,
       (1000000000 + 500 * c + 150 + r)::text, 'api', 'bench',
       pg_temp.t(500 * c + 1, :runs) + interval '20 min'
FROM generate_series(1, :repos) r, generate_series(0, :cycles - 1, 2) c;
SELECT setval('artifacts_id_seq', :repos * (:cycles / 2));
INSERT INTO deployments (environment_id, source, origin_key, revision_key, revision, revision_kind,
                         ref, commit_sha, object_kind, object_namespace, object_name,
                         repository_id, artifact_digests, resolved_artifact_id, status, status_rank,
                         status_at, tiebreak, reason, message, started_at, finished_at,
                         last_event_at, created_by, created_at, updated_at)
SELECT e.id, 'flux', 'Kustomization/apps/app-' || a.repository_id, 'git:' || a.commit_sha,
       'main@sha1:' || a.commit_sha, 'git', 'main', a.commit_sha, 'Kustomization', 'apps',
       'app-' || a.repository_id, a.repository_id, ARRAY[a.digest], a.id,
       CASE WHEN a.id % 20 = 0 THEN 'failure' ELSE 'success' END, 3,
       a.created_at + interval '12 min', '', 'ReconciliationSucceeded', 'Applied revision',
       a.created_at + interval '10 min', a.created_at + interval '12 min',
       a.created_at + interval '12 min', 'bench', a.created_at + interval '10 min', a.created_at + interval '12 min'
FROM artifacts a
JOIN environments e ON e.deleted_at IS NULL
    AND e.sort_order = floor(extract(epoch FROM a.created_at - pg_temp.t(1, :runs)) / 31500)::int % 4 + 1
WHERE a.created_by = 'bench';

\echo indexes
SELECT def FROM bench_indexes \gexec
RESET session_replication_role;
RESET work_mem;
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM jobs) AS jobs,
       (SELECT count(*) FROM pull_requests) AS prs, (SELECT count(*) FROM deployments) AS deployments,
       pg_size_pretty(pg_database_size(current_database())) AS size;
