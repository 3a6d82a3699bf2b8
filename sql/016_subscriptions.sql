-- 016_subscriptions.sql: calendars that follow an outside iCalendar feed
-- (issue 18). A subscription owns one read-only calendar; its events are
-- written only by the fetcher (aurora-remind's fetch pass), never by the
-- account's own REST, web or CalDAV writes.

-- A read-only calendar refuses every write from the account (403); the
-- subscription that fills it is named by subscriptions.calendar_id.
ALTER TABLE calendars ADD COLUMN read_only boolean NOT NULL DEFAULT false;

CREATE TABLE subscriptions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Deleting the calendar (REST or CalDAV) ends the subscription too.
    calendar_id     uuid NOT NULL UNIQUE REFERENCES calendars (id) ON DELETE CASCADE,
    -- As the user gave it, after webcal:// became https:// (http or https only).
    url             text NOT NULL CHECK (octet_length(url) BETWEEN 8 AND 2048
                        AND url ~ '^https?://'),
    refresh_minutes integer NOT NULL DEFAULT 60
                        CHECK (refresh_minutes BETWEEN 15 AND 10080),
    -- The account's default reminders apply to the feed's events (its own
    -- VALARMs never do: a feed never makes Aurora send mail on its own).
    reminders       boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'ok', 'error', 'gone')),
    last_error      text CHECK (char_length(last_error) <= 500),
    last_fetched_at timestamptz,
    last_success_at timestamptz,
    next_fetch_at   timestamptz NOT NULL DEFAULT now(),
    -- Validators of the last good answer, sent back as If-None-Match and
    -- If-Modified-Since.
    etag            text CHECK (octet_length(etag) <= 512),
    last_modified   text CHECK (octet_length(last_modified) <= 100),
    -- Consecutive failures: the back-off doubles with each, up to a day.
    failures        integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    -- REFRESH-INTERVAL / X-PUBLISHED-TTL of the last good file, in minutes.
    feed_ttl_minutes integer CHECK (feed_ttl_minutes > 0),
    -- A fetcher holds the row until then (a crashed fetcher's lease expires).
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_user ON subscriptions (user_id, created_at);
CREATE INDEX subscriptions_due ON subscriptions (next_fetch_at);

-- The account manages its subscriptions through aurora-api (the fetcher's
-- role and grants follow below, with the fetcher).
GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions TO aurora_api;
