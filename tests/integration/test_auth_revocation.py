"""Strict revocation with the session check riding in the handler's round
trip (issue 15; src/db/db.h "guard", src/auth/verify.c): after a sign-out,
a sign-out everywhere, a session ended (from the sessions page, or its
refresh-token family revoked for reuse) or an account disabled by the
operator, the very next request with the old access token is refused on
EVERY aurora-api worker: with a load generator running beside it, and after
each worker's database connection was broken (pg_terminate_backend) and
made again. A refused request's write does not land, and a refused request
the handler would have answered without the database is refused too.
Which worker answered is read from the request log (pid by request id).
Run: /usr/bin/python3 tests/integration/test_auth_revocation.py [NAME...]"""

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post  # noqa: E402

WORKERS = 4
ADMIN = os.path.join(BUILD, "src", "aurora-admin")
INVALID_TOKEN = 'Bearer error="invalid_token"'
EVENTS = "/api/v1/events"
EVENT = {"title": "Refused?", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z"}
ROUND = 3 * WORKERS     # requests in flight at once: more than workers


def sql(stack, text):
    return stack.psql(text).strip()


def q(s):
    return users.sql_quote(s)


def decode(token):
    import base64
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def admin(stack, *args):
    return subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=60)


def request_pids(stack):
    """request id -> pid of the worker that logged it."""
    out = {}
    try:
        with open(os.path.join(stack.var, "log", "aurora-api.log"), errors="replace") as f:
            for line in f:
                if '"event":"request"' not in line:
                    continue
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if "request_id" in o:
                    out[o["request_id"]] = o["pid"]
    except OSError:
        pass
    return out


def fan_out(stack, method, path, headers, body=None, max_rounds=40):
    """Sends rounds of ROUND requests at once until every live worker has
    answered at least one (by the request log). Returns [(response, pid)]
    in the order sent; fails when a worker stays out of reach."""
    workers = stack.worker_pids()
    expect(len(workers) == WORKERS, "workers %r" % workers)
    sent = []
    with ThreadPoolExecutor(ROUND) as pool:
        for _ in range(max_rounds):
            sent += pool.map(lambda _: stack.request(method, path, body, headers), range(ROUND))
            seen = {}
            for _ in range(50):     # the log line follows the answer
                pids = request_pids(stack)
                seen = {r.headers.get("X-Request-Id"): pids.get(r.headers.get("X-Request-Id"))
                        for r in sent}
                if None not in seen.values():
                    break
                time.sleep(0.05)
            expect(None not in seen.values(), "requests missing from the log")
            if workers <= set(seen.values()):
                return [(r, seen[r.headers.get("X-Request-Id")]) for r in sent]
    raise AssertionError("only workers %r of %r answered %d requests"
                         % (sorted(set(seen.values())), sorted(workers), len(sent)))


def expect_all(stack, token, status, where, path="/api/v1/me"):
    """Every worker answers path with token, and each answer is status
    (401: the one shape of a refused token)."""
    got = fan_out(stack, "GET", path, bearer(token))
    for r, pid in got:
        expect(r.status == status, "%s: worker %d answered %s" % (where, pid, r.describe()))
        if status == 401:
            expect(r.headers.get_all("WWW-Authenticate") == [INVALID_TOKEN],
                   "%s: WWW-Authenticate %r" % (where, r.headers.get_all("WWW-Authenticate")))
            expect(r.error_code() == "unauthorized", "%s: %s" % (where, r.describe()))
    return len(got)


def expect_refused_everywhere(stack, u, token, where):
    """The token is refused on every worker, for a read, for a write (which
    leaves no row behind), for a write the handler would refuse without
    the database (422 otherwise), and by auth_request's endpoint."""
    expect_all(stack, token, 401, where)
    before = sql(stack, "SELECT count(*) FROM events WHERE user_id = %s" % q(u["user_id"]))
    hdrs = dict(bearer(token), **{"Content-Type": "application/json"})
    got = fan_out(stack, "POST", EVENTS, hdrs, json.dumps(EVENT))
    for r, pid in got:
        expect(r.status == 401, "%s: POST on worker %d: %s" % (where, pid, r.describe()))
    after = sql(stack, "SELECT count(*) FROM events WHERE user_id = %s" % q(u["user_id"]))
    expect(after == before, "%s: %s events before the refused writes, %s after" % (where, before, after))
    got = fan_out(stack, "POST", EVENTS, hdrs, json.dumps({"title": 5}))
    for r, pid in got:
        expect(r.status == 401, "%s: invalid POST on worker %d: %s" % (where, pid, r.describe()))
    got = fan_out(stack, "GET", EVENTS + "?from=nonsense", bearer(token))
    for r, pid in got:
        expect(r.status == 401, "%s: invalid GET on worker %d: %s" % (where, pid, r.describe()))
    r = users.request(stack, "GET", "/api/v1/auth/verify", headers=bearer(token), source=users.spread_source())
    expect(r.status == 401 and r.headers.get("X-Aurora-User") is None, "%s: verify %s" % (where, r.describe()))


