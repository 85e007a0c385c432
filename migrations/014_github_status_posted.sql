-- 014: a GitHub commit status is not posted twice in a row.
-- Each queued status message posts the release candidate's status as it is
-- when the message is sent, so messages queued before a change could post the
-- same state one after another.  What shiplog last posted for a commit and
-- context is kept here (written with the 2xx that GitHub answered); a message
-- that would post exactly that again ends 'superseded' instead of being sent.
CREATE TABLE github_status_posted (
    repository      text NOT NULL,
    commit_sha      text NOT NULL,
    context         text NOT NULL,
    state           text NOT NULL,
    description     text NOT NULL,
    target_url      text NOT NULL,
    notification_id bigint,
    posted_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, commit_sha, context)
);

ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('pending', 'in_flight', 'sent', 'dead', 'superseded'));
COMMENT ON COLUMN notifications.status IS
    'pending: due (again) at next_attempt_at; in_flight: claimed by a sender; sent: the sink '
    'answered 2xx; dead: given up (permanent error or attempts used up; retryable by hand); '
    'superseded: not sent, because GitHub already shows the commit status it would post';
