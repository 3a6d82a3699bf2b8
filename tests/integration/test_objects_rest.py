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

import base64
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Skip, expect, run_tests  # noqa: E402

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


def test_import_replacing_uid_replaces_object(stack):
    """An import of the UID replaces the app's object by the file's VEVENT
    (issue 17: the export and CalDAV give back what was imported)."""
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
    row = sql(stack, "SELECT title FROM events WHERE id = '%s'" % eid)
    expect(row == "Imported copy", "after import: %r" % row)
    obj = stored(stack, eid)
    expect("SUMMARY:Imported copy" in obj and "DTSTART:20260320T090000Z" in obj and
           obj.count("BEGIN:VEVENT") == 1 and "-//Phone//" not in obj,
           "the stored object is not the file's VEVENT: %r" % obj)


# -- through the DAV front end ------------------------------------------------

def dav_account(stack):
    """(user, Basic header, default calendar URL); Skip without /dav/."""
    if stack.request("OPTIONS", "/dav/").status == 404:
        raise Skip("the DAV layer is not routed")
    u = users.create_user(stack)
    r = stack.request("POST", "/api/v1/me/app-passwords",
                      json.dumps({"name": "Phone"}), auth(u))
    expect(r.status == 201, "app password: %s" % r.describe())
    basic = "Basic " + base64.b64encode(
        ("%s:%s" % (u["email"], r.body["password"])).encode()).decode()
    return u, basic, "/dav/calendars/%s/default/" % u["user_id"]


def dav(stack, basic, method, path, body=None, headers=None):
    h = {"Authorization": basic}
    h.update(headers or {})
    return stack.request(method, path, body, h)


def local(dt):
    return dt.strftime("%Y%m%dT%H%M%S")


