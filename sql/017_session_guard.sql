-- 017_session_guard.sql: issue 15, "authentication without a round trip".
-- The session check of every request with one of our own access tokens
-- (src/auth/verify.c) runs as the db layer's guard (src/db/db.h): sent in
-- one libpq pipeline ahead of the handler's first statement, in the same
-- implicit transaction. A refusal must abort that statement, so the check
-- raises an error of its own SQLSTATE (AUR01, DB_GUARD_SQLSTATE) rather
-- than returning no row: a disabled account, a token issued before a
-- sign-out everywhere, or a session that ended (signed out, ended from the
-- sessions page, its refresh-token family revoked) or does not exist.
-- It returns the account's address (GET /api/v1/auth/verify sends it on).
-- SECURITY INVOKER: it reads as aurora_api, which already reads users and
-- auth_sessions (002), and it never writes; so no SET search_path either
-- (it would cost a configuration push on every request).
CREATE FUNCTION auth_session_check(p_user uuid, p_session uuid, p_iat bigint)
    RETURNS text
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    u record;
BEGIN
    SELECT email, disabled,
           signed_out_at >= to_timestamp(p_iat + 1) AS signed_out,
           EXISTS (SELECT 1 FROM auth_sessions s
                    WHERE s.id = p_session AND s.user_id = users.id
                      AND s.revoked_at IS NULL) AS live
      INTO u
      FROM users WHERE id = p_user AND issuer = 'local';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such user' USING ERRCODE = 'AUR01';
    ELSIF u.disabled THEN
        RAISE EXCEPTION 'user disabled' USING ERRCODE = 'AUR01';
    ELSIF u.signed_out THEN
        RAISE EXCEPTION 'issued before a global sign-out'
            USING ERRCODE = 'AUR01';
    ELSIF NOT u.live THEN
        RAISE EXCEPTION 'session ended' USING ERRCODE = 'AUR01';
    END IF;
    RETURN u.email;
END
$$;
REVOKE ALL ON FUNCTION auth_session_check(uuid, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_check(uuid, uuid, bigint)
    TO aurora_api;
