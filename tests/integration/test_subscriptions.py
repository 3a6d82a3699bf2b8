#!/usr/bin/python3
"""End-to-end tests of the account's side of subscriptions to outside
calendars (issue 18) on a throwaway stack: /api/v1/subscriptions (shape,
defaults, webcal, validation, the cap, one address once per account,
change, refresh with its NOTIFY and its limit (429, pending, concurrent
requests, a new address within the limit scheduled at its end), removal
with the calendar and its events, isolation), the read-only
calendar in /api/v1/calendars, every write to it refused over REST and
CalDAV (real HTTP), and its CalDAV privileges and CalendarServer source.
The fetcher is not needed: events of a subscribed calendar are written
here as the database owner. Feed addresses are on this machine (port 9,
where nothing listens) so that a running fetcher contacts nothing else.
Run: /usr/bin/python3 tests/integration/test_subscriptions.py [NAME...]"""

import datetime
import json
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from caldav_util import NS, app_password, dav, multistatus, vcalendar, vevent  # noqa: E402
from test_subscriptions_fetch import Feeds  # noqa: E402 — the loopback feed server
from test_calendars import auth, jauth, new_event, psql  # noqa: E402
import remind_util as ru  # noqa: E402
from test_security_events import concurrently  # noqa: E402

SUBS = "/api/v1/subscriptions"
CALS = "/api/v1/calendars"
EVENTS = "/api/v1/events"
MARCH = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"
FEED = "https://127.0.0.1:9/holidays.ics"
SUB_KEYS = {"id", "calendar_id", "url", "name", "color", "refresh_minutes", "reminders", "status",
            "last_fetched_at", "last_success_at", "last_error", "next_fetch_at", "created_at", "updated_at"}
STABLE = ("id", "calendar_id", "url", "name", "color", "refresh_minutes", "reminders", "created_at")
CHANNEL = "aurora_subscriptions"
MIN_SECONDS = 10   # AURORA_SUBSCRIPTION_REFRESH_MIN_SECONDS below
CS = "{http://calendarserver.org/ns/}"


def subscribe(stack, u, **fields):
    body = {"url": FEED}
    body.update(fields)
    r = stack.request("POST", SUBS, json.dumps(body), jauth(u))
    expect(r.status == 201, "subscribe: %s" % r.describe())
    return r.body


def calendars(stack, u):
    r = stack.request("GET", CALS, headers=auth(u))
    expect(r.status == 200, "list calendars: %s" % r.describe())
    return {c["id"]: c for c in r.body["items"]}


def feed_event(stack, u, cal_id, uid="feed-1@example"):
    """An event of the feed, written as the fetcher would (the owner)."""
    return psql(stack, "INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, "
                "time_zone, series_end) VALUES ('%s', '%s', '%s', 'Holiday', '2026-03-10T00:00:00Z', "
                "'2026-03-11T00:00:00Z', 'UTC', '2026-03-11T00:00:00Z') RETURNING id"
                % (u["user_id"], cal_id, uid)).split()[0]


def read_only_refused(r, what):
    check_json_error(r, 403, "read_only")
    msg = r.body["error"]["message"]
    expect("read-only" in msg or "subscri" in msg, "%s: message in words %r" % (what, msg))


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


