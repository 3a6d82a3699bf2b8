#!/usr/bin/python3
"""The alarm promise of issue 14, end to end: an object PUT over CalDAV
(raw http.client, Basic auth with an app password) with a VALARM becomes a
reminder mail that the stack's own aurora-remind --watch sends to the SES
emulator: exactly one, within 90 s of the alarm time, the time shown in
the user's zone; also when the object syncs after the alarm went off on
the device. An alarm acknowledged there (RFC 9074 ACKNOWLEDGED, at or
after its trigger time) before its mail went out sends none, while the
same object unacknowledged does. In a calendar with email_for_app_alarms
off only EMAIL alarms are mailed. A recurring event whose instance an
override (RECURRENCE-ID) moves gets its mail at the override's time.

The objects are PUT together by the first test, starting 2-3 minutes
ahead, and each later test waits for its own mail (about 5 minutes in all).

    /usr/bin/python3 tests/integration/test_caldav_alarms.py [NAME...]"""

import datetime
import json
import os
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import expect, run_tests  # noqa: E402
from caldav_util import aurora_account, dav, find_calendar  # noqa: E402

# The tests wait for the clock: up to ~3 minutes each.
os.environ.setdefault("AURORA_TEST_TIMEOUT", "420")

USER_TZ = "Asia/Tokyo"  # not the events' zone (UTC), no daylight saving
LATE = 90               # seconds after the alarm time a mail may arrive

