-- 019_fetch_role.sql: the rights of aurora-fetch (issue 18), the sibling of
-- aurora-remind that fetches the outside calendars accounts subscribe to.
-- Runs as the schema owner. The role aurora_fetch must exist, like
-- aurora_api and aurora_remind (docs/deploy.md: CREATE ROLE aurora_fetch
-- LOGIN); it owns nothing and gets only the grants below.
--
-- What it does: claims due subscriptions and records each fetch's outcome
-- (its own columns of subscriptions, never the URL, the account's
-- settings or the owner); replaces a subscription calendar's events as the
-- store writes them (events, their reminder rules and, when a subscription
-- opts into the account's default reminders, their pending reminder mail,
-- which it may queue and cancel but never read, address or send); the
-- journal triggers on events run as it, so it bumps calendars.revision and
-- writes calendar_changes. It reads of users and calendars only what the
-- defaults of a new event need. It never touches sessions, passwords,
-- feeds, app passwords or mail bodies.

GRANT SELECT (id, user_id, calendar_id, url, etag, last_modified,
              refresh_minutes, reminders, failures, feed_ttl_minutes,
              next_fetch_at, lease_until)
    ON subscriptions TO aurora_fetch;
GRANT UPDATE (status, last_error, failures, last_fetched_at,
              last_success_at, next_fetch_at, etag, last_modified,
              feed_ttl_minutes, lease_until)
    ON subscriptions TO aurora_fetch;

GRANT SELECT (id, time_zone, default_reminders) ON users TO aurora_fetch;
GRANT SELECT (id, user_id, is_default, default_reminders, read_only, revision)
    ON calendars TO aurora_fetch;
GRANT UPDATE (revision) ON calendars TO aurora_fetch;
-- The journal's flush also stamps calendars.written_at where that column
-- exists (018, reads on a replica): the same right as revision.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema()
                 AND table_name = 'calendars' AND column_name = 'written_at')
    THEN
        GRANT UPDATE (written_at) ON calendars TO aurora_fetch;
    END IF;
END
$$;
GRANT SELECT (calendar_id, dav_name, revision, deleted)
    ON calendar_changes TO aurora_fetch;
GRANT INSERT (calendar_id, dav_name, revision, deleted)
    ON calendar_changes TO aurora_fetch;
GRANT UPDATE (revision, deleted, changed_at)
    ON calendar_changes TO aurora_fetch;

GRANT SELECT, INSERT, DELETE ON events TO aurora_fetch;
GRANT UPDATE (title, description, location, starts_at, ends_at, time_zone,
              all_day, recurrence, series_end, reminder_minutes,
              reminders_scheduled_until, calendar_id, uid, dav_name, ical,
              version, updated_at)
    ON events TO aurora_fetch;
GRANT SELECT, INSERT, UPDATE, DELETE ON event_reminders TO aurora_fetch;

-- Reminder mail only: without INSERT on to_addr, subject and body_text it
-- cannot write an account mail (001's CHECK wants all three), and it never
-- reads a body.
GRANT SELECT (id, user_id, kind, event_id, occurrence_start, minutes_before,
              due_at, status, attempts)
    ON mail_outbox TO aurora_fetch;
GRANT INSERT (user_id, kind, event_id, occurrence_start, minutes_before,
              due_at)
    ON mail_outbox TO aurora_fetch;
GRANT UPDATE (status, due_at, attempts, last_error, updated_at)
    ON mail_outbox TO aurora_fetch;