class Listener:
    """LISTEN on the subscriptions channel through psql as another client
    would; heard() ends the session and returns the payloads it got."""

    def __init__(self, stack):
        fields = dict(kv.split("=", 1) for kv in stack.conf()["db_conninfo"].split())
        pgbin = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
        self.stack = stack
        self.tag = "listen-%s" % uuid.uuid4().hex[:8]
        env = dict(os.environ, PGAPPNAME=self.tag)
        self.p = subprocess.Popen([os.path.join(pgbin, "psql"), "-X", "-q", "-A", "-t", "-h", fields["host"],
                                   "-p", fields["port"], "-U", "postgres", "-d", "aurora"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, env=env)
        self.p.stdin.write("LISTEN %s;\n" % CHANNEL)
        self.p.stdin.flush()
        deadline = time.time() + 10
        while time.time() < deadline:
            if psql(stack, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' "
                    "AND query LIKE 'LISTEN%%' AND state = 'idle'" % self.tag) == "1":
                return
            time.sleep(0.05)
        self.p.kill()
        raise AssertionError("psql did not LISTEN")

    def heard(self):
        out, _ = self.p.communicate("SELECT 1;\n", timeout=20)
        return re.findall(r'notification "%s" with payload "([^"]*)"' % CHANNEL, out)


# -- tests ------------------------------------------------------------------

def test_create_shape(stack):
    u = users.create_user(stack)
    before = calendars(stack, u)
    lis = Listener(stack)
    r = stack.request("POST", SUBS, json.dumps({"url": "webcal://127.0.0.1:9/School%20Term.ics#x"}), jauth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    s = r.body
    heard = lis.heard()
    expect(set(s) == SUB_KEYS, "keys %r" % sorted(s))
    expect(r.headers.get("Location") == "%s/%s" % (SUBS, s["id"]), "Location %r" % r.headers.get("Location"))
    expect(s["url"] == "https://127.0.0.1:9/School%20Term.ics", "webcal means https, no fragment: %r" % s["url"])
    expect(s["name"] == "127.0.0.1", "name from the host %r" % s["name"])
    expect(s["color"] == "#3788d8" and s["refresh_minutes"] == 60 and s["reminders"] is False,
           "defaults %r" % s)
    expect(s["status"] == "pending" and s["last_fetched_at"] is None and s["last_error"] is None
           and s["last_success_at"] is None, "new state %r" % s)
    now = datetime.datetime.now(datetime.timezone.utc)
    expect(abs((parse_time(s["next_fetch_at"]) - now).total_seconds()) < 120, "due now %r" % s["next_fetch_at"])
    expect(heard == [s["id"]], "NOTIFY on create: %r" % heard)
    # Its calendar: read-only, named and coloured as the subscription.
    cals = calendars(stack, u)
    expect(set(cals) - set(before) == {s["calendar_id"]}, "one new calendar")
    c = cals[s["calendar_id"]]
    expect(c["read_only"] is True and c["subscription_id"] == s["id"] and c["name"] == s["name"]
           and c["color"] == s["color"] and c["is_default"] is False, "calendar %r" % c)
    for other in before.values():
        expect(other["read_only"] is False and other["subscription_id"] is None, "own calendar %r" % other)
    r = stack.request("GET", "%s/%s" % (CALS, s["calendar_id"]), headers=auth(u))
    expect(r.status == 200 and r.body["subscription_id"] == s["id"], "calendar read: %s" % r.describe())
    # Given name, colour, refresh and reminders; read back and listed.
    t = subscribe(stack, u, url="http://127.0.0.1:9/f.ics", name="Fixtures", color="#AA00bb",
                  refresh_minutes=15, reminders=True)
    expect(t["url"] == "http://127.0.0.1:9/f.ics" and t["name"] == "Fixtures" and t["color"] == "#aa00bb"
           and t["refresh_minutes"] == 15 and t["reminders"] is True, "given %r" % t)
    r = stack.request("GET", "%s/%s" % (SUBS, t["id"]), headers=auth(u))
    expect(r.status == 200 and all(r.body[k] == t[k] for k in STABLE), "read back: %s" % r.describe())
    r = stack.request("GET", SUBS, headers=auth(u))
    expect(r.status == 200 and set(r.body) == {"items"}, "list: %s" % r.describe())
    expect([x["id"] for x in r.body["items"]] == [s["id"], t["id"]], "oldest first %r" % r.body["items"])
    expect(psql(stack, "SELECT read_only FROM calendars WHERE id = '%s'" % t["calendar_id"]) == "t",
           "stored read-only")


def test_validation(stack):
    u = users.create_user(stack)
    cases = [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": 5}, "url"),
        ({"url": None}, "url"),
        ({"url": "ftp://127.0.0.1/x.ics"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "127.0.0.1/x.ics"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https:///x.ics"}, "url"),
        ({"url": "https://user:secret@127.0.0.1/x.ics"}, "url"),
        ({"url": "https://user@127.0.0.1/x.ics"}, "url"),
        ({"url": "https://127.0.0.1/a b.ics"}, "url"),
        ({"url": "https://127.0.0.1/é.ics"}, "url"),
        ({"url": "https://127.0.0.1/\u0007"}, "url"),
        ({"url": "https://127.0.0.1/" + "a" * 2040}, "url"),
        ({"url": FEED, "refresh_minutes": 14}, "refresh_minutes"),
        ({"url": FEED, "refresh_minutes": 10081}, "refresh_minutes"),
        ({"url": FEED, "refresh_minutes": "60"}, "refresh_minutes"),
        ({"url": FEED, "refresh_minutes": 60.5}, "refresh_minutes"),
        ({"url": FEED, "reminders": 1}, "reminders"),
        ({"url": FEED, "name": ""}, "name"),
        ({"url": FEED, "name": "x" * 101}, "name"),
        ({"url": FEED, "color": "red"}, "color"),
        ({"url": FEED, "status": "ok"}, "status"),
        ({"url": FEED, "id": str(uuid.uuid4())}, "id"),
        ({"url": FEED, "calendar_id": str(uuid.uuid4())}, "calendar_id"),
        ({"url": FEED, "etag": "x"}, "etag"),
        ({"url": FEED, "colour": "#000000"}, "colour"),
    ]
    for body, field in cases:
        r = stack.request("POST", SUBS, json.dumps(body), jauth(u))
        check_json_error(r, 422, "validation_failed")
        got = r.body["error"].get("field")
        expect(got == field, "%r: field %r, expected %r (%s)" % (body, got, field, r.describe()))
    # No query parameters anywhere.
    check_json_error(stack.request("GET", SUBS + "?limit=5", headers=auth(u)), 422)
    for bad in (b"[]", b"not json", b'{"url": "https://127.0.0.1/x.ics"'):
        r = stack.request("POST", SUBS, bad, jauth(u))
        expect(r.status in (400, 422), "body %r: %s" % (bad, r.describe()))
    # The longest address that fits (2048 bytes) is taken; words in messages.
    r = stack.request("POST", SUBS, json.dumps({"url": "https://127.0.0.1/" + "a" * 2030}), jauth(u))
    expect(r.status == 201, "2048 bytes: %s" % r.describe())
    r = stack.request("POST", SUBS, json.dumps({"url": "https://u:p@127.0.0.1/x.ics"}), jauth(u))
    expect("password" in r.body["error"]["message"], "userinfo message %r" % r.body["error"]["message"])
    expect(len(calendars(stack, u)) == 2 and psql(stack, "SELECT count(*) FROM subscriptions WHERE user_id = "
                                                  "'%s'" % u["user_id"]) == "1", "refused bodies made nothing")


def test_patch(stack):
    u = users.create_user(stack)
    s = subscribe(stack, u, name="Holidays")
    path = "%s/%s" % (SUBS, s["id"])
    r = stack.request("PATCH", path, json.dumps({"name": "Feiertage ☀", "color": "#00FF00",
                                                 "refresh_minutes": 10080, "reminders": True}), jauth(u))
    expect(r.status == 200, "patch: %s" % r.describe())
    p = r.body
    expect(p["name"] == "Feiertage ☀" and p["color"] == "#00ff00" and p["refresh_minutes"] == 10080
           and p["reminders"] is True and p["url"] == FEED, "patched %r" % p)
    c = calendars(stack, u)[s["calendar_id"]]
    expect(c["name"] == "Feiertage ☀" and c["color"] == "#00ff00", "the calendar follows %r" % c)
    # The calendar's own PATCH of its name shows in the subscription too.
    r = stack.request("PATCH", "%s/%s" % (CALS, s["calendar_id"]), json.dumps({"name": "Days off"}), jauth(u))
    expect(r.status == 200, "calendar rename: %s" % r.describe())
    r = stack.request("GET", path, headers=auth(u))
    expect(r.body["name"] == "Days off", "one name: %s" % r.describe())
    # A fetched state; the same URL again keeps it.
    # (An hour ago: a new URL is fetched at once, past the refresh limit.)
    wait_fetched(stack, u, s["id"])
    psql(stack, "UPDATE subscriptions SET status = 'error', last_error = 'the server answered 404', "
         "etag = '\"e1\"', last_modified = 'Mon, 01 Jan 2029 00:00:00 GMT', failures = 3, "
         "last_fetched_at = now() - interval '1 hour', next_fetch_at = now() + interval '5 hours' "
         "WHERE id = '%s'" % s["id"])
    r = stack.request("GET", path, headers=auth(u))
    expect(r.body["status"] == "error" and r.body["last_error"] == "the server answered 404"
           and r.body["last_fetched_at"] is not None, "state shown: %s" % r.describe())
    lis = Listener(stack)
    r = stack.request("PATCH", path, json.dumps({"url": FEED, "refresh_minutes": 30}), jauth(u))
    expect(r.status == 200 and r.body["status"] == "error" and r.body["refresh_minutes"] == 30,
           "same URL keeps the state: %s" % r.describe())
    expect(lis.heard() == [], "no NOTIFY without a new URL")
    row = psql(stack, "SELECT etag, failures FROM subscriptions WHERE id = '%s'" % s["id"])
    expect(row == '"e1"|3', "validators kept %r" % row)
    # A new URL starts over, due now, and wakes the fetcher.
    lis = Listener(stack)
    r = stack.request("PATCH", path, json.dumps({"url": "webcal://127.0.0.1:9/other.ics"}), jauth(u))
    expect(r.status == 200, "new url: %s" % r.describe())
    heard = lis.heard()
    n = r.body
    expect(n["url"] == "https://127.0.0.1:9/other.ics" and n["status"] == "pending" and n["last_error"] is None,
           "started over %r" % n)
    now = datetime.datetime.now(datetime.timezone.utc)
    expect(parse_time(n["next_fetch_at"]) <= now + datetime.timedelta(seconds=5), "due now %r" % n["next_fetch_at"])
    # The fetcher may have tried the new address already (nothing listens
    # there): one failure at most, no validators.
    row = psql(stack, "SELECT coalesce(etag, '-'), coalesce(last_modified, '-'), failures FROM subscriptions "
               "WHERE id = '%s'" % s["id"])
    expect(row in ("-|-|0", "-|-|1"), "validators and failures cleared %r" % row)
    expect(heard == [s["id"]], "NOTIFY on a new URL %r" % heard)
    # Refusals change nothing.
    for body, field in (({"url": "gopher://127.0.0.1/"}, "url"), ({"refresh_minutes": 5}, "refresh_minutes"),
                        ({"status": "ok"}, "status"), ({"name": None, "nope": 1}, "nope"),
                        ({"color": "#12"}, "color")):
        r = stack.request("PATCH", path, json.dumps(body), jauth(u))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == field, "%r: %s" % (body, r.describe()))
    r = stack.request("GET", path, headers=auth(u))
    expect(r.body["url"] == n["url"] and r.body["refresh_minutes"] == 30, "unchanged: %s" % r.describe())


def test_cap(stack):
    u = users.create_user(stack)
    # 49 made directly; the API takes the 50th and refuses the 51st.
    psql(stack, "WITH c AS (INSERT INTO calendars (user_id, dav_name, name, read_only) "
         "SELECT '{u}', 's' || g, 's' || g, true FROM generate_series(1, 49) g RETURNING id, name) "
         "INSERT INTO subscriptions (user_id, calendar_id, url) SELECT '{u}', id, '{f}?n=' || name FROM c"
         .format(u=u["user_id"], f=FEED))
    subscribe(stack, u)
    ncal = len(calendars(stack, u))
    r = stack.request("POST", SUBS, json.dumps({"url": FEED + "?n=51"}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    expect("50" in r.body["error"]["message"], "cap in words %r" % r.body["error"]["message"])
    expect(len(calendars(stack, u)) == ncal, "no calendar left behind")
    r = stack.request("GET", SUBS, headers=auth(u))
    expect(len(r.body["items"]) == 50, "50 listed")
    # Another account is not affected.
    subscribe(stack, users.create_user(stack))


def test_isolation(stack):
    a = users.create_user(stack)
    b = users.create_user(stack)
    s = subscribe(stack, b, name="B's")
    path = "%s/%s" % (SUBS, s["id"])
    check_json_error(stack.request("GET", path, headers=auth(a)), 404, "not_found")
    check_json_error(stack.request("PATCH", path, json.dumps({"name": "mine"}), jauth(a)), 404, "not_found")
    check_json_error(stack.request("POST", path + "/refresh", headers=auth(a)), 404, "not_found")
    check_json_error(stack.request("DELETE", path, headers=auth(a)), 404, "not_found")
    for bad in ("nope", str(uuid.uuid4())):
        for method in ("GET", "PATCH", "DELETE"):
            body = json.dumps({"name": "x"}) if method == "PATCH" else None
            check_json_error(stack.request(method, "%s/%s" % (SUBS, bad), body, jauth(a)), 404, "not_found")
        check_json_error(stack.request("POST", "%s/%s/refresh" % (SUBS, bad), headers=auth(a)), 404,
                         "not_found")
    r = stack.request("GET", SUBS, headers=auth(a))
    expect(r.status == 200 and r.body["items"] == [], "listed to another user: %s" % r.describe())
    expect(s["calendar_id"] not in calendars(stack, a), "calendar listed to another user")
    r = stack.request("GET", path, headers=auth(b))
    expect(r.status == 200 and r.body["name"] == "B's", "untouched: %s" % r.describe())
    check_json_error(stack.request("GET", SUBS), 401)


def test_read_only_rest(stack):
    u = users.create_user(stack)
    s = subscribe(stack, u)
    cal = s["calendar_id"]
    fid = feed_event(stack, u, cal)
    r = stack.request("GET", "%s?%s&calendar_id=%s" % (EVENTS, MARCH, cal), headers=auth(u))
    expect(r.status == 200 and [e["id"] for e in r.body["items"]] == [fid], "listed: %s" % r.describe())
    expect(r.body["items"][0]["calendar_id"] == cal, "with its calendar_id")
    epath = "%s/%s" % (EVENTS, fid)
    read_only_refused(stack.request("PATCH", epath, json.dumps({"title": "Mine now"}), jauth(u)), "patch")
    read_only_refused(stack.request("PATCH", epath, json.dumps({"reminders": [10]}), jauth(u)), "reminders")
    read_only_refused(stack.request("DELETE", epath, headers=auth(u)), "delete")
    own = new_event(stack, u)
    read_only_refused(stack.request("PATCH", epath, json.dumps({"calendar_id": own["calendar_id"]}), jauth(u)),
                      "move out")
    read_only_refused(stack.request("PATCH", "%s/%s" % (EVENTS, own["id"]), json.dumps({"calendar_id": cal}),
                                    jauth(u)), "move in")
    body = {"title": "x", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z", "calendar_id": cal}
    read_only_refused(stack.request("POST", EVENTS, json.dumps(body), jauth(u)), "create")
    body["time_zone"] = "UTC"
    body["reminders"] = []
    read_only_refused(stack.request("POST", EVENTS, json.dumps(body), jauth(u)), "create with all members")
    ics = vcalendar(vevent("imp@x", ":20260312T090000Z", ":20260312T100000Z", "Imported"))
    r = stack.request("POST", EVENTS + "/import?calendar_id=" + cal, ics.encode(),
                      auth(u, {"Content-Type": "text/calendar"}))
    read_only_refused(r, "import")
    row = psql(stack, "SELECT title, version, calendar_id FROM events WHERE id = '%s'" % fid)
    expect(row == "Holiday|1|%s" % cal, "the feed's event untouched %r" % row)
    expect(psql(stack, "SELECT count(*) FROM events WHERE calendar_id = '%s'" % cal) == "1", "nothing added")
    r = stack.request("GET", "%s/%s" % (EVENTS, own["id"]), headers=auth(u))
    expect(r.body["calendar_id"] == own["calendar_id"], "own event not moved")
    # The calendar itself: name, colour, order and description stay the
    # account's; reminders and app alarms belong to the subscription.
    cpath = "%s/%s" % (CALS, cal)
    r = stack.request("PATCH", cpath, json.dumps({"name": "Hols", "color": "#112233", "sort_order": 3,
                                                  "description": "from the council"}), jauth(u))
    expect(r.status == 200 and r.body["read_only"] is True and r.body["name"] == "Hols", "cosmetic: %s"
           % r.describe())
    # Whether a calendar is a subscription's is the server's to say.
    for member in ({"read_only": False}, {"subscription_id": None}):
        r = stack.request("PATCH", cpath, json.dumps(member), jauth(u))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == list(member)[0], "field %s" % r.describe())
    r = stack.request("POST", CALS, json.dumps({"name": "Mine", "read_only": True}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    for member in ({"default_reminders": [10]}, {"email_for_app_alarms": True}):
        r = stack.request("PATCH", cpath, json.dumps(member), jauth(u))
        read_only_refused(r, "calendar %r" % member)
        expect(r.body["error"].get("field") == list(member)[0], "field %s" % r.describe())
    r = stack.request("GET", "%s/%s" % (SUBS, s["id"]), headers=auth(u))
    expect(r.body["name"] == "Hols" and r.body["color"] == "#112233", "one name: %s" % r.describe())


def test_delete(stack):
    u = users.create_user(stack)
    s = subscribe(stack, u)
    cal = s["calendar_id"]
    fid = feed_event(stack, u, cal)
    # An event with pending reminder mail (the fetcher plans it when the
    # subscription asks for reminders): made in the own calendar, moved in
    # as the owner.
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(hours=3)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    reminded = new_event(stack, u, title="reminded", start=iso(start), end=iso(start + datetime.timedelta(hours=1)),
                         reminders=[{"minutes_before": 30}])
    psql(stack, "UPDATE events SET calendar_id = '%s' WHERE id = '%s'" % (cal, reminded["id"]))
    mail = psql(stack, "SELECT id FROM mail_outbox WHERE kind = 'reminder' AND status = 'pending' "
                "AND event_id = '%s'" % reminded["id"]).split()
    expect(len(mail) == 1, "pending mail before %r" % mail)
    r = stack.request("DELETE", "%s/%s" % (SUBS, s["id"]), headers=auth(u))
    expect(r.status == 204, "delete: %s" % r.describe())
    left = psql(stack, "SELECT status FROM mail_outbox WHERE id = %s" % mail[0])
    expect(left == "cancelled", "its reminder mail after the delete: %r" % left)
    check_json_error(stack.request("GET", "%s/%s" % (SUBS, s["id"]), headers=auth(u)), 404, "not_found")
    check_json_error(stack.request("DELETE", "%s/%s" % (SUBS, s["id"]), headers=auth(u)), 404, "not_found")
    expect(cal not in calendars(stack, u), "calendar gone")
    expect(psql(stack, "SELECT count(*) FROM events WHERE calendar_id = '%s' OR id IN ('%s', '%s')"
                % (cal, fid, reminded["id"])) == "0", "events gone")
    expect(psql(stack, "SELECT count(*) FROM subscriptions WHERE id = '%s'" % s["id"]) == "0", "row gone")
    # Deleting its calendar ends the subscription as well.
    t = subscribe(stack, u)
    r = stack.request("DELETE", "%s/%s" % (CALS, t["calendar_id"]), headers=auth(u))
    expect(r.status == 204, "delete the calendar: %s" % r.describe())
    check_json_error(stack.request("GET", "%s/%s" % (SUBS, t["id"]), headers=auth(u)), 404, "not_found")
    # The last calendar of the account's own stays, subscriptions or not;
    # the default never passes to a subscription's calendar.
    v = subscribe(stack, u)
    default = [c for c in calendars(stack, u).values() if c["is_default"]][0]
    r = stack.request("DELETE", "%s/%s" % (CALS, default["id"]), headers=auth(u))
    check_json_error(r, 409, "conflict")
    expect("last calendar" in r.body["error"]["message"], "message %r" % r.body["error"]["message"])
    r = stack.request("POST", CALS, json.dumps({"name": "Second"}), jauth(u))
    expect(r.status == 201, "second: %s" % r.describe())
    second = r.body["id"]
    r = stack.request("DELETE", "%s/%s" % (CALS, default["id"]), headers=auth(u))
    expect(r.status == 204, "default goes: %s" % r.describe())
    cals = calendars(stack, u)
    expect(cals[second]["is_default"] is True and cals[v["calendar_id"]]["is_default"] is False,
           "the default passed to the account's own calendar %r" % cals)
    ev = new_event(stack, u)
    expect(ev["calendar_id"] == second, "new events go there")


def quiet(stack, u, s, **cols):
    """Once the fetcher has tried the new subscription (port 9: refused),
    sets its columns as given (SQL text) and a lease of an hour, so that
    no fetcher takes it or records anything while the test runs."""
    wait_fetched(stack, u, s["id"])
    cols = dict({"status": "'ok'", "last_error": "NULL", "lease_until": "now() + interval '1 hour'"}, **cols)
    psql(stack, "UPDATE subscriptions SET %s WHERE id = '%s'"
         % (", ".join("%s = %s" % kv for kv in cols.items()), s["id"]))


def refresh(stack, u, s):
    return stack.request("POST", "%s/%s/refresh" % (SUBS, s["id"]), headers=auth(u))


def sub_col(stack, s, expr):
    return psql(stack, "SELECT %s FROM subscriptions WHERE id = '%s'" % (expr, s["id"]))


def test_refresh(stack):
    u = users.create_user(stack)
    s = subscribe(stack, u)
    quiet(stack, u, s, last_fetched_at="now() - interval '1 hour'", next_fetch_at="now() + interval '1 hour'")
    lis = Listener(stack)
    r = stack.request("POST", "%s/%s/refresh" % (SUBS, s["id"]), headers=auth(u))
    heard = lis.heard()
    expect(r.status == 202, "refresh: %s" % r.describe())
    expect(set(r.body) == SUB_KEYS and r.body["id"] == s["id"], "answer %r" % r.body)
    now = datetime.datetime.now(datetime.timezone.utc)
    expect(parse_time(r.body["next_fetch_at"]) <= now + datetime.timedelta(seconds=5),
           "due now %r" % r.body["next_fetch_at"])
    expect(heard == [s["id"]], "NOTIFY with the id: %r" % heard)
    # Refreshing keeps the data and the settings.
    expect(all(r.body[k] == s[k] for k in STABLE), "unchanged %r" % r.body)


def too_soon(r, what):
    """A 429 of the refresh limit: the house's error in words saying how
    long ago and how long to wait, and Retry-After agreeing with them.
    Returns (seconds ago, Retry-After, message)."""
    check_json_error(r, 429, "rate_limited")
    ra = r.headers.get("Retry-After") or ""
    msg = r.body["error"]["message"]
    m = re.search(r"(?:fetched|asked for) (just now|(\d+) seconds? ago), and a subscription may be refreshed "
                  r"once every %d seconds: try again in (\d+) seconds?$" % MIN_SECONDS, msg)
    expect(m is not None, "%s: message %r" % (what, msg))
    ago = int(m.group(2) or 0)
    expect(ra.isdigit() and int(ra) == MIN_SECONDS - ago == int(m.group(3)),
           "%s: Retry-After %r, message %r" % (what, ra, msg))
    return ago, int(ra), msg


def test_refresh_limit(stack):
    """A refresh within subscription_refresh_min_seconds of the last fetch
    or of the last refresh is 429 with Retry-After and changes nothing;
    once that time has passed it is taken again."""
    u = users.create_user(stack)
    s = subscribe(stack, u)
    # Fetched 2 seconds ago.
    quiet(stack, u, s, last_fetched_at="now() - interval '2 seconds'", next_fetch_at="now() + interval '1 hour'")
    lis = Listener(stack)
    r = refresh(stack, u, s)
    heard = lis.heard()
    ago, ra, msg = too_soon(r, "after a fetch")
    expect(2 <= ago <= 6, "%d s after a fetch 2 s ago" % ago)
    expect(msg.startswith("this subscription was fetched "), "says why: %r" % msg)
    expect(heard == [], "no NOTIFY when refused: %r" % heard)
    expect(sub_col(stack, s, "next_fetch_at > now() + interval '50 minutes' AND refresh_requested_at IS NULL")
           == "t", "a refused refresh changed the row")
    # Asked for 1 second ago (the fetch long ago): the request counts too.
    psql(stack, "UPDATE subscriptions SET last_fetched_at = now() - interval '1 hour', "
         "refresh_requested_at = now() - interval '1 second' WHERE id = '%s'" % s["id"])
    ago, ra, msg = too_soon(refresh(stack, u, s), "after a refresh")
    expect(1 <= ago <= 5, "%d s after a refresh 1 s ago" % ago)
    expect(msg.startswith("a refresh of this subscription was asked for "), "says why: %r" % msg)
    # Past the limit: taken, due now, NOTIFY, stamped.
    psql(stack, "UPDATE subscriptions SET refresh_requested_at = now() - interval '%d seconds' "
         "WHERE id = '%s'" % (MIN_SECONDS, s["id"]))
    lis = Listener(stack)
    r = refresh(stack, u, s)
    heard = lis.heard()
    expect(r.status == 202 and heard == [s["id"]], "past the limit: %s, heard %r" % (r.describe(), heard))
    expect(sub_col(stack, s, "refresh_requested_at > now() - interval '10 seconds' AND next_fetch_at <= now()")
           == "t", "the refresh was not recorded")
    # Really waiting: fetched just now, refused; after Retry-After, taken.
    psql(stack, "UPDATE subscriptions SET last_fetched_at = now(), next_fetch_at = now() + interval '1 hour' "
         "WHERE id = '%s'" % s["id"])
    ago, ra, msg = too_soon(refresh(stack, u, s), "just after a fetch")
    expect(ago <= 3, "%d s just after a fetch" % ago)
    time.sleep(ra - 4)
    r = refresh(stack, u, s)
    expect(r.status == 429, "4 s before Retry-After: %s" % r.describe())
    time.sleep(4.1)
    lis = Listener(stack)
    r = refresh(stack, u, s)
    heard = lis.heard()
    expect(r.status == 202 and heard == [s["id"]], "after Retry-After: %s, heard %r" % (r.describe(), heard))


def test_refresh_pending(stack):
    """A refresh while one is due and not fetched yet is 202 and sends no
    second NOTIFY, whatever the limit says."""
    u = users.create_user(stack)
    s = subscribe(stack, u)
    quiet(stack, u, s, last_fetched_at="now() - interval '1 hour'", next_fetch_at="now() + interval '1 hour'")
    lis = Listener(stack)
    r = refresh(stack, u, s)
    expect(r.status == 202 and lis.heard() == [s["id"]], "first refresh: %s" % r.describe())
    first = sub_col(stack, s, "refresh_requested_at")
    lis = Listener(stack)
    again = [refresh(stack, u, s) for _ in range(3)]
    heard = lis.heard()
    expect([x.status for x in again] == [202] * 3, "while pending: %r" % [x.describe() for x in again])
    expect(heard == [], "NOTIFY again while pending: %r" % heard)
    expect(all(x.body["id"] == s["id"] and parse_time(x.body["next_fetch_at"]) <= datetime.datetime.now(
        datetime.timezone.utc) for x in again), "the answer shows it due")
    expect(sub_col(stack, s, "refresh_requested_at") == first, "a pending refresh was stamped again")
    # Due by its own schedule (never asked for), being fetched: the same.
    psql(stack, "UPDATE subscriptions SET next_fetch_at = now() - interval '1 minute', "
         "refresh_requested_at = NULL WHERE id = '%s'" % s["id"])
    lis = Listener(stack)
    r = refresh(stack, u, s)
    expect(r.status == 202 and lis.heard() == [], "due on its own: %s" % r.describe())


def test_refresh_concurrent(stack):
    """Requests at the same moment: exactly one is taken (one NOTIFY), the
    others see it pending (202) or too soon (429)."""
    u = users.create_user(stack)
    s = subscribe(stack, u)
    for round_ in range(3):
        quiet(stack, u, s, last_fetched_at="now() - interval '1 hour'", next_fetch_at="now() + interval '1 hour'",
              refresh_requested_at="NULL")
        lis = Listener(stack)
        got = concurrently([lambda: refresh(stack, u, s)] * 6)
        heard = lis.heard()
        for r in got:
            expect(not isinstance(r, Exception), "round %d: %r" % (round_, r))
            expect(r.status in (202, 429), "round %d: %s" % (round_, r.describe()))
            if r.status == 429:
                too_soon(r, "concurrent")
        expect(heard == [s["id"]], "round %d: %d NOTIFYs %r (answers %r)"
               % (round_, len(heard), heard, [r.status for r in got]))


def test_patch_url_within_limit(stack):
    """A new address is taken at once, but within the refresh limit it is
    fetched when the limit is over: alternating addresses cannot fetch in a
    loop."""
    u = users.create_user(stack)
    s = subscribe(stack, u)
    path = "%s/%s" % (SUBS, s["id"])
    other = "https://127.0.0.1:9/other-term.ics"
    quiet(stack, u, s, last_fetched_at="now() - interval '1 second'", next_fetch_at="now() + interval '1 hour'")
    fetched = datetime.datetime.fromtimestamp(float(sub_col(stack, s, "extract(epoch FROM last_fetched_at)")),
                                              datetime.timezone.utc)
    for url in (other, FEED, other):
        lis = Listener(stack)
        r = stack.request("PATCH", path, json.dumps({"url": url}), jauth(u))
        heard = lis.heard()
        expect(r.status == 200 and r.body["url"] == url and r.body["status"] == "pending", "patch: %s"
               % r.describe())
        due = parse_time(r.body["next_fetch_at"])
        want = fetched + datetime.timedelta(seconds=MIN_SECONDS)
        expect(abs((due - want).total_seconds()) <= 1.5, "%s due %s, expected the limit's end %s"
               % (url, due, want))
        expect(due > datetime.datetime.now(datetime.timezone.utc), "due in the past %s" % due)
        # The NOTIFY lets a sleeping fetcher plan for the new time.
        expect(heard == [s["id"]], "NOTIFY %r" % heard)
        expect(sub_col(stack, s, "refresh_requested_at IS NULL") == "t", "a deferred change counts as a refresh")
    # Past the limit: due now, and counted as a refresh; changing back at
    # once waits for the limit's end.
    psql(stack, "UPDATE subscriptions SET last_fetched_at = now() - interval '1 hour', "
         "next_fetch_at = now() + interval '1 hour' WHERE id = '%s'" % s["id"])
    r = stack.request("PATCH", path, json.dumps({"url": FEED}), jauth(u))
    now = datetime.datetime.now(datetime.timezone.utc)
    expect(r.status == 200 and parse_time(r.body["next_fetch_at"]) <= now + datetime.timedelta(seconds=1),
           "past the limit, due now: %s" % r.describe())
    expect(sub_col(stack, s, "refresh_requested_at > now() - interval '10 seconds'") == "t", "not stamped")
    r = stack.request("PATCH", path, json.dumps({"url": other}), jauth(u))
    expect(r.status == 200 and parse_time(r.body["next_fetch_at"]) >= now + datetime.timedelta(
        seconds=MIN_SECONDS - 2), "back again at once: %s" % r.describe())
    too_soon(refresh(stack, u, s), "refresh after a new address")
    # Other members never move the time.
    before = sub_col(stack, s, "next_fetch_at")
    r = stack.request("PATCH", path, json.dumps({"name": "Renamed", "refresh_minutes": 30}), jauth(u))
    expect(r.status == 200 and sub_col(stack, s, "next_fetch_at") == before, "rename moved it: %s" % r.describe())


def taken(r, s, what):
    """A 409 already_subscribed naming s in words and by id."""
    check_json_error(r, 409, "already_subscribed")
    e = r.body["error"]
    expect(e.get("subscription_id") == s["id"] and e.get("field") == "url", "%s: %r" % (what, e))
    expect(('"%s"' % s["name"]) in e["message"] and "already" in e["message"], "%s: message %r"
           % (what, e["message"]))


def test_duplicates(stack):
    """An account follows one address once, however it is spelt before
    normalisation; another account may follow it too."""
    u = users.create_user(stack)
    s = subscribe(stack, u, url="webcal://127.0.0.1:9/term.ics#autumn", name="Term dates")
    ncal = len(calendars(stack, u))
    for spelling in ("https://127.0.0.1:9/term.ics", "WEBCAL://127.0.0.1:9/term.ics", " webcals://127.0.0.1:9/term.ics ",
                     "https://127.0.0.1:9/term.ics#spring"):
        taken(stack.request("POST", SUBS, json.dumps({"url": spelling, "name": "Again"}), jauth(u)), s, spelling)
    expect(len(calendars(stack, u)) == ncal, "a refused create left a calendar")
    expect(psql(stack, "SELECT count(*) FROM subscriptions WHERE user_id = '%s'" % u["user_id"]) == "1",
           "a refused create left a row")
    # Another address (http is not https), then changed to the taken one.
    t = subscribe(stack, u, url="http://127.0.0.1:9/term.ics", name="Plain")
    r = stack.request("PATCH", "%s/%s" % (SUBS, t["id"]), json.dumps({"url": "webcal://127.0.0.1:9/term.ics",
                                                                     "name": "Moved"}), jauth(u))
    taken(r, s, "patch")
    r = stack.request("GET", "%s/%s" % (SUBS, t["id"]), headers=auth(u))
    expect(r.body["url"] == t["url"] and r.body["name"] == "Plain", "a refused patch changed it: %s" % r.describe())
    # Its own address again is no conflict.
    r = stack.request("PATCH", "%s/%s" % (SUBS, s["id"]), json.dumps({"url": "https://127.0.0.1:9/term.ics"}),
                      jauth(u))
    expect(r.status == 200, "own address: %s" % r.describe())
    # The host's case and a default port are spellings too; the path's
    # case is not.
    h = subscribe(stack, u, url="https://localhost/case.ics", name="Case")
    for spelling in ("https://LOCALHOST/case.ics", "https://LocalHost:443/case.ics",
                     "webcal://localhost:443/case.ics"):
        taken(stack.request("POST", SUBS, json.dumps({"url": spelling}), jauth(u)), h, spelling)
    subscribe(stack, u, url="https://localhost/CASE.ics")
    # Another account: fine.
    subscribe(stack, users.create_user(stack), url="https://127.0.0.1:9/term.ics")
    # Once unsubscribed, the address is free again.
    expect(stack.request("DELETE", "%s/%s" % (SUBS, s["id"]), headers=auth(u)).status == 204, "delete")
    subscribe(stack, u, url="https://127.0.0.1:9/term.ics")


def test_duplicates_concurrent(stack):
    """Creates and address changes of one account at the same moment: one
    address, one subscription."""
    for round_ in range(3):
        u = users.create_user(stack)
        url = "https://127.0.0.1:9/race-%d.ics" % round_
        got = concurrently([lambda: stack.request("POST", SUBS, json.dumps({"url": url}), jauth(u))] * 5)
        codes = sorted(r.status if not isinstance(r, Exception) else repr(r) for r in got)
        expect(codes == [201, 409, 409, 409, 409], "round %d creates: %r" % (round_, codes))
        # Two subscriptions moved to one new address while a third asks for it.
        a = subscribe(stack, u, url="https://127.0.0.1:9/a-%d.ics" % round_)
        b = subscribe(stack, u, url="https://127.0.0.1:9/b-%d.ics" % round_)
        new = "https://127.0.0.1:9/new-%d.ics" % round_
        got = concurrently([
            lambda: stack.request("PATCH", "%s/%s" % (SUBS, a["id"]), json.dumps({"url": new}), jauth(u)),
            lambda: stack.request("PATCH", "%s/%s" % (SUBS, b["id"]), json.dumps({"url": new}), jauth(u)),
            lambda: stack.request("POST", SUBS, json.dumps({"url": new}), jauth(u)),
        ])
        codes = [r.status if not isinstance(r, Exception) else repr(r) for r in got]
        expect(sum(1 for c in codes if c in (200, 201)) == 1 and codes.count(409) == 2,
               "round %d changes: %r" % (round_, codes))
        expect(psql(stack, "SELECT count(*) FROM subscriptions WHERE user_id = '%s' AND url = '%s'"
                    % (u["user_id"], new)) == "1", "round %d: the address twice" % round_)
        expect(psql(stack, "SELECT count(*) FROM subscriptions WHERE user_id = '%s'" % u["user_id"])
               == ("4" if codes[2] == 201 else "3"), "round %d: rows" % round_)


def test_refresh_column_rights(stack):
    """sql/020: the account's side writes refresh_requested_at; the
    fetcher's role can neither read nor write it."""
    for text in ("SELECT refresh_requested_at FROM subscriptions LIMIT 1;",
                 "UPDATE subscriptions SET refresh_requested_at = NULL WHERE false;"):
        r = ru.sql(stack, text, user="aurora_fetch", check=False)
        expect(r.returncode != 0 and "permission denied" in r.stderr, "aurora_fetch: %s -> %r" % (text, r.stderr))
    r = ru.sql(stack, "SELECT count(refresh_requested_at) FROM subscriptions;", user="aurora_api", check=False)
    expect(r.returncode == 0, "aurora_api cannot read it: %r" % r.stderr)


def dav_account(stack):
    u = users.create_user(stack)
    pw = app_password(stack, u["access_token"])
    expect(pw is not None, "no app passwords")
    return u, (u["email"], pw)


PRIVS = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
         '<D:prop><D:current-user-privilege-set/><CS:source/><D:displayname/></D:prop></D:propfind>')


def privileges(props):
    el = props.get("{DAV:}current-user-privilege-set")
    expect(el is not None, "no current-user-privilege-set")
    return sorted(p[0].tag.split("}")[1] for p in el.findall("d:privilege", NS))


def need_privileges(r):
    """(href, privilege) of RFC 3744's DAV:need-privileges in a 403."""
    res = r.xml().find("d:need-privileges/d:resource", NS)
    expect(res is not None, "no DAV:need-privileges/resource in %r" % r.raw[:300])
    priv = res.find("d:privilege", NS)
    return res.findtext("d:href", namespaces=NS), priv[0].tag.split("}")[1] if priv is not None and len(priv) else None


def test_caldav(stack):
    u, cred = dav_account(stack)
    s = subscribe(stack, u, name="Feed", url="https://127.0.0.1:9/a.ics?x=1&y=<2>")
    cals = calendars(stack, u)
    sub_cal = cals[s["calendar_id"]]
    own = [c for c in cals.values() if not c["read_only"]][0]
    home = "/dav/calendars/%s/" % u["user_id"]
    sub_path = home + sub_cal["dav_name"] + "/"
    own_path = home + own["dav_name"] + "/"
    fid = feed_event(stack, u, s["calendar_id"])
    obj = psql(stack, "SELECT dav_name FROM events WHERE id = '%s'" % fid)
    ms = multistatus(dav(stack.http_port, "PROPFIND", home, PRIVS, {"Depth": "1"}, cred))
    expect(sub_path in ms and own_path in ms, "both listed: %r" % sorted(ms))
    expect(privileges(ms[sub_path]["props"]) == ["read", "read-current-user-privilege-set"],
           "read only: %r" % privileges(ms[sub_path]["props"]))
    expect("write-content" in privileges(ms[own_path]["props"]), "own calendar writable")
    src = ms[sub_path]["props"].get(CS + "source")
    expect(src is not None and src.findtext("d:href", namespaces=NS) == s["url"],
           "CalendarServer source %r" % (src is not None and src.findtext("d:href", namespaces=NS)))
    expect(CS + "source" not in ms[own_path]["props"], "no source on an own calendar")
    ms = multistatus(dav(stack.http_port, "PROPFIND", sub_path + obj, PRIVS, {"Depth": "0"}, cred))
    expect(privileges(list(ms.values())[0]["props"]) == ["read", "read-current-user-privilege-set"],
           "object read only")
    # Writes: 403 with DAV:need-privileges; the object stays.
    ics = vcalendar(vevent("dav-new@x", ":20260312T090000Z", ":20260312T100000Z", "Pushed"))
    hdr = {"Content-Type": "text/calendar; charset=utf-8"}
    for path in (sub_path + "new.ics", sub_path + obj):
        r = dav(stack.http_port, "PUT", path, ics, hdr, cred)
        expect(r.status == 403, "PUT %s: %s" % (path, r.describe()))
        expect(need_privileges(r) == (path, "write-content"), "PUT %s: %s" % (path, r.raw[:400]))
    r = dav(stack.http_port, "DELETE", sub_path + obj, None, None, cred)
    expect(r.status == 403, "DELETE object: %s" % r.describe())
    expect(need_privileges(r) == (sub_path, "unbind"), "DELETE: %s" % r.raw[:400])
    r = dav(stack.http_port, "GET", sub_path + obj, None, None, cred)
    expect(r.status == 200 and b"Holiday" in r.raw, "still readable: %s" % r.describe())
    expect(psql(stack, "SELECT count(*) FROM events WHERE calendar_id = '%s'" % s["calendar_id"]) == "1",
           "nothing added or removed")
    # The own calendar still takes a PUT.
    r = dav(stack.http_port, "PUT", own_path + "mine.ics", ics, hdr, cred)
    expect(r.status == 201, "own PUT: %s" % r.describe())
    # A PROPPATCH of the name is fine; the default alarms are not the account's.
    pp = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
          '<D:displayname>Renamed</D:displayname></D:prop></D:set></D:propertyupdate>')
    r = dav(stack.http_port, "PROPPATCH", sub_path, pp, {"Content-Type": "application/xml"}, cred)
    expect(r.status == 207 and b"200" in r.raw, "rename: %s" % r.describe())
    r = stack.request("GET", "%s/%s" % (SUBS, s["id"]), headers=auth(u))
    expect(r.body["name"] == "Renamed", "renamed over CalDAV: %s" % r.describe())
    # Deleting the collection ends the subscription.
    r = dav(stack.http_port, "DELETE", sub_path, None, None, cred)
    expect(r.status == 204, "DELETE collection: %s" % r.describe())
    check_json_error(stack.request("GET", "%s/%s" % (SUBS, s["id"]), headers=auth(u)), 404, "not_found")
    expect(psql(stack, "SELECT count(*) FROM events WHERE id = '%s'" % fid) == "0", "its events gone")


def wait_fetched(stack, u, sid, after=None, seconds=30):
    """The subscription once the fetcher has fetched it (after the time
    after, when given)."""
    deadline = time.time() + seconds
    while True:
        r = stack.request("GET", "%s/%s" % (SUBS, sid), headers=auth(u))
        expect(r.status == 200, "read: %s" % r.describe())
        if r.body["status"] != "pending" and (after is None or (r.body["last_fetched_at"] or "") > after):
            return r.body
        expect(time.time() < deadline, "not fetched within %d s: %r; aurora-fetch.log: %s"
               % (seconds, r.body, stack.log_tail("aurora-fetch.log", 5)))
        time.sleep(0.3)


def test_fetched_events_read_only(stack):
    """Through the real fetcher: subscribe by address, the feed's events
    list in the read-only calendar and refuse writes; a new address is
    fetched again at once and replaces them."""
    u = users.create_user(stack)
    feed = Feeds()
    try:
        feed.serve("/a.ics", body=vcalendar(
            vevent("one@feed", ":20260312T090000Z", ":20260312T100000Z", "Match one"),
            vevent("two@feed", ":20260319T090000Z", ":20260319T100000Z", "Match two")).encode())
        feed.serve("/b.ics", body=vcalendar(
            vevent("three@feed", ":20260326T090000Z", ":20260326T100000Z", "Match three")).encode())
        s = subscribe(stack, u, url=feed.url("/a.ics").replace("http://", "webcal://"), name="Fixtures")
        expect(s["url"] == feed.url("/a.ics").replace("http://", "https://"), "webcal means https %r" % s["url"])
        # The loopback server speaks plain HTTP: the address is changed to it.
        r = stack.request("PATCH", "%s/%s" % (SUBS, s["id"]), json.dumps({"url": feed.url("/a.ics")}), jauth(u))
        expect(r.status == 200, "http address: %s" % r.describe())
        got = wait_fetched(stack, u, s["id"])
        expect(got["status"] == "ok" and got["last_error"] is None and got["last_success_at"],
               "fetched %r (server saw %r)" % (got, feed.log))
        r = stack.request("GET", "%s?%s&calendar_id=%s" % (EVENTS, MARCH, s["calendar_id"]), headers=auth(u))
        items = r.body["items"]
        expect(sorted(e["title"] for e in items) == ["Match one", "Match two"], "listed %r" % items)
        eid = items[0]["id"]
        read_only_refused(stack.request("PATCH", "%s/%s" % (EVENTS, eid), json.dumps({"title": "x"}), jauth(u)),
                          "patch a fetched event")
        read_only_refused(stack.request("DELETE", "%s/%s" % (EVENTS, eid), headers=auth(u)), "delete a fetched event")
        # A new address: fetched again within seconds (NOTIFY), its file
        # replaces the events.
        before = got["last_fetched_at"]
        time.sleep(1.1)
        r = stack.request("PATCH", "%s/%s" % (SUBS, s["id"]), json.dumps({"url": feed.url("/b.ics")}), jauth(u))
        expect(r.status == 200 and r.body["status"] == "pending", "new address: %s" % r.describe())
        got = wait_fetched(stack, u, s["id"], after=before)
        expect(got["status"] == "ok", "refetched %r" % got)
        r = stack.request("GET", "%s?%s&calendar_id=%s" % (EVENTS, MARCH, s["calendar_id"]), headers=auth(u))
        expect([e["title"] for e in r.body["items"]] == ["Match three"], "after the new address %r" % r.body["items"])
        expect(feed.requests("/b.ics"), "the server saw %r" % feed.log)
    finally:
        feed.server.shutdown()
        feed.server.server_close()


TESTS = [
    ("create_shape", test_create_shape),
    ("validation", test_validation),
    ("patch", test_patch),
    ("cap", test_cap),
    ("isolation", test_isolation),
    ("read_only_rest", test_read_only_rest),
    ("delete", test_delete),
    ("refresh", test_refresh),
    ("refresh_limit", test_refresh_limit),
    ("refresh_pending", test_refresh_pending),
    ("refresh_concurrent", test_refresh_concurrent),
    ("patch_url_within_limit", test_patch_url_within_limit),
    ("duplicates", test_duplicates),
    ("duplicates_concurrent", test_duplicates_concurrent),
    ("refresh_column_rights", test_refresh_column_rights),
    ("caldav", test_caldav),
    ("fetched_events_read_only", test_fetched_events_read_only),
]

# aurora-fetch runs beside the API (fetched_events_read_only), allowed to
# reach the test's loopback server; every other feed here is on port 9 of
# this machine, where nothing listens. Refreshes: at most one in 10 s.
ENV = {"AURORA_SUBSCRIPTION_ALLOW_LOOPBACK": "on", "AURORA_SUBSCRIPTION_TIMEOUT": "3",
       "AURORA_SUBSCRIPTION_CONNECT_TIMEOUT": "3",
       "AURORA_SUBSCRIPTION_REFRESH_MIN_SECONDS": str(MIN_SECONDS)}

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, fetch=True, env=ENV))
