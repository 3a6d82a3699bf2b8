-- 018_replica_reads.sql: when each account last wrote what a streaming
-- replica may serve (issue 15, reads on a replica).
--
-- aurora-api sends the reads of feeds, ICS export and event listings to a
-- replica (db_read_conninfo), except for a user who wrote since the
-- position the replica is known to have replayed: that user reads from the
-- primary, so a write is always seen at once by its author. aurora-api
-- reads the time of the account's last write on the primary, one indexed
-- lookup beside the session check.
--
-- No row of its own: the journal's deferred flush (012) already updates the
-- row of every calendar a transaction changed, once, at commit; it now also
-- stamps that row with the clock at that moment, the closest a trigger gets
-- to the commit. A deleted calendar takes its row (and its events) with it,
-- so its deletion is stamped on the account's row.

ALTER TABLE calendars ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE users ADD COLUMN calendar_deleted_at timestamptz;

CREATE OR REPLACE FUNCTION calendar_journal_flush_one(cal uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    k text := calendar_journal_key(cal);
    r text := nullif(current_setting(k, true), '');
BEGIN
    IF r IS NULL OR current_setting(k || '_w', true) = r THEN
        RETURN;
    END IF;
    UPDATE calendars SET revision = greatest(revision, r::bigint),
                         written_at = clock_timestamp()
     WHERE id = cal;
    PERFORM set_config(k || '_w', r, true);
END $$;

-- SECURITY DEFINER: whoever deletes a calendar (the API role, or an account
-- deletion cascading from a purge by aurora_remind) need not be allowed to
-- update users. When the account itself is being deleted its row is gone
-- already and nothing is updated.
CREATE FUNCTION calendars_deleted_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE users SET calendar_deleted_at = clock_timestamp()
     WHERE id = OLD.user_id;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION calendars_deleted_stamp() FROM PUBLIC;

CREATE TRIGGER calendars_deleted_stamp AFTER DELETE ON calendars
    FOR EACH ROW EXECUTE FUNCTION calendars_deleted_stamp();
