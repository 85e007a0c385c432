-- 009: notifications — an outbox of messages to Slack-compatible and generic
-- webhooks and of GitHub commit statuses, written in the same transaction as
-- the change that caused them, and sent by a background thread
-- (server/notify/).  Additive only.

-- The sinks of the configuration (notifications.sinks), copied here at start
-- so that the trigger below knows who subscribes to what.  The copy follows
-- the configuration of the replica that started last.
CREATE TABLE notification_sinks (
    name       text PRIMARY KEY,
    type       text NOT NULL CHECK (type IN ('slack', 'webhook', 'github_status')),
    events     text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one message per (sink, notification).  kind is the
-- notification (rc.cut ... feedback.new) or 'github_status'.
--   pending    waiting for next_attempt_at (attempts > 0: it failed before)
--   in_flight  claimed by a sender until lease_until; a sender that died
--              leaves it to be claimed again once the lease is over
--   sent       delivered (sent_at); pruned by the retention job
--   dead       gave up after max_attempts, or the sink refused it for good
--              (a 4xx other than 408/429); POST .../retry puts it back
-- Times are the database's (now()), the same clock on every replica.
CREATE TABLE notifications (
    id               bigserial PRIMARY KEY,
    sink             text NOT NULL,
    sink_type        text NOT NULL CHECK (sink_type IN ('slack', 'webhook', 'github_status')),
    kind             text NOT NULL,
    dedupe_key       text NOT NULL,
    -- the domain event that caused it (no foreign key: events are pruned first)
    event_id         bigint,
    entity_type      text,
    entity_id        text,
    data             jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_flight', 'sent', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    -- attempts at the last manual retry: the budget counts from there
    retry_base       integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    claim_token      text,
    claimed_by       text,
    last_error       text,
    last_status_code integer,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (sink, dedupe_key)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notifications_leased ON notifications (lease_until) WHERE status = 'in_flight';
CREATE INDEX notifications_filter ON notifications (status, id DESC);
CREATE INDEX notifications_sent ON notifications (sent_at) WHERE sent_at IS NOT NULL;

-- Every attempt to send a message: when, how long, what the sink answered.
CREATE TABLE notification_attempts (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    started_at      timestamptz NOT NULL,
    duration_ms     integer NOT NULL,
    status_code     integer,
    error           text,
    replica         text,
    detail          jsonb
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id, id);

-- What the last notification said about something that turns red and green:
-- 'workflow:<repo id>:<branch>:<workflow>' → green|red, and
-- 'deployment:<id>' → failed (only while it is).  Locked (FOR UPDATE) while a
-- transaction decides, so replicas cannot both announce one change.
CREATE TABLE notification_state (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Readiness is derived (CI, artifacts, staging soak time, feedback), not
-- stored, so the sender thread evaluates open release candidates and keeps
-- here what it last announced: rc.ready and the GitHub commit status are
-- enqueued in the same transaction that updates this row.
CREATE TABLE notification_rc_watch (
    rc_id          bigint PRIMARY KEY REFERENCES release_candidates (id) ON DELETE CASCADE,
    rc_state       text,
    commit_sha     text,
    verdict        text,
    gh_state       text,
    gh_description text,
    ready_count    integer NOT NULL DEFAULT 0,
    status_count   integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Enqueues one message per sink (slack/webhook) that subscribes to p_kind;
-- a message already there (same sink and key) is left alone.  Returns how
-- many were enqueued.
CREATE FUNCTION notification_enqueue(p_kind text, p_key text, p_event_id bigint,
                                     p_entity_type text, p_entity_id text, p_data jsonb,
                                     p_occurred_at timestamptz)
RETURNS integer LANGUAGE sql AS $$
    WITH ins AS (
        INSERT INTO notifications (sink, sink_type, kind, dedupe_key, event_id, entity_type,
                                   entity_id, data, occurred_at)
        SELECT s.name, s.type, p_kind, p_key, p_event_id, p_entity_type, p_entity_id, p_data,
               coalesce(p_occurred_at, now())
          FROM notification_sinks s
         WHERE s.type IN ('slack', 'webhook') AND p_kind = ANY (s.events)
        ON CONFLICT (sink, dedupe_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM ins
$$;

CREATE FUNCTION notification_rc_data(p_rc_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('rc_id', rc.id, 'version', rc.version, 'target', rc.target,
                              'repository', rp.full_name, 'commit', rc.commit_sha,
                              'state', rc.state, 'url', rc.html_url)
      FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id
     WHERE rc.id = p_rc_id
$$;

-- A completed run of a repository's default branch: did it turn its
-- workflow red or green?  The workflow's health is the branch-health rule's
-- (server/api/repos.c): its latest run (created_at, id) whose latest attempt
-- completed with a verdict — success is green; failure, timed_out and
-- startup_failure are red; other conclusions carry no verdict.  It is
-- compared with what was last recorded for the workflow (or, the first
-- time, with its previous run with a verdict; none counts as green).
CREATE FUNCTION notification_run_health(ev events, wanted text[]) RETURNS void
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
           coalesce(ru.workflow_path, ru.workflow_name, ru.workflow_id::text, '') AS wf,
           coalesce(la.status, ru.status) AS st, coalesce(la.conclusion, ru.conclusion) AS co
      INTO r
      FROM runs ru
      JOIN repositories rp ON rp.id = ru.repository_id
      LEFT JOIN LATERAL (SELECT a.status, a.conclusion FROM run_attempts a
                          WHERE a.run_id = ru.id ORDER BY a.attempt DESC LIMIT 1) la ON true
     WHERE ru.id = ev.entity_id::bigint AND ru.head_branch = rp.default_branch;
    IF NOT FOUND OR r.st IS DISTINCT FROM 'completed'
       OR r.co NOT IN ('success', 'failure', 'timed_out', 'startup_failure') THEN
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
           AND coalesce(ru.workflow_path, ru.workflow_name, ru.workflow_id::text, '') = r.wf) x
     WHERE x.st = 'completed' AND x.co IN ('success', 'failure', 'timed_out', 'startup_failure')
     ORDER BY x.created_at DESC, x.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    cur := CASE WHEN latest.co = 'success' THEN 'green' ELSE 'red' END;
    IF prev = '' THEN
        SELECT CASE WHEN y.co = 'success' THEN 'green' ELSE 'red' END INTO prev FROM (
            SELECT ru.id, ru.created_at, coalesce(la.status, ru.status) AS st,
                   coalesce(la.conclusion, ru.conclusion) AS co
              FROM runs ru
              LEFT JOIN LATERAL (SELECT a.status, a.conclusion FROM run_attempts a
                                  WHERE a.run_id = ru.id ORDER BY a.attempt DESC LIMIT 1) la ON true
             WHERE ru.repository_id = r.repository_id AND ru.head_branch = r.head_branch
               AND coalesce(ru.workflow_path, ru.workflow_name, ru.workflow_id::text, '') = r.wf
               AND (ru.created_at, ru.id) < (latest.created_at, latest.id)) y
         WHERE y.st = 'completed' AND y.co IN ('success', 'failure', 'timed_out', 'startup_failure')
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

-- A deployment whose (merged) status turned failure or error; announced
-- once until it recovers.
CREATE FUNCTION notification_deployment(ev events, wanted text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    k text;
BEGIN
    IF NOT 'deployment.failed' = ANY (wanted) THEN
        RETURN;
    END IF;
    SELECT dp.id, dp.status, dp.revision, dp.commit_sha, dp.reason, dp.message, dp.url,
           dp.source, dp.object_kind, dp.object_namespace, dp.object_name, e.name AS environment,
           rp.full_name AS repository
      INTO d
      FROM deployments dp
      JOIN environments e ON e.id = dp.environment_id
      LEFT JOIN repositories rp ON rp.id = dp.repository_id
     WHERE dp.id = ev.entity_id::bigint;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    k := 'deployment:' || d.id;
    IF d.status NOT IN ('failure', 'error') THEN
        DELETE FROM notification_state WHERE key = k;
        RETURN;
    END IF;
    INSERT INTO notification_state (key, value) VALUES (k, d.status) ON CONFLICT (key) DO NOTHING;
    IF NOT FOUND THEN
        RETURN; -- already announced, not recovered since
    END IF;
    PERFORM notification_enqueue('deployment.failed', 'deployment.failed:' || d.id || ':' || ev.id,
        ev.id, 'deployment', d.id::text,
        jsonb_build_object('deployment_id', d.id, 'environment', d.environment,
            'status', d.status, 'revision', d.revision, 'commit', d.commit_sha,
            'repository', d.repository, 'reason', d.reason, 'message', left(d.message, 1000),
            'url', d.url, 'source', d.source,
            'object', CASE WHEN d.object_name IS NULL THEN NULL ELSE
                concat_ws('/', d.object_kind, d.object_namespace, d.object_name) END),
        ev.created_at);
END
$$;

-- The outbox side of every domain event (AFTER INSERT ON events): in the
-- same transaction as the change, so a notification exists exactly when
-- the change committed.  Notifications themselves record no events.
CREATE FUNCTION notification_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted text[];
    eid    bigint;
    d      jsonb;
BEGIN
    IF NEW.kind NOT IN ('rc.created', 'rc.state_changed', 'feedback.created', 'run.updated',
                        'deployment.updated') OR NEW.entity_id !~ '^[0-9]{1,18}$' THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(DISTINCT e), '{}') INTO wanted
      FROM notification_sinks s CROSS JOIN LATERAL unnest(s.events) e
     WHERE s.type IN ('slack', 'webhook');
    IF cardinality(wanted) = 0 THEN
        RETURN NULL;
    END IF;
    eid := NEW.entity_id::bigint;
    IF NEW.kind = 'rc.created' THEN
        IF 'rc.cut' = ANY (wanted) THEN
            d := notification_rc_data(eid);
            IF d IS NOT NULL THEN
                PERFORM notification_enqueue('rc.cut', 'rc.cut:' || eid, NEW.id,
                    'release_candidate', NEW.entity_id, d || jsonb_build_object('source',
                    NEW.payload->>'source', 'actor', NEW.actor), NEW.created_at);
            END IF;
        END IF;
    ELSIF NEW.kind = 'rc.state_changed' THEN
        IF NEW.payload->>'to' = 'released' AND 'rc.released' = ANY (wanted) THEN
            d := notification_rc_data(eid);
            IF d IS NOT NULL THEN
                PERFORM notification_enqueue('rc.released', 'rc.released:' || eid, NEW.id,
                    'release_candidate', NEW.entity_id, d || jsonb_build_object('reason',
                    NEW.payload->>'reason', 'source', NEW.payload->>'source',
                    'actor', NEW.actor), NEW.created_at);
            END IF;
        END IF;
    ELSIF NEW.kind = 'feedback.created' THEN
        SELECT notification_rc_data(f.rc_id) || jsonb_build_object('feedback_id', f.id,
                   'verdict', f.verdict, 'author', f.author, 'team', f.team,
                   'verified', f.verified, 'severity', f.severity, 'area', f.area,
                   'comment', left(f.comment, 1000))
          INTO d FROM feedback f WHERE f.id = eid;
        IF d IS NOT NULL THEN
            IF 'feedback.new' = ANY (wanted) THEN
                PERFORM notification_enqueue('feedback.new', 'feedback.new:' || eid, NEW.id,
                    'feedback', NEW.entity_id, d, NEW.created_at);
            END IF;
            IF d->>'verdict' = 'block' AND 'rc.blocked' = ANY (wanted) THEN
                PERFORM notification_enqueue('rc.blocked', 'rc.blocked:' || eid, NEW.id,
                    'feedback', NEW.entity_id, d, NEW.created_at);
            END IF;
        END IF;
    ELSIF NEW.kind = 'run.updated' THEN
        IF 'main.broken' = ANY (wanted) OR 'main.fixed' = ANY (wanted) THEN
            PERFORM notification_run_health(NEW, wanted);
        END IF;
    ELSIF NEW.kind = 'deployment.updated' THEN
        PERFORM notification_deployment(NEW, wanted);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION notification_on_event();
