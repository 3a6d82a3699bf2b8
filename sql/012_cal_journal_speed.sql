-- 012_cal_journal_speed.sql: the change journal of 011 without a new
-- version of the calendar's row for every event written (issue 14).
--
-- 011 took each change's revision with UPDATE calendars SET revision =
-- revision + 1. One transaction writing n events of one calendar (an ICS
-- import of 5000 events) left n versions of that row, which nothing can
-- prune before the commit, and every later lookup of the row (the next
-- UPDATE, the foreign-key check of each inserted event) walked them all:
-- quadratic, 7 s of triggers for 5000 events, over the import's budget.
--
-- Now the first change of a calendar in a transaction updates its row once
-- (so writers of one calendar still hold its row lock until they commit,
-- and commit in revision order, which sync tokens rely on); later changes
-- in the same transaction count on in a transaction-local setting; and a
-- deferred trigger writes the last revision back to the row at commit, so
-- calendars.revision is exact for every other transaction. A rolled-back
-- savepoint takes its setting with it, as it takes its UPDATE.

-- The setting holding a calendar's last revision in this transaction.
CREATE FUNCTION calendar_journal_key(cal uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'aurora_journal.r' || replace(cal::text, '-', '')
$$;

CREATE OR REPLACE FUNCTION calendar_journal(cal uuid, nm text, del boolean)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    k text := calendar_journal_key(cal);
    r bigint := nullif(current_setting(k, true), '')::bigint;
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
    PERFORM set_config(k, r::text, true);
    INSERT INTO calendar_changes (calendar_id, dav_name, revision, deleted)
    VALUES (cal, nm, r, del)
    ON CONFLICT (calendar_id, dav_name) DO UPDATE
        SET revision = EXCLUDED.revision, deleted = EXCLUDED.deleted,
            changed_at = now();
    RETURN r;
END $$;

-- Writes a calendar's last revision of this transaction to its row, once
-- (a second setting remembers what was written).
CREATE FUNCTION calendar_journal_flush_one(cal uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    k text := calendar_journal_key(cal);
    r text := nullif(current_setting(k, true), '');
BEGIN
    IF r IS NULL OR current_setting(k || '_w', true) = r THEN
        RETURN;
    END IF;
    UPDATE calendars SET revision = greatest(revision, r::bigint)
     WHERE id = cal;
    PERFORM set_config(k || '_w', r, true);
END $$;

CREATE FUNCTION calendar_journal_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM calendar_journal_flush_one(NEW.calendar_id);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM calendar_journal_flush_one(OLD.calendar_id);
    END IF;
    RETURN NULL;
END $$;

-- The columns of events_journal_update (011): what a client sees.
CREATE CONSTRAINT TRIGGER events_journal_flush
    AFTER INSERT OR DELETE OR UPDATE OF calendar_id, dav_name, ical, uid,
        title, description, location, starts_at, ends_at, time_zone, all_day,
        recurrence, reminder_minutes, version
    ON events DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION calendar_journal_flush();
