#!/usr/bin/env python3
"""aurora-fetch against a loopback HTTP server the test runs (issue 18):
first fetch, changes and removals by UID, ETag and 304, failures that keep
the last good events (500, timeout, garbage, oversized), 410, VALARMs
stripped, redirects, back-off, and the SSRF rules with loopback closed:
every loopback spelling refused before any connection (a listener on the
port sees none), per hop too.

Subscriptions are made as the account's side makes them (a read-only
calendar and the row, then NOTIFY aurora_subscriptions), through
POST /api/v1/subscriptions when aurora-api has it, else in SQL as the
schema owner. Nothing here contacts an address off this machine."""

import datetime
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import remind_util as ru  # noqa: E402
import users  # noqa: E402
from stack import BUILD, expect, run_tests  # noqa: E402

MIB = 1 << 20
FETCH_WAIT = 20.0          # seconds for a NOTIFY'd fetch to be recorded
RETRY_SECONDS = 60         # AURORA_SUBSCRIPTION_RETRY_SECONDS below
MAX_EVENTS = 20            # AURORA_SUBSCRIPTION_MAX_EVENTS below
ENV = {
    "AURORA_SUBSCRIPTION_ALLOW_LOOPBACK": "on",
    "AURORA_SUBSCRIPTION_TIMEOUT": "3",
    "AURORA_SUBSCRIPTION_CONNECT_TIMEOUT": "3",
    "AURORA_SUBSCRIPTION_RETRY_SECONDS": str(RETRY_SECONDS),
    "AURORA_SUBSCRIPTION_MAX_EVENTS": str(MAX_EVENTS),
}


# ---------------------------------------------------------------- the feeds
class Feeds:
    """A threaded HTTP server on 127.0.0.1 serving routes[path] = spec:
    status, body (bytes), etag, delay (seconds), location, size (bytes of
    filler streamed). Every request is logged as (path, headers)."""

    def __init__(self):
        self.routes = {}
        self.log = []
        self.lock = threading.Lock()
        feeds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with feeds.lock:
                    feeds.log.append((self.path, dict(self.headers)))
                    spec = dict(feeds.routes.get(self.path) or {"status": 404, "body": b"no"})
                if spec.get("delay"):
                    time.sleep(spec["delay"])
                etag = spec.get("etag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = spec.get("body", b"")
                self.send_response(spec.get("status", 200))
                if etag:
                    self.send_header("ETag", etag)
                if spec.get("location"):
                    self.send_header("Location", spec["location"])
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                if spec.get("size"):
                    # No Content-Length: the cap must hold while streaming.
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"X" * 65536
                    try:
                        for _ in range(spec["size"] // len(chunk)):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def serve(self, path, **spec):
        with self.lock:
            self.routes[path] = spec

    def requests(self, path):
        with self.lock:
            return [h for p, h in self.log if p == path]


FEEDS = None


def feeds():
    global FEEDS
    if FEEDS is None:
        FEEDS = Feeds()
    return FEEDS


class Listener:
    """Plain TCP listeners on 127.0.0.1:port and [::1]:port that count the
    connections they accept: the proof that nothing connected."""

    def __init__(self):
        self.accepted = []
        self.socks = []
        s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s4.bind(("127.0.0.1", 0))
        self.port = s4.getsockname()[1]
        self.socks.append(s4)
        try:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s6.bind(("::1", self.port))
            self.socks.append(s6)
        except OSError:
            pass  # no IPv6 loopback here: [::1] cannot be reached anyway
        for s in self.socks:
            s.listen(16)
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, s):
        while True:
            try:
                c, addr = s.accept()
            except OSError:
                return
            self.accepted.append(addr)
            c.close()

    def close(self):
        for s in self.socks:
            s.close()


# ---------------------------------------------------------------- helpers
def stamp(dt):
    return dt.strftime("%Y%m%dT%H%M%SZ")


def ics(events, extra=""):
    """events: (uid, summary, start datetime, alarm minutes or None)."""
    now = datetime.datetime.utcnow()
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Aurora tests//Feed//EN"]
    if extra:
        out.append(extra)
    for uid, summary, start, alarm in events:
        out += ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + stamp(now),
                "DTSTART:" + stamp(start), "DTEND:" + stamp(start + datetime.timedelta(hours=1)),
                "SUMMARY:" + summary]
        if alarm is not None:
            out += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:" + summary,
                    "TRIGGER:-PT%dM" % alarm, "END:VALARM"]
        out.append("END:VEVENT")
    out.append("END:VCALENDAR")
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def day(n, hour=9):
    base = datetime.datetime.utcnow().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + datetime.timedelta(days=n)


