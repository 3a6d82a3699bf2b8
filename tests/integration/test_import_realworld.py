#!/usr/bin/env python3
"""Calendars written by other apps import as they should (issue 17): a
well-formed file is not refused for what RFC 5545 allows or for one event
Aurora cannot use (that event is skipped and reported with its line and
reason), and what imports keeps the file's meaning.

Each case is one small file in tests/data/ics/, written the way Google,
Outlook, Apple and Thunderbird export; each is imported through
POST /api/v1/events/import and the listing is compared with what the file
says. The same files are in the fuzz corpus (tests/fuzz/corpus/ics/)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import TOP, Skip, expect, run_tests  # noqa: E402

try:
    import users  # noqa: E402
except ImportError:
    users = None

EVENTS = "/api/v1/events"
IMPORT = EVENTS + "/import"
JSON_HDR = {"Content-Type": "application/json"}
ICS_HDR = {"Content-Type": "text/calendar"}
MARCH = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"
DATA = os.path.join(TOP, "tests", "data", "ics")


def user(stack):
    if users is None:
        raise Skip("tests/integration/users.py is missing")
    return users.create_user(stack)


def auth(u, extra=None):
    h = {"Authorization": "Bearer " + u["access_token"]}
    h.update(extra or {})
    return h


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def import_file(stack, u, name, counts):
    """Imports tests/data/ics/name: 200 with (imported, updated, skipped) ==
    counts; returns the answer's errors."""
    r = stack.request("POST", IMPORT, read(name), auth(u, ICS_HDR))
    expect(r.status == 200, "%s: %s" % (name, r.describe()))
    got = (r.body["imported"], r.body["updated"], r.body["skipped"])
    expect(got == counts, "%s: counts %r, want %r (errors %r)" % (name, got, counts, r.body["errors"]))
    return r.body["errors"]


def listing(stack, u):
    r = stack.request("GET", "%s?%s" % (EVENTS, MARCH), headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    return r.body["items"]


def starts(items):
    return [(i["title"], i["start"]) for i in items]


def test_empty_text_values(stack):
    """Google writes `LOCATION:`, `DESCRIPTION:` and `SUMMARY:` with nothing
    after the colon; RFC 5545 allows an empty text value."""
    u = user(stack)
    errors = import_file(stack, u, "google-empty-text.ics", (2, 0, 0))
    expect(errors == [], "errors %r" % errors)
    items = listing(stack, u)
    expect(starts(items) == [("Dentist", "2026-03-10T14:00:00Z"), ("(no title)", "2026-03-11T08:00:00Z")],
           "listing %r" % starts(items))
    dentist, badge = items
    expect(not dentist.get("location") and not dentist.get("description"), "empty fields %r" % dentist)
    expect(badge.get("description") == "Bring the badge" and not badge.get("location"), "fields %r" % badge)


def test_two_rrules(stack):
    """Outlook repeats an RRULE: copies of one rule are that rule; an event
    with two different rules is skipped and reported (line, UID, reason),
    the rest of the file imports."""
    u = user(stack)
    errors = import_file(stack, u, "outlook-two-rrules.ics", (2, 0, 1))
    expect(len(errors) == 1, "errors %r" % errors)
    e = errors[0]
    expect(e["line"] == 14 and e["uid"] == "040000008200E00074C5B7101A82E00800000000F0E1D2C3B4A5" and
           "line 20" in e["message"] and "RRULE" in e["message"], "error %r" % e)
    want = [("Weekly review", "2026-03-02T09:00:00Z"), ("One-off", "2026-03-04T15:00:00Z"),
            ("Weekly review", "2026-03-09T09:00:00Z"), ("Weekly review", "2026-03-16T09:00:00Z")]
    expect(starts(listing(stack, u)) == want, "listing %r" % starts(listing(stack, u)))


def test_allday_override_of_timed_series(stack):
    """Thunderbird turns one 10:00 instance of a weekly series into an
    all-day event: its RECURRENCE-ID names the timed instance (the series'
    DTSTART kind) while its DTSTART is a date. The instance leaves the
    series and the all-day event takes its day."""
    u = user(stack)
    errors = import_file(stack, u, "thunderbird-allday-override.ics", (2, 0, 0))
    expect(errors == [], "errors %r" % errors)
    want = [("Team sync", "2026-03-03T10:00:00+01:00"), ("Team offsite", "2026-03-10"),
            ("Team sync", "2026-03-17T10:00:00+01:00"), ("Team sync", "2026-03-24T10:00:00+01:00")]
    expect(starts(listing(stack, u)) == want, "listing %r" % starts(listing(stack, u)))
    # Importing it again updates the same two events.
    import_file(stack, u, "thunderbird-allday-override.ics", (0, 2, 0))
    expect(starts(listing(stack, u)) == want, "listing after re-import %r" % starts(listing(stack, u)))


def test_override_naming_the_other_kind_is_skipped(stack):
    """An override whose RECURRENCE-ID is a date while its series starts at
    a time names no instance of it: that override is skipped and reported
    (line, UID, reason), the series and the rest of the file import."""
    u = user(stack)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n"
           "BEGIN:VEVENT\r\nUID:sync@x\r\nDTSTART:20260303T090000Z\r\nDTEND:20260303T100000Z\r\n"
           "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:sync@x\r\nRECURRENCE-ID;VALUE=DATE:20260310\r\n"
           "DTSTART:20260310T150000Z\r\nDTEND:20260310T160000Z\r\nSUMMARY:Sync (moved)\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and (r.body["imported"], r.body["skipped"]) == (1, 1), "import: %s" % r.describe())
    e = r.body["errors"][0]
    expect(e["line"] == 11 and e["uid"] == "sync@x" and "RECURRENCE-ID" in e["message"], "error %r" % e)
    want = [("Sync", "2026-03-03T09:00:00Z"), ("Sync", "2026-03-10T09:00:00Z")]
    expect(starts(listing(stack, u)) == want, "listing %r" % starts(listing(stack, u)))


def test_byte_order_mark(stack):
    """A UTF-8 byte-order mark before BEGIN:VCALENDAR (Windows)."""
    u = user(stack)
    body = read("outlook-bom.ics")
    expect(body.startswith(b"\xef\xbb\xbfBEGIN:VCALENDAR"), "the file lost its BOM")
    errors = import_file(stack, u, "outlook-bom.ics", (1, 0, 0))
    expect(errors == [], "errors %r" % errors)
    expect(starts(listing(stack, u)) == [("Offsite", "2026-03-16")], "listing %r" % starts(listing(stack, u)))


def test_blank_lines_after_the_calendar(stack):
    """Blank lines, some holding only spaces or a tab, after
    END:VCALENDAR."""
    u = user(stack)
    body = read("apple-trailing-blank-lines.ics")
    expect(body.endswith(b"END:VCALENDAR\r\n\r\n \r\n\r\n\t\r\n"), "the file lost its blank lines")
    errors = import_file(stack, u, "apple-trailing-blank-lines.ics", (1, 0, 0))
    expect(errors == [], "errors %r" % errors)
    expect(starts(listing(stack, u)) == [("Conference", "2026-03-16")], "listing %r" % starts(listing(stack, u)))


def test_duplicate_uid_newest_copy_wins(stack):
    """Two copies of one UID without RECURRENCE-ID: the one with the higher
    SEQUENCE wins wherever it stands (here first); on equal SEQUENCE the
    later LAST-MODIFIED. The older copies are reported, not stored."""
    u = user(stack)
    errors = import_file(stack, u, "google-duplicate-uid.ics", (2, 0, 2))
    got = sorted((e["line"], e["uid"]) for e in errors)
    expect(got == [(13, "lunch-7781@google.com"), (31, "call-9912@google.com")], "errors %r" % errors)
    for e in errors:
        newer = 4 if e["line"] == 13 else 22
        expect("older copy" in e["message"] and "line %d" % newer in e["message"], "error %r" % e)
    want = [("Lunch with Ana (moved)", "2026-03-18T13:00:00Z"), ("Call (newer)", "2026-03-19T08:00:00Z")]
    expect(starts(listing(stack, u)) == want, "listing %r" % starts(listing(stack, u)))


def test_floating_times_in_calendar_zone(stack):
    """Google's export names the calendar's zone in X-WR-TIMEZONE; a
    floating 09:00 is 09:00 there (New York), not in the user's zone (UTC).
    UTC times stay UTC."""
    u = user(stack)
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": "Europe/Berlin"}),
                      auth(u, JSON_HDR))
    expect(r.status == 200, "set the user's zone: %s" % r.describe())
    errors = import_file(stack, u, "google-floating-x-wr-timezone.ics", (2, 0, 0))
    expect(errors == [], "errors %r" % errors)
    items = listing(stack, u)
    expect(starts(items) == [("Standup", "2026-03-10T09:00:00-04:00"), ("UTC call", "2026-03-11T15:00:00Z")],
           "listing %r" % starts(items))
    expect([i["time_zone"] for i in items] == ["America/New_York", "UTC"], "zones %r" % items)


