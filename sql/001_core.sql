-- 001_core.sql: users, events, their reminder settings, and the mail outbox.
-- Runs as the schema owner (aurora_owner). The roles aurora_api and
-- aurora_remind must exist (docs/deploy.md); they get only the grants below
-- and own nothing.

CREATE TABLE users (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email            text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    email_verified   boolean NOT NULL DEFAULT false,
    name             text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    time_zone        text NOT NULL DEFAULT 'UTC' CHECK (char_length(time_zone) <= 64),
    default_reminders jsonb NOT NULL DEFAULT '[]'::jsonb
                     CHECK (jsonb_typeof(default_reminders) = 'array'),
    -- NULL for users who sign in through an external issuer only.
    password_hash    text,
    -- 'local' for built-in accounts, else the external issuer URL.
    issuer           text NOT NULL DEFAULT 'local',
    -- The issuer's subject for external users (NULL for local ones).
    external_sub     text,
    disabled         boolean NOT NULL DEFAULT false,
    -- Tokens issued before this instant are refused (global sign-out).
    signed_out_at    timestamptz NOT NULL DEFAULT '-infinity',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((issuer = 'local') = (external_sub IS NULL))
);
-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE issuer = 'local';
CREATE UNIQUE INDEX users_external_key ON users (issuer, external_sub)
    WHERE external_sub IS NOT NULL;

CREATE TABLE events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- iCalendar UID: stable across export and re-import.
    uid          text NOT NULL CHECK (char_length(uid) BETWEEN 1 AND 255),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
    location     text NOT NULL DEFAULT '' CHECK (char_length(location) <= 500),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    time_zone    text NOT NULL CHECK (char_length(time_zone) <= 64),
    all_day      boolean NOT NULL DEFAULT false,
    -- RFC 5545 lines: RRULE, RDATE, EXDATE.
    recurrence   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recurrence) <= 102),
    -- End of the last occurrence ('infinity' for an endless series); equal to
    -- ends_at for a single event. Lets a window query skip expansion.
    series_end   timestamptz NOT NULL,
    version      integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (series_end >= ends_at),
    UNIQUE (user_id, uid)
);
-- Window listing: WHERE user_id = $1 AND starts_at < $to AND series_end > $from.
CREATE INDEX events_user_start ON events (user_id, starts_at) INCLUDE (series_end);

CREATE TABLE event_reminders (
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position        smallint NOT NULL CHECK (position BETWEEN 0 AND 4),
    method          text NOT NULL DEFAULT 'email' CHECK (method IN ('email')),
    minutes_before  integer NOT NULL CHECK (minutes_before BETWEEN 0 AND 40320),
    PRIMARY KEY (event_id, position)
);

-- Every mail the service sends: reminders and account codes. A row moves
-- pending -> sending (leased) -> sent, back to pending after a temporary
-- failure, or to failed / skipped / cancelled.
CREATE TABLE mail_outbox (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           uuid REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('reminder', 'confirm', 'reset')),
    -- Reminders: which occurrence and rule; content is rendered at send time.
    event_id          uuid REFERENCES events (id) ON DELETE SET NULL,
    occurrence_start  timestamptz,
    minutes_before    integer CHECK (minutes_before BETWEEN 0 AND 40320),
    -- Account mail: rendered when queued.
    to_addr           text CHECK (char_length(to_addr) <= 254),
    subject           text CHECK (char_length(subject) <= 998),
    body_text         text,
    due_at            timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until       timestamptz,
    last_error        text CHECK (char_length(last_error) <= 1000),
    provider_id       text,
    sent_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'reminder' OR (occurrence_start IS NOT NULL AND minutes_before IS NOT NULL)),
    CHECK (kind = 'reminder' OR (to_addr IS NOT NULL AND subject IS NOT NULL AND body_text IS NOT NULL)),
    CHECK (status <> 'sending' OR lease_until IS NOT NULL)
);
-- One mail per occurrence and rule, however often the schedule is rebuilt.
CREATE UNIQUE INDEX mail_outbox_reminder_key
    ON mail_outbox (event_id, occurrence_start, minutes_before)
    WHERE kind = 'reminder' AND event_id IS NOT NULL;
-- The sender's claim: due pending mail, oldest first; small because sent
-- and failed rows fall out of it.
CREATE INDEX mail_outbox_due ON mail_outbox (due_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_leased ON mail_outbox (lease_until) WHERE status = 'sending';
CREATE INDEX mail_outbox_user ON mail_outbox (user_id, due_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON users, events, event_reminders TO aurora_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON mail_outbox TO aurora_api;
GRANT SELECT ON users, events, event_reminders TO aurora_remind;
GRANT SELECT, INSERT, UPDATE ON mail_outbox TO aurora_remind;
