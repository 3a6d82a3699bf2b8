#!/usr/bin/python3
"""End-to-end tests of several calendars per account (issue 14) on a
throwaway stack: /api/v1/calendars (list, create, read, patch, delete, the
last one kept, validation, isolation), events in calendars (create, filter,
move, import), deletion with the events and their pending reminder mail,
the change journal kept by the triggers, and calendar default reminders.
Run: /usr/bin/python3 tests/integration/test_calendars.py [NAME...]"""

import datetime
import json
import os
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import JSON_TYPE, check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from remind_util import run_remind, write_conf  # noqa: E402

CALS = "/api/v1/calendars"
EVENTS = "/api/v1/events"
JSON_HDR = {"Content-Type": "application/json"}
ICS_HDR = {"Content-Type": "text/calendar"}
MARCH = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"
CAL_KEYS = {"id", "name", "color", "description", "sort_order", "default_reminders",
            "email_for_app_alarms", "is_default", "dav_name", "read_only", "subscription_id",
            "created_at", "updated_at"}


def auth(u, extra=None):
    h = {"Authorization": "Bearer " + u["access_token"]}
    h.update(extra or {})
    return h


def jauth(u):
    return auth(u, JSON_HDR)


def psql(stack, sql):
    return stack.psql(sql).strip()


def calendars(stack, u):
    r = stack.request("GET", CALS, headers=auth(u))
    expect(r.status == 200, "list calendars: %s" % r.describe())
    expect(set(r.body) == {"items"}, "list keys %r" % sorted(r.body))
    return r.body["items"]


def new_calendar(stack, u, **fields):
    body = {"name": "Work"}
    body.update(fields)
    r = stack.request("POST", CALS, json.dumps(body), jauth(u))
    expect(r.status == 201, "create calendar: %s" % r.describe())
    return r.body


def new_event(stack, u, **fields):
    body = {"title": "Event", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z",
            "time_zone": "UTC", "reminders": []}
    body.update(fields)
    r = stack.request("POST", EVENTS, json.dumps(body), jauth(u))
    expect(r.status == 201, "create event: %s" % r.describe())
    return r.body


def listed(stack, u, query=""):
    r = stack.request("GET", "%s?%s%s" % (EVENTS, MARCH, query), headers=auth(u))
    expect(r.status == 200, "list events %s: %s" % (query, r.describe()))
    return sorted(it["id"] for it in r.body["items"])


def revision(stack, cal_id):
    return int(psql(stack, "SELECT revision FROM calendars WHERE id = '%s'" % cal_id))


def change(stack, cal_id, dav_name):
    return psql(stack, "SELECT revision, deleted FROM calendar_changes WHERE calendar_id = '%s' "
                "AND dav_name = '%s'" % (cal_id, dav_name))


# -- tests ------------------------------------------------------------------

def test_default_calendar_listed(stack):
    u = users.create_user(stack)
    items = calendars(stack, u)
    expect(len(items) == 1, "a new account has one calendar: %r" % items)
    c = items[0]
    expect(set(c) == CAL_KEYS, "calendar keys %r" % sorted(c))
    expect(c["name"] == "Calendar" and c["is_default"] is True and c["dav_name"] == "default",
           "default calendar %r" % c)
    expect(c["default_reminders"] is None and c["email_for_app_alarms"] is True, "defaults %r" % c)
    expect(c["read_only"] is False and c["subscription_id"] is None, "not a subscription %r" % c)
    expect(re.fullmatch(r"#[0-9a-f]{6}", c["color"]), "color %r" % c["color"])
    for k in ("created_at", "updated_at"):
        expect(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c[k]), "%s %r" % (k, c[k]))
    # Events made without a calendar land in it and say so.
    ev = new_event(stack, u)
    expect(ev["calendar_id"] == c["id"], "event calendar_id %r, default %r" % (ev["calendar_id"], c["id"]))


