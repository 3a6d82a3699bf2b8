-- events-seed.sql: the events benchmark's data, run as the superuser by
-- bench/events.sh with psql variables users (10000), per_user (100) and
-- hash (a password hash every bench user shares). Per user, over 2026:
-- per_user - 4 single events (about eight a month), two endless monthly
-- series, one weekly series of 20 and one endless yearly one, each event
-- with one reminder rule; a month's listing shows about ten items.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;

INSERT INTO users (id, email, email_verified, password_hash, time_zone)
SELECT md5('bench-user-' || i)::uuid, 'bench-' || i || '@bench.test', true,
       :'hash',
       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Ho_Chi_Minh'])[1 + i % 4]
  FROM generate_series(1, :users) AS i;

-- Single events: spread over 2026 at quarter-hours between 07:00 and 19:00.
INSERT INTO events (user_id, uid, title, description, location, starts_at,
                    ends_at, time_zone, recurrence, series_end,
                    reminders_scheduled_until, reminder_minutes)
SELECT u.id, 'bench-' || u.i || '-' || k || '@bench', 'Meeting ' || k,
       'Agenda for meeting ' || k, 'Room ' || (k % 12),
       s, s + interval '1 hour', u.tz, '{}', s + interval '1 hour', 'infinity',
       '{30}'
  FROM (SELECT md5('bench-user-' || i)::uuid AS id, i,
               (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Ho_Chi_Minh'])[1 + i % 4] AS tz
          FROM generate_series(1, :users) AS i) u
  CROSS JOIN generate_series(1, :per_user - 4) AS k
  CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 07:00Z'
                             + ((hashtext(u.i || ':' || k) & 2147483647) % 365) * interval '1 day'
                             + ((hashtext(k || ':' || u.i) & 2147483647) % 48) * interval '15 minutes'
                             AS s) t;

-- Series: two monthly, one weekly of 20, one yearly.
INSERT INTO events (user_id, uid, title, starts_at, ends_at, time_zone,
                    recurrence, series_end, reminders_scheduled_until,
                    reminder_minutes)
SELECT u.id, 'bench-' || u.i || '-r' || r.n || '@bench', r.title,
       timestamptz '2026-01-01 09:00Z' + r.offs, timestamptz '2026-01-01 09:30Z' + r.offs,
       'UTC', ARRAY[r.rule], 
       CASE WHEN r.n = 3 THEN timestamptz '2026-01-01 09:30Z' + r.offs + interval '19 weeks'
            ELSE 'infinity' END,
       'infinity', '{30}'
  FROM (SELECT md5('bench-user-' || i)::uuid AS id, i FROM generate_series(1, :users) AS i) u
  CROSS JOIN (VALUES (1, 'Monthly review', 'RRULE:FREQ=MONTHLY', interval '4 days'),
                     (2, 'Monthly planning', 'RRULE:FREQ=MONTHLY;BYDAY=-1FR', interval '29 days'),
                     (3, 'Course', 'RRULE:FREQ=WEEKLY;COUNT=20', interval '60 days'),
                     (4, 'Birthday', 'RRULE:FREQ=YEARLY', interval '100 days'))
       AS r(n, title, rule, offs);

INSERT INTO event_reminders (event_id, position, minutes_before)
SELECT id, 0, 30 FROM events WHERE uid LIKE 'bench-%';

ANALYZE users;
ANALYZE events;
ANALYZE event_reminders;
