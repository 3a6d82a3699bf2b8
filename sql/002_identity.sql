-- 002_identity.sql: sign-in sessions (refresh-token families), one-time
-- codes, failed sign-in records and the secret behind decoy ids. Runs as the
-- schema owner; aurora_api gets only the rights below, aurora_remind none.

-- A session is one sign-in: the family of refresh tokens that rotation
-- hands out from it. Access tokens name their session (origin_jti), so
-- revoking a session ends its access tokens too.
CREATE TABLE auth_sessions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time      timestamptz NOT NULL DEFAULT now(),
    -- Absolute end: rotation never extends it (refresh_token_ttl).
    expires_at     timestamptz NOT NULL,
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN
                   ('logout', 'logout_all', 'reuse', 'reset', 'disabled', 'limit')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);

-- Refresh tokens are 32 random bytes; only their SHA-256 is kept. A rotated
-- token keeps its row (used_at set) so that presenting it again is seen as
-- reuse and ends the whole session.
CREATE TABLE auth_refresh_tokens (
    token_hash  bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    session_id  uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz
);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);

-- One live code per user and purpose ('notice' rows carry no code: they
-- only count the "someone signed up with your address" mails). sends and
-- window_start cap the mails a user can be sent in 24 hours.
CREATE TABLE auth_codes (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       text NOT NULL CHECK (purpose IN ('confirm', 'reset', 'notice')),
    code_hash     bytea CHECK (octet_length(code_hash) = 32),
    expires_at    timestamptz NOT NULL,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    sends         integer NOT NULL DEFAULT 1 CHECK (sends >= 0),
    window_start  timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, purpose)
);

-- Failed sign-ins, by SHA-256 of the lower-cased address (known or not, so
-- the table cannot tell which accounts exist) and by client address.
CREATE TABLE auth_login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_hash  bytea NOT NULL CHECK (octet_length(email_hash) = 32),
    addr        text NOT NULL CHECK (char_length(addr) <= 64),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_login_failures_email ON auth_login_failures (email_hash, at);
CREATE INDEX auth_login_failures_addr ON auth_login_failures (addr, at);
CREATE INDEX auth_login_failures_at ON auth_login_failures (at);

-- A random secret, made here once: signing up with an address that has a
-- confirmed account answers a stable decoy id derived from it.
CREATE TABLE auth_secret (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    pepper  bytea NOT NULL CHECK (octet_length(pepper) = 32)
);
INSERT INTO auth_secret (pepper)
SELECT sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                         || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8'));

GRANT SELECT, INSERT, UPDATE, DELETE ON auth_sessions, auth_refresh_tokens,
    auth_codes, auth_login_failures TO aurora_api;
GRANT SELECT ON auth_secret TO aurora_api;