def test_create_patch_delete(stack):
    u = users.create_user(stack)
    default = calendars(stack, u)[0]
    r = stack.request("POST", CALS, json.dumps({"name": "Work", "color": "#A1B2C3",
                                                "description": "Office\nhours", "sort_order": 5,
                                                "default_reminders": [15, 60],
                                                "email_for_app_alarms": False}), jauth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    expect(r.headers.get("Content-Type") == JSON_TYPE, "Content-Type %r" % r.headers.get("Content-Type"))
    c = r.body
    expect(r.headers.get("Location") == "%s/%s" % (CALS, c["id"]), "Location %r" % r.headers.get("Location"))
    expect(set(c) == CAL_KEYS, "keys %r" % sorted(c))
    expect(c["name"] == "Work" and c["color"] == "#a1b2c3" and c["description"] == "Office\nhours"
           and c["sort_order"] == 5 and c["default_reminders"] == [15, 60]
           and c["email_for_app_alarms"] is False and c["is_default"] is False
           and c["dav_name"] == c["id"], "created %r" % c)
    r = stack.request("GET", "%s/%s" % (CALS, c["id"]), headers=auth(u))
    expect(r.status == 200 and r.body == c, "read back: %s" % r.describe())
    ids = [x["id"] for x in calendars(stack, u)]
    expect(ids == [default["id"], c["id"]], "ordered by sort_order: %r" % ids)

    # PATCH changes what it names only; null default_reminders = the account's.
    r = stack.request("PATCH", "%s/%s" % (CALS, c["id"]),
                      json.dumps({"name": "Büro ☕", "default_reminders": None, "sort_order": -1}), jauth(u))
    expect(r.status == 200, "patch: %s" % r.describe())
    p = r.body
    expect(p["name"] == "Büro ☕" and p["default_reminders"] is None and p["sort_order"] == -1
           and p["color"] == "#a1b2c3" and p["description"] == "Office\nhours"
           and p["email_for_app_alarms"] is False, "patched %r" % p)
    ids = [x["id"] for x in calendars(stack, u)]
    expect(ids == [c["id"], default["id"]], "new order %r" % ids)
    r = stack.request("PATCH", "%s/%s" % (CALS, c["id"]),
                      json.dumps({"default_reminders": [{"method": "email", "minutes_before": 5}],
                                  "email_for_app_alarms": True}), jauth(u))
    expect(r.status == 200 and r.body["default_reminders"] == [5] and r.body["email_for_app_alarms"] is True,
           "reminders as objects: %s" % r.describe())

    r = stack.request("DELETE", "%s/%s" % (CALS, c["id"]), headers=auth(u))
    expect(r.status == 204, "delete: %s" % r.describe())
    r = stack.request("GET", "%s/%s" % (CALS, c["id"]), headers=auth(u))
    check_json_error(r, 404, "not_found")
    r = stack.request("DELETE", "%s/%s" % (CALS, c["id"]), headers=auth(u))
    check_json_error(r, 404, "not_found")
    expect([x["id"] for x in calendars(stack, u)] == [default["id"]], "one left")


def test_validation(stack):
    u = users.create_user(stack)
    cases = [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "a\u0007b"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "ok", "color": "red"}, "color"),
        ({"name": "ok", "color": "#12345"}, "color"),
        ({"name": "ok", "color": "#12345g"}, "color"),
        ({"name": "ok", "description": "d" * 1001}, "description"),
        ({"name": "ok", "sort_order": 1.5}, "sort_order"),
        ({"name": "ok", "sort_order": 2 ** 31}, "sort_order"),
        ({"name": "ok", "default_reminders": [1, 2, 3, 4, 5, 6]}, "default_reminders"),
        ({"name": "ok", "default_reminders": [40321]}, "default_reminders[0]"),
        ({"name": "ok", "default_reminders": [-1]}, "default_reminders[0]"),
        ({"name": "ok", "default_reminders": [10, 10]}, "default_reminders[1]"),
        ({"name": "ok", "default_reminders": "10"}, "default_reminders"),
        ({"name": "ok", "email_for_app_alarms": 1}, "email_for_app_alarms"),
        ({"name": "ok", "colour": "#000000"}, "colour"),
        ({"name": "ok", "is_default": True}, "is_default"),
        ({"name": "ok", "id": str(uuid.uuid4())}, "id"),
        ({"name": "ok", "dav_name": "mine"}, "dav_name"),
    ]
    for body, field in cases:
        r = stack.request("POST", CALS, json.dumps(body), jauth(u))
        check_json_error(r, 422, "validation_failed")
        got = r.body["error"].get("field")
        expect(got == field, "%r: field %r, expected %r" % (body, got, field))
    # Exactly 100 characters (not bytes) is fine.
    c = new_calendar(stack, u, name="é" * 100, description="d" * 1000)
    r = stack.request("PATCH", "%s/%s" % (CALS, c["id"]), json.dumps({"name": ""}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    r = stack.request("PATCH", "%s/%s" % (CALS, c["id"]), json.dumps({"nope": 1}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("field") == "nope", "unknown member named: %s" % r.describe())
    expect(len(calendars(stack, u)) == 2, "refused bodies made nothing")


def test_last_calendar_kept(stack):
    u = users.create_user(stack)
    default = calendars(stack, u)[0]
    r = stack.request("DELETE", "%s/%s" % (CALS, default["id"]), headers=auth(u))
    check_json_error(r, 409, "conflict")
    expect("last calendar" in r.body["error"]["message"], "message %r" % r.body["error"]["message"])
    # With a second one the default may go; the other becomes the default.
    other = new_calendar(stack, u, name="Other")
    r = stack.request("DELETE", "%s/%s" % (CALS, default["id"]), headers=auth(u))
    expect(r.status == 204, "delete default: %s" % r.describe())
    items = calendars(stack, u)
    expect(len(items) == 1 and items[0]["id"] == other["id"] and items[0]["is_default"] is True,
           "default moved: %r" % items)
    ev = new_event(stack, u)
    expect(ev["calendar_id"] == other["id"], "new events go to the new default")
    r = stack.request("DELETE", "%s/%s" % (CALS, other["id"]), headers=auth(u))
    check_json_error(r, 409, "conflict")


def test_isolation(stack):
    a = users.create_user(stack)
    b = users.create_user(stack)
    cal_b = new_calendar(stack, b, name="B's")
    path = "%s/%s" % (CALS, cal_b["id"])
    check_json_error(stack.request("GET", path, headers=auth(a)), 404, "not_found")
    check_json_error(stack.request("PATCH", path, json.dumps({"name": "mine"}), jauth(a)), 404, "not_found")
    check_json_error(stack.request("DELETE", path, headers=auth(a)), 404, "not_found")
    for bad in ("nope", str(uuid.uuid4())):
        check_json_error(stack.request("GET", "%s/%s" % (CALS, bad), headers=auth(a)), 404, "not_found")
    expect(cal_b["id"] not in [c["id"] for c in calendars(stack, a)], "listed to another user")
    r = stack.request("GET", path, headers=auth(b))
    expect(r.status == 200 and r.body["name"] == "B's", "untouched: %s" % r.describe())
    # As an event's calendar: 422 on calendar_id, on create, move and listing.
    for cid in (cal_b["id"], str(uuid.uuid4()), "not-a-uuid", 7):
        body = {"title": "x", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z",
                "calendar_id": cid}
        r = stack.request("POST", EVENTS, json.dumps(body), jauth(a))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == "calendar_id", "field: %s" % r.describe())
    ev = new_event(stack, a)
    r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"calendar_id": cal_b["id"]}), jauth(a))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("field") == "calendar_id", "move field: %s" % r.describe())
    r = stack.request("GET", "%s?%s&calendar_id=%s" % (EVENTS, MARCH, cal_b["id"]), headers=auth(a))
    check_json_error(r, 422, "validation_failed")
    r = stack.request("POST", EVENTS + "/import?calendar_id=" + cal_b["id"],
                      b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", auth(a, ICS_HDR))
    check_json_error(r, 422, "validation_failed")
    expect(int(psql(stack, "SELECT count(*) FROM events WHERE calendar_id = '%s'" % cal_b["id"])) == 0,
           "nothing went into another user's calendar")


def test_events_in_calendars(stack):
    u = users.create_user(stack)
    default = calendars(stack, u)[0]
    work = new_calendar(stack, u, name="Work")
    home = new_calendar(stack, u, name="Home")
    e0 = new_event(stack, u, title="default")
    e1 = new_event(stack, u, title="work", calendar_id=work["id"].upper())
    e2 = new_event(stack, u, title="home", calendar_id=home["id"], recurrence=["RRULE:FREQ=WEEKLY;COUNT=2"])
    expect(e0["calendar_id"] == default["id"] and e1["calendar_id"] == work["id"]
           and e2["calendar_id"] == home["id"], "calendar ids %r" % [e0, e1, e2])
    r = stack.request("GET", "%s/%s" % (EVENTS, e1["id"]), headers=auth(u))
    expect(r.status == 200 and r.body["calendar_id"] == work["id"], "read: %s" % r.describe())

    expect(listed(stack, u) == sorted([e0["id"], e1["id"], e2["id"], e2["id"]]), "unfiltered")
    expect(listed(stack, u, "&calendar_id=" + work["id"]) == [e1["id"]], "one calendar")
    expect(listed(stack, u, "&calendar_id=%s&calendar_id=%s" % (work["id"], home["id"]))
           == sorted([e1["id"], e2["id"], e2["id"]]), "two calendars")
    expect(listed(stack, u, "&calendar_id=%s&calendar_id=%s" % (work["id"], work["id"])) == [e1["id"]],
           "a calendar named twice")
    r = stack.request("GET", "%s?%s&calendar_id=bogus" % (EVENTS, MARCH), headers=auth(u))
    check_json_error(r, 422, "validation_failed")
    # At most 100 values (the URI cap allows about 80 ids; the count is
    # checked before the values).
    many = "".join("&calendar_id=x" for _ in range(101))
    r = stack.request("GET", "%s?%s%s" % (EVENTS, MARCH, many), headers=auth(u))
    check_json_error(r, 422, "validation_failed")
    expect("at most 100" in r.body["error"]["message"], "cap message: %s" % r.describe())
    many = "".join("&calendar_id=" + work["id"] for _ in range(60))
    expect(listed(stack, u, many) == [e1["id"]], "60 values")
    # Other parameters still may not repeat.
    r = stack.request("GET", "%s?%s&limit=5&limit=6" % (EVENTS, MARCH), headers=auth(u))
    check_json_error(r, 422)

    # PATCH moves; the version moves on; null is not a calendar.
    r = stack.request("PATCH", "%s/%s" % (EVENTS, e1["id"]), json.dumps({"calendar_id": home["id"]}), jauth(u))
    expect(r.status == 200 and r.body["calendar_id"] == home["id"] and r.body["version"] == 2,
           "move: %s" % r.describe())
    expect(listed(stack, u, "&calendar_id=" + work["id"]) == [], "moved out")
    expect(listed(stack, u, "&calendar_id=" + home["id"]) == sorted([e1["id"], e2["id"], e2["id"]]), "moved in")
    r = stack.request("PATCH", "%s/%s" % (EVENTS, e1["id"]), json.dumps({"calendar_id": None}), jauth(u))
    check_json_error(r, 422, "validation_failed")

    # A UID is unique per calendar: the same file imports into two.
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:same@example.com\r\n"
           "DTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\nDTEND:20260310T100000Z\r\n"
           "SUMMARY:Imported\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    for cal, n in ((None, 1), (work["id"], 1), (work["id"], 0)):
        path = EVENTS + "/import" + ("?calendar_id=" + cal if cal else "")
        r = stack.request("POST", path, ics, auth(u, ICS_HDR))
        expect(r.status == 200 and r.body["imported"] == n and r.body["updated"] == 1 - n,
               "import into %s: %s" % (cal, r.describe()))
    got = psql(stack, "SELECT calendar_id FROM events WHERE uid = 'same@example.com' AND user_id = '%s' "
               "ORDER BY calendar_id" % u["user_id"]).split()
    expect(sorted(got) == sorted([default["id"], work["id"]]), "import calendars %r" % got)
    r = stack.request("POST", EVENTS + "/import?calendar_id=x&calendar_id=y", ics, auth(u, ICS_HDR))
    check_json_error(r, 422)
    # Moving an event into a calendar holding its UID is a conflict.
    imported = psql(stack, "SELECT id FROM events WHERE uid = 'same@example.com' AND calendar_id = '%s'"
                    % work["id"])
    r = stack.request("PATCH", "%s/%s" % (EVENTS, imported), json.dumps({"calendar_id": default["id"]}), jauth(u))
    check_json_error(r, 409, "conflict")


def test_delete_cancels_mail(stack):
    u = users.create_user(stack)
    keep = new_event(stack, u, title="kept")
    work = new_calendar(stack, u, name="Work")
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(hours=3)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    evs = [new_event(stack, u, title="w%d" % i, calendar_id=work["id"], start=iso(start),
                     end=iso(start + datetime.timedelta(hours=1)),
                     reminders=[{"minutes_before": 30}, {"minutes_before": 60}]) for i in range(3)]
    kept_mail = new_event(stack, u, title="other mail", start=iso(start), end=iso(start + datetime.timedelta(hours=1)),
                          reminders=[{"minutes_before": 30}])
    ids = "','".join(e["id"] for e in evs)
    mail = psql(stack, "SELECT id FROM mail_outbox WHERE kind = 'reminder' AND status = 'pending' "
                "AND event_id IN ('%s')" % ids).split()
    expect(len(mail) == 6, "pending mail before %r" % mail)
    r = stack.request("DELETE", "%s/%s" % (CALS, work["id"]), headers=auth(u))
    expect(r.status == 204, "delete: %s" % r.describe())
    left = psql(stack, "SELECT status FROM mail_outbox WHERE id IN (%s)" % ",".join(mail)).split()
    expect(left == ["cancelled"] * 6, "mail after delete %r" % left)
    expect(psql(stack, "SELECT count(*) FROM events WHERE id IN ('%s')" % ids) == "0", "events gone")
    for e in evs:
        check_json_error(stack.request("GET", "%s/%s" % (EVENTS, e["id"]), headers=auth(u)), 404)
    expect(psql(stack, "SELECT count(*) FROM calendar_changes WHERE calendar_id = '%s'" % work["id"]) == "0",
           "the journal went with the calendar")
    r = stack.request("GET", "%s/%s" % (EVENTS, keep["id"]), headers=auth(u))
    expect(r.status == 200, "other calendar's event kept: %s" % r.describe())
    other = psql(stack, "SELECT status FROM mail_outbox WHERE event_id = '%s'" % kept_mail["id"])
    expect(other == "pending", "other calendar's mail untouched: %r" % other)


def test_journal(stack):
    u = users.create_user(stack)
    default = calendars(stack, u)[0]
    work = new_calendar(stack, u, name="Work")
    r0 = revision(stack, default["id"])
    ev = new_event(stack, u)
    name = ev["id"] + ".ics"
    r1 = revision(stack, default["id"])
    expect(r1 == r0 + 1, "create bumps the revision: %d -> %d" % (r0, r1))
    expect(change(stack, default["id"], name) == "%d|f" % r1, "change row %r" % change(stack, default["id"], name))
    r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"title": "t2"}), jauth(u))
    expect(r.status == 200, "patch: %s" % r.describe())
    r2 = revision(stack, default["id"])
    expect(r2 == r1 + 1 and change(stack, default["id"], name) == "%d|f" % r2, "edit journaled")
    # A move leaves a tombstone behind and a change in the new calendar.
    w0 = revision(stack, work["id"])
    r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"calendar_id": work["id"]}), jauth(u))
    expect(r.status == 200, "move: %s" % r.describe())
    r3 = revision(stack, default["id"])
    expect(r3 == r2 + 1 and change(stack, default["id"], name) == "%d|t" % r3,
           "tombstone after the move: %r" % change(stack, default["id"], name))
    w1 = revision(stack, work["id"])
    expect(w1 == w0 + 1 and change(stack, work["id"], name) == "%d|f" % w1, "change in the new calendar")
    # A delete leaves a tombstone.
    r = stack.request("DELETE", "%s/%s" % (EVENTS, ev["id"]), headers=auth(u))
    expect(r.status == 204, "delete: %s" % r.describe())
    w2 = revision(stack, work["id"])
    expect(w2 == w1 + 1 and change(stack, work["id"], name) == "%d|t" % w2,
           "tombstone after delete: %r" % change(stack, work["id"], name))
    # Many changes in one transaction (an import; sql/012 counts them in
    # the transaction and writes the calendar's row once, at commit): each
    # its own revision, in order, and the row's revision the last of them.
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + "".join(
        "BEGIN:VEVENT\r\nUID:j%d@x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\n"
        "DTEND:20260310T100000Z\r\nSUMMARY:j\r\nEND:VEVENT\r\n" % i for i in range(50)) + "END:VCALENDAR\r\n"
    r = stack.request("POST", EVENTS + "/import?calendar_id=" + work["id"], ics.encode(), auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 50, "import: %s" % r.describe())
    revs = [int(x) for x in psql(stack, "SELECT dav_revision FROM events WHERE calendar_id = '%s' "
                                 "AND uid LIKE 'j%%@x' ORDER BY dav_revision" % work["id"]).split()]
    expect(revs == list(range(w2 + 1, w2 + 51)), "import revisions %r after %d" % (revs[:5], w2))
    expect(revision(stack, work["id"]) == w2 + 50, "row revision after the import %d" % revision(stack, work["id"]))
    # A savepoint rolled back takes its revision with it.
    psql(stack, "BEGIN; "
         "INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, time_zone, series_end) "
         "VALUES ('{u}', '{c}', 'sp1', 't', now(), now() + interval '1 hour', 'UTC', now() + interval '1 hour'); "
         "SAVEPOINT s; "
         "INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, time_zone, series_end) "
         "VALUES ('{u}', '{c}', 'sp2', 't', now(), now() + interval '1 hour', 'UTC', now() + interval '1 hour'); "
         "ROLLBACK TO SAVEPOINT s; "
         "INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, time_zone, series_end) "
         "VALUES ('{u}', '{c}', 'sp3', 't', now(), now() + interval '1 hour', 'UTC', now() + interval '1 hour'); "
         "COMMIT;".format(u=u["user_id"], c=work["id"]))
    got = psql(stack, "SELECT string_agg(uid || '=' || dav_revision, ' ' ORDER BY uid) FROM events "
               "WHERE calendar_id = '%s' AND uid LIKE 'sp%%'" % work["id"])
    expect(got == "sp1=%d sp3=%d" % (w2 + 51, w2 + 52), "savepoint revisions %r" % got)
    expect(revision(stack, work["id"]) == w2 + 52, "row revision after the savepoint")
    # A writer of the same calendar waits for one in progress and numbers
    # its change after all of that one's.
    ins = ("INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, time_zone, series_end) "
           "VALUES ('%s', '%s', '%%s', 't', now(), now() + interval '1 hour', 'UTC', now() + interval '1 hour');"
           % (u["user_id"], work["id"]))
    t1 = threading.Thread(target=psql, args=(stack, "BEGIN; " + ins % "cc1" + " SELECT pg_sleep(1.5); "
                                             + ins % "cc2" + ins % "cc3" + " COMMIT;"))
    t1.start()
    time.sleep(0.5)
    psql(stack, ins % "cc4")
    t1.join()
    got = psql(stack, "SELECT string_agg(uid || '=' || dav_revision, ' ' ORDER BY uid) FROM events "
               "WHERE calendar_id = '%s' AND uid LIKE 'cc%%'" % work["id"])
    want = " ".join("cc%d=%d" % (i, w2 + 52 + i) for i in range(1, 5))
    expect(got == want, "concurrent writers %r, expected %r" % (got, want))
    psql(stack, "DELETE FROM events WHERE calendar_id = '%s' AND (uid LIKE 'j%%@x' OR uid LIKE 'sp%%' "
         "OR uid LIKE 'cc%%')" % work["id"])
    expect(revision(stack, work["id"]) == w2 + 112, "row revision after a bulk delete")
    ev2 = new_event(stack, u, calendar_id=work["id"])
    expect(revision(stack, work["id"]) == w2 + 113, "the next change after them")
    r = stack.request("DELETE", "%s/%s" % (EVENTS, ev2["id"]), headers=auth(u))
    expect(r.status == 204, "delete: %s" % r.describe())
    w2 = revision(stack, work["id"])
    # aurora-remind's pass prunes tombstones older than 30 days and moves
    # min_revision past them.
    psql(stack, "UPDATE calendar_changes SET changed_at = now() - interval '31 days' "
         "WHERE calendar_id = '%s'" % work["id"])
    dead = int(psql(stack, "SELECT count(*) FROM calendar_changes WHERE calendar_id = '%s' AND deleted"
                    % work["id"]))
    expect(dead == 58, "tombstones %d" % dead)
    r = run_remind(write_conf(stack, "calendars.conf"), "--once")
    expect(r.returncode == 0, "aurora-remind --once: %s" % r.stderr)
    expect("pruned %d tombstones" % dead in r.stdout + r.stderr,
           "prune logged: %r" % (r.stdout + r.stderr)[-600:])
    expect(psql(stack, "SELECT min_revision FROM calendars WHERE id = '%s'" % work["id"]) == str(w2),
           "min_revision moved")
    expect(change(stack, work["id"], name) == "", "tombstone gone")