USER = None


def user(stack):
    global USER
    if USER is None:
        USER = users.create_user(stack)
    return USER


def subscribe(stack, u, url, reminders=False):
    """(subscription id, calendar id), made by the API when it has the
    route, else in SQL as the schema owner; either way NOTIFY'd."""
    r = stack.request("POST", "/api/v1/subscriptions",
                      json.dumps({"url": url, "name": "Feed", "reminders": reminders}),
                      dict(users.JSON, **users.bearer(u["access_token"])))
    if r.status == 201 and isinstance(r.body, dict):
        return r.body["id"], r.body["calendar_id"]
    expect(r.status in (404, 405), "POST /api/v1/subscriptions: %s" % r.describe())
    row = ru.one(stack, """
        WITH c AS (INSERT INTO calendars (user_id, dav_name, name, read_only)
                   VALUES (%s, %s, 'Feed', true) RETURNING id),
             s AS (INSERT INTO subscriptions (user_id, calendar_id, url, reminders)
                   SELECT %s, c.id, %s, %s FROM c RETURNING id, calendar_id)
        SELECT s.id, s.calendar_id, pg_notify('aurora_subscriptions', s.id::text) FROM s;
        """ % (ru.lit(u["user_id"]), ru.lit("sub-" + uuid.uuid4().hex[:12]),
               ru.lit(u["user_id"]), ru.lit(url), ru.lit(reminders)), user="aurora_owner")
    return row[0], row[1]


def state(stack, sid):
    row = ru.sql(stack, "SELECT status, coalesce(last_error, ''), "
                 "coalesce(extract(epoch FROM last_fetched_at)::text, ''), failures, "
                 "CASE WHEN next_fetch_at < 'infinity' THEN coalesce(extract(epoch FROM "
                 "next_fetch_at - last_fetched_at)::text, '') ELSE '' END, "
                 "coalesce(etag, ''), next_fetch_at = 'infinity' "
                 "FROM subscriptions WHERE id = %s;" % ru.lit(sid))
    expect(len(row) == 1, "subscription %s is gone" % sid)
    s, e, f, n, gap, etag, inf = row[0]
    return dict(status=s, last_error=e, fetched=f, failures=int(n),
                gap=float(gap) if gap else None, etag=etag, never=(inf == "t"))


def refresh(stack, sid):
    """What "refresh now" does: due at once, and NOTIFY."""
    ru.sql(stack, "UPDATE subscriptions SET next_fetch_at = now() WHERE id = %s; "
           "SELECT pg_notify('aurora_subscriptions', %s);" % (ru.lit(sid), ru.lit(sid)))