STATE = {}


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def ical(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def local_hm(t):
    return t.astimezone(zoneinfo.ZoneInfo(USER_TZ)).strftime("%H:%M")


def obj(uid, summary, start, alarm, extra=(), overrides=()):
    """One VEVENT (plus override VEVENTs, each a list of lines) with a
    VALARM given as its list of lines."""
    end = start + datetime.timedelta(minutes=30)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Aurora tests//alarms//EN",
             "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + ical(utc_now()), "DTSTART:" + ical(start),
             "DTEND:" + ical(end), "SUMMARY:" + summary] + list(extra)
    lines += ["BEGIN:VALARM"] + alarm + ["END:VALARM", "END:VEVENT"]
    for o in overrides:
        lines += ["BEGIN:VEVENT"] + o + ["END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(line + "\r\n" for line in lines)


def mails(stack, title):
    return [m for m in stack.ses_emails()
            if STATE["addr"].lower() in json.dumps(m["destination"]).lower()
            and m.get("subject", "").startswith("Reminder: %s, " % title)]


def outbox_rows(stack, uid):
    """What the product planned for the object, for failure messages."""
    try:
        return stack.psql(
            "SELECT e.title || ' (event starts ' || to_char(e.starts_at AT TIME ZONE 'UTC', 'HH24:MI') || "
            "'Z): ' || o.status || ', occurrence ' || to_char(o.occurrence_start AT TIME ZONE 'UTC', "
            "'HH24:MI:SS') || 'Z, due ' || to_char(o.due_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || 'Z' "
            "FROM mail_outbox o JOIN events e ON e.id = o.event_id "
            "WHERE e.user_id = '%s' AND e.uid = '%s' ORDER BY o.due_at"
            % (STATE["user_id"], uid.replace("'", "''"))).strip().replace("\n", "; ") or "(none)"
    except Exception as e:  # noqa: BLE001 — diagnostics only
        return "(outbox unreadable: %s)" % e


def arrived(m):
    """When the emulator received the mail (its own clock, seconds)."""
    return datetime.datetime.fromtimestamp(int(m["at"]), datetime.timezone.utc)


def wait_for_mail(stack, key):
    """Polls the emulator until a mail for the case is there or its alarm
    time + LATE has passed; checks it arrived in the window, once."""
    title, uid, alarm = STATE[key]["title"], STATE[key]["uid"], STATE[key]["alarm"]
    while True:
        found = mails(stack, title)
        if found or utc_now() > alarm + datetime.timedelta(seconds=LATE + 2):
            break
        time.sleep(1)
    expect(found, "no mail for %r by %s (alarm at %s UTC); outbox: %s"
           % (title, ical(alarm + datetime.timedelta(seconds=LATE)), ical(alarm), outbox_rows(stack, uid)))
    at = min(arrived(m) for m in found)
    # The emulator's clock counts whole seconds.
    expect(at >= alarm - datetime.timedelta(seconds=1),
           "mail for %r came early: at %s, alarm at %s" % (title, ical(at), ical(alarm)))
    expect(at <= alarm + datetime.timedelta(seconds=LATE),
           "mail for %r came late: at %s, alarm at %s" % (title, ical(at), ical(alarm)))
    # Duplicates have a moment to show up before counting.
    while utc_now() < at + datetime.timedelta(seconds=15):
        time.sleep(1)
    found = mails(stack, title)
    expect(len(found) == 1, "%d mails for %r: %r" % (len(found), title, [m["subject"] for m in found]))
    return found[0]


def check_local_time(m, start):
    want = local_hm(start)
    expect(want in m["subject"] and "JST" in m["subject"],
           "subject %r lacks the start in %s (%s JST)" % (m["subject"], USER_TZ, want))
    expect("(%s)" % USER_TZ in m["body"]["text"], "text lacks the zone name:\n%s" % m["body"]["text"])


def put(stack, uid, text, calendar=None):
    r = dav(stack.http_port, "PUT", (calendar or STATE["calendar"]) + uid + ".ics", text,
            {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
            (STATE["addr"], STATE["app_pw"]))
    expect(r.status == 201, "PUT %s: %s" % (uid, r.describe()))


def test_put_alarm_objects(stack):
    acct = aurora_account(stack)
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": USER_TZ}),
                      {"Content-Type": "application/json", "Authorization": "Bearer " + acct["access_token"]})
    expect(r.status == 200, "PATCH /me time_zone: %s" % r.describe())
    STATE.update(addr=acct["email"], app_pw=acct["password"], user_id=acct["user_id"])
    STATE["calendar"] = find_calendar(stack.http_port, (acct["email"], acct["password"]))
    now = utc_now().replace(second=0, microsecond=0)
    start = now + datetime.timedelta(minutes=3)       # alarm 2-3 minutes from now
    moved = now + datetime.timedelta(minutes=4)       # the override's alarm a minute later
    display = ["ACTION:DISPLAY", "TRIGGER:-PT1M", "DESCRIPTION:Reminder"]
    cases = {
        "display": ("Display alarm", start, display, [], []),
        "email": ("Email alarm", start,
                  ["ACTION:EMAIL", "TRIGGER;RELATED=START:-PT1M", "SUMMARY:Email alarm",
                   "DESCRIPTION:Mail me", "ATTENDEE:mailto:" + acct["email"]], [], []),
    }
    # A phone that synced late: the alarm went off on the device 20 s ago
    # and the event starts in 40 s. Unacknowledged, the mail still goes
    # out (within LATE of the alarm); acknowledged on the device (at or
    # after the trigger, as RFC 9074 defines it), none.
    late = utc_now().replace(microsecond=0) + datetime.timedelta(seconds=40)
    cases["late"] = ("Late synced alarm", late, display, [], [])
    cases["acked"] = ("Acknowledged alarm", late, display + ["ACKNOWLEDGED:" + ical(utc_now())], [], [])
    # The display case's twin, its alarm acknowledged at the very time it
    # fires (dated ahead): covered by the rule, so not mailed either.
    ahead = start - datetime.timedelta(minutes=1)
    cases["ahead"] = ("Acknowledged ahead", start, display + ["ACKNOWLEDGED:" + ical(ahead)], [], [])
    # A daily series whose today's instance (two hours ahead) is moved by an
    # override to start in four minutes; the override carries its alarm as
    # Apple and Google clients write it.
    orig = moved + datetime.timedelta(hours=2)
    series_start = orig - datetime.timedelta(days=1)
    override = ["UID:alarm-override@aurora-tests", "DTSTAMP:" + ical(utc_now()),
                "RECURRENCE-ID:" + ical(orig), "DTSTART:" + ical(moved),
                "DTEND:" + ical(moved + datetime.timedelta(minutes=30)), "SUMMARY:Moved standup",
                "BEGIN:VALARM"] + display + ["END:VALARM"]
    cases["override"] = ("Moved standup", series_start, display, ["RRULE:FREQ=DAILY;COUNT=3"], [override])
    # A calendar with email_for_app_alarms off (made with MKCALENDAR,
    # switched over REST): its DISPLAY alarm is not mailed, its EMAIL one is.
    quiet = STATE["calendar"].rstrip("/").rsplit("/", 1)[0] + "/quiet-alarms/"
    r = dav(stack.http_port, "MKCALENDAR", quiet,
            '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:set><D:prop><D:displayname>Quiet alarms</D:displayname></D:prop></D:set></C:mkcalendar>',
            {"Content-Type": "application/xml"}, (acct["email"], acct["password"]))
    expect(r.status == 201, "MKCALENDAR: %s" % r.describe())
    bearer = {"Content-Type": "application/json", "Authorization": "Bearer " + acct["access_token"]}
    r = stack.request("GET", "/api/v1/calendars", headers=bearer)
    ids = [c["id"] for c in r.body["items"] if c["name"] == "Quiet alarms"] if r.status == 200 else []
    expect(len(ids) == 1, "the MKCALENDAR calendar over REST: %s" % r.describe())
    r = stack.request("PATCH", "/api/v1/calendars/" + ids[0], json.dumps({"email_for_app_alarms": False}),
                      bearer)
    expect(r.status == 200 and r.body.get("email_for_app_alarms") is False,
           "PATCH email_for_app_alarms: %s" % r.describe())
    cases["quiet_display"] = ("Quiet display alarm", start, display, [], [])
    cases["quiet_email"] = ("Quiet calendar email alarm", start, cases["email"][2], [], [])
    for key, (title, st, alarm, extra, ovr) in cases.items():
        uid = "alarm-%s@aurora-tests" % key
        put(stack, uid, obj(uid, title, st, alarm, extra, ovr), quiet if key.startswith("quiet") else None)
        occurrence = moved if key == "override" else st
        STATE[key] = dict(title=title, uid=uid, start=occurrence,
                          alarm=occurrence - datetime.timedelta(minutes=1))


def need(key):
    expect(key in STATE, "the objects were not PUT (test_put_alarm_objects failed)")


def test_display_alarm_mailed_once(stack):
    need("display")
    m = wait_for_mail(stack, "display")
    check_local_time(m, STATE["display"]["start"])


def test_email_alarm_mailed_once(stack):
    need("email")
    m = wait_for_mail(stack, "email")
    check_local_time(m, STATE["email"]["start"])


def test_late_synced_alarm_mailed_once(stack):
    need("late")
    m = wait_for_mail(stack, "late")
    check_local_time(m, STATE["late"]["start"])


def no_mail(stack, key, twin):
    """None for key by its alarm time + LATE (+15 s), while its twin
    without the acknowledgement was mailed (else the check is vacuous)."""
    s = STATE[key]
    while utc_now() < s["alarm"] + datetime.timedelta(seconds=LATE + 15):
        time.sleep(2)
    found = mails(stack, s["title"])
    expect(found == [], "an acknowledged alarm was mailed: %r; outbox: %s"
           % ([m["subject"] for m in found], outbox_rows(stack, s["uid"])))
    expect(mails(stack, STATE[twin]["title"]),
           "vacuous: its unacknowledged twin %r was not mailed either" % STATE[twin]["title"])


def test_acknowledged_late_alarm_not_mailed(stack):
    """The realistic case: the device fired the alarm, the user dismissed
    it, then the object synced (ACKNOWLEDGED after the trigger)."""
    need("acked")
    no_mail(stack, "acked", "late")


def test_acknowledged_in_advance_not_mailed(stack):
    need("ahead")
    no_mail(stack, "ahead", "display")


def test_quiet_calendar_display_alarm_not_mailed(stack):
    """email_for_app_alarms off: an app's DISPLAY alarm stays on the phone."""
    need("quiet_display")
    no_mail(stack, "quiet_display", "display")


def test_quiet_calendar_email_alarm_mailed_once(stack):
    need("quiet_email")
    m = wait_for_mail(stack, "quiet_email")
    check_local_time(m, STATE["quiet_email"]["start"])


def test_override_alarm_at_override_time(stack):
    need("override")
    m = wait_for_mail(stack, "override")
    check_local_time(m, STATE["override"]["start"])


if __name__ == "__main__":
    sys.exit(run_tests([
        ("put_alarm_objects", test_put_alarm_objects),
        ("display_alarm_mailed_once", test_display_alarm_mailed_once),
        ("email_alarm_mailed_once", test_email_alarm_mailed_once),
        ("late_synced_alarm_mailed_once", test_late_synced_alarm_mailed_once),
        ("acknowledged_late_alarm_not_mailed", test_acknowledged_late_alarm_not_mailed),
        ("acknowledged_in_advance_not_mailed", test_acknowledged_in_advance_not_mailed),
        ("quiet_calendar_display_alarm_not_mailed", test_quiet_calendar_display_alarm_not_mailed),
        ("quiet_calendar_email_alarm_mailed_once", test_quiet_calendar_email_alarm_mailed_once),
        ("override_alarm_at_override_time", test_override_alarm_at_override_time),
    ]))
