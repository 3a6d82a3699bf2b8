-- 004_outbox.sql: what aurora-remind needs beyond 001's mail_outbox: the
-- owner filled in on reminder rows, a wake-up NOTIFY on every insert, and
-- the sender's privileges cut down to the columns it writes. Runs as the
-- schema owner.

-- Reminder rows are listed per user (GET /api/v1/reminders uses the index
-- mail_outbox_user); whoever inserts one may leave user_id out and get the
-- event's owner.
CREATE FUNCTION mail_outbox_fill_user() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    SELECT e.user_id INTO NEW.user_id FROM events e WHERE e.id = NEW.event_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER mail_outbox_fill_user
    BEFORE INSERT ON mail_outbox
    FOR EACH ROW
    WHEN (NEW.kind = 'reminder' AND NEW.user_id IS NULL AND NEW.event_id IS NOT NULL)
    EXECUTE FUNCTION mail_outbox_fill_user();

-- aurora-remind --watch LISTENs on aurora_outbox: any insert wakes it, so a
-- confirmation code goes out within seconds whoever queued it. NOTIFY is
-- transactional and folded per transaction, so bulk inserts cost one.
CREATE FUNCTION mail_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aurora_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER mail_outbox_notify
    AFTER INSERT ON mail_outbox
    FOR EACH STATEMENT
    EXECUTE FUNCTION mail_outbox_notify();

-- 001's mail_outbox_leased (lease_until WHERE status = 'sending') lures the
-- planner: statistics taken while nothing is leased make "status =
-- 'sending'" look like one row, so the sender's per-mail updates (WHERE id
-- = ... AND status = 'sending') walked every leased row, dead ones
-- included, instead of the primary key: quadratic in the batch. An index
-- on lease_until alone serves the one query that needs it (reclaiming
-- expired leases: lease_until < now() implies NOT NULL) and no other.
DROP INDEX mail_outbox_leased;
CREATE INDEX mail_outbox_lease ON mail_outbox (lease_until)
    WHERE lease_until IS NOT NULL;

-- Least privilege for the sender: it reads users, events and reminders,
-- inserts reminder rows (the schedule), and updates only a mail's delivery
-- state, never its recipient or content. It owns nothing and may create
-- nothing (PostgreSQL 15 already keeps CREATE on public from PUBLIC; this
-- says so for clusters upgraded from older versions).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE UPDATE ON mail_outbox FROM aurora_remind;
GRANT UPDATE (status, attempts, lease_until, last_error, provider_id, sent_at,
              due_at, updated_at)
    ON mail_outbox TO aurora_remind;
