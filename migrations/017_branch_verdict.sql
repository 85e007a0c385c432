-- 017: the branch red/green rule, said once.  It was written twice: in
-- notification_run_health() (009, main.broken / main.fixed) and in the
-- branch health answer (GET .../branches/{branch}/health, server/db/repos.c).
-- Both now call these two functions.
--
-- A branch's runs are grouped by workflow: its path, else its name, else
-- its id (the expression of the runs_branch_workflow index, 008; the
-- function is inlined by the planner, so that index still serves it).  A
-- run's verdict is that of its latest attempt (status, conclusion): only a
-- completed one has a verdict; success is green; failure, timed_out and
-- startup_failure are red; cancelled, skipped, neutral, stale,
-- action_required (and no conclusion) carry none and are passed over.  A
-- workflow's state is the verdict of its latest run (created_at, id) that
-- has one.
CREATE FUNCTION run_workflow_key(p_path text, p_name text, p_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(p_path, p_name, p_id::text, '')
$$;

CREATE FUNCTION run_verdict(p_status text, p_conclusion text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_status = 'completed' THEN
               CASE WHEN p_conclusion = 'success' THEN 'green'
                    WHEN p_conclusion IN ('failure', 'timed_out', 'startup_failure') THEN 'red'
               END
           END
$$;

-- 009's function with the rule above (the same behaviour: a completed run
-- without a conclusion still has its workflow re-evaluated, as before).
CREATE OR REPLACE FUNCTION notification_run_health(ev events, wanted text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r      record;
    latest record;
    k      text;
    prev   text;
    cur    text;
    nkind  text;
BEGIN
    SELECT ru.id, ru.repository_id, ru.head_branch, rp.full_name,
           run_workflow_key(ru.workflow_path, ru.workflow_name, ru.workflow_id) AS wf,
           coalesce(la.status, ru.status) AS st, coalesce(la.conclusion, ru.conclusion) AS co
      INTO r
      FROM runs ru
      JOIN repositories rp ON rp.id = ru.repository_id
      LEFT JOIN LATERAL (SELECT a.status, a.conclusion FROM run_attempts a
                          WHERE a.run_id = ru.id ORDER BY a.attempt DESC LIMIT 1) la ON true
     WHERE ru.id = ev.entity_id::bigint AND ru.head_branch = rp.default_branch;
    IF NOT FOUND OR r.st IS DISTINCT FROM 'completed'
       OR (r.co IS NOT NULL AND run_verdict(r.st, r.co) IS NULL) THEN
        RETURN;
    END IF;
    k := 'workflow:' || r.repository_id || ':' || r.head_branch || ':' || r.wf;
    INSERT INTO notification_state (key, value) VALUES (k, '') ON CONFLICT (key) DO NOTHING;
    SELECT value INTO prev FROM notification_state WHERE key = k FOR UPDATE;

    SELECT x.* INTO latest FROM (
        SELECT ru.id, ru.head_sha, ru.run_number, ru.workflow_name, ru.workflow_path,
               ru.created_at, coalesce(la.attempt, ru.latest_attempt) AS attempt,
               coalesce(la.html_url, ru.html_url) AS html_url,
               coalesce(la.status, ru.status) AS st, coalesce(la.conclusion, ru.conclusion) AS co
          FROM runs ru
          LEFT JOIN LATERAL (SELECT a.attempt, a.status, a.conclusion, a.html_url
                               FROM run_attempts a WHERE a.run_id = ru.id
                              ORDER BY a.attempt DESC LIMIT 1) la ON true
         WHERE ru.repository_id = r.repository_id AND ru.head_branch = r.head_branch
           AND run_workflow_key(ru.workflow_path, ru.workflow_name, ru.workflow_id) = r.wf) x
     WHERE run_verdict(x.st, x.co) IS NOT NULL
     ORDER BY x.created_at DESC, x.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    cur := run_verdict(latest.st, latest.co);
    IF prev = '' THEN
        SELECT run_verdict(y.st, y.co) INTO prev FROM (
            SELECT ru.id, ru.created_at, coalesce(la.status, ru.status) AS st,
                   coalesce(la.conclusion, ru.conclusion) AS co
              FROM runs ru
              LEFT JOIN LATERAL (SELECT a.status, a.conclusion FROM run_attempts a
                                  WHERE a.run_id = ru.id ORDER BY a.attempt DESC LIMIT 1) la ON true
             WHERE ru.repository_id = r.repository_id AND ru.head_branch = r.head_branch
               AND run_workflow_key(ru.workflow_path, ru.workflow_name, ru.workflow_id) = r.wf
               AND (ru.created_at, ru.id) < (latest.created_at, latest.id)) y
         WHERE run_verdict(y.st, y.co) IS NOT NULL
         ORDER BY y.created_at DESC, y.id DESC LIMIT 1;
        prev := coalesce(prev, 'green');
    END IF;
    IF prev IS DISTINCT FROM cur THEN
        nkind := CASE cur WHEN 'red' THEN 'main.broken' ELSE 'main.fixed' END;
        IF nkind = ANY (wanted) THEN
            PERFORM notification_enqueue(nkind, nkind || ':' || ev.id, ev.id, 'run',
                latest.id::text,
                jsonb_build_object('repository', r.full_name, 'branch', r.head_branch,
                    'workflow', coalesce(latest.workflow_name, latest.workflow_path, r.wf),
                    'workflow_path', latest.workflow_path, 'run_id', latest.id,
                    'run_number', latest.run_number, 'attempt', latest.attempt,
                    'conclusion', latest.co, 'commit', latest.head_sha,
                    'run_url', latest.html_url,
                    'commit_message', (SELECT split_part(c.message, E'\n', 1) FROM commits c
                                        WHERE c.repository_id = r.repository_id
                                          AND c.sha = latest.head_sha),
                    'author', (SELECT coalesce(c.author_login, c.author_name) FROM commits c
                                WHERE c.repository_id = r.repository_id
                                  AND c.sha = latest.head_sha)),
                ev.created_at);
        END IF;
    END IF;
    UPDATE notification_state SET value = cur, updated_at = now()
     WHERE key = k AND value IS DISTINCT FROM cur;
END
$$;