def sign_in(stack, u):
    r = users.login(stack, u["email"], u["password"], source=users.spread_source())
    expect(r.status == 200, "login: %s" % r.describe())
    return r.body


def break_connections(stack, some=True):
    """Ends every aurora-api backend, as a database restart or a pooler
    would; the workers notice on their next statement. some: there must be
    one (false when nothing reconnected since the last time)."""
    n = sql(stack, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                   "WHERE application_name = 'aurora-api'")
    expect(int(n) >= 1 or not some, "no aurora-api backend to end (%s): %s" % (n, sql(
        stack, "SELECT string_agg(application_name || ':' || state, ',') FROM pg_stat_activity")))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sql(
            stack, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aurora-api'") != "0":
        time.sleep(0.05)


class Load:
    """Another user's traffic in parallel threads (reads and writes), all
    of which must succeed: a refusal never leaks into other requests."""

    def __init__(self, stack, threads=4):
        self.stack = stack
        self.user = users.create_user(stack)
        self.stop = threading.Event()
        self.bad = []
        self.count = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def run(self, i):
        h = bearer(self.user["access_token"])
        jh = dict(h, **{"Content-Type": "application/json"})
        n = 0
        while not self.stop.is_set():
            n += 1
            if i == 0 and n % 5 == 0:
                r = self.stack.request("POST", EVENTS, json.dumps(EVENT), jh)
                ok = r.status == 201
            elif n % 2:
                r = self.stack.request("GET", "/api/v1/me", headers=h)
                ok = r.status == 200
            else:
                r = self.stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
                                       headers=h)
                ok = r.status == 200
            with self.lock:
                self.count += 1
                if not ok:
                    self.bad.append(r.describe())

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)
        expect(self.count > 0, "the load generator sent nothing")
        # A broken connection may cost a write its answer (503): the only
        # failure a bystander may see, and only then.
        expect(not self.bad, "bystander requests failed (%d of %d): %s"
               % (len(self.bad), self.count, self.bad[:3]))


# ------------------------------------------------------------ the four ends

def end_logout(stack, u, tok):
    r = post(stack, "/api/v1/auth/logout", {"refresh_token": tok["refresh_token"]}, source=users.spread_source())
    expect(r.status == 204, "logout: %s" % r.describe())


def end_logout_all(stack, u, tok):
    r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(tok["access_token"]),
             source=users.spread_source())
    expect(r.status == 204, "logout-all: %s" % r.describe())


def end_session_page(stack, u, tok):
    other = sign_in(stack, u)
    sid = decode(tok["access_token"])["origin_jti"]
    r = stack.request("DELETE", "/api/v1/me/sessions/" + sid, headers=bearer(other["access_token"]))
    expect(r.status == 204, "end session: %s" % r.describe())


def end_refresh_reuse(stack, u, tok):
    r = post(stack, "/api/v1/auth/refresh", {"refresh_token": tok["refresh_token"]}, source=users.spread_source())
    expect(r.status == 200, "refresh: %s" % r.describe())
    # The rotated-out refresh token again: reuse ends the whole family.
    r = post(stack, "/api/v1/auth/refresh", {"refresh_token": tok["refresh_token"]}, source=users.spread_source())
    expect(r.status == 401, "reuse: %s" % r.describe())
    sid = decode(tok["access_token"])["origin_jti"]
    expect(sql(stack, "SELECT revoked_reason FROM auth_sessions WHERE id = %s" % q(sid)) == "reuse",
           "session not revoked for reuse")


def end_disable(stack, u, tok):
    r = admin(stack, "user", "disable", u["email"])
    expect(r.returncode == 0, "user disable: %s" % r.stdout)


ENDS = [("logout", end_logout), ("logout_all", end_logout_all), ("session_page", end_session_page),
        ("refresh_reuse", end_refresh_reuse), ("disable", end_disable)]


