-- 007_outbox_retention.sql: mail that reached a final state is deleted once
-- it is outbox_retention_days old (aurora-remind, a batch per pass), so the
-- outbox holds weeks of history instead of growing ~60 rows per user per
-- month forever. Only final states; a reminder's row stays until its
-- occurrence is as old too, so a schedule rebuilt for a moved event can
-- never meet a pruned reminder again (reminders are only planned for
-- occurrences ahead).
-- A plain CREATE INDEX: it holds writers of mail_outbox for as long as it
-- takes (seconds per million rows here); run migrations in a quiet minute.
CREATE INDEX mail_outbox_done ON mail_outbox (updated_at)
    WHERE status IN ('sent', 'failed', 'skipped', 'cancelled');

-- The sender deletes through this function only, never with DELETE rights
-- of its own: it can remove old final mail, not pending or recent mail.
CREATE FUNCTION outbox_prune(days integer, max_rows integer) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM mail_outbox WHERE id IN (
            SELECT id FROM mail_outbox
             WHERE status IN ('sent', 'failed', 'skipped', 'cancelled')
               AND updated_at < now() - make_interval(days => greatest(days, 1))
               AND (occurrence_start IS NULL
                    OR occurrence_start < now() - make_interval(days => greatest(days, 1)))
             ORDER BY updated_at
             LIMIT least(greatest(max_rows, 0), 10000))
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE ALL ON FUNCTION outbox_prune(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_prune(integer, integer) TO aurora_remind;
