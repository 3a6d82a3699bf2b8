-- 014_sessions.sql: issue 16, "Sessions and account changes": what the
-- sessions page shows of each sign-in, the pending change of an account's
-- address, and the removal of accounts never confirmed. Runs as the schema
-- owner; aurora_api already has every right on auth_sessions, auth_codes and
-- users (002, 001), so the new columns need no grant.

-- A session's device, named once at sign-in from its User-Agent ("Firefox
-- on Linux"; src/auth/useragent.c), and the client network it was last
-- used from, masked to /24 or /64 (throttle_network): the page helps a user
-- recognise a sign-in without the table keeping whole addresses.
ALTER TABLE auth_sessions
    ADD COLUMN device_name text NOT NULL DEFAULT ''
               CHECK (char_length(device_name) <= 64),
    ADD COLUMN ip_network  text NOT NULL DEFAULT ''
               CHECK (char_length(ip_network) <= 64);

-- A change of address waits here until the code mailed to the new address
-- comes back (POST /api/v1/me/email/confirm); the old address stays the
-- one that signs in and gets mail until then. The code is an auth_codes
-- row of purpose 'email_change', bound to this value: a new request
-- replaces both in one transaction.
ALTER TABLE users
    ADD COLUMN pending_email text
               CHECK (pending_email IS NULL
                      OR char_length(pending_email) BETWEEN 3 AND 254);

ALTER TABLE auth_codes DROP CONSTRAINT auth_codes_purpose_check;
ALTER TABLE auth_codes ADD CONSTRAINT auth_codes_purpose_check
    CHECK (purpose IN ('confirm', 'reset', 'notice', 'email_change'));

-- Accounts never confirmed are deleted unconfirmed_account_days after
-- sign-up by aurora-remind, with everything they own (mail rows, the
-- default calendar, codes, offers) through the foreign keys' cascades.
-- aurora_remind holds no DELETE right on users: like outbox_prune (007) it
-- goes through this function, which can remove only local accounts that
-- were never confirmed and are older than a day at least.
CREATE INDEX users_unconfirmed ON users (created_at)
    WHERE issuer = 'local' AND NOT email_verified;

CREATE FUNCTION account_purge_unconfirmed(days integer, max_rows integer)
    RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM users WHERE id IN (
            SELECT id FROM users
             WHERE issuer = 'local' AND NOT email_verified
               AND created_at < now() - make_interval(days => greatest(days, 1))
             ORDER BY created_at
             LIMIT least(greatest(max_rows, 0), 1000)
               FOR UPDATE SKIP LOCKED)
           AND NOT email_verified
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE ALL ON FUNCTION account_purge_unconfirmed(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_purge_unconfirmed(integer, integer)
    TO aurora_remind;
