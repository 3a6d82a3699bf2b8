-- 011_calendars.sql: several calendars per account, the change journal that
-- drives CalDAV ETags, getctag and sync tokens, the stored original iCalendar
-- object of each event, and app passwords (issue 14).
--
-- The journal is kept by triggers on events, so every write path (REST, the
-- web app, ICS import, CalDAV, calendar and account deletion) records its
-- change in the same transaction without having to remember to.

CREATE TABLE calendars (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The collection's path segment under the user's calendar home: chosen
    -- by the client for MKCALENDAR, kept exactly (Unicode included).
    dav_name      text NOT NULL CHECK (char_length(dav_name) BETWEEN 1 AND 200
                      AND dav_name !~ '[/[:cntrl:]]' AND dav_name NOT IN ('.', '..')),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    color         text NOT NULL DEFAULT '#3788d8' CHECK (color ~ '^#[0-9a-f]{6}$'),
    description   text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    sort_order    integer NOT NULL DEFAULT 0,
    -- NULL: the account's default reminders apply to new events here.
    default_reminders integer[] CHECK (cardinality(default_reminders) <= 5),
    -- DISPLAY/AUDIO alarms set in apps are mailed too (EMAIL ones always are).
    email_for_app_alarms boolean NOT NULL DEFAULT true,
    is_default    boolean NOT NULL DEFAULT false,
    -- The journal's counter: every change of an event in this calendar takes
    -- the next value (events.dav_revision, calendar_changes.revision).
    revision      bigint NOT NULL DEFAULT 0 CHECK (revision >= 0),
    -- Sync tokens older than this cannot be answered any more (tombstones
    -- pruned): they get valid-sync-token.
    min_revision  bigint NOT NULL DEFAULT 0 CHECK (min_revision >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, dav_name)
);
CREATE UNIQUE INDEX calendars_one_default ON calendars (user_id) WHERE is_default;

-- One row per object name ever seen in a calendar: its last change, and
-- whether that change was a deletion (a tombstone, kept at least 30 days).
CREATE TABLE calendar_changes (
    calendar_id  uuid NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    dav_name     text NOT NULL,
    revision     bigint NOT NULL,
    deleted      boolean NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (calendar_id, dav_name)
);
CREATE INDEX calendar_changes_since ON calendar_changes (calendar_id, revision);

-- Every account has a default calendar; new accounts get one at creation,
-- whichever path creates them (sign-up, external issuer, admin).
INSERT INTO calendars (user_id, dav_name, name, is_default)
SELECT id, 'default', 'Calendar', true FROM users;

CREATE FUNCTION users_default_calendar() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO calendars (user_id, dav_name, name, is_default)
    VALUES (NEW.id, 'default', 'Calendar', true);
    RETURN NULL;
END $$;
CREATE TRIGGER users_default_calendar AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_default_calendar();

-- Events belong to a calendar and are CalDAV resources: a name (the last
-- path segment, kept exactly as the client chose it; "<id>.ics" for events
-- made elsewhere), the object as the app sent it (NULL: made through REST or
-- import, generated on GET), and the journal revision of its last change
-- (its ETag).
ALTER TABLE events
    ADD COLUMN calendar_id  uuid REFERENCES calendars (id) ON DELETE CASCADE,
    ADD COLUMN dav_name     text CHECK (char_length(dav_name) BETWEEN 1 AND 255
                                AND dav_name !~ '[/[:cntrl:]]'),
    ADD COLUMN ical         text CHECK (octet_length(ical) <= 1048576),
    ADD COLUMN dav_revision bigint NOT NULL DEFAULT 0;
UPDATE events e SET calendar_id = c.id, dav_name = e.id::text || '.ics'
  FROM calendars c WHERE c.user_id = e.user_id AND c.is_default;
ALTER TABLE events ALTER COLUMN calendar_id SET NOT NULL,
                   ALTER COLUMN dav_name SET NOT NULL;
