-- 009_least_privilege.sql: issue 13, items 5 (the outbox half) and 7.
-- Codes leave the outbox with their mail, and each role keeps only the
-- columns and rows its statements use (docs/reminders.md, "Who may read
-- and write the outbox"). Runs as the schema owner.

-- Account mail (kind 'confirm' or 'reset': confirmation codes, reset codes,
-- sign-up notices) is rendered when queued, so body_text holds the code
-- until the sender has handed it on. In any final state the body is
-- useless and is blanked by the statement that sets the state, whoever
-- runs it (the sender's fenced updates, a lease reclaim, the cancellation
-- below, a row inserted already final). A BEFORE trigger changes the row
-- it writes without needing any right on body_text. The subject stays:
-- it never carries the code.
CREATE FUNCTION mail_outbox_forget_body() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.body_text := '';
    RETURN NEW;
END
$$;
CREATE TRIGGER mail_outbox_forget_body
    BEFORE INSERT OR UPDATE ON mail_outbox
    FOR EACH ROW
    WHEN (NEW.kind <> 'reminder'
          AND NEW.status IN ('sent', 'failed', 'skipped', 'cancelled')
          AND NEW.body_text <> '')
    EXECUTE FUNCTION mail_outbox_forget_body();

-- Rows that reached a final state before this migration.
UPDATE mail_outbox SET body_text = ''
 WHERE kind <> 'reminder'
   AND status IN ('sent', 'failed', 'skipped', 'cancelled')
   AND body_text <> '';

-- A new account mail supersedes the same user's older unsent ones of the
-- same kind: a new code replaces the old one in auth_codes, so the old
-- mail would only deliver a dead code, and cancelling it blanks its body
-- (above). A mail already leased to a sender ('sending') is left to finish.
-- SECURITY DEFINER: the API, which queues account mail, needs no right to
-- cancel rows it cannot read.
CREATE FUNCTION mail_outbox_supersede() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE mail_outbox
       SET status = 'cancelled', lease_until = NULL, updated_at = now(),
           last_error = 'superseded by a newer mail of the same kind'
     WHERE user_id = NEW.user_id AND kind = NEW.kind
       AND status = 'pending' AND id < NEW.id;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION mail_outbox_supersede() FROM PUBLIC;
CREATE TRIGGER mail_outbox_supersede
    AFTER INSERT ON mail_outbox
    FOR EACH ROW
    WHEN (NEW.kind <> 'reminder' AND NEW.user_id IS NOT NULL)
    EXECUTE FUNCTION mail_outbox_supersede();

-- aurora_api and mail_outbox. It queues account mail and plans reminders
-- (INSERT, with ON CONFLICT ... DO UPDATE for a schedule rebuilt), cancels
-- pending reminders, lists a user's reminders and counts the queue for
-- /metrics. It never reads a body back (it wrote it), never deletes (rows
-- go with their user or event through foreign keys, run as the owner), and
-- never writes delivery results. (Revoking a table right takes the column
-- rights with it, so the grants come after.)
REVOKE ALL ON mail_outbox FROM aurora_api;
GRANT SELECT (id, user_id, kind, event_id, occurrence_start, minutes_before,
              to_addr, subject, due_at, status, attempts, lease_until,
              last_error, provider_id, sent_at, created_at, updated_at)
    ON mail_outbox TO aurora_api;
GRANT INSERT (user_id, kind, event_id, occurrence_start, minutes_before,
              to_addr, subject, body_text, due_at)
    ON mail_outbox TO aurora_api;
GRANT UPDATE (status, due_at, attempts, last_error, updated_at)
    ON mail_outbox TO aurora_api;

-- aurora_remind. Of users it reads what a reminder needs: the owner's
-- address, whether it is confirmed or disabled, and the time zone to write
-- the time in; never password hashes, issuers or sign-out times.
REVOKE ALL ON users FROM aurora_remind;
GRANT SELECT (id, email, email_verified, disabled, time_zone)
    ON users TO aurora_remind;
-- It inserts reminder rows only (the schedule it extends): without INSERT
-- on to_addr, subject and body_text it cannot write an account mail, which
-- 001's CHECK requires all three for. Its UPDATE columns stay as 004 left
-- them (delivery state only), and it deletes only through outbox_prune().
REVOKE INSERT ON mail_outbox FROM aurora_remind;
GRANT INSERT (user_id, kind, event_id, occurrence_start, minutes_before,
              due_at)
    ON mail_outbox TO aurora_remind;