def wait_fetch(stack, sid, before, seconds=FETCH_WAIT):
    """Waits until the subscription records a fetch after `before` (its
    last_fetched_at text then); returns its state."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s = state(stack, sid)
        if s["fetched"] and s["fetched"] != before and s["status"] != "pending":
            return s
        time.sleep(0.2)
    raise AssertionError("no fetch of %s recorded within %ss (state %r; fetch log: %s)"
                         % (sid, seconds, state(stack, sid),
                            stack.log_tail("aurora-fetch.log", 5)))


def fetch_now(stack, sid):
    before = state(stack, sid)["fetched"]
    refresh(stack, sid)
    return wait_fetch(stack, sid, before)


def titles(stack, u, cal):
    frm = (datetime.datetime.utcnow() - datetime.timedelta(days=2)).strftime("%Y-%m-%dT00:00:00Z")
    to = (datetime.datetime.utcnow() + datetime.timedelta(days=60)).strftime("%Y-%m-%dT00:00:00Z")
    r = stack.request("GET", "/api/v1/events?from=%s&to=%s&calendar_id=%s" % (frm, to, cal),
                      headers=users.bearer(u["access_token"]))
    expect(r.status == 200, "listing: %s" % r.describe())
    return sorted(i["title"] for i in r.body["items"])


def new_feed(stack, path, body, u=None, **spec):
    f = feeds()
    f.serve(path, body=body, **spec)
    u = u or user(stack)
    sid, cal = subscribe(stack, u, f.url(path))
    s = wait_fetch(stack, sid, "")
    return u, sid, cal, s


# ---------------------------------------------------------------- tests
def test_first_fetch_lists_events(stack):
    body = ics([("first-a@test", "Alpha", day(1), None), ("first-b@test", "Beta", day(2), None)])
    u, sid, cal, s = new_feed(stack, "/first.ics", body)
    expect(s["status"] == "ok" and s["last_error"] == "", "state %r" % s)
    expect(titles(stack, u, cal) == ["Alpha", "Beta"], "listing %r" % titles(stack, u, cal))
    ro = ru.one(stack, "SELECT read_only FROM calendars WHERE id = %s;" % ru.lit(cal))
    expect(ro == "t", "the calendar is not read-only")


def test_feed_refresh_interval(stack):
    """REFRESH-INTERVAL (RFC 7986) earlier than the subscription's 60
    minutes wins; X-PUBLISHED-TTL too; neither goes under 15 minutes."""
    fractions = []
    for path, extra, want in (("/ttl-rfc.ics", "REFRESH-INTERVAL;VALUE=DURATION:PT20M", 1200),
                              ("/ttl-x.ics", "X-PUBLISHED-TTL:PT30M", 1800),
                              ("/ttl-short.ics", "REFRESH-INTERVAL;VALUE=DURATION:PT1M", 900),
                              ("/ttl-long.ics", "X-PUBLISHED-TTL:P1W", 3600)):
        body = ics([("ttl-%s@test" % path[5:-4], "TTL", day(1), None)], extra=extra)
        u, sid, cal, s = new_feed(stack, path, body)
        expect(s["status"] == "ok", "%s: state %r" % (path, s))
        # Up to a tenth earlier at random (feeds drift apart), never
        # under 15 minutes.
        expect(s["gap"] is not None and max(900, 0.9 * want) - 60 < s["gap"] < want + 60,
               "%s: next fetch after %r s, expected %d or up to a tenth less" % (path, s["gap"], want))
        if want > 1000:
            fractions.append(round(s["gap"] / want, 3))
    expect(len(set(fractions)) > 1, "every feed got the same share of its interval: %r" % fractions)


def test_change_and_removal_by_uid(stack):
    f = feeds()
    body = ics([("chg-a@test", "Alpha", day(1), None), ("chg-b@test", "Beta", day(2), None),
                ("chg-c@test", "Gamma", day(3), None)])
    u, sid, cal, s = new_feed(stack, "/change.ics", body)
    expect(titles(stack, u, cal) == ["Alpha", "Beta", "Gamma"], "first %r" % titles(stack, u, cal))
    ids = dict(ru.sql(stack, "SELECT uid, id || '/' || version FROM events WHERE calendar_id = %s;"
                      % ru.lit(cal)))
    rev = ru.one(stack, "SELECT revision FROM calendars WHERE id = %s;" % ru.lit(cal))
    time.sleep(1.1)  # a new DTSTAMP: not a change
    f.serve("/change.ics", body=ics([("chg-a@test", "Alpha renamed", day(1), None),
                                     ("chg-c@test", "Gamma", day(3), None),
                                     ("chg-d@test", "Delta", day(4), None)]))
    s = fetch_now(stack, sid)
    expect(s["status"] == "ok", "state %r" % s)
    got = titles(stack, u, cal)
    expect(got == ["Alpha renamed", "Delta", "Gamma"], "after the change %r" % got)
    now = dict(ru.sql(stack, "SELECT uid, id || '/' || version FROM events WHERE calendar_id = %s;"
                      % ru.lit(cal)))
    expect("chg-b@test" not in now, "the removed UID is still stored")
    expect(now["chg-c@test"] == ids["chg-c@test"], "the unchanged event was rewritten: %r -> %r"
           % (ids["chg-c@test"], now["chg-c@test"]))
    expect(now["chg-a@test"].split("/")[0] == ids["chg-a@test"].split("/")[0]
           and now["chg-a@test"] != ids["chg-a@test"], "the changed event was not updated in place")
    # The journal saw the change (CalDAV sync): a tombstone for Beta.
    tomb = ru.one(stack, "SELECT count(*) FROM calendar_changes WHERE calendar_id = %s AND deleted;"
                  % ru.lit(cal))
    expect(int(tomb) == 1, "tombstones %s" % tomb)
    rev2 = ru.one(stack, "SELECT revision FROM calendars WHERE id = %s;" % ru.lit(cal))
    expect(int(rev2) > int(rev), "calendar revision did not move")


def test_etag_304_keeps_data(stack):
    f = feeds()
    u, sid, cal, s = new_feed(stack, "/etag.ics", ics([("etag-a@test", "Kept", day(1), None)]),
                              etag='"v1"')
    expect(s["etag"] == '"v1"', "etag stored %r" % s["etag"])
    f.serve("/etag.ics", body=ics([("etag-b@test", "Never seen", day(1), None)]), etag='"v1"')
    s = fetch_now(stack, sid)
    expect(s["status"] == "ok", "state %r" % s)
    reqs = f.requests("/etag.ics")
    expect(reqs[-1].get("If-None-Match") == '"v1"', "no If-None-Match: %r" % reqs[-1])
    expect(titles(stack, u, cal) == ["Kept"], "listing %r" % titles(stack, u, cal))
    # A gap of the refresh interval (60 minutes by default) after a 304.
    expect(s["gap"] is not None and 0.9 * 3600 - 60 < s["gap"] < 3660, "next fetch after %r s" % s["gap"])


def test_failures_keep_data_with_backoff(stack):
    f = feeds()
    u, sid, cal, s = new_feed(stack, "/fail.ics", ics([("fail-a@test", "Survivor", day(1), None)]))
    expect(s["status"] == "ok", "state %r" % s)
    cases = [
        (dict(status=500, body=b"oops"), "the server answered 500"),
        (dict(status=200, body=b"<html>not a calendar</html>\r\n"), "the file is not a calendar (line 1"),
        (dict(status=200, body=b"", size=6 * MIB), "larger than 5 MiB"),
        (dict(status=200, body=ics([("many-%d@test" % k, "Many", day(1), None)
                                    for k in range(MAX_EVENTS + 1)])),
         "the feed has more than %d events" % MAX_EVENTS),
        (dict(status=200, body=ics([("x@test", "Late", day(1), None)]), delay=6), "timed out"),
    ]
    gaps = []
    for i, (spec, why) in enumerate(cases, 1):
        f.serve("/fail.ics", **spec)
        s = fetch_now(stack, sid)
        expect(s["status"] == "error", "%s: state %r" % (why, s))
        expect(s["last_error"].startswith(why), "last_error %r, expected %r" % (s["last_error"], why))
        expect(s["failures"] == i, "failures %d after %d" % (s["failures"], i))
        expect(titles(stack, u, cal) == ["Survivor"], "%s lost the events: %r"
               % (why, titles(stack, u, cal)))
        gaps.append(s["gap"])
    # Exponential back-off: retry_s, 2x, 4x, 8x.
    for i, g in enumerate(gaps):
        want = RETRY_SECONDS * 2 ** i
        expect(g is not None and want - 5 <= g <= want + 5, "gap %d: %r s, expected %d" % (i, g, want))
    # A good answer again: ok, failures back to 0.
    f.serve("/fail.ics", body=ics([("fail-a@test", "Survivor", day(1), None),
                                   ("fail-b@test", "Back", day(2), None)]))
    s = fetch_now(stack, sid)
    expect(s["status"] == "ok" and s["failures"] == 0, "state %r" % s)
    expect(titles(stack, u, cal) == ["Back", "Survivor"], "listing %r" % titles(stack, u, cal))


def test_gone_410(stack):
    f = feeds()
    u, sid, cal, s = new_feed(stack, "/gone.ics", ics([("gone-a@test", "Remains", day(1), None)]))
    f.serve("/gone.ics", status=410, body=b"gone")
    s = fetch_now(stack, sid)
    expect(s["status"] == "gone", "state %r" % s)
    expect("410" in s["last_error"], "last_error %r" % s["last_error"])
    expect(s["never"], "a gone feed is still scheduled")
    expect(titles(stack, u, cal) == ["Remains"], "listing %r" % titles(stack, u, cal))


def test_valarms_stripped(stack):
    f = feeds()
    ru.sql(stack, "UPDATE users SET default_reminders = '[10]' WHERE id = %s;"
           % ru.lit(user(stack)["user_id"]))
    soon = datetime.datetime.utcnow().replace(microsecond=0) + datetime.timedelta(minutes=40)
    body = ics([("alarm-a@test", "Alarmed feed event", soon, 30)])
    u, sid, cal, s = new_feed(stack, "/alarm.ics", body)
    expect(s["status"] == "ok", "state %r" % s)
    rows = ru.sql(stack, "SELECT e.reminder_minutes::text, e.ical LIKE '%%VALARM%%', "
                  "(SELECT count(*) FROM event_reminders r WHERE r.event_id = e.id), "
                  "(SELECT count(*) FROM mail_outbox o WHERE o.event_id = e.id) "
                  "FROM events e WHERE e.calendar_id = %s;" % ru.lit(cal))
    expect(rows == [["{}", "f", "0", "0"]], "reminders of a feed event: %r" % rows)
    # Opting in: the account's default reminders (10), never the feed's 30.
    ru.sql(stack, "UPDATE subscriptions SET reminders = true WHERE id = %s;" % ru.lit(sid))
    f.serve("/alarm.ics", body=ics([("alarm-a@test", "Alarmed feed event (2)", soon, 30)]))
    s = fetch_now(stack, sid)
    rows = ru.sql(stack, "SELECT o.minutes_before FROM mail_outbox o JOIN events e "
                  "ON e.id = o.event_id WHERE e.calendar_id = %s ORDER BY 1;" % ru.lit(cal))
    expect(rows == [["10"]], "reminder mail with reminders on: %r" % rows)
    time.sleep(1)
    mails = [m for m in stack.ses_emails() if "Alarmed feed event" in json.dumps(m)]
    expect(mails == [], "a feed event was mailed: %r" % mails[:1])


def test_redirects(stack):
    f = feeds()
    f.serve("/moved.ics", status=301, location="/target.ics", body=b"")
    f.serve("/target.ics", body=ics([("redir-a@test", "Redirected", day(1), None)]))
    u = user(stack)
    sid, cal = subscribe(stack, u, f.url("/moved.ics"))
    s = wait_fetch(stack, sid, "")
    expect(s["status"] == "ok", "state %r" % s)
    expect(titles(stack, u, cal) == ["Redirected"], "listing %r" % titles(stack, u, cal))
    for i in range(7):
        f.serve("/loop%d.ics" % i, status=302, location="/loop%d.ics" % (i + 1), body=b"")
    sid, cal = subscribe(stack, u, f.url("/loop0.ics"))
    s = wait_fetch(stack, sid, "")
    expect(s["status"] == "error" and s["last_error"] == "more than 5 redirects", "state %r" % s)
    expect(len(f.requests("/loop6.ics")) == 0, "a sixth redirect was followed")


def test_redirect_to_refused_address(stack):
    """Loopback is open here; a redirect to an unspecified address (which
    Linux would connect to this host) is judged at its hop and refused: a
    listener on that port sees nothing."""
    f = feeds()
    lis = Listener()
    try:
        for n, target in enumerate(("http://0.0.0.0:%d/x.ics", "http://[::]:%d/x.ics",
                                    "http://0:%d/x.ics")):
            path = "/to-unspecified-%d.ics" % n
            f.serve(path, status=302, location=target % lis.port, body=b"")
            sid, cal = subscribe(stack, user(stack), f.url(path))
            s = wait_fetch(stack, sid, "")
            expect(s["status"] == "error" and s["last_error"] == "address not allowed",
                   "%s: state %r" % (target, s))
            expect(len(f.requests(path)) == 1, "the first hop was not fetched")
        time.sleep(0.5)
        expect(lis.accepted == [], "the listener saw connections: %r" % lis.accepted)
    finally:
        lis.close()


def test_loopback_refused_when_closed(stack):
    """With subscription_allow_loopback off, every loopback spelling and a
    name resolving to loopback fail with "address not allowed", and the
    listener on that port sees no connection."""
    lis = Listener()
    stack.restart_fetch({"AURORA_SUBSCRIPTION_ALLOW_LOOPBACK": "off"})
    try:
        u = user(stack)
        spellings = ["localhost", "127.1", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]",
                     "[::1]", "127.0.0.1", "LocalHost"]
        subs = []
        # A path each: several spellings are one address once normalised
        # (127.1 is 127.0.0.1), and an account follows an address once.
        for n, host in enumerate(spellings):
            subs.append((host, subscribe(stack, u, "http://%s:%d/feed-%d.ics" % (host, lis.port, n))[0]))
        # Our own feed server too: refused at its first hop.
        f = feeds()
        f.serve("/closed.ics", body=ics([("closed@test", "Never", day(1), None)]))
        subs.append(("feed server", subscribe(stack, u, f.url("/closed.ics"))[0]))
        for host, sid in subs:
            s = wait_fetch(stack, sid, "")
            expect(s["status"] == "error" and s["last_error"] == "address not allowed",
                   "%s: state %r" % (host, s))
        time.sleep(0.5)
        expect(lis.accepted == [], "the listener saw connections: %r" % lis.accepted)
        expect(f.requests("/closed.ics") == [], "the feed server was contacted")
    finally:
        lis.close()
        stack.restart_fetch({"AURORA_SUBSCRIPTION_ALLOW_LOOPBACK": "on"})


def fetch_once(stack, env, wrap=()):
    """aurora-fetch --once (after the command prefix wrap) on the stack's
    configuration with env added; its "done" line's figures: applied, not
    modified, seconds worked, idle and rested."""
    r = subprocess.run(list(wrap) + [os.path.join(BUILD, "src", "aurora-fetch"), "-c",
                                     os.path.join(stack.var, "aurora.conf"), "--once"],
                       env=dict(os.environ, **stack.env, AURORA_LOG_LEVEL="info", **env),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    expect(r.returncode == 0, "aurora-fetch --once: %d %s" % (r.returncode, r.stderr[-3000:]))
    m = re.search(r"(\d+) applied, (\d+) not modified, \d+ failed, \d+ gone; "
                  r"worked ([0-9.]+) s, idle ([0-9.]+) s, rested ([0-9.]+) s", r.stderr)
    expect(m is not None, "no summary in %r" % r.stderr[-500:])
    return (int(m.group(1)), int(m.group(2)), float(m.group(3)), float(m.group(4)),
            float(m.group(5)))


def test_pace_rests_and_304s_recorded(stack):
    """subscription_pace_percent: a --once round's work takes at most its
    share of the time (at 5 %, rest and idle time, such as waiting for the
    feed server, are 19 times the work, less the last feed's rest, which a
    run that ends does not take); 100 never rests. The round's 304s,
    recorded in batches, all land before it ends."""
    f = feeds()
    owner = users.create_user(stack)     # 20 feeds: an account of their own
    changed, same = [], []
    for i in range(20):
        path = "/pace-%d.ics" % i
        body = ics([("pace-%d-%d@test" % (i, k), "Pace %d" % k, day(1 + k % 20), None)
                    for k in range(15)])
        u, sid, cal, s = new_feed(stack, path, body, u=owner, etag='"p%d"' % i if i % 5 == 4 else None)
        (same if i % 5 == 4 else changed).append((sid, path, cal))
    ids = ", ".join(ru.lit(sid) for sid, _, _ in changed + same)
    stack._tool_ok("fetch-stop")   # the round below is the only fetcher
    try:
        for pace, rnd in ((5, "a"), (100, "b")):
            for sid, path, _ in changed:
                f.serve(path, body=ics([("pace-%s-%s@test" % (path, rnd), "Round " + rnd, day(3), None)]))
            before = ru.one(stack, "SELECT max(last_fetched_at)::text FROM subscriptions "
                            "WHERE id IN (%s);" % ids)
            ru.sql(stack, "UPDATE subscriptions SET next_fetch_at = now() WHERE id IN (%s);" % ids)
            applied, unchanged, worked, idle, rested = fetch_once(
                stack, {"AURORA_SUBSCRIPTION_PACE_PERCENT": str(pace)})
            expect((applied, unchanged) == (16, 4), "pace %d: %d applied, %d not modified"
                   % (pace, applied, unchanged))
            late = ru.one(stack, "SELECT count(*) FROM subscriptions WHERE id IN (%s) AND "
                          "(last_fetched_at <= %s OR status <> 'ok' OR lease_until IS NOT NULL);"
                          % (ids, ru.lit(before)))
            expect(late == "0", "pace %d: %s subscriptions not recorded when the round ended"
                   % (pace, late))
            if pace == 5:
                expect(worked > 0.02 and rested > 0.1 and rested + idle >= 0.5 * 19 * worked,
                       "pace 5: worked %.2f s, idle %.2f s, rested %.2f s" % (worked, idle, rested))
            else:
                expect(rested == 0.0, "pace 100 rested %.2f s" % rested)
        for sid, path, cal in changed:
            got = ru.one(stack, "SELECT string_agg(title, ',') FROM events WHERE calendar_id = %s;"
                         % ru.lit(cal))
            expect(got == "Round b", "%s holds %r" % (path, got))
    finally:
        stack._tool_ok("fetch-start")


def test_valgrind_round(stack):
    """A --once round under valgrind's memcheck: a changed feed, a 304, a
    redirect, a 500, garbage, a 410 and a refused address, with no memory
    error and no definite leak (the suite's binaries are built without
    sanitizers, so memcheck runs them as they ship)."""
    if shutil.which("valgrind") is None:
        raise AssertionError("valgrind is missing (tools/dev installs it)")
    f = feeds()
    owner = users.create_user(stack)
    made = []
    for name, spec in (("vg-new", {}), ("vg-304", {"etag": '"vg"'}), ("vg-500", {}),
                       ("vg-bad", {}), ("vg-gone", {}), ("vg-moved", {})):
        path = "/%s.ics" % name
        u, sid, cal, s = new_feed(stack, path, ics([("%s@test" % name, name, day(2), None)]), u=owner, **spec)
        made.append(sid)
    f.serve("/vg-new.ics", body=ics([("vg-new@test", "changed", day(2), None),
                                     ("vg-new-2@test", "added", day(3), None)]))
    f.serve("/vg-500.ics", status=500, body=b"no")
    f.serve("/vg-bad.ics", body=b"BEGIN:VCALENDAR\r\nthis is not\r\n")
    f.serve("/vg-gone.ics", status=410, body=b"")
    f.serve("/vg-moved.ics", status=302, location="/vg-new.ics", body=b"")
    sid, _ = subscribe(stack, owner, "http://0.0.0.0:1/vg-refused.ics")
    made.append(sid)
    ids = ", ".join(ru.lit(x) for x in made)
    stack._tool_ok("fetch-stop")
    try:
        ru.sql(stack, "UPDATE subscriptions SET next_fetch_at = now() WHERE id IN (%s);" % ids)
        applied, unchanged, _, _, _ = fetch_once(
            stack, {"AURORA_SUBSCRIPTION_PACE_PERCENT": "100"},
            wrap=("valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                  "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                  # glibc's own clean-up at exit trips over the state
                  # getaddrinfo_a keeps (inside libc, nothing of ours).
                  "--run-libc-freeres=no"))
        expect(applied >= 2 and unchanged == 1, "%d applied, %d not modified" % (applied, unchanged))
    finally:
        stack._tool_ok("fetch-start")


def test_fetch_role_least_privilege(stack):
    """aurora_fetch writes feed state and events, but not a subscription's
    URL or owner, account data or mail bodies."""
    for text in ("UPDATE subscriptions SET url = 'http://evil.example/';",
                 "UPDATE subscriptions SET user_id = user_id;",
                 "SELECT password_hash FROM users LIMIT 1;",
                 "SELECT body_text FROM mail_outbox LIMIT 1;",
                 "INSERT INTO mail_outbox (user_id, kind, to_addr, subject, body_text, due_at) "
                 "SELECT id, 'confirm', 'a@b.c', 's', 'b', now() FROM users LIMIT 1;",
                 "UPDATE calendars SET read_only = false;",
                 "DELETE FROM subscriptions;",
                 "CREATE TABLE fetch_evil (x int);"):
        r = ru.sql(stack, text, user="aurora_fetch", check=False)
        expect(r.returncode != 0 and "permission denied" in r.stderr,
               "aurora_fetch could run %r: %r" % (text, r.stderr))


TESTS = [
    ("first_fetch_lists_events", test_first_fetch_lists_events),
    ("feed_refresh_interval", test_feed_refresh_interval),
    ("change_and_removal_by_uid", test_change_and_removal_by_uid),
    ("etag_304_keeps_data", test_etag_304_keeps_data),
    ("failures_keep_data_with_backoff", test_failures_keep_data_with_backoff),
    ("gone_410", test_gone_410),
    ("valarms_stripped", test_valarms_stripped),
    ("redirects", test_redirects),
    ("redirect_to_refused_address", test_redirect_to_refused_address),
    ("loopback_refused_when_closed", test_loopback_refused_when_closed),
    ("fetch_role_least_privilege", test_fetch_role_least_privilege),
    ("pace_rests_and_304s_recorded", test_pace_rests_and_304s_recorded),
    ("valgrind_round", test_valgrind_round),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, fetch=True, env=ENV))
