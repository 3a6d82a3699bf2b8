-- 008_signup_offers.sql: sign-up offers and the daily guess budget of codes
-- (issue 13, items 2 and 5).
--
-- A sign-up with an unconfirmed address no longer replaces its password: it
-- counts as one more offer. The password that counts is the one the code's
-- reader sends with POST /api/v1/auth/confirm; without one, confirmation
-- works only while a single password was ever offered. The row lives while
-- the account is unconfirmed and goes at confirmation (or a reset).
CREATE TABLE auth_signup_offers (
    user_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    offers    integer NOT NULL DEFAULT 1 CHECK (offers >= 1),
    first_at  timestamptz NOT NULL DEFAULT now(),
    last_at   timestamptz NOT NULL DEFAULT now()
);

-- Accounts left unconfirmed by the old code may hold the password of the
-- latest of any number of sign-ups: nobody can tell whose, so their
-- confirmation asks for the password like after competing sign-ups.
INSERT INTO auth_signup_offers (user_id, offers)
SELECT id, 2 FROM users
 WHERE issuer = 'local' AND NOT email_verified;

-- Wrong code guesses per user and purpose in a 24-hour window that starts
-- with the first wrong guess. Unlike attempts (per code), a new code does
-- not reset them: ACCOUNT_CODE_GUESSES (src/auth/account.h) a day in all.
ALTER TABLE auth_codes
    ADD COLUMN guesses integer NOT NULL DEFAULT 0 CHECK (guesses >= 0),
    ADD COLUMN guess_window_start timestamptz NOT NULL DEFAULT now();

-- auth_codes keeps the rights 002 gave aurora_api; the new table gets only
-- what sign-up and confirmation use. aurora_remind gets nothing.
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_signup_offers TO aurora_api;
