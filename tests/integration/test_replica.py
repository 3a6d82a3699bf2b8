#!/usr/bin/python3
"""Reads on a streaming replica (issue 15) on a throwaway stack: a real
standby made with pg_basebackup -R from the stack's PostgreSQL, on its own
port and data directory, and aurora-api with db_read_conninfo naming it.
Feed, export and listing traffic lands on the replica (its statement log and
/metrics say so); a user always sees their own write at once, even while the
replica's replay is paused; a replica beyond db_read_max_lag sends every
read to the primary; stopping the replica under traffic loses no request.
Run: /usr/bin/python3 tests/integration/test_replica.py [NAME...]"""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Skip, expect, free_ports, run_tests  # noqa: E402

import users  # noqa: E402

PGBIN = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
EVENTS = "/api/v1/events"
JSON_HDR = {"Content-Type": "application/json"}
MAX_LAG = 3  # db_read_max_lag for these tests, seconds
# A write's author reads from the primary until the replica's confirmed
# position passes it (API_READ_WRITE_MARGIN_US, 1 s, plus a check a second):
# this long after a write the author reads from the replica again.
SETTLE = 3.5


def as_postgres(cmd):
    """Runs cmd as the postgres OS user when we are root (the stack's
    PostgreSQL files belong to it)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


class Replica:
    """A hot standby of the stack's PostgreSQL: pg_basebackup -R over the
    primary's socket, then its own port, socket directory and log."""

    def __init__(self, stack):
        f = dict(kv.split("=", 1) for kv in stack.conf()["db_conninfo"].split())
        self.primary_sock, self.primary_port = f["host"], f["port"]
        self.port = free_ports(1)[0]
        self.base = tempfile.mkdtemp(prefix="aurora-replica-")
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        self.log = os.path.join(self.base, "postgres.log")
        os.mkdir(self.sock)
        open(self.log, "w").close()
        if os.geteuid() == 0:
            for p in (self.base, self.sock, self.log):
                shutil.chown(p, "postgres", "postgres")

    def _run(self, cmd, timeout=120):
        r = subprocess.run(as_postgres(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout,
                           cwd="/")
        expect(r.returncode == 0, "%s: %s" % (os.path.basename(cmd[0]), r.stdout[-600:]))
        return r.stdout

    def create(self):
        self._run([os.path.join(PGBIN, "pg_basebackup"), "-D", self.data, "-R", "-X", "stream",
                   "-c", "fast", "-h", self.primary_sock, "-p", self.primary_port,
                   "-U", "postgres"])
        # postgresql.conf includes aurora-stack.conf (tools/stack): the
        # copy of the primary's is replaced by the replica's own. Every
        # statement is logged with its application, to see where reads go.
        conf = os.path.join(self.data, "aurora-stack.conf")
        with open(conf, "w") as f:
            f.write("listen_addresses = ''\nport = %d\nunix_socket_directories = '%s'\n"
                    "unix_socket_permissions = 0700\nmax_connections = 60\n"
                    "shared_buffers = 32MB\nhot_standby = on\n"
                    "log_min_duration_statement = 0\n"
                    "log_line_prefix = '%%m [%%p] app=%%a '\ntimezone = 'UTC'\n"
                    % (self.port, self.sock))
        if os.geteuid() == 0:
            shutil.chown(conf, "postgres", "postgres")

    def start(self):
        self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
                   "-t", "60", "start"])

    def stop(self):
        self._run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                   "-t", "60", "stop"])

    def running(self):
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))

    def psql(self, sql):
        r = subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
                            "-U", "postgres", "-d", "aurora", "-c", sql],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=30)
        expect(r.returncode == 0, "replica psql: %s" % r.stderr.strip())
        return r.stdout.strip()

    def conninfo(self):
        return "host=%s port=%d dbname=aurora user=aurora_api" % (self.sock, self.port)

    def reads(self):
        """Statements aurora-api's read connections ran here, by name (the
        lag check's own excepted)."""
        with open(self.log, errors="replace") as f:
            text = f.read()
        names = re.findall(r"app=aurora-api-read .*?execute ([A-Za-z0-9_]+)", text)
        return [n for n in names if not n.startswith("db_replica_")]

    def destroy(self):
        if self.running():
            try:
                self.stop()
            except AssertionError as e:
                print("# replica stop: %s" % e, file=sys.stderr)
        shutil.rmtree(self.base, ignore_errors=True)


