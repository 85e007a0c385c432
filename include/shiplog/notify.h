/*
 * notify.h — outbound notifications: Slack-compatible incoming webhooks,
 * generic JSON webhooks signed like Flux's generic-hmac, and GitHub commit
 * statuses, all sent from one database outbox (the `notifications` table,
 * migrations/009_notifications.sql).  Owned by server/notify/.
 *
 * WHAT IS ENQUEUED, AND WHEN.  The outbox row is written in the same
 * transaction as the change that caused it:
 *   - A trigger on `events` (AFTER INSERT) maps domain events to
 *     notifications for every sink subscribed to them:
 *       rc.created                           → rc.cut
 *       rc.state_changed to "released"       → rc.released
 *       feedback.created                     → feedback.new (and rc.blocked
 *                                              when its verdict is block)
 *       run.updated of a completed run on a repository's default branch
 *         that turns its workflow red/green  → main.broken / main.fixed
 *         (the branch-health rule of server/api/repos.c; compared with what
 *         was last announced for that workflow, so re-runs count and late
 *         events of old runs do not)
 *       deployment.updated whose status turned failure or error
 *                                            → deployment.failed (once until
 *                                              it recovers)
 *   - A release manager's POST /api/v1/release-candidates/{id}/feedback-requests
 *     enqueues feedback.requested for every sink subscribed to it, in the
 *     transaction that records the request (db/feedback_requests.c); its
 *     links carry the RC's feedback form (base_url + /feedback/{id}), the
 *     Slack message's main link.
 *   - Readiness is derived (CI, artifacts, soak time, feedback), not a stored
 *     fact, so the sender thread evaluates the open release candidates
 *     whenever new domain events appear (and every 30 s, for soak times) with
 *     db_rc_readiness() and, in the transaction that records what it saw
 *     (notification_rc_watch), enqueues rc.ready when the verdict becomes
 *     "ready" and a github_status message when the commit status to show
 *     changes.  One replica evaluates at a time (advisory lock).
 *
 * SENDING.  One background thread per process claims due messages with
 * `FOR UPDATE SKIP LOCKED` in one short statement that marks them in flight
 * with a lease (2 × timeout_seconds + 5 s) and a claim token, sends them in
 * parallel with libcurl (connect and total timeouts: timeout_seconds) outside
 * any transaction and without holding a database connection, then records
 * each attempt (status code, error, duration) and marks the message sent,
 * schedules the next attempt (base_backoff_seconds × 2^(n-1), at most an
 * hour, with equal jitter: half fixed, half random; a Retry-After answer is
 * honoured), or dead-letters it after max_attempts — at once for a 4xx other
 * than 408 and 429, which retrying cannot fix.  A sender that dies mid-send
 * leaves its messages in flight until the lease ends; another claims them
 * then.  Delivery is at least once: receivers may deduplicate on the
 * X-Shiplog-Delivery header (the message id).  Several replicas never claim
 * one message at the same time.  The database's clock schedules everything
 * (SHIPLOG_NOW does not stop retries).
 *
 * PAYLOADS.
 *   slack:   {"text": summary, "blocks": [section with a link back to the
 *            dashboard (base_url + /release-candidates/{id}, /runs/{id},
 *            /environments/{name}: shiplog/dashboard.h),
 *            context]}
 *   webhook: {"id", "event": kind, "occurred_at", "data": {...},
 *            "links": {...}} with X-Signature: sha256=<hex HMAC-SHA256 of the
 *            body keyed by secret_env> (Flux generic-hmac's scheme)
 *   github_status: POST {api_url}/repos/{owner}/{repo}/statuses/{sha}
 *            {"state", "target_url": base_url + /release-candidates/{id}, "description",
 *            "context"}: pending (the first failed gate's reason, else the
 *            first pending one's), success ("Ready"; "Released" once
 *            released), failure ("Rejected…") — at most 140 characters.
 *            The state and description are computed again AT SEND TIME from
 *            the RC's current readiness: GitHub shows the last status posted
 *            for a context, and a retried or reordered message must never
 *            put an older state back.  A superseded RC gets no more statuses.
 *            A message that would post exactly what shiplog last posted for
 *            the commit and context (github_status_posted), or what an earlier
 *            message of its batch posts, is not sent: it ends 'superseded'.
 */
#ifndef SHIPLOG_NOTIFY_H
#define SHIPLOG_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

struct app;

/* Copies the configured slack/webhook sinks into the database (the
 * `events` trigger enqueues for the sinks found there), before the port
 * opens: an event recorded right after start-up reaches a newly configured
 * sink too.  false (logged) if the database refused. */
bool notify_sync(struct app *app);
/* Starts the sender thread.  false if the thread could not be started. */
bool notify_start(struct app *app);
/* Stops it: transfers in progress are abandoned and their messages put
 * back (not counted as attempts). */
void notify_stop(void);
/* Makes the sender look for due messages now (after a manual retry). */
void notify_wake(void);

/* The delay before attempt `failed + 1` after `failed` failures (>= 1):
 * base × 2^(failed-1), capped at 3600 s, with equal jitter (jitter01 in
 * [0, 1): half the delay fixed, half random). */
double notify_backoff_seconds(double base, int failed, double jitter01);

/* Cuts `s` to at most `max_chars` UTF-8 characters in place, ending with
 * "…" when it was cut. */
void notify_truncate_utf8(char *s, size_t max_chars);

#endif
