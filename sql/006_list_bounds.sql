-- 006_list_bounds.sql: a window listing that reads the window, not the
-- user's history. A short single event (at most 14 days long) is found by
-- its start, in [from - 14 days, to), on events_user_start; recurring and
-- long single events by where their series ends, on events_user_long.
-- Before, the single half read every event the user had started before the
-- window's end (bench/events.sh: 31 rows and 29 heap pages for 7 shown).
-- The 14 days here and in src/events/list.c (LIST_SHORT_SPAN) must agree.
DROP INDEX events_user_series;
CREATE INDEX events_user_long ON events (user_id, series_end)
    WHERE recurrence <> '{}' OR ends_at - starts_at > interval '14 days';
-- Without statistics on the span the planner guesses a third of the table
-- matches the predicate above and walks events_user_start instead.
CREATE STATISTICS events_span ON (ends_at - starts_at) FROM events;
ANALYZE events;