def revoke_and_check(stack, end, name, broken=False):
    u = users.create_user(stack)
    tok = {"access_token": u["access_token"], "refresh_token": u["refresh_token"]}
    # Every worker knows the token (its signature cache holds it) and
    # accepts it, with a write that lands.
    expect_all(stack, tok["access_token"], 200, name + " before")
    r = stack.request("POST", EVENTS, json.dumps(EVENT),
                      dict(bearer(tok["access_token"]), **{"Content-Type": "application/json"}))
    expect(r.status == 201, "%s: create before: %s" % (name, r.describe()))
    if broken:
        break_connections(stack)
    end(stack, u, tok)
    if broken:
        break_connections(stack, some=False)
    expect_refused_everywhere(stack, u, tok["access_token"], name)


def test_each_end_every_worker(stack):
    for name, end in ENDS:
        revoke_and_check(stack, end, name)


def test_each_end_under_load(stack):
    with Load(stack):
        for name, end in ENDS:
            revoke_and_check(stack, end, name + " under load")


def test_each_end_after_broken_connections(stack):
    for name, end in ENDS:
        revoke_and_check(stack, end, name + " after broken connections", broken=True)


def test_reconnect_serves_live_tokens(stack):
    """After the connections were ended, a live token is served on every
    worker at once: reads and a write (the check is sent again on the new
    connection, and a dead one is noticed before a write is sent)."""
    u = users.create_user(stack)
    break_connections(stack)
    expect_all(stack, u["access_token"], 200, "after broken connections")
    break_connections(stack)
    hdrs = dict(bearer(u["access_token"]), **{"Content-Type": "application/json"})
    got = fan_out(stack, "POST", EVENTS, hdrs, json.dumps(EVENT))
    for r, pid in got:
        expect(r.status == 201, "write after broken connections, worker %d: %s" % (pid, r.describe()))
    n = sql(stack, "SELECT count(*) FROM events WHERE user_id = %s" % q(u["user_id"]))
    expect(int(n) == len(got), "%s events for %d writes" % (n, len(got)))


def test_transaction_behind_refusal(stack):
    """A handler that opens a transaction first (calendar create) is
    refused before it begins, and its row does not land; with a live token
    the same request works (the check and BEGIN share one round trip)."""
    u = users.create_user(stack)
    hdrs = dict(bearer(u["access_token"]), **{"Content-Type": "application/json"})
    r = stack.request("POST", "/api/v1/calendars", json.dumps({"name": "Before"}), hdrs)
    expect(r.status == 201, "calendar create: %s" % r.describe())
    before = sql(stack, "SELECT count(*) FROM calendars WHERE user_id = %s" % q(u["user_id"]))
    end_logout(stack, u, u)
    got = fan_out(stack, "POST", "/api/v1/calendars", hdrs, json.dumps({"name": "After"}))
    for r, pid in got:
        expect(r.status == 401, "calendar create on worker %d: %s" % (pid, r.describe()))
    after = sql(stack, "SELECT count(*) FROM calendars WHERE user_id = %s" % q(u["user_id"]))
    expect(after == before, "calendars %s before, %s after refused creates" % (before, after))


def test_me_profile_with_mfa(stack):
    """GET /api/v1/me answers from one round trip: the profile (with its
    two-step state) in the statement that rides behind the check."""
    u = users.create_user(stack)
    r = stack.request("GET", "/api/v1/me", headers=bearer(u["access_token"]))
    expect(r.status == 200 and r.body["user_id"] == u["user_id"], "me: %s" % r.describe())
    expect(r.body.get("mfa") == {"totp": False, "recovery_codes_left": 0}, "mfa %r" % r.body.get("mfa"))
    expect(r.body["email"] == u["email"], "email %r" % r.body["email"])


def test_unprepared(stack):
    """With db_prepared = off (PgBouncer in transaction mode) the check
    and the handler's statement go unprepared in the same pipeline: the
    same refusals, a live token served, a refused write not landing."""
    stack.restart_api(env={"AURORA_DB_PREPARED": "0"})
    try:
        for name, end in (("logout", end_logout), ("disable", end_disable)):
            revoke_and_check(stack, end, name + " unprepared")
        u = users.create_user(stack)
        expect_all(stack, u["access_token"], 200, "unprepared, live")
        r = stack.request("GET", EVENTS + "?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
                          headers=bearer(u["access_token"]))
        expect(r.status == 200, "unprepared listing: %s" % r.describe())
    finally:
        stack.restart_api(env={"AURORA_DB_PREPARED": None})


TESTS = [
    ("each_end_every_worker", test_each_end_every_worker),
    ("each_end_under_load", test_each_end_under_load),
    ("each_end_after_broken_connections", test_each_end_after_broken_connections),
    ("reconnect_serves_live_tokens", test_reconnect_serves_live_tokens),
    ("transaction_behind_refusal", test_transaction_behind_refusal),
    ("me_profile_with_mfa", test_me_profile_with_mfa),
    ("unprepared", test_unprepared),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=WORKERS))
