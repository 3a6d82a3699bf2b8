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
from stack import TOP, Skip, check_json_error, expect, run_tests  # noqa: E402

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


# --- one event Aurora cannot use is skipped, not the file (issue 17) ---

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n"          # lines 1-3
GOOD = ("BEGIN:VEVENT\r\nUID:good-%d@x\r\nDTSTART:2026030%dT090000Z\r\n"       # 6 lines
        "DTEND:2026030%dT100000Z\r\nSUMMARY:Good %d\r\nEND:VEVENT\r\n")


def with_bad_event(body):
    """A file: a good event (lines 4-9), the bad one (BEGIN:VEVENT at line
    10, UID at 11, body from line 12), another good event."""
    return (HEAD + GOOD % (1, 2, 2, 1) + "BEGIN:VEVENT\r\nUID:bad@x\r\n" +
            "".join(l + "\r\n" for l in body) + "SUMMARY:Bad\r\nEND:VEVENT\r\n" +
            GOOD % (2, 4, 4, 2) + "END:VCALENDAR\r\n")


# (name, the bad event's lines from line 12, the line its reason names,
# a word of the reason). Each refused the whole file (422) before.
UNUSABLE = [
    ("unknown_tzid", ["DTSTART;TZID=Mars/Olympus_Mons:20260310T090000",
                      "DTEND;TZID=Mars/Olympus_Mons:20260310T100000"], 12, "time zone"),
    ("impossible_date", ["DTSTART:20260230T090000Z"], 12, "DTSTART"),
    ("unreadable_dtstart", ["DTSTART:2026030"], 12, "DTSTART"),
    ("no_dtstart", ["DTEND:20260310T100000Z"], 10, "DTSTART"),
    ("dtend_of_other_kind", ["DTSTART:20260310T090000Z", "DTEND;VALUE=DATE:20260311"], 13, "DTEND"),
    ("dtend_unknown_tzid", ["DTSTART:20260310T090000Z", "DTEND;TZID=Nowhere/Town:20260310T100000"],
     13, "time zone"),
    ("negative_duration", ["DTSTART:20260310T090000Z", "DURATION:-PT1H"], 13, "DURATION"),
    ("unreadable_duration", ["DTSTART:20260310T090000Z", "DURATION:an hour"], 13, "DURATION"),
    ("unreadable_rrule", ["DTSTART:20260310T090000Z", "RRULE:FREQ=SOMETIMES"], 13, "RRULE"),
    ("impossible_exdate", ["DTSTART:20260310T090000Z", "RRULE:FREQ=WEEKLY;COUNT=3",
                           "EXDATE:20260231T090000Z"], 14, "EXDATE"),
    ("exdate_unknown_tzid", ["DTSTART:20260310T090000Z", "RRULE:FREQ=WEEKLY;COUNT=3",
                             "EXDATE;TZID=Nowhere/Town:20260317T090000"], 14, "time zone"),
    ("rdate_not_a_date", ["DTSTART:20260310T090000Z", "RDATE:next tuesday"], 13, "RDATE"),
    ("rid_impossible", ["RECURRENCE-ID:20260231T090000Z", "DTSTART:20260310T150000Z"], 12,
     "RECURRENCE-ID"),
    ("rid_unknown_tzid", ["RECURRENCE-ID;TZID=Nowhere/Town:20260310T090000",
                          "DTSTART:20260310T150000Z"], 12, "time zone"),
    ("unreadable_trigger", ["DTSTART:20260310T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY",
                            "TRIGGER:soon", "END:VALARM"], 15, "TRIGGER"),
]


def unusable_test(body, line, word):
    def test(stack):
        u = user(stack)
        r = stack.request("POST", IMPORT, with_bad_event(body), auth(u, ICS_HDR))
        expect(r.status == 200, "import: %s" % r.describe())
        got = (r.body["imported"], r.body["updated"], r.body["skipped"])
        expect(got == (2, 0, 1), "counts %r (errors %r)" % (got, r.body["errors"]))
        expect(len(r.body["errors"]) == 1, "errors %r" % r.body["errors"])
        e = r.body["errors"][0]
        expect(e["line"] == 10 and e["uid"] == "bad@x", "error %r" % e)
        expect(e["message"].startswith("line %d: " % line) and word in e["message"], "error %r" % e)
        expect(starts(listing(stack, u)) == [("Good 1", "2026-03-02T09:00:00Z"),
                                             ("Good 2", "2026-03-04T09:00:00Z")],
               "listing %r" % starts(listing(stack, u)))
    return test