def test_calendar_default_reminders(stack):
    u = users.create_user(stack)
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"default_reminders": [{"minutes_before": 10}]}), jauth(u))
    expect(r.status == 200, "me: %s" % r.describe())
    plain = new_calendar(stack, u, name="Plain")
    remind = new_calendar(stack, u, name="Remind", default_reminders=[45, 5])
    none = new_calendar(stack, u, name="None", default_reminders=[])
    body = {"title": "x", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z"}

    def minutes(cal_id):
        b = dict(body)
        if cal_id:
            b["calendar_id"] = cal_id
        r = stack.request("POST", EVENTS, json.dumps(b), jauth(u))
        expect(r.status == 201, "create: %s" % r.describe())
        return [x["minutes_before"] for x in r.body["reminders"]]

    expect(minutes(None) == [10], "default calendar: the account's %r" % minutes(None))
    expect(minutes(plain["id"]) == [10], "no calendar defaults: the account's")
    expect(minutes(remind["id"]) == [45, 5], "calendar defaults %r" % minutes(remind["id"]))
    expect(minutes(none["id"]) == [], "calendar defaults of none")
    b = dict(body, calendar_id=remind["id"], reminders=[{"minutes_before": 1}])
    r = stack.request("POST", EVENTS, json.dumps(b), jauth(u))
    expect(r.status == 201 and [x["minutes_before"] for x in r.body["reminders"]] == [1],
           "given reminders win: %s" % r.describe())
    # The default calendar's own defaults apply to events made without one.
    default = calendars(stack, u)[0]
    r = stack.request("PATCH", "%s/%s" % (CALS, default["id"]), json.dumps({"default_reminders": [20]}), jauth(u))
    expect(r.status == 200, "patch default: %s" % r.describe())
    expect(minutes(None) == [20], "default calendar's defaults")


def test_calendar_cap(stack):
    u = users.create_user(stack)
    # 99 more than the default, made directly; the API refuses the 101st.
    psql(stack, "INSERT INTO calendars (user_id, dav_name, name) SELECT '%s', 'c' || g, 'c' || g "
         "FROM generate_series(1, 99) g" % u["user_id"])
    r = stack.request("POST", CALS, json.dumps({"name": "one too many"}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    expect(len(calendars(stack, u)) == 100, "cap held")


TESTS = [
    ("default_calendar_listed", test_default_calendar_listed),
    ("create_patch_delete", test_create_patch_delete),
    ("validation", test_validation),
    ("last_calendar_kept", test_last_calendar_kept),
    ("isolation", test_isolation),
    ("events_in_calendars", test_events_in_calendars),
    ("delete_cancels_mail", test_delete_cancels_mail),
    ("journal", test_journal),
    ("calendar_default_reminders", test_calendar_default_reminders),
    ("calendar_cap", test_calendar_cap),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
