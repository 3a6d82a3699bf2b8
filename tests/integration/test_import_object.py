#!/usr/bin/env python3
"""An imported event keeps what its file says (issue 17): the file's VEVENT
is the event's stored object, so the export (calendar.ics) and a CalDAV GET
give back TRANSP, STATUS, CATEGORIES, CLASS, ORGANIZER, ATTENDEE, URL,
PRIORITY, GEO, X- properties, overrides, floating times and the file's own
VTIMEZONE; the file's alarms are the event's reminders, in the object as
ours, so nothing is mailed that the import did not plan; importing the
export again changes nothing.

Run: AURORA_BUILD=... python3 tests/integration/test_import_object.py [NAME...]"""

import base64
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import Skip, expect, run_tests  # noqa: E402

try:
    import users  # noqa: E402
except ImportError:
    users = None

EVENTS = "/api/v1/events"
IMPORT = EVENTS + "/import"
EXPORT = "/api/v1/calendar.ics"
ICS_HDR = {"Content-Type": "text/calendar"}
JSON_HDR = {"Content-Type": "application/json"}
MARCH = "from=2026-03-01T00:00:00Z&to=2026-04-15T00:00:00Z"

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n"
BERLIN_AS_MYTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:MyTimezone\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n")

# Properties Aurora does not model, each as a line the export must carry.
KEPT = ["TRANSP:TRANSPARENT", "STATUS:TENTATIVE", "CATEGORIES:Work,Travel", "CLASS:PRIVATE",
        "ORGANIZER;CN=Ann:mailto:ann@example.com",
        "ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com",
        "URL:https://example.com/meeting", "PRIORITY:3", "GEO:52.52;13.405",
        "X-EXAMPLE-TAG:kept"]
SERIES = (HEAD + BERLIN_AS_MYTIMEZONE +
          "BEGIN:VEVENT\r\nUID:review@x\r\nDTSTAMP:20260201T000000Z\r\n"
          "DTSTART;TZID=MyTimezone:20260305T100000\r\nDTEND;TZID=MyTimezone:20260305T110000\r\n"
          "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Review\r\n" + "\r\n".join(KEPT) + "\r\n"
          "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
          "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Late\r\nTRIGGER:PT5M\r\nEND:VALARM\r\n"
          "END:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:review@x\r\nDTSTAMP:20260201T000000Z\r\n"
          "RECURRENCE-ID;TZID=MyTimezone:20260312T100000\r\n"
          "DTSTART;TZID=MyTimezone:20260312T150000\r\nDTEND;TZID=MyTimezone:20260312T160000\r\n"
          "SUMMARY:Review (moved)\r\nX-EXAMPLE-OVERRIDE:yes\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:float@x\r\nDTSTAMP:20260201T000000Z\r\n"
          "DTSTART:20260310T090000\r\nDTEND:20260310T093000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n"
          "END:VCALENDAR\r\n")


def user(stack):
    if users is None:
        raise Skip("tests/integration/users.py is missing")
    return users.create_user(stack)


def auth(u, extra=None):
    h = {"Authorization": "Bearer " + u["access_token"]}
    h.update(extra or {})
    return h


def norm(lines):
    """Lines as libical writes them back, which means the same (RFC 5545):
    one CATEGORIES line per value, GEO as numbers."""
    out = []
    for ln in lines:
        if ln.startswith("CATEGORIES:"):
            out += ["CATEGORIES:" + v for v in ln[len("CATEGORIES:"):].split(",")]
        elif ln.startswith("GEO:"):
            out.append("GEO:%g;%g" % tuple(float(x) for x in ln[4:].split(";")))
        else:
            out.append(ln)
    return out


def unfold(text):
    return norm(re.sub(r"\r\n[ \t]", "", text).split("\r\n"))


def vevents(lines):
    """The VEVENTs of unfolded lines, each a list of its lines (VALARMs
    included)."""
    out, cur, depth = [], None, 0
    for ln in lines:
        if ln == "BEGIN:VEVENT":
            cur, depth = [], 0
            continue
        if ln == "END:VEVENT" and depth == 0 and cur is not None:
            out.append(cur)
            cur = None
            continue
        if cur is not None:
            if ln.startswith("BEGIN:"):
                depth += 1
            elif ln.startswith("END:"):
                depth -= 1
            cur.append(ln)
    return out


def one(evs, uid):
    got = [e for e in evs if "UID:" + uid in e]
    expect(len(got) == 1, "%d VEVENTs of %s in %r" % (len(got), uid, evs))
    return got[0]


