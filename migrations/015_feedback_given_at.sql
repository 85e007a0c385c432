-- 015: when feedback was given, when that is earlier than when it was recorded.
-- Feedback collected outside shiplog (a call with a customer, a chat thread) is
-- entered later; its journey and timeline place it when it was given.  NULL:
-- given when recorded (created_at, which stays the audit time).
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS given_at timestamptz;
COMMENT ON COLUMN feedback.given_at IS
    'when it was given, if earlier than created_at (entered later); NULL = created_at';
