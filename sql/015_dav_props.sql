-- 015_dav_props.sql: a calendar's dead properties (issue 14, RFC 4918
-- section 4.1): what CalDAV clients PROPPATCH or send with MKCALENDAR that
-- Aurora does not model (Apple's calendar-enabled and default alarms,
-- calendar-timezone, ...), kept and given back as they were written.
--
-- One JSON object per calendar: "{namespace}local-name" -> the property's
-- element as XML text (self-contained: its namespace declarations on it).
-- The events domain (events/calendar.c) owns the column and holds it to
-- 32 properties of at most 4 KiB each, 64 KiB in all; the CHECK is a
-- backstop above that.
ALTER TABLE calendars
    ADD COLUMN dav_props jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(dav_props) = 'object'
               AND octet_length(dav_props::text) <= 262144);