# The changed instance is an event of its own (docs/events.md, ICS import):
# its object is the override's VEVENT under that event's UID.
INSTANCE = "review@x#20260312T090000Z"


def check_instance(ev, where):
    for want in ("DTSTART;TZID=MyTimezone:20260312T150000", "SUMMARY:Review (moved)", "X-EXAMPLE-OVERRIDE:yes"):
        expect(want in ev, "%s: %r missing from the changed instance %r" % (where, want, ev))
    expect(not any(ln.startswith("RECURRENCE-ID") for ln in ev), "%s: RECURRENCE-ID kept in %r" % (where, ev))


def set_utc(stack, u):
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": "UTC"}), auth(u, JSON_HDR))
    expect(r.status == 200, "set the user's zone: %s" % r.describe())


def export(stack, u):
    r = stack.request("GET", EXPORT, headers=auth(u))
    expect(r.status == 200, "export: %s" % r.describe())
    return r.raw.decode("utf-8")


def listing(stack, u):
    r = stack.request("GET", "%s?%s" % (EVENTS, MARCH), headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    return r.body["items"]


def imported(stack, u, body, counts):
    r = stack.request("POST", IMPORT, body, auth(u, ICS_HDR))
    expect(r.status == 200, "import: %s" % r.describe())
    got = (r.body["imported"], r.body["updated"], r.body["skipped"])
    expect(got == counts, "counts %r, want %r (errors %r)" % (got, counts, r.body["errors"]))


def check_series(text, where):
    """The series, its override and the floating event as the file has
    them, in text (an export or an object)."""
    evs = vevents(unfold(text))
    master = one(evs, "review@x")
    for want in norm(KEPT) + ["DTSTART;TZID=MyTimezone:20260305T100000", "RRULE:FREQ=WEEKLY;COUNT=3",
                              "EXDATE:20260312T090000Z"]:
        expect(want in master, "%s: %r missing from the series %r" % (where, want, master))
    return evs


def test_properties_come_back(stack):
    """TRANSP, STATUS, CATEGORIES, CLASS, ORGANIZER, ATTENDEE, URL,
    PRIORITY, GEO and an X- property, an override, a floating time and the
    file's own VTIMEZONE, in calendar.ics."""
    u = user(stack)
    set_utc(stack, u)
    imported(stack, u, SERIES, (3, 0, 0))
    text = export(stack, u)
    lines = unfold(text)
    evs = check_series(text, "calendar.ics")
    check_instance(one(evs, INSTANCE), "calendar.ics")
    flt = one(evs, "float@x")
    expect("DTSTART:20260310T090000" in flt and "DTEND:20260310T093000" in flt,
           "the floating event is not floating: %r" % flt)
    expect(len(evs) == 3, "%d VEVENTs exported: %r" % (len(evs), evs))
    # The file's VTIMEZONE, once, with its rules.
    expect(lines.count("TZID:MyTimezone") == 1, "VTIMEZONE MyTimezone %d times" % lines.count("TZID:MyTimezone"))
    i = lines.index("TZID:MyTimezone")
    expect(lines[i - 1] == "BEGIN:VTIMEZONE" and "TZOFFSETTO:+0200" in lines[i:i + 8],
           "VTIMEZONE %r" % lines[i - 1:i + 8])
    # The zone the event is read in is the IANA zone of those rules.
    items = listing(stack, u)
    zones = {i["title"]: i["time_zone"] for i in items}
    expect(zones.get("Review") == "Europe/Berlin", "zones %r" % zones)


def test_alarms_are_the_reminders(stack):
    """The file's alarm that the import mails is the event's reminder and
    the object's only VALARM, marked as ours; the one it cannot mail (after
    the start) is not in the object, so a change of email_for_app_alarms
    mails nothing new."""
    u = user(stack)
    set_utc(stack, u)
    imported(stack, u, SERIES, (3, 0, 0))
    review = [i for i in listing(stack, u) if i["title"] == "Review"][0]
    mins = sorted(r["minutes_before"] for r in review.get("reminders", []))
    expect(mins == [15], "reminders %r" % review.get("reminders"))
    master = one(vevents(unfold(export(stack, u))), "review@x")
    expect(master.count("BEGIN:VALARM") == 1 and "TRIGGER:-PT15M" in master and "X-AURORA-REMINDER:TRUE" in master,
           "alarms %r" % master)
    r = stack.request("GET", "/api/v1/calendars", headers=auth(u))
    expect(r.status == 200, "calendars: %s" % r.describe())
    cals = r.body["items"] if isinstance(r.body, dict) else r.body
    cal = [c for c in cals if c.get("is_default")][0]
    for on in (True, False):
        r = stack.request("PATCH", "/api/v1/calendars/" + cal["id"], json.dumps({"email_for_app_alarms": on}),
                          auth(u, JSON_HDR))
        expect(r.status == 200, "email_for_app_alarms %s: %s" % (on, r.describe()))
        review = [i for i in listing(stack, u) if i["title"] == "Review"][0]
        mins = sorted(x["minutes_before"] for x in review.get("reminders", []))
        expect(mins == [15], "email_for_app_alarms %s: reminders %r" % (on, review.get("reminders")))


def test_caldav_get(stack):
    """A CalDAV GET of the imported series and of its override gives what
    the file says."""
    u = user(stack)
    set_utc(stack, u)
    r = stack.request("OPTIONS", "/dav/")
    if r.status == 404:
        raise Skip("the DAV layer (/dav/) is not routed yet")
    r = stack.request("POST", "/api/v1/me/app-passwords", json.dumps({"name": "Phone"}), auth(u, JSON_HDR))
    expect(r.status == 201, "app password: %s" % r.describe())
    basic = "Basic " + base64.b64encode(("%s:%s" % (u["email"], r.body["password"])).encode()).decode()
    cal = "/dav/calendars/%s/default/" % u["user_id"]
    imported(stack, u, SERIES, (3, 0, 0))
    ids = {i["title"]: i["id"] for i in listing(stack, u)}
    r = stack.request("GET", cal + ids["Review"] + ".ics", headers={"Authorization": basic})
    expect(r.status == 200, "GET the series: %s" % r.describe())
    text = r.raw.decode("utf-8")
    check_series(text, "CalDAV GET")
    expect("TZID:MyTimezone" in unfold(text), "the object has no VTIMEZONE MyTimezone: %r" % text)
    r = stack.request("GET", cal + ids["Review (moved)"] + ".ics", headers={"Authorization": basic})
    expect(r.status == 200, "GET the override: %s" % r.describe())
    check_instance(one(vevents(unfold(r.raw.decode("utf-8"))), INSTANCE), "CalDAV GET")
    # One object per UID: an app writes the changed instance back.
    etag = r.headers.get("ETag")
    body = r.raw.decode("utf-8").replace("SUMMARY:Review (moved)", "SUMMARY:Review (moved again)")
    r = stack.request("PUT", cal + ids["Review (moved)"] + ".ics", body,
                      {"Authorization": basic, "Content-Type": "text/calendar", "If-Match": etag})
    expect(r.status in (200, 204), "PUT the changed instance back: %s" % r.describe())
    titles = sorted(i["title"] for i in listing(stack, u))
    expect(titles == ["Floating", "Review", "Review", "Review (moved again)"], "titles %r" % titles)
    r = stack.request("GET", cal + ids["Floating"] + ".ics", headers={"Authorization": basic})
    expect(r.status == 200 and "DTSTART:20260310T090000" in unfold(r.raw.decode("utf-8")),
           "floating object: %s" % r.describe())


def test_reimport_of_the_export_is_stable(stack):
    """The export imported again updates the same events: no duplicate, the
    same UIDs, the same listing, and an export that says the same."""
    u = user(stack)
    set_utc(stack, u)
    imported(stack, u, SERIES, (3, 0, 0))
    before = sorted((i["title"], i["start"], i["id"]) for i in listing(stack, u))
    first = export(stack, u)
    imported(stack, u, first, (0, 3, 0))
    after = sorted((i["title"], i["start"], i["id"]) for i in listing(stack, u))
    expect(after == before, "listing %r, was %r" % (after, before))
    second = export(stack, u)
    strip = re.compile(r"^(DTSTAMP|LAST-MODIFIED|CREATED|SEQUENCE)[:;].*$", re.M)
    a = [ln for ln in unfold(strip.sub("", first)) if ln]
    b = [ln for ln in unfold(strip.sub("", second)) if ln]
    expect(sorted(a) == sorted(b), "the export changed: %r" % sorted(set(a) ^ set(b)))
    check_series(second, "second export")


TESTS = [
    ("properties_come_back", test_properties_come_back),
    ("alarms_are_the_reminders", test_alarms_are_the_reminders),
    ("caldav_get", test_caldav_get),
    ("reimport_of_the_export_is_stable", test_reimport_of_the_export_is_stable),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
