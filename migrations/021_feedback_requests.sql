-- 021: asking for feedback on a release candidate (POST
-- /api/v1/release-candidates/{id}/feedback-requests): who asked, when,
-- which teams, the message, and how many sinks the feedback.requested
-- notification went to.  The newest row of an RC is what the flood limit
-- (domain/rc_compare.h: one request per RC every 15 minutes) compares with;
-- requests for one RC take turns on the RC's row lock.
CREATE TABLE feedback_requests (
    id           bigserial PRIMARY KEY,
    rc_id        bigint NOT NULL REFERENCES release_candidates (id),
    requested_at timestamptz NOT NULL,
    requested_by text NOT NULL,
    teams        text[] NOT NULL DEFAULT '{}',
    message      text CHECK (char_length(message) <= 1000),
    notified     integer NOT NULL DEFAULT 0
);
CREATE INDEX feedback_requests_rc ON feedback_requests (rc_id, requested_at DESC);