def test_custom_vtimezone_keeps_local_time(stack):
    """A VTIMEZONE under a TZID that is no IANA name (Thunderbird's
    /Europe/CUSTOM, Outlook's MyTimezone): a weekly 20:00 meeting stays at
    20:00 local across the file zone's DST change (the IANA zone that agrees
    with the file's rules), instead of moving an hour with the user's zone."""
    u = user(stack)
    errors = import_file(stack, u, "custom-vtimezones.ics", (2, 0, 0))
    expect(errors == [], "errors %r" % errors)
    r = stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-15T00:00:00Z", headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    want = [("Book club", "2026-03-02T20:00:00-05:00"), ("Book club", "2026-03-09T20:00:00-04:00"),
            ("Book club", "2026-03-16T20:00:00-04:00"), ("Choir", "2026-03-19T20:00:00+01:00"),
            ("Choir", "2026-03-26T20:00:00+01:00"), ("Choir", "2026-04-02T20:00:00+02:00")]
    expect(starts(r.body["items"]) == want, "listing %r" % starts(r.body["items"]))
    zones = {i["title"]: i["time_zone"] for i in r.body["items"]}
    expect("/" in zones["Choir"] and "/" in zones["Book club"] and "UTC" not in zones.values(), "zones %r" % zones)


TESTS = [
    ("empty_text_values", test_empty_text_values),
    ("two_rrules", test_two_rrules),
    ("allday_override_of_timed_series", test_allday_override_of_timed_series),
    ("override_naming_the_other_kind_is_skipped", test_override_naming_the_other_kind_is_skipped),
    ("byte_order_mark", test_byte_order_mark),
    ("blank_lines_after_the_calendar", test_blank_lines_after_the_calendar),
    ("duplicate_uid_newest_copy_wins", test_duplicate_uid_newest_copy_wins),
    ("floating_times_in_calendar_zone", test_floating_times_in_calendar_zone),
    ("custom_vtimezone_keeps_local_time", test_custom_vtimezone_keeps_local_time),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