STATE = {}


def replica(stack):
    r = STATE.get("replica")
    if r is None:
        raise Skip("the replica was not set up")
    return r


def metrics(stack):
    r = stack.request("GET", "/metrics")
    expect(r.status == 200, "/metrics: %s" % r.describe())
    text = r.body if isinstance(r.body, str) else r.body.decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"(aurora_replica_[a-z_]+)(\{reason=\"([a-z_]+)\"\})? (\S+)$", line)
        if m:
            out[m.group(1) + ("." + m.group(3) if m.group(3) else "")] = float(m.group(4))
    return out


def auth(u):
    return {"Authorization": "Bearer " + u["access_token"]}


def create_event(stack, u, title, day=5):
    body = {"title": title, "start": "2026-03-%02dT09:00:00Z" % day,
            "end": "2026-03-%02dT10:00:00Z" % day, "time_zone": "UTC", "reminders": []}
    r = stack.request("POST", EVENTS, json.dumps(body), dict(auth(u), **JSON_HDR))
    expect(r.status == 201, "create: %s" % r.describe())
    return r.body


def list_march(stack, u, calendar=None):
    q = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&limit=500"
    if calendar:
        q += "&calendar_id=" + calendar
    r = stack.request("GET", "%s?%s" % (EVENTS, q), headers=auth(u))
    expect(r.status == 200, "list: %s" % r.describe())
    return r.body["items"]


def wait_for(what, fn, seconds=20.0):
    deadline = time.monotonic() + seconds
    while True:
        v = fn()
        if v:
            return v
        expect(time.monotonic() < deadline, "timed out waiting for %s" % what)
        time.sleep(0.2)


# -- tests -------------------------------------------------------------------

def replica_setup(stack):
    """pg_basebackup -R, the standby started and streaming, aurora-api
    restarted with db_read_conninfo; two users with events and a feed."""
    rep = Replica(stack)
    STATE["replica"] = rep
    rep.create()
    rep.start()
    expect(rep.psql("SELECT pg_is_in_recovery()") == "t", "the copy is not a standby")
    wait_for("streaming", lambda: stack.psql(
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").strip() == "1")
    stack.restart_api(env={"AURORA_DB_READ_CONNINFO": rep.conninfo(),
                           "AURORA_DB_READ_MAX_LAG": str(MAX_LAG)})
    for name in ("reader", "writer", "other"):
        STATE[name] = users.create_user(stack)
    for i in range(3):
        create_event(stack, STATE["reader"], "seed %d" % i, day=3 + i)
    r = stack.request("POST", "/api/v1/me/feed", headers=auth(STATE["reader"]))
    expect(r.status == 201, "feed: %s" % r.describe())
    STATE["feed"] = "/feeds/" + r.body["url"].rsplit("/feeds/", 1)[1]
    wait_for("the replica in /metrics", lambda: (
        list_march(stack, STATE["other"]) is not None and
        "aurora_replica_reads_total" in metrics(stack)))


def feeds_and_listings_land_on_replica(stack):
    rep = replica(stack)
    u = STATE["reader"]
    time.sleep(SETTLE)  # the reader's own writes of the set-up
    before_log, before = len(rep.reads()), metrics(stack)
    n = 30
    for _ in range(n):
        expect(len(list_march(stack, u)) == 3, "the reader's three events")
        r = stack.request("GET", STATE["feed"])
        expect(r.status == 200 and b"seed 2" in r.raw, "feed: %s" % r.describe())
        r = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u))
        expect(r.status == 200 and b"seed 0" in r.raw, "export: %s" % r.describe())
    after = metrics(stack)
    served = after.get("aurora_replica_reads_total", 0) - before.get("aurora_replica_reads_total", 0)
    ran = rep.reads()[before_log:]
    print("# %d requests: %d reads on the replica (metric), %d statements in its log (%s)"
          % (3 * n, served, len(ran), ", ".join(sorted(set(ran)))), file=sys.stderr)
    expect(served >= 3 * n - 8, "only %d of %d reads went to the replica" % (served, 3 * n))
    expect(ran.count("ev_list") >= n - 4, "the replica ran ev_list %d times" % ran.count("ev_list"))
    expect(len(ran) >= 3 * n - 8, "the replica ran %d statements" % len(ran))