def test_override_with_unusable_rid(stack):
    """An override whose RECURRENCE-ID names an unknown zone is skipped
    and reported; its series imports whole (no instance taken out), and
    the override does not pass for a copy of the series."""
    u = user(stack)
    ics = (HEAD + "BEGIN:VEVENT\r\nUID:sync@x\r\nDTSTART:20260303T090000Z\r\nDTEND:20260303T100000Z\r\n"
           "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:sync@x\r\nSEQUENCE:5\r\nRECURRENCE-ID;TZID=Nowhere/Town:20260310T090000\r\n"
           "DTSTART:20260310T150000Z\r\nDTEND:20260310T160000Z\r\nSUMMARY:Sync (moved)\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and (r.body["imported"], r.body["skipped"]) == (1, 1), "import: %s" % r.describe())
    e = r.body["errors"][0]
    expect(e["line"] == 11 and e["uid"] == "sync@x" and e["message"].startswith("line 14: ") and
           "time zone" in e["message"], "error %r" % e)
    want = [("Sync", "2026-03-03T09:00:00Z"), ("Sync", "2026-03-10T09:00:00Z")]
    expect(starts(listing(stack, u)) == want, "listing %r" % starts(listing(stack, u)))


def test_broken_files_still_refused_whole(stack):
    """What is not well-formed iCalendar is refused whole (422 naming the
    line), nothing stored: a line that is not a content line, a
    continuation line after nothing, END that does not match."""
    u = user(stack)
    ev = "BEGIN:VEVENT\r\nUID:a@x\r\nDTSTART:20260310T090000Z\r\n"
    cases = [
        (HEAD + ev + "this is not a content line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 7),
        (" folded onto nothing\r\n" + HEAD + ev + "END:VEVENT\r\nEND:VCALENDAR\r\n", 1),
        (HEAD + ev + "END:VTODO\r\nEND:VCALENDAR\r\n", 7),
        (HEAD + ev + "END:VEVENT\r\n", 7),
    ]
    for body, line in cases:
        r = stack.request("POST", IMPORT, body, auth(u, ICS_HDR))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("line") == line, "line of %r: %s" % (body, r.describe()))
    r = stack.request("GET", "%s?%s" % (EVENTS, MARCH), headers=auth(u))
    expect(r.status == 200 and r.body["items"] == [], "something was stored: %s" % r.describe())


# --- which copy of one UID wins (issue 17) ---

def copies(*evs):
    """A file of copies of one UID: each (summary, start hour, extra lines)."""
    out = HEAD
    for summary, hour, extra in evs:
        out += ("BEGIN:VEVENT\r\nUID:copy@x\r\nDTSTART:20260310T%02d0000Z\r\nDTEND:20260310T%02d3000Z\r\n"
                % (hour, hour) + "".join(l + "\r\n" for l in extra) + "SUMMARY:%s\r\nEND:VEVENT\r\n" % summary)
    return out + "END:VCALENDAR\r\n"


def winner(stack, body):
    u = user(stack)
    r = stack.request("POST", IMPORT, body, auth(u, ICS_HDR))
    expect(r.status == 200, "import: %s" % r.describe())
    expect((r.body["imported"], r.body["skipped"]) == (1, 1), "counts %r" % r.body)
    items = listing(stack, u)
    expect(len(items) == 1, "listing %r" % starts(items))
    return items[0]["title"]


def test_copies_sequence_first(stack):
    """The higher SEQUENCE wins over a later LAST-MODIFIED and a later place."""
    body = copies(("seq 3", 9, ["SEQUENCE:3", "LAST-MODIFIED:20260101T000000Z"]),
                  ("seq 2", 10, ["SEQUENCE:2", "LAST-MODIFIED:20260301T000000Z"]))
    expect(winner(stack, body) == "seq 3", "the lower SEQUENCE won")


def test_copies_last_modified_before_dtstamp(stack):
    """Equal SEQUENCE: LAST-MODIFIED decides before DTSTAMP. A copy with a
    LAST-MODIFIED beats one without, whatever their DTSTAMPs."""
    body = copies(("modified", 9, ["LAST-MODIFIED:20260201T000000Z", "DTSTAMP:20260201T000000Z"]),
                  ("stamped later", 10, ["DTSTAMP:20260305T000000Z"]))
    expect(winner(stack, body) == "modified", "DTSTAMP beat LAST-MODIFIED")
    body = copies(("older", 9, ["LAST-MODIFIED:20260201T000000Z", "DTSTAMP:20260305T000000Z"]),
                  ("newer", 10, ["LAST-MODIFIED:20260202T000000Z", "DTSTAMP:20260201T000000Z"]))
    expect(winner(stack, body) == "newer", "the earlier LAST-MODIFIED won")


def test_copies_dtstamp_breaks_a_tie(stack):
    """Equal SEQUENCE and LAST-MODIFIED: the later DTSTAMP wins, even
    earlier in the file."""
    body = copies(("stamped later", 9, ["LAST-MODIFIED:20260201T000000Z", "DTSTAMP:20260305T000000Z"]),
                  ("stamped earlier", 10, ["LAST-MODIFIED:20260201T000000Z", "DTSTAMP:20260301T000000Z"]))
    expect(winner(stack, body) == "stamped later", "DTSTAMP was not read")


def test_copies_last_in_file(stack):
    """Nothing else tells them apart: the later in the file."""
    body = copies(("first", 9, ["DTSTAMP:20260301T000000Z"]), ("second", 10, ["DTSTAMP:20260301T000000Z"]))
    expect(winner(stack, body) == "second", "the first copy won")


# --- floating times and X-WR-TIMEZONE (issue 17) ---

def set_zone(stack, u, zone):
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": zone}), auth(u, JSON_HDR))
    expect(r.status == 200, "set the user's zone: %s" % r.describe())


def test_floating_series_keeps_calendar_local_time(stack):
    """A floating weekly 09:00 under X-WR-TIMEZONE:America/New_York stays
    09:00 New York across New York's DST change (2026-03-08), for a user in
    Berlin (whose change is 2026-03-29); a TZID'd time keeps its own zone,
    a date (all-day) the user's zone; a second VCALENDAR without
    X-WR-TIMEZONE reads its floating times in the user's zone."""
    u = user(stack)
    set_zone(stack, u, "Europe/Berlin")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
           "X-WR-TIMEZONE:America/New_York\r\n"
           "BEGIN:VEVENT\r\nUID:f1@x\r\nDTSTART:20260302T090000\r\nDTEND:20260302T093000\r\n"
           "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:f2@x\r\nDTSTART;TZID=Asia/Tokyo:20260303T090000\r\n"
           "DTEND;TZID=Asia/Tokyo:20260303T100000\r\nSUMMARY:Tokyo\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:f3@x\r\nDTSTART;VALUE=DATE:20260320\r\nSUMMARY:Day\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n"
           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n"
           "BEGIN:VEVENT\r\nUID:f4@x\r\nDTSTART:20260305T090000\r\nDTEND:20260305T100000\r\n"
           "SUMMARY:Floating here\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 4, "import: %s" % r.describe())
    items = listing(stack, u)
    want = [("Floating", "2026-03-02T09:00:00-05:00"), ("Tokyo", "2026-03-03T09:00:00+09:00"),
            ("Floating here", "2026-03-05T09:00:00+01:00"), ("Floating", "2026-03-09T09:00:00-04:00"),
            ("Floating", "2026-03-16T09:00:00-04:00"), ("Day", "2026-03-20")]
    expect(starts(items) == want, "listing %r" % starts(items))
    zones = {i["title"]: i["time_zone"] for i in items}
    expect(zones == {"Floating": "America/New_York", "Tokyo": "Asia/Tokyo", "Day": "Europe/Berlin",
                     "Floating here": "Europe/Berlin"}, "zones %r" % zones)


def test_floating_unknown_calendar_zone(stack):
    """An X-WR-TIMEZONE that names no zone known here is ignored: floating
    times are the user's."""
    u = user(stack)
    set_zone(stack, u, "Europe/Berlin")
    ics = (HEAD.replace("VERSION:2.0\r\n", "VERSION:2.0\r\nX-WR-TIMEZONE:Atlantis/Capital\r\n") +
           "BEGIN:VEVENT\r\nUID:f@x\r\nDTSTART:20260305T090000\r\nDTEND:20260305T100000\r\n"
           "SUMMARY:Floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 1, "import: %s" % r.describe())
    items = listing(stack, u)
    expect(starts(items) == [("Floating", "2026-03-05T09:00:00+01:00")], "listing %r" % starts(items))
    expect(items[0]["time_zone"] == "Europe/Berlin", "zone %r" % items[0]["time_zone"])


# --- custom VTIMEZONEs (issue 17) ---

BERLIN_AS_MYTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:MyTimezone\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n")


def test_custom_zone_with_berlin_rules(stack):
    """MyTimezone with Europe/Berlin's rules, for a user in New York (whose
    DST starts three weeks earlier) and a user in UTC: the weekly 20:00
    meeting stays at 20:00 Berlin time across Europe's change (2026-03-29);
    the event's zone is the IANA zone CLDR's Windows table names for those
    rules (Europe/Berlin, not the alphabetically first Europe/Andorra)."""
    ics = (HEAD + BERLIN_AS_MYTIMEZONE +
           "BEGIN:VEVENT\r\nUID:weekly@x\r\nDTSTART;TZID=MyTimezone:20260319T200000\r\n"
           "DTEND;TZID=MyTimezone:20260319T210000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
           "SUMMARY:Weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    want = [("Weekly", "2026-03-19T20:00:00+01:00"), ("Weekly", "2026-03-26T20:00:00+01:00"),
            ("Weekly", "2026-04-02T20:00:00+02:00")]
    for zone in ("America/New_York", "UTC"):
        u = user(stack)
        set_zone(stack, u, zone)
        r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
        expect(r.status == 200 and r.body["imported"] == 1, "import: %s" % r.describe())
        r = stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-15T00:00:00Z", headers=auth(u))
        expect(r.status == 200, "list: %s" % r.describe())
        expect(starts(r.body["items"]) == want, "user in %s: listing %r" % (zone, starts(r.body["items"])))
        got = r.body["items"][0]["time_zone"]
        expect(got == "Europe/Berlin", "user in %s: zone %r" % (zone, got))


def test_custom_zone_no_iana_zone_agrees(stack):
    """A custom zone that no IANA zone agrees with (+01:30, +02:30 from the
    last Sunday of March): the first occurrence is at its instant in the
    file's zone; the series is the user's zone's (documented: our events
    carry IANA zones only), so in UTC it keeps the UTC time of day and
    reads 21:00 in the file's zone after its DST change."""
    u = user(stack)
    ics = (HEAD + BERLIN_AS_MYTIMEZONE.replace("MyTimezone", "Odd").replace("+0100", "+0130")
           .replace("+0200", "+0230") +
           "BEGIN:VEVENT\r\nUID:odd@x\r\nDTSTART;TZID=Odd:20260319T200000\r\n"
           "DTEND;TZID=Odd:20260319T210000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
           "SUMMARY:Odd\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 1, "import: %s" % r.describe())
    r = stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-15T00:00:00Z", headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    want = [("Odd", "2026-03-19T18:30:00Z"), ("Odd", "2026-03-26T18:30:00Z"), ("Odd", "2026-04-02T18:30:00Z")]
    expect(starts(r.body["items"]) == want, "listing %r" % starts(r.body["items"]))
    expect(r.body["items"][0]["time_zone"] == "UTC", "zone %r" % r.body["items"][0]["time_zone"])


# No STANDARD or DAYLIGHT: no rules to read (3 lines).
BROKEN_VTIMEZONE = "BEGIN:VTIMEZONE\r\nTZID:%s\r\nEND:VTIMEZONE\r\n"


def test_unreadable_vtimezone(stack):
    """A VTIMEZONE libical cannot read is not the file's end: an event
    whose TZID only it defines is skipped (the reason names the VTIMEZONE's
    line); one whose TZID is a zone known here (an IANA or Windows name)
    imports in that zone; the rest of the file imports."""
    u = user(stack)
    ics = (HEAD + BROKEN_VTIMEZONE % "Broken/Zone" + BROKEN_VTIMEZONE % "W. Europe Standard Time" +
           "BEGIN:VEVENT\r\nUID:broken@x\r\nDTSTART;TZID=Broken/Zone:20260310T090000\r\n"
           "DTEND;TZID=Broken/Zone:20260310T100000\r\nSUMMARY:Broken\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:windows@x\r\nDTSTART;TZID=W. Europe Standard Time:20260311T090000\r\n"
           "DTEND;TZID=W. Europe Standard Time:20260311T100000\r\nSUMMARY:Windows\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200, "import: %s" % r.describe())
    expect((r.body["imported"], r.body["skipped"]) == (1, 1), "counts %r" % r.body)
    e = r.body["errors"][0]
    expect(e["line"] == 10 and e["uid"] == "broken@x" and e["message"].startswith("line 12: ") and
           "VTIMEZONE" in e["message"] and "line 4" in e["message"], "error %r" % e)
    items = listing(stack, u)
    expect(starts(items) == [("Windows", "2026-03-11T09:00:00+01:00")], "listing %r" % starts(items))
    expect(items[0]["time_zone"] == "Europe/Berlin", "zone %r" % items[0]["time_zone"])


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
    ("override_with_unusable_rid", test_override_with_unusable_rid),
    ("broken_files_still_refused_whole", test_broken_files_still_refused_whole),
    ("copies_sequence_first", test_copies_sequence_first),
    ("copies_last_modified_before_dtstamp", test_copies_last_modified_before_dtstamp),
    ("copies_dtstamp_breaks_a_tie", test_copies_dtstamp_breaks_a_tie),
    ("copies_last_in_file", test_copies_last_in_file),
    ("floating_series_keeps_calendar_local_time", test_floating_series_keeps_calendar_local_time),
    ("floating_unknown_calendar_zone", test_floating_unknown_calendar_zone),
    ("custom_zone_with_berlin_rules", test_custom_zone_with_berlin_rules),
    ("custom_zone_no_iana_zone_agrees", test_custom_zone_no_iana_zone_agrees),
    ("unreadable_vtimezone", test_unreadable_vtimezone),
] + [("unusable_" + name, unusable_test(body, line, word)) for name, body, line, word in UNUSABLE]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