def test_dav_override_moves_listing_and_mail(stack):
    """A daily series put by an app, its third instance moved by 5 hours:
    the REST listing and the planned reminder mail are at the moved time,
    none at the original one."""
    u, basic, cal = dav_account(stack)
    day = (datetime.datetime.now(datetime.timezone.utc) +
           datetime.timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                               microsecond=0, tzinfo=None)
    third, moved = day + datetime.timedelta(days=2), day + datetime.timedelta(days=2, hours=5)
    data = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN",
        "BEGIN:VEVENT", "UID:override-mail-1", "DTSTAMP:20260101T000000Z",
        "DTSTART:%sZ" % local(day), "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=4",
        "SUMMARY:Daily sync",
        "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x", "TRIGGER:-PT15M",
        "END:VALARM", "END:VEVENT",
        "BEGIN:VEVENT", "UID:override-mail-1", "DTSTAMP:20260101T000000Z",
        "RECURRENCE-ID:%sZ" % local(third), "DTSTART:%sZ" % local(moved),
        "DURATION:PT1H", "SUMMARY:Daily sync (moved)",
        "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x", "TRIGGER:-PT15M",
        "END:VALARM", "END:VEVENT", "END:VCALENDAR", ""])
    r = dav(stack, basic, "PUT", cal + "daily.ics", data,
            {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
    expect(r.status == 201, "PUT: %s" % r.describe())
    r = dav(stack, basic, "GET", cal + "daily.ics")
    expect(r.status == 200 and r.raw.decode() == data, "GET not the bytes sent")
    frm = (day - datetime.timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    to = (day + datetime.timedelta(days=6)).strftime("%Y-%m-%dT00:00:00Z")
    r = stack.request("GET", "%s?from=%s&to=%s" % (EVENTS, frm, to), headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    starts = sorted(i["occurrence_start"] for i in r.body["items"])
    want = sorted(d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in (
        day, day + datetime.timedelta(days=1), moved, day + datetime.timedelta(days=3)))
    got = [s.replace("+00:00", "Z") for s in starts]
    expect(got == want, "occurrences %r, want %r" % (got, want))
    eid = r.body["items"][0]["id"]
    due = sql(stack, "SELECT string_agg(to_char(occurrence_start AT TIME ZONE 'UTC',"
              " 'YYYYMMDD\"T\"HH24MISS'), ',' ORDER BY occurrence_start)"
              " FROM mail_outbox WHERE event_id = '%s' AND status = 'pending'" % eid)
    expect(local(moved) in due.split(","), "no mail at the moved time: %r" % due)
    expect(local(third) not in due.split(","), "mail at the replaced time: %r" % due)


def test_dav_generated_round_trip(stack):
    """An event made through REST, read by an app and put back unchanged
    where app alarms are not mailed: the same reminders, one VALARM each."""
    u, basic, cal = dav_account(stack)
    r = stack.request("GET", "/api/v1/calendars", headers=auth(u))
    expect(r.status == 200, "calendars: %s" % r.describe())
    cid = [c for c in r.body["items"] if c["is_default"]][0]["id"]
    r = stack.request("PATCH", "/api/v1/calendars/" + cid,
                      json.dumps({"email_for_app_alarms": False}), auth(u))
    expect(r.status == 200, "calendar PATCH: %s" % r.describe())
    r = stack.request("POST", EVENTS, json.dumps({
        "title": "Made on the web", "start": "2026-03-12T09:00:00+01:00",
        "end": "2026-03-12T10:00:00+01:00", "time_zone": "Europe/Berlin",
        "reminders": [rem(10), rem(60)]}), auth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    eid = r.body["id"]
    href = cal + eid + ".ics"
    r1 = dav(stack, basic, "GET", href)
    r2 = dav(stack, basic, "GET", href)
    expect(r1.status == 200 and r1.raw == r2.raw, "generated object not stable")
    expect(r1.headers.get("ETag") == r2.headers.get("ETag"), "ETag moves")
    text = r1.raw.decode()
    expect(text.count("BEGIN:VALARM") == 2, "VALARMs:\n" + text)
    r = dav(stack, basic, "PUT", href, r1.raw,
            {"Content-Type": "text/calendar", "If-Match": r1.headers.get("ETag")})
    expect(r.status in (200, 201, 204), "PUT back: %s" % r.describe())
    r = stack.request("GET", "%s/%s" % (EVENTS, eid), headers=auth(u))
    expect(r.status == 200, "REST id kept: %s" % r.describe())
    mins = sorted(x["minutes_before"] for x in r.body["reminders"])
    expect(mins == [10, 60], "reminders after the round trip: %r" % mins)
    r = dav(stack, basic, "GET", href)
    expect(r.raw.decode().count("BEGIN:VALARM") == 2, "alarms doubled:\n" + r.raw.decode())


def query(stack, basic, cal, start, end):
    body = ('<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            '<C:time-range start="%s" end="%s"/></C:comp-filter></C:comp-filter>'
            '</C:filter></C:calendar-query>' % (start, end))
    r = dav(stack, basic, "REPORT", cal, body,
            {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"})
    expect(r.status == 207, "REPORT: %s" % r.describe())
    return sorted(n for n in ("series.ics", "single.ics")
                  if (cal + n).encode() in r.raw)


def test_dav_time_range_overrides(stack):
    """calendar-query on a weekly series with a moved instance (past the
    series' last occurrence) and an EXDATE, and on a single event."""
    u, basic, cal = dav_account(stack)
    series = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN",
        "BEGIN:VEVENT", "UID:tr-series", "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=Europe/Berlin:20260105T100000",
        "DTEND;TZID=Europe/Berlin:20260105T110000", "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Berlin:20260126T100000", "SUMMARY:Weekly", "END:VEVENT",
        "BEGIN:VEVENT", "UID:tr-series", "DTSTAMP:20260101T000000Z",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260119T100000",
        "DTSTART;TZID=Europe/Berlin:20260203T100000",
        "DTEND;TZID=Europe/Berlin:20260203T110000", "SUMMARY:Moved", "END:VEVENT",
        "END:VCALENDAR", ""])
    single = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN",
        "BEGIN:VEVENT", "UID:tr-single", "DTSTAMP:20260101T000000Z",
        "DTSTART;VALUE=DATE:20260112", "SUMMARY:All day", "END:VEVENT",
        "END:VCALENDAR", ""])
    for name, data in (("series.ics", series), ("single.ics", single)):
        r = dav(stack, basic, "PUT", cal + name, data, {"Content-Type": "text/calendar"})
        expect(r.status == 201, "PUT %s: %s" % (name, r.describe()))
    for start, end, want in (
            ("20260201T000000Z", "20260301T000000Z", ["series.ics"]),
            ("20260112T000000Z", "20260113T000000Z", ["series.ics", "single.ics"]),
            ("20260119T000000Z", "20260120T000000Z", []),
            ("20260126T000000Z", "20260127T000000Z", []),
            ("20260203T090000Z", "20260203T091000Z", ["series.ics"]),
            ("20260203T100000Z", "20260204T000000Z", []),
            ("20260301T000000Z", "20260401T000000Z", [])):
        got = query(stack, basic, cal, start, end)
        expect(got == want, "%s..%s: %r, want %r" % (start, end, got, want))


def test_dav_late_alarm_queued_acknowledged_not(stack):
    """An app syncs a new event whose alarm went off on the device a
    minute ago: its mail is still queued; the same with the alarm
    acknowledged (RFC 9074) is not."""
    u, basic, cal = dav_account(stack)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0,
                                                               tzinfo=None)
    start = now + datetime.timedelta(minutes=2)
    ids = {}
    for key, extra in (("late", []), ("acked", ["ACKNOWLEDGED:%sZ" % local(now)])):
        data = "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN",
            "BEGIN:VEVENT", "UID:late-" + key, "DTSTAMP:20260101T000000Z",
            "DTSTART:%sZ" % local(start), "DURATION:PT30M", "SUMMARY:" + key,
            "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x", "TRIGGER:-PT3M"]
            + extra + ["END:VALARM", "END:VEVENT", "END:VCALENDAR", ""])
        r = dav(stack, basic, "PUT", cal + key + ".ics", data,
                {"Content-Type": "text/calendar", "If-None-Match": "*"})
        expect(r.status == 201, "PUT %s: %s" % (key, r.describe()))
        ids[key] = sql(stack, "SELECT id FROM events WHERE user_id = '%s' AND"
                       " uid = 'late-%s'" % (u["user_id"], key))
    mails = {k: int(sql(stack, "SELECT count(*) FROM mail_outbox WHERE event_id = '%s'"
                        " AND status <> 'cancelled'" % v)) for k, v in ids.items()}
    expect(mails == {"late": 1, "acked": 0}, "reminder mail rows: %r" % mails)
    # A daily series acknowledged the same way: no mail for the first
    # occurrence, the next ones as usual.
    data = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN",
        "BEGIN:VEVENT", "UID:late-series", "DTSTAMP:20260101T000000Z",
        "DTSTART:%sZ" % local(start), "DURATION:PT30M", "RRULE:FREQ=DAILY;COUNT=3",
        "SUMMARY:series", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x",
        "TRIGGER:-PT3M", "ACKNOWLEDGED:%sZ" % local(now), "END:VALARM",
        "END:VEVENT", "END:VCALENDAR", ""])
    r = dav(stack, basic, "PUT", cal + "series.ics", data,
            {"Content-Type": "text/calendar", "If-None-Match": "*"})
    expect(r.status == 201, "PUT series: %s" % r.describe())
    occ = sql(stack, "SELECT string_agg(to_char(o.occurrence_start AT TIME ZONE 'UTC',"
              " 'YYYYMMDD\"T\"HH24MISS'), ',' ORDER BY o.occurrence_start)"
              " FROM mail_outbox o JOIN events e ON e.id = o.event_id"
              " WHERE e.user_id = '%s' AND e.uid = 'late-series'"
              " AND o.status <> 'cancelled'" % u["user_id"])
    want = ",".join(local(start + datetime.timedelta(days=d)) for d in (1, 2))
    expect(occ == want, "series mail: %r, want %r" % (occ, want))


TESTS = [(f.__name__, f) for f in (
    test_patch_title_keeps_the_rest, test_patch_reminders_and_times,
    test_patch_without_change_keeps_bytes, test_events_without_object_stay_without,
    test_import_replacing_uid_replaces_object, test_dav_override_moves_listing_and_mail,
    test_dav_generated_round_trip, test_dav_time_range_overrides,
    test_dav_late_alarm_queued_acknowledged_not)]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