-- A UID is unique within a calendar (RFC 4791 no-uid-conflict), not across
-- an account: the same invitation may sit in two calendars.
ALTER TABLE events DROP CONSTRAINT events_user_id_uid_key;
ALTER TABLE events ADD CONSTRAINT events_calendar_uid UNIQUE (calendar_id, uid),
                   ADD CONSTRAINT events_calendar_name UNIQUE (calendar_id, dav_name);
CREATE INDEX events_calendar_window ON events (calendar_id, starts_at);

-- The journal. BEFORE: fills the defaults (the user's default calendar, the
-- name "<id>.ics"), takes the calendar's next revision as the row's ETag and
-- records the change; a move to another calendar or name leaves a tombstone
-- behind. Fires only for the columns a client sees, so aurora-remind moving
-- reminders_scheduled_until changes no ETag.
CREATE FUNCTION events_journal_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.calendar_id IS NULL THEN
        SELECT id INTO NEW.calendar_id FROM calendars
         WHERE user_id = NEW.user_id AND is_default;
    END IF;
    IF NEW.dav_name IS NULL THEN
        NEW.dav_name := NEW.id::text || '.ics';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.calendar_id <> NEW.calendar_id
                             OR OLD.dav_name <> NEW.dav_name) THEN
        PERFORM calendar_journal(OLD.calendar_id, OLD.dav_name, true);
    END IF;
    NEW.dav_revision := calendar_journal(NEW.calendar_id, NEW.dav_name, false);
    RETURN NEW;
END $$;

CREATE FUNCTION events_journal_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM calendar_journal(OLD.calendar_id, OLD.dav_name, true);
    RETURN NULL;
END $$;

-- Takes the calendar's next revision and records (name, revision, deleted).
-- A calendar already gone (its own deletion cascading) records nothing.
CREATE FUNCTION calendar_journal(cal uuid, nm text, del boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r bigint;
BEGIN
    UPDATE calendars SET revision = revision + 1 WHERE id = cal
    RETURNING revision INTO r;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    INSERT INTO calendar_changes (calendar_id, dav_name, revision, deleted)
    VALUES (cal, nm, r, del)
    ON CONFLICT (calendar_id, dav_name) DO UPDATE
        SET revision = EXCLUDED.revision, deleted = EXCLUDED.deleted,
            changed_at = now();
    RETURN r;
END $$;

CREATE TRIGGER events_journal_insert BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_journal_write();
CREATE TRIGGER events_journal_update
    BEFORE UPDATE OF calendar_id, dav_name, ical, uid, title, description,
        location, starts_at, ends_at, time_zone, all_day, recurrence,
        reminder_minutes, version
    ON events FOR EACH ROW EXECUTE FUNCTION events_journal_write();
CREATE TRIGGER events_journal_delete AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_journal_delete();

-- Tombstones older than keep_days go; tokens from before them are answered
-- with valid-sync-token. Run by aurora-remind's pass.
CREATE FUNCTION calendar_prune_changes(keep_days integer) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (
        DELETE FROM calendar_changes
         WHERE deleted AND changed_at < now() - make_interval(days => keep_days)
        RETURNING calendar_id, revision
    ), m AS (
        SELECT calendar_id, max(revision) AS r FROM gone GROUP BY calendar_id
    ), u AS (
        UPDATE calendars c SET min_revision = greatest(c.min_revision, m.r)
          FROM m WHERE c.id = m.calendar_id RETURNING 1
    )
    SELECT count(*) FROM gone;
$$;
REVOKE ALL ON FUNCTION calendar_prune_changes(integer) FROM PUBLIC;

-- App passwords: how calendar apps sign in (HTTP Basic with the account's
-- email). Generated by the server, shown once, kept only as a hash.
CREATE TABLE app_passwords (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- SHA-256 of the generated secret (>= 128 random bits: a slow hash adds
    -- nothing against guessing, and keeps PROPFIND cheap).
    secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX app_passwords_user ON app_passwords (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON calendars, calendar_changes,
    app_passwords TO aurora_api;
-- aurora-remind reads a calendar's alarm setting and prunes tombstones.
GRANT SELECT (id, user_id, email_for_app_alarms) ON calendars TO aurora_remind;
GRANT EXECUTE ON FUNCTION calendar_prune_changes(integer) TO aurora_remind;