def own_writes_seen_at_once(stack):
    """Create, patch and delete, each read back immediately, many times; the
    author reads from the primary (recent_write), a user who wrote nothing
    still reads from the replica meanwhile."""
    u, idle = STATE["writer"], STATE["reader"]
    before = metrics(stack)
    for i in range(25):
        ev = create_event(stack, u, "rw %d" % i, day=10)
        titles = [it["title"] for it in list_march(stack, u)]
        expect("rw %d" % i in titles, "round %d: the new event is missing from %r" % (i, titles))
        r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]),
                          json.dumps({"title": "rw %d patched" % i}), dict(auth(u), **JSON_HDR))
        expect(r.status == 200, "patch: %s" % r.describe())
        r = stack.request("GET", "%s/%s" % (EVENTS, ev["id"]), headers=auth(u))
        expect(r.status == 200 and r.body["title"] == "rw %d patched" % i,
               "round %d: read back %s" % (i, r.describe()))
        r = stack.request("DELETE", "%s/%s" % (EVENTS, ev["id"]), headers=auth(u))
        expect(r.status == 204, "delete: %s" % r.describe())
        titles = [it["title"] for it in list_march(stack, u)]
        expect(not any(t.startswith("rw %d" % i) for t in titles),
               "round %d: the deleted event is still listed: %r" % (i, titles))
        r = stack.request("GET", "%s/%s" % (EVENTS, ev["id"]), headers=auth(u))
        expect(r.status == 404, "round %d: deleted event read back: %s" % (i, r.describe()))
        expect(len(list_march(stack, idle)) == 3, "the idle user's listing")
    after = metrics(stack)
    recent = after.get("aurora_replica_fallbacks_total.recent_write", 0) - \
        before.get("aurora_replica_fallbacks_total.recent_write", 0)
    served = after.get("aurora_replica_reads_total", 0) - before.get("aurora_replica_reads_total", 0)
    print("# 25 rounds: %d reads kept on the primary for their author, %d on the replica"
          % (recent, served), file=sys.stderr)
    expect(recent >= 25 * 4 - 5, "recent_write fallbacks: %d" % recent)
    expect(served >= 20, "the idle user's reads on the replica: %d" % served)


def own_writes_seen_while_replay_paused(stack):
    """With the replica's replay paused (it holds nothing new), the author
    of a write still reads it at once; a calendar's deletion too."""
    rep, u = replica(stack), STATE["other"]
    r = stack.request("POST", "/api/v1/calendars", json.dumps({"name": "Trip"}),
                      dict(auth(u), **JSON_HDR))
    expect(r.status == 201, "calendar: %s" % r.describe())
    cal = r.body["id"]
    ev = create_event(stack, u, "in trip", day=12)
    r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"calendar_id": cal}),
                      dict(auth(u), **JSON_HDR))
    expect(r.status == 200, "move: %s" % r.describe())
    time.sleep(SETTLE)
    expect([it["title"] for it in list_march(stack, u, cal)] == ["in trip"], "before the pause")
    rep.psql("SELECT pg_wal_replay_pause()")
    try:
        wait_for("replay paused", lambda: rep.psql("SELECT pg_get_wal_replay_pause_state()")
                 == "paused")
        for i in range(5):
            create_event(stack, u, "paused %d" % i, day=14)
            titles = [it["title"] for it in list_march(stack, u)]
            expect("paused %d" % i in titles, "paused replay: %r" % titles)
        r = stack.request("DELETE", "/api/v1/calendars/" + cal, headers=auth(u))
        expect(r.status == 204, "calendar delete: %s" % r.describe())
        titles = [it["title"] for it in list_march(stack, u)]
        expect("in trip" not in titles, "the deleted calendar's event is listed: %r" % titles)
    finally:
        rep.psql("SELECT pg_wal_replay_resume()")


