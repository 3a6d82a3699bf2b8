-- 010_abuse_limits.sql: issue 13 items 8 and 9 (docs/identity.md, "Account
-- mail budget" and "Sign-in throttling and device cookies").
--
-- account_mail_budget: fixed-window counters of requests that make the API
-- mail an address (sign-up, resend, forgot), per client network (IPv4 /24,
-- IPv6 /64) per hour and for the whole service per hour and per day. Kept
-- in PostgreSQL so every worker of every API host draws from one budget.
-- One row per (scope, key, window): a few hundred rows a day; the API
-- deletes rows older than two days as it goes.
CREATE TABLE account_mail_budget (
    scope         text NOT NULL
                  CHECK (scope IN ('network', 'global_hour', 'global_day')),
    key           text NOT NULL CHECK (char_length(key) <= 64),
    window_start  timestamptz NOT NULL,
    n             integer NOT NULL CHECK (n >= 0),
    PRIMARY KEY (scope, key, window_start)
);
CREATE INDEX account_mail_budget_window ON account_mail_budget (window_start);
GRANT SELECT, INSERT, UPDATE, DELETE ON account_mail_budget TO aurora_api;

-- A failed sign-in from a client that presented a valid device token for
-- the account names that device (SHA-256 of the token's nonce): such
-- failures count against the account and the device, not against the
-- client address. NULL: an unknown client. (auth_login_failures is already
-- the API's to read and write.)
ALTER TABLE auth_login_failures
    ADD COLUMN device bytea CHECK (device IS NULL OR octet_length(device) = 32);
CREATE INDEX auth_login_failures_device ON auth_login_failures (device, at)
    WHERE device IS NOT NULL;
