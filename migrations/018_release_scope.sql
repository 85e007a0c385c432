-- 018: the release scope (16, include/shiplog/auth.h): people who run
-- releases cut and move release candidates and change any feedback's status.
-- Tokens may carry it, so the scopes check of 001 widens to five bits.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scopes_check CHECK (scopes > 0 AND scopes < 32);
