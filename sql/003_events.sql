-- 003_events.sql: what the events API adds to 001_core.sql: the reminder
-- planning horizon of each event, the index the window listing of recurring
-- events uses, and the secret feed URLs. Runs as the schema owner.

-- How far ahead mail_outbox holds each event's reminder mail (see
-- src/events/schedule.h). 'infinity': nothing more can become due; the
-- default sends every existing event through the planner once.
ALTER TABLE events
    ADD COLUMN reminders_scheduled_until timestamptz NOT NULL DEFAULT '-infinity';
-- aurora-remind's pass: events whose planned horizon runs out soon. Small,
-- because single events fall out of it once planned.
CREATE INDEX events_reminders_due ON events (reminders_scheduled_until)
    WHERE reminders_scheduled_until <> 'infinity';
-- The recurring half of the window listing: series still running after the
-- window starts, without walking every past single event of the user.
CREATE INDEX events_user_series ON events (user_id, series_end)
    WHERE recurrence <> '{}';

-- A copy of the event's reminder rules (minutes before, in position order)
-- kept by the same statements that write event_reminders, so that the window
-- listing reads them with the row instead of one lookup per row (the
-- lookup cost the listing 40% of its database throughput, bench/events.sh).
ALTER TABLE events
    ADD COLUMN reminder_minutes integer[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(reminder_minutes) <= 5);
UPDATE events e SET reminder_minutes = ARRAY(
    SELECT r.minutes_before FROM event_reminders r
     WHERE r.event_id = e.id ORDER BY r.position)
 WHERE EXISTS (SELECT 1 FROM event_reminders r WHERE r.event_id = e.id);

-- One secret calendar URL per user; only its SHA-256 is kept, so a leaked
-- database does not leak working URLs.
CREATE TABLE event_feeds (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sha256  bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    created_at     timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON event_feeds TO aurora_api;
-- aurora-remind plans reminders (schedule_extend): it reads events and
-- their rules (granted in 001) and moves the horizon column only.
GRANT UPDATE (reminders_scheduled_until) ON events TO aurora_remind;
