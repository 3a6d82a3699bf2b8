-- events-seed.sql: the events benchmark's data, run as the superuser by
-- bench/events.sh (and bench/replica.sh) with psql variables first and
-- users (bench users first to users: 1, the default, and 10000; the scale
-- phase adds users 10001 to 100000), per_user (100) and hash (a password
-- hash every bench user shares). Per user, over 2026: per_user - 4 single
-- events (about eight a month), two endless monthly series, one weekly
-- series of 20 and one endless yearly one, each event with one reminder
-- rule; a month's listing shows about ten items.
--
-- Built for 10,000,000 events (BENCH_SCALE_USERS=100000): one
-- transaction; the secondary indexes of the loaded tables dropped first and
-- built once at the end; the row triggers off (session_replication_role)
-- with their work done set-based here instead -- each event in its user's
-- default calendar, named "<id>.ics", its journal revision, the journal's
-- rows and the calendar's counter -- as the journal triggers of
-- sql/011_calendars.sql and 012 would have left them. The unique indexes
-- (events' key, UID and name per calendar; the reminders' and the
-- journal's keys) stay and are written row by row.
\set ON_ERROR_STOP 1
\if :{?first}
\else
\set first 1
\endif
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';

INSERT INTO users (id, email, email_verified, password_hash, time_zone)
SELECT md5('bench-user-' || i)::uuid, 'bench-' || i || '@bench.test', true,
       :'hash',
       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Ho_Chi_Minh'])[1 + i % 4]
  FROM generate_series(:first, :users) AS i;

BEGIN;
CREATE TEMP TABLE seed_users AS
SELECT i, md5('bench-user-' || i)::uuid AS id, c.id AS cal,
       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Ho_Chi_Minh'])[1 + i % 4] AS tz
  FROM generate_series(:first, :users) AS i
  JOIN calendars c ON c.user_id = md5('bench-user-' || i)::uuid AND c.is_default;

-- Indexes that back no constraint: dropped now, built again at the end.
CREATE TEMP TABLE seed_indexes AS
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'public'
   AND tablename IN ('events', 'event_reminders', 'calendar_changes')
   AND indexname NOT IN (SELECT conname FROM pg_constraint);
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT indexname FROM seed_indexes LOOP
        EXECUTE format('DROP INDEX %I', r.indexname);
    END LOOP;
END $$;

SET LOCAL session_replication_role = replica;

-- Single events: spread over 2026 at quarter-hours between 07:00 and 19:00.
INSERT INTO events (id, user_id, uid, title, description, location, starts_at,
                    ends_at, time_zone, recurrence, series_end,
                    reminders_scheduled_until, reminder_minutes, calendar_id,
                    dav_name, dav_revision)
SELECT g.id, u.id, 'bench-' || u.i || '-' || k || '@bench', 'Meeting ' || k,
       'Agenda for meeting ' || k, 'Room ' || (k % 12),
       s, s + interval '1 hour', u.tz, '{}', s + interval '1 hour', 'infinity',
       '{30}', u.cal, g.id || '.ics', k
  FROM seed_users u
  CROSS JOIN generate_series(1, :per_user - 4) AS k
  CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id,
                             timestamptz '2026-01-01 07:00Z'
                             + ((hashtext(u.i || ':' || k) & 2147483647) % 365) * interval '1 day'
                             + ((hashtext(k || ':' || u.i) & 2147483647) % 48) * interval '15 minutes'
                             AS s) g;

-- Series: two monthly, one weekly of 20, one yearly.
INSERT INTO events (id, user_id, uid, title, starts_at, ends_at, time_zone,
                    recurrence, series_end, reminders_scheduled_until,
                    reminder_minutes, calendar_id, dav_name, dav_revision)
SELECT x.id, x.uid, 'bench-' || x.i || '-r' || x.n || '@bench', x.title,
       timestamptz '2026-01-01 09:00Z' + x.offs, timestamptz '2026-01-01 09:30Z' + x.offs,
       'UTC', ARRAY[x.rule],
       CASE WHEN x.n = 3 THEN timestamptz '2026-01-01 09:30Z' + x.offs + interval '19 weeks'
            ELSE 'infinity' END,
       'infinity', '{30}', x.cal, x.id || '.ics', :per_user - 4 + x.n
  FROM (SELECT gen_random_uuid() AS id, u.id AS uid, u.i, u.cal, r.*
          FROM seed_users u
         CROSS JOIN (VALUES (1, 'Monthly review', 'RRULE:FREQ=MONTHLY', interval '4 days'),
                            (2, 'Monthly planning', 'RRULE:FREQ=MONTHLY;BYDAY=-1FR', interval '29 days'),
                            (3, 'Course', 'RRULE:FREQ=WEEKLY;COUNT=20', interval '60 days'),
                            (4, 'Birthday', 'RRULE:FREQ=YEARLY', interval '100 days'))
               AS r(n, title, rule, offs)) x;

INSERT INTO event_reminders (event_id, position, minutes_before)
SELECT e.id, 0, 30 FROM events e JOIN seed_users u ON u.id = e.user_id;

-- What the journal triggers would have written.
INSERT INTO calendar_changes (calendar_id, dav_name, revision, deleted)
SELECT e.calendar_id, e.dav_name, e.dav_revision, false
  FROM events e JOIN seed_users u ON u.id = e.user_id;
UPDATE calendars c SET revision = :per_user
  FROM seed_users u WHERE c.id = u.cal;

SET LOCAL session_replication_role = DEFAULT;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT indexdef FROM seed_indexes LOOP
        EXECUTE r.indexdef;
    END LOOP;
END $$;
COMMIT;

ANALYZE users;
ANALYZE calendars;
ANALYZE calendar_changes;
ANALYZE events;
ANALYZE event_reminders;