def lag_beyond_bound_reads_primary(stack):
    rep, idle, w = replica(stack), STATE["reader"], STATE["writer"]
    time.sleep(SETTLE)
    rep.psql("SELECT pg_wal_replay_pause()")
    try:
        wait_for("replay paused", lambda: rep.psql("SELECT pg_get_wal_replay_pause_state()")
                 == "paused")
        # The primary moves on (an idle primary would be no lag at all).
        create_event(stack, w, "moves the primary", day=20)
        before = metrics(stack)
        time.sleep(MAX_LAG + 1.5)
        for _ in range(12):
            expect(len(list_march(stack, idle)) == 3, "listing while lagging")
        after = metrics(stack)
        lagged = after.get("aurora_replica_fallbacks_total.lag", 0) - \
            before.get("aurora_replica_fallbacks_total.lag", 0)
        print("# replay paused %.1f s: %d of 12 reads on the primary for lag, gauge %.2f s"
              % (MAX_LAG + 1.5, lagged, after.get("aurora_replica_lag_seconds", -1)),
              file=sys.stderr)
        expect(lagged >= 12, "lag fallbacks: %d" % lagged)
    finally:
        rep.psql("SELECT pg_wal_replay_resume()")
    # Caught up again: back to the replica, at the latest once each worker
    # has checked it again (a second after its last check).
    time.sleep(2.5)
    before = metrics(stack)
    for _ in range(12):
        list_march(stack, idle)
        time.sleep(0.25)
    after = metrics(stack)
    served = after.get("aurora_replica_reads_total", 0) - before.get("aurora_replica_reads_total", 0)
    expect(served >= 6, "after the replay resumed, %d of 12 reads on the replica" % served)


def replica_stop_loses_no_request(stack):
    rep, u = replica(stack), STATE["reader"]
    time.sleep(1.0)
    before = metrics(stack)
    results, stop = [], threading.Event()

    def client(kind):
        while not stop.is_set():
            t = time.monotonic()
            try:
                if kind == "list":
                    r = stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z"
                                      "&to=2026-04-01T00:00:00Z", headers=auth(u))
                    ok = r.status == 200 and len(r.body["items"]) == 3
                elif kind == "feed":
                    r = stack.request("GET", STATE["feed"])
                    ok = r.status == 200
                else:
                    r = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u))
                    ok = r.status == 200
                results.append((t, kind, r.status, ok))
            except Exception as e:  # noqa: BLE001 — a lost request is what we count
                results.append((t, kind, repr(e), False))

    threads = [threading.Thread(target=client, args=(k,)) for k in ("list", "feed", "ics", "list")]
    for t in threads:
        t.start()
    try:
        time.sleep(2.0)
        stopped_at = time.monotonic()
        rep.stop()
        time.sleep(3.0)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    after = metrics(stack)
    bad = [r for r in results if not r[3]]
    late = [r for r in results if r[0] > stopped_at]
    fb = {k: after.get("aurora_replica_fallbacks_total." + k, 0) -
          before.get("aurora_replica_fallbacks_total." + k, 0) for k in ("down", "failed")}
    print("# %d requests (%d after the stop): %d failed; fallbacks down %d, failed %d"
          % (len(results), len(late), len(bad), fb["down"], fb["failed"]), file=sys.stderr)
    expect(not bad, "%d requests failed, e.g. %r" % (len(bad), bad[:3]))
    expect(len(late) >= 20, "only %d requests after the stop" % len(late))
    expect(fb["down"] + fb["failed"] >= 10, "fallback metric: %r" % fb)
    # Back: the workers find the replica again within a second or two.
    rep.start()
    wait_for("reads on the replica again", lambda: (
        list_march(stack, u) is not None and
        metrics(stack).get("aurora_replica_reads_total", 0) >
        after.get("aurora_replica_reads_total", 0) + 4), seconds=30)


