-- 021_journal_one_setting.sql: the change journal's per-transaction
-- revisions (012) kept in two settings, not in two settings per calendar.
--
-- 012 kept a calendar's last revision of the transaction in a
-- transaction-local setting named after the calendar
-- (aurora_journal.r<id>, and <name>_w once written back). PostgreSQL 15
-- keeps every custom setting name a session has used, sorted, and sorts
-- them all again each time a new one appears: a session that writes to
-- many calendars paid more for every new one, without end. aurora-fetch
-- applying 10,000 feeds spent 1.6 ms per set_config by the end of a
-- round (pg_stat_statements, bench/subscriptions.sh BENCH_PG_STATS=1), and
-- a test session's transaction that touched a new calendar cost 0.3 ms
-- after 1,000 calendars and 1.4 ms after 6,000, against 0.13 ms with one
-- name. An API worker writes to the calendars of every account it serves.
--
-- Now aurora_journal.rev holds ';<calendar id>=<revision>' for each
-- calendar the transaction changed, and aurora_journal.written the same
-- for the revisions already written back to their rows. Both are
-- transaction-local, as before, so a rolled-back savepoint still takes its
-- part with it, and the deferred flush of 012 is unchanged.

-- A calendar's revision in the setting's list, or NULL.
CREATE FUNCTION calendar_journal_get(setting text, cal uuid) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT substring(coalesce(current_setting(setting, true), '')
                     FROM ';' || cal::text || '=([0-9]+)')::bigint
$$;

-- Sets a calendar's revision in the setting's list, for this transaction.
CREATE FUNCTION calendar_journal_put(setting text, cal uuid, r bigint)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m text := coalesce(current_setting(setting, true), '');
    e text := ';' || cal::text || '=';
BEGIN
    IF position(e IN m) > 0 THEN
        m := regexp_replace(m, e || '[0-9]+', e || r::text);
    ELSE
        m := m || e || r::text;
    END IF;
    PERFORM set_config(setting, m, true);
END $$;

CREATE OR REPLACE FUNCTION calendar_journal(cal uuid, nm text, del boolean)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r bigint := calendar_journal_get('aurora_journal.rev', cal);
BEGIN
    IF r IS NULL THEN
        UPDATE calendars SET revision = revision + 1 WHERE id = cal
        RETURNING revision INTO r;
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
    ELSE
        r := r + 1;
    END IF;
    PERFORM calendar_journal_put('aurora_journal.rev', cal, r);
    INSERT INTO calendar_changes (calendar_id, dav_name, revision, deleted)
    VALUES (cal, nm, r, del)
    ON CONFLICT (calendar_id, dav_name) DO UPDATE
        SET revision = EXCLUDED.revision, deleted = EXCLUDED.deleted,
            changed_at = now();
    RETURN r;
END $$;

-- As 018's: the last revision written back to the row once, with the
-- moment (read by reads on a replica).
CREATE OR REPLACE FUNCTION calendar_journal_flush_one(cal uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r bigint := calendar_journal_get('aurora_journal.rev', cal);
BEGIN
    IF r IS NULL OR
       calendar_journal_get('aurora_journal.written', cal) IS NOT DISTINCT FROM r THEN
        RETURN;
    END IF;
    UPDATE calendars SET revision = greatest(revision, r),
                         written_at = clock_timestamp()
     WHERE id = cal;
    PERFORM calendar_journal_put('aurora_journal.written', cal, r);
END $$;

DROP FUNCTION calendar_journal_key(uuid);
