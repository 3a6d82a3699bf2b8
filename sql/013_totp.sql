-- 013_totp.sql: two-step sign-in with an authenticator app (RFC 6238 TOTP;
-- issue 16, docs/identity.md "Two-step sign-in"). Tables of src/auth/totp.c.
-- Runs as the schema owner; aurora_api gets only the rights below,
-- aurora_remind none.

-- One authenticator per user. The 160-bit secret is never stored in the
-- clear: secret_box is nonce (12) || AES-256-GCM ciphertext (20) || tag
-- (16), under a key derived (HKDF-SHA256) from auth_secret.pepper, with the
-- user's id as associated data (a box copied to another user's row does not
-- open). confirmed_at NULL: set up but not confirmed, nothing enforced.
-- last_step: the RFC 6238 time step of the last accepted code; a code of
-- that step or an earlier one is refused (no replay). failures and
-- failed_at: wrong codes at the second step, per account (a right password
-- does not reset them, a right code does).
CREATE TABLE auth_totp (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_box    bytea NOT NULL CHECK (octet_length(secret_box) = 48),
    confirmed_at  timestamptz,
    last_step     bigint NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    failed_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Ten single-use recovery codes per confirmed authenticator (80 random
-- bits each: SHA-256 is enough, as for app passwords); shown once.
CREATE TABLE auth_recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A sign-in that passed the password and waits for the second step. The
-- client holds an opaque 32-byte value; only its SHA-256 is kept. Five
-- minutes to live, and a few guesses (attempts) before it dies.
CREATE TABLE auth_mfa_challenges (
    id_hash     bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_mfa_challenges_user ON auth_mfa_challenges (user_id);
CREATE INDEX auth_mfa_challenges_expiry ON auth_mfa_challenges (expires_at);

-- How the session's user proved who they are (RFC 8176 "amr"): the tokens
-- of every refresh carry the same values as the sign-in's.
ALTER TABLE auth_sessions
    ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}'
    CHECK (amr IN ('{pwd}', '{pwd,otp,mfa}'));

-- Security notices (two-step sign-in turned on or off, and the other
-- account changes of issue 16) are account mail of kind 'security'. They
-- carry no code, so a newer one must not cancel an older unsent one the
-- way a new code supersedes the old (009's trigger).
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('reminder', 'confirm', 'reset', 'security'));
DROP TRIGGER mail_outbox_supersede ON mail_outbox;
CREATE TRIGGER mail_outbox_supersede
    AFTER INSERT ON mail_outbox
    FOR EACH ROW
    WHEN (NEW.kind NOT IN ('reminder', 'security') AND NEW.user_id IS NOT NULL)
    EXECUTE FUNCTION mail_outbox_supersede();

-- aurora_api: enrol, confirm, check, turn off (aurora-admin's mfa-reset
-- connects with the same role). No sequence, no function.
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_totp, auth_recovery_codes,
    auth_mfa_challenges TO aurora_api;