def sign_out_immediate_on_replica_routes(stack):
    """The session check runs on the primary even when the reads would go to
    the replica: the first request after a sign-out everywhere is 401, while
    the replica's replay is paused before the sign-out."""
    u = users.create_user(stack)
    time.sleep(SETTLE)
    before = metrics(stack)
    expect(list_march(stack, u) == [], "a new user's listing")
    served = metrics(stack).get("aurora_replica_reads_total", 0) - \
        before.get("aurora_replica_reads_total", 0)
    expect(served >= 1, "the listing did not go to the replica")
    # The replica does not even hold the sign-out.
    rep = replica(stack)
    rep.psql("SELECT pg_wal_replay_pause()")
    try:
        wait_for("replay paused", lambda: rep.psql("SELECT pg_get_wal_replay_pause_state()")
                 == "paused")
        r = stack.request("POST", "/api/v1/auth/logout-all", headers=auth(u))
        expect(r.status in (200, 204), "logout-all: %s" % r.describe())
        for path in (EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
                     "/api/v1/calendar.ics", EVENTS + "/00000000-0000-4000-8000-000000000000"):
            r = stack.request("GET", path, headers=auth(u))
            expect(r.status == 401, "%s after sign-out: %s" % (path, r.describe()))
    finally:
        rep.psql("SELECT pg_wal_replay_resume()")


def account_deletion_with_triggers(stack):
    """sql/018's stamps do not get in the way of deleting an account (its
    calendars' deletion stamps a row being deleted)."""
    u = users.create_user(stack)
    create_event(stack, u, "doomed")
    out = stack.psql("DELETE FROM users WHERE id = '%s' RETURNING 1" % u["user_id"],
                     user="aurora_api").strip()
    expect(out == "1", "delete as aurora_api: %r" % out)
    stamp = stack.psql("SELECT calendar_deleted_at IS NOT NULL FROM users WHERE id = '%s'"
                       % STATE["other"]["user_id"]).strip()
    expect(stamp == "t", "a calendar's deletion left no stamp: %r" % stamp)


def teardown(stack):
    rep = STATE.pop("replica", None)
    stack.restart_api(env={"AURORA_DB_READ_CONNINFO": None, "AURORA_DB_READ_MAX_LAG": None})
    if rep is not None:
        rep.destroy()


TESTS = [
    ("replica_setup", replica_setup),
    ("feeds_and_listings_land_on_replica", feeds_and_listings_land_on_replica),
    ("own_writes_seen_at_once", own_writes_seen_at_once),
    ("own_writes_seen_while_replay_paused", own_writes_seen_while_replay_paused),
    ("lag_beyond_bound_reads_primary", lag_beyond_bound_reads_primary),
    ("replica_stop_loses_no_request", replica_stop_loses_no_request),
    ("sign_out_immediate_on_replica_routes", sign_out_immediate_on_replica_routes),
    ("account_deletion_with_triggers", account_deletion_with_triggers),
    ("teardown", teardown),
]

if __name__ == "__main__":
    try:
        sys.exit(run_tests(TESTS))
    finally:
        rep = STATE.get("replica")
        if rep is not None:
            rep.destroy()
