#!/usr/bin/python3
"""REST edits of events that hold a stored CalDAV object (issue 14, "round
trip without loss"): a PATCH through /api/v1/events changes only the
modelled properties of the object as the app sent it; UID, X- properties,
CATEGORIES, ATTENDEE, ORGANIZER, overrides and unmailed alarms stay; an
edit that changes nothing leaves the bytes alone; an ICS import that
replaces the UID drops the object. The object is put in place with SQL
(the DAV front end is tested in test_caldav_objects.py), matching the row
made through REST.
Run: AURORA_BUILD=... /usr/bin/python3 tests/integration/test_objects_rest.py [NAME...]"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import expect, run_tests  # noqa: E402

import users  # noqa: E402

EVENTS = "/api/v1/events"
UID = "phone-uid-1@example.com"

# The app's object for the event create() makes: daily at 09:00 Berlin
# from 12 March 2026, five times, a reminder 15 minutes before (mailed)
# and one 5 minutes after the start (not mailed: after the start), and
# what Aurora does not model.
OBJECT = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//Calendar 1.0//EN",
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
    "BEGIN:STANDARD", "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100", "TZNAME:CET", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200", "TZNAME:CEST", "END:DAYLIGHT", "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:" + UID, "DTSTAMP:20260301T000000Z",
    "DTSTART;TZID=Europe/Berlin:20260312T090000",
    "DTEND;TZID=Europe/Berlin:20260312T100000",
    "RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:Phone event",
    "X-PHONE-ONLY;X-P=1:keep me", "CATEGORIES:Alpha,Beta",
    "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com",
    "ORGANIZER:mailto:bob@example.com", "TRANSP:TRANSPARENT",
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Soon", "TRIGGER:-PT15M",
    "X-WR-ALARMUID:MAILED-1", "END:VALARM",
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Late", "TRIGGER:PT5M",
    "X-WR-ALARMUID:AFTER-1", "END:VALARM",
    "END:VEVENT",
    "BEGIN:VEVENT", "UID:" + UID, "DTSTAMP:20260301T000000Z",
    "RECURRENCE-ID;TZID=Europe/Berlin:20260314T090000",
    "DTSTART;TZID=Europe/Berlin:20260314T150000",
    "DTEND;TZID=Europe/Berlin:20260314T160000",
    "SUMMARY:Phone event (moved)", "X-OVERRIDE-ONLY:also kept",
    "END:VEVENT", "END:VCALENDAR", ""])


def rem(minutes):
    return {"method": "email", "minutes_before": minutes}


def auth(u):
    return {"Authorization": "Bearer " + u["access_token"],
            "Content-Type": "application/json"}


def sql(stack, text):
    return stack.psql(text).strip()


def setup(stack):
    """A user with the event and its stored object: (user, event id)."""
    u = users.create_user(stack)
    r = stack.request("POST", EVENTS, json.dumps({
        "title": "Phone event", "start": "2026-03-12T09:00:00+01:00",
        "end": "2026-03-12T10:00:00+01:00", "time_zone": "Europe/Berlin",
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"], "reminders": [rem(15)]}),
        auth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    eid = r.body["id"]
    sql(stack, "UPDATE events SET uid = '%s', dav_name = 'phone.ics', "
        "ical = $obj$%s$obj$ WHERE id = '%s'" % (UID, OBJECT, eid))
    return u, eid


def stored(stack, eid):
    return sql(stack, "SELECT ical FROM events WHERE id = '%s'" % eid)


def revision(stack, eid):
    return int(sql(stack, "SELECT dav_revision FROM events WHERE id = '%s'"
                   % eid))


def patch(stack, u, eid, body):
    r = stack.request("PATCH", "%s/%s" % (EVENTS, eid), json.dumps(body),
                      auth(u))
    expect(r.status == 200, "PATCH %r: %s" % (body, r.describe()))
    return r.body


def kept(text):
    """What the app wrote that Aurora does not model, all still there."""
    # libical writes a list of categories one property per value, which
    # RFC 5545 reads alike.
    expect("CATEGORIES:Alpha,Beta" in text or
           ("CATEGORIES:Alpha" in text and "CATEGORIES:Beta" in text),
           "categories lost:\n" + text)
    for s in ("UID:" + UID, "X-PHONE-ONLY;X-P=1:keep me",
              "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com",
              "ORGANIZER:mailto:bob@example.com", "TRANSP:TRANSPARENT",
              "RECURRENCE-ID;TZID=Europe/Berlin:20260314T090000",
              "SUMMARY:Phone event (moved)", "X-OVERRIDE-ONLY:also kept",
              "X-WR-ALARMUID:AFTER-1", "PRODID:-//Phone//Calendar 1.0//EN"):
        expect(s in text, "%r lost:\n%s" % (s, text))
    expect("X-LIC-ERROR" not in text, "libical's error marks written:\n" + text)


def test_patch_title_keeps_the_rest(stack):
    u, eid = setup(stack)
    rev = revision(stack, eid)
    ev = patch(stack, u, eid, {"title": "Edited on the web"})
    expect(ev["id"] == eid and ev["title"] == "Edited on the web", "answer %r" % ev)
    text = stored(stack, eid)
    expect("SUMMARY:Edited on the web" in text, "new title not in object:\n" + text)
    expect("SUMMARY:Phone event\r\n" not in text and
           "SUMMARY:Phone event\n" not in text, "old title left:\n" + text)
    kept(text)
    # The reminder did not change: its alarm is the app's own still.
    expect("X-WR-ALARMUID:MAILED-1" in text, "mailed alarm rewritten:\n" + text)
    expect("SEQUENCE:1" in text, "SEQUENCE not moved:\n" + text)
    expect(revision(stack, eid) > rev, "ETag (dav_revision) did not move")


def test_patch_reminders_and_times(stack):
    u, eid = setup(stack)
    ev = patch(stack, u, eid, {"reminders": [rem(30)],
                               "start": "2026-03-12T11:00:00+01:00",
                               "end": "2026-03-12T12:30:00+01:00"})
    expect([x["minutes_before"] for x in ev["reminders"]] == [30], "answer %r" % ev)
    text = stored(stack, eid)
    kept(text)
    expect("X-WR-ALARMUID:MAILED-1" not in text and "TRIGGER:-PT15M" not in text,
           "removed reminder's alarm still there:\n" + text)
    expect("TRIGGER:-PT30M" in text, "new reminder has no alarm:\n" + text)
    expect("DTSTART;TZID=Europe/Berlin:20260312T110000" in text and
           "DTEND;TZID=Europe/Berlin:20260312T123000" in text, "times:\n" + text)
    expect("RRULE:FREQ=DAILY;COUNT=5" in text, "rule lost:\n" + text)
    # The REST view and the mail plan follow the edit.
    r = stack.request("GET", "%s/%s" % (EVENTS, eid), headers=auth(u))
    expect(r.status == 200 and r.body["start"].startswith("2026-03-12T11:00"),
           "REST after PATCH: %s" % r.describe())


def test_patch_without_change_keeps_bytes(stack):
    u, eid = setup(stack)
    patch(stack, u, eid, {"title": "Phone event", "reminders": [rem(15)]})
    got = sql(stack, "SELECT ical = $obj$%s$obj$ FROM events WHERE id = '%s'"
              % (OBJECT, eid))
    expect(got == "t", "an edit that changes nothing rewrote the object:\n"
           + stored(stack, eid))


def test_events_without_object_stay_without(stack):
    u = users.create_user(stack)
    r = stack.request("POST", EVENTS, json.dumps({
        "title": "Web only", "start": "2026-03-12T09:00:00Z",
        "end": "2026-03-12T10:00:00Z", "time_zone": "UTC", "reminders": [rem(10)]}),
        auth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    eid = r.body["id"]
    patch(stack, u, eid, {"title": "Web only, edited"})
    expect(sql(stack, "SELECT ical IS NULL FROM events WHERE id = '%s'" % eid) == "t",
           "an event made through REST got a stored object")


def test_import_replacing_uid_drops_object(stack):
    u, eid = setup(stack)
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN",
        "BEGIN:VEVENT", "UID:" + UID, "DTSTAMP:20260302T000000Z",
        "DTSTART:20260320T090000Z", "DTEND:20260320T100000Z",
        "SUMMARY:Imported copy", "END:VEVENT", "END:VCALENDAR", ""])
    h = {"Authorization": "Bearer " + u["access_token"],
         "Content-Type": "text/calendar"}
    r = stack.request("POST", EVENTS + "/import", ics, h)
    expect(r.status == 200, "import: %s" % r.describe())
    expect(r.body.get("updated") == 1, "import result %r" % r.body)
    row = sql(stack, "SELECT title || '|' || (ical IS NULL)::text FROM events"
              " WHERE id = '%s'" % eid)
    expect(row == "Imported copy|true", "after import: %r" % row)


TESTS = [(f.__name__, f) for f in (
    test_patch_title_keeps_the_rest, test_patch_reminders_and_times,
    test_patch_without_change_keeps_bytes, test_events_without_object_stay_without,
    test_import_replacing_uid_drops_object)]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
