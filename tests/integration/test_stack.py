#!/usr/bin/python3
"""End-to-end tests of the serving stack: nginx → aurora-api (FastCGI) →
PostgreSQL, on a throwaway stack. Run: /usr/bin/python3 tests/integration/test_stack.py [NAME...]"""

import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import (  # noqa: E402
    JSON_TYPE,
    Skip,
    check_json_error,
    check_security_headers,
    expect,
    run_tests,
)

WORKERS = 4
LOGIN = "/api/v1/auth/login"


def login_route_exists(stack):
    r = stack.request("POST", LOGIN, body=b"{}", headers={"Content-Type": "application/json"})
    return r.status != 404


def test_health(stack):
    r = stack.request("GET", "/api/v1/health")
    expect(r.status == 200, "expected 200, got %s" % r.describe())
    expect(r.headers.get("Content-Type") == JSON_TYPE, "Content-Type %r" % r.headers.get("Content-Type"))
    b = r.body
    expect(isinstance(b, dict), "body is not a JSON object: %r" % (b,))
    expect(b.get("status") == "ok", "status %r" % b.get("status"))
    expect(b.get("database") == "ok", "database %r" % b.get("database"))
    expect(isinstance(b.get("version"), str) and b["version"], "version %r" % b.get("version"))


def test_api_response_headers(stack):
    """Every API answer: JSON content type, security headers once, a request id."""
    seen = set()
    for method, path in (("GET", "/api/v1/health"), ("GET", "/api/v1/nope"),
                         ("DELETE", "/api/v1/health")):
        r = stack.request(method, path)
        where = "%s %s" % (method, path)
        ctype = r.headers.get_all("Content-Type") or []
        expect(ctype == [JSON_TYPE], "%s: Content-Type %r" % (where, ctype))
        try:
            check_security_headers(r)
        except AssertionError as e:
            raise AssertionError("%s: %s" % (where, e)) from None
        ids = r.headers.get_all("X-Request-Id") or []
        expect(len(ids) == 1 and re.fullmatch(r"[0-9A-Za-z_-]{8,128}", ids[0]),
               "%s: X-Request-Id %r" % (where, ids))
        expect(ids[0] not in seen, "%s: X-Request-Id %r repeated" % (where, ids[0]))
        seen.add(ids[0])
        server = r.headers.get("Server", "")
        expect(not re.search(r"\d", server), "%s: Server header reveals a version: %r" % (where, server))
    # A client cannot choose the id the logs will carry.
    r = stack.request("GET", "/api/v1/health", headers={"X-Request-Id": "client-chosen-id"})
    ids = r.headers.get_all("X-Request-Id") or []
    expect(ids and "client-chosen-id" not in ids, "client X-Request-Id echoed: %r" % ids)


def test_static_index(stack):
    r = stack.request("GET", "/")
    expect(r.status == 200, "GET / answered %d" % r.status)
    expect((r.headers.get("Content-Type") or "").startswith("text/html"),
           "Content-Type %r" % r.headers.get("Content-Type"))
    expect(r.headers.get("Cache-Control") == "no-cache", "Cache-Control %r" % r.headers.get("Cache-Control"))
    check_security_headers(r)
    assets = os.path.join(os.path.dirname(__file__), "..", "..", "web", "assets")
    if os.path.isdir(assets):
        for name in sorted(os.listdir(assets)):
            if os.path.isfile(os.path.join(assets, name)):
                r = stack.request("GET", "/assets/" + name)
                expect(r.status == 200, "/assets/%s answered %d" % (name, r.status))
                cc = r.headers.get("Cache-Control") or ""
                expect("immutable" in cc and "max-age=31536000" in cc, "/assets/ Cache-Control %r" % cc)
                break


def test_unknown_route(stack):
    r = stack.request("GET", "/api/v1/nope")
    check_json_error(r, 404, "not_found")


def test_wrong_method(stack):
    r = stack.request("DELETE", "/api/v1/health")
    check_json_error(r, 405, "method_not_allowed")
    allow = r.headers.get("Allow") or ""
    expect("GET" in [m.strip() for m in allow.split(",")], "Allow header %r lacks GET" % allow)


def test_malformed_json(stack):
    r = stack.request("POST", LOGIN, body=b'{"email": "a@example.com", "password": ',
                      headers={"Content-Type": "application/json"})
    if r.status == 404:
        raise Skip("%s does not exist yet" % LOGIN)
    check_json_error(r, 400, "invalid_json")
    check_security_headers(r)


def test_body_over_nginx_cap(stack):
    """Over client_max_body_size (6 MiB): nginx answers 413 in JSON."""
    body = b"{" + b" " * (7 * 1024 * 1024) + b"}"
    r = stack.request("POST", LOGIN, body=body, headers={"Content-Type": "application/json"}, timeout=30)
    check_json_error(r, 413, "payload_too_large")
    check_security_headers(r)


def test_body_over_api_cap(stack):
    """Over the API's max_body but under nginx's cap: the API answers 413."""
    if not login_route_exists(stack):
        raise Skip("%s does not exist yet" % LOGIN)
    max_body = int(stack.conf().get("max_body", "1048576"))
    size = max_body + 64 * 1024
    expect(size < 6 * 1024 * 1024, "max_body %d leaves no room under nginx's 6 MiB" % max_body)
    body = b'{"email":"' + b"a" * (size - 12) + b'"}'
    r = stack.request("POST", LOGIN, body=body, headers={"Content-Type": "application/json"}, timeout=30)
    check_json_error(r, 413, "payload_too_large")
    check_security_headers(r)
    # The worker that refused it is still serving.
    expect(stack.healthy(), "health failed after the oversized body")


def test_database_restart_under_load(stack):
    """PostgreSQL stops under load: 503 unavailable with Retry-After, never a
    500/502/hang; after it starts again health recovers and no worker died."""
    master = stack.api_master_pid()
    workers_before = stack.worker_pids(master)
    expect(len(workers_before) == WORKERS, "expected %d workers, found %r" % (WORKERS, workers_before))

    results = []  # (t0, t1, status or None, retry_after, error_code, error text)
    lock = threading.Lock()
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                r = stack.request("GET", "/api/v1/health", timeout=5)
                item = (t0, time.monotonic(), r.status, r.headers.get("Retry-After"),
                        r.error_code(), r.headers.get("Content-Type"))
            except Exception as e:  # noqa: BLE001 — timeouts and resets are findings
                item = (t0, time.monotonic(), None, None, None, "%s: %s" % (type(e).__name__, e))
            with lock:
                results.append(item)
            time.sleep(0.02)

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    recovered_after = None
    try:
        time.sleep(0.5)
        stack.pg_stop()
        down_from = time.monotonic()
        time.sleep(2.5)
        down_until = time.monotonic()
        stack.pg_start()
        started = time.monotonic()
        while time.monotonic() - started < 10:
            if stack.healthy(timeout=5):
                recovered_after = time.monotonic() - started
                break
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    expect(not any(t.is_alive() for t in threads), "a request thread hung")

    errors = [r for r in results if r[2] is None]
    expect(not errors, "%d requests failed without an answer, e.g. %s" % (len(errors), errors[0][5] if errors else ""))
    bad = [r for r in results if r[2] not in (200, 503)]
    expect(not bad, "answers other than 200/503: %s" % sorted({r[2] for r in bad}))
    down = [r for r in results if r[0] >= down_from and r[1] <= down_until]
    expect(down, "no request completed while the database was down")
    not503 = [r for r in down if r[2] != 503]
    expect(not not503, "%d of %d answers while down were not 503 (e.g. %s)" % (len(not503), len(down), not503[0][2] if not503 else ""))
    bad_ra = [r for r in down if not (r[3] and r[3].strip().isdigit())]
    expect(not bad_ra, "%d 503 answers lack a numeric Retry-After (e.g. %r)" % (len(bad_ra), bad_ra[0][3] if bad_ra else None))
    bad_code = [r for r in down if r[4] != "unavailable" or r[5] != JSON_TYPE]
    expect(not bad_code, "503 answers without error.code 'unavailable' in JSON (e.g. code %r, type %r)"
           % ((bad_code[0][4], bad_code[0][5]) if bad_code else (None, None)))
    expect(recovered_after is not None, "health not 200 within 10 s of the database restart")
    # One healthy answer shows one worker back; a worker still in its
    # reconnect back-off (at most 2 s) answers 503 a little longer. Every
    # worker must be back soon after, and the next test must start with all
    # of them healthy.
    streak, deadline = 0, time.monotonic() + 10
    while streak < 4 * WORKERS and time.monotonic() < deadline:
        streak = streak + 1 if stack.healthy(timeout=5) else 0
        if streak == 0:
            time.sleep(0.1)
    expect(streak >= 4 * WORKERS, "not every worker healthy within 10 s of the first healthy answer")

    expect(stack.api_master_pid() == master, "the master pid changed")
    workers_after = stack.worker_pids(master)
    expect(workers_after == workers_before,
           "workers changed (a worker died): before %s, after %s" % (sorted(workers_before), sorted(workers_after)))


def _dead(pid):
    """True when pid has exited (gone, or a zombie its master has not reaped)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_worker_killed_is_replaced(stack):
    master = stack.api_master_pid()
    before = stack.worker_pids(master)
    expect(len(before) == WORKERS, "expected %d workers, found %r" % (WORKERS, before))
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    # SIGKILL lands when the victim is next scheduled: on a loaded machine
    # it may still take a connection out of accept() in between and die
    # holding it (nginx: 502, connection reset). Wait until it is dead.
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by and not _dead(victim):
        time.sleep(0.01)
    expect(_dead(victim), "worker %d did not die within 5 s of SIGKILL" % victim)
    # The other workers keep answering at once.
    for i in range(10):
        r = stack.request("GET", "/api/v1/health", timeout=5)
        expect(r.status == 200, "request %d after the kill: %s" % (i, r.describe()))
    deadline = time.monotonic() + 10
    after = set()
    while time.monotonic() < deadline:
        after = stack.worker_pids(master)
        if victim not in after and len(after) == WORKERS:
            break
        time.sleep(0.1)
    expect(victim not in after, "killed worker %d still listed" % victim)
    expect(len(after) == WORKERS, "worker count not restored within 10 s: %r" % sorted(after))
    expect(after - before, "no new worker pid appeared")
    for i in range(WORKERS * 3):
        r = stack.request("GET", "/api/v1/health", timeout=5)
        expect(r.status == 200, "request %d after the replacement: %s" % (i, r.describe()))
    expect(stack.api_master_pid() == master, "the master pid changed")


def test_auth_rate_limit(stack):
    """Bursts on /api/v1/auth/ get nginx's 429 in JSON with Retry-After."""
    statuses, limited = [], []
    lock = threading.Lock()

    def burst():
        for _ in range(12):
            r = stack.request("GET", "/api/v1/auth/rate-limit-probe", timeout=10)
            with lock:
                statuses.append(r.status)
                if r.status == 429:
                    limited.append(r)

    threads = [threading.Thread(target=burst, daemon=True) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        expect(limited, "no 429 among %d rapid requests: %s" % (len(statuses), sorted(set(statuses))))
        r = limited[0]
        check_json_error(r, 429, "rate_limited")
        check_security_headers(r)
        expect((r.headers.get("Retry-After") or "").isdigit(), "Retry-After %r" % r.headers.get("Retry-After"))
        expect(not [s for s in statuses if s >= 500], "5xx among the answers: %s" % sorted(set(statuses)))
    finally:
        time.sleep(2.5)  # let the bucket drain for whatever runs next


def test_metrics_loopback_only(stack):
    """/metrics answers loopback clients; nginx refuses anyone else (403 JSON)."""
    r = stack.request("GET", "/metrics", source="127.0.0.2")
    check_json_error(r, 403, "forbidden")
    check_security_headers(r)
    r = stack.request("GET", "/metrics")
    if r.status == 404:
        raise Skip("/metrics does not exist yet (the nginx side refuses others)")
    expect(r.status == 200, "GET /metrics from 127.0.0.1: %s" % r.describe())
    expect((r.headers.get("Content-Type") or "").startswith("text/plain"),
           "Content-Type %r" % r.headers.get("Content-Type"))


def metric(text, name, labels=""):
    """The value of one sample in a Prometheus text body, or None."""
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    return float(m.group(1)) if m else None


def test_metrics_content(stack):
    """/metrics counts requests per route and status with latency
    histograms, and shows the outbox and the sends aurora-remind recorded."""
    for _ in range(3):
        stack.request("GET", "/api/v1/health")
    stack.request("GET", "/api/v1/nope")
    # One route answered in two status classes: 401 without a token, and
    # (below) the same route's 2xx never mixed into the 4xx histogram.
    stack.request("GET", "/api/v1/events")
    before = stack.request("GET", "/metrics").raw.decode()
    sent0 = metric(before, "aurora_mail_sends_total", '{transport="ses",result="sent"}') or 0
    stack.psql("INSERT INTO mail_outbox (kind, to_addr, subject, body_text, due_at) VALUES "
               "('confirm', 'metrics@example.org', 'Metrics', 'Your code is 123456', now()); "
               "SELECT pg_notify('aurora_outbox', '');")
    deadline = time.monotonic() + 20
    text = before
    while time.monotonic() < deadline:
        text = stack.request("GET", "/metrics").raw.decode()
        sent = metric(text, "aurora_mail_sends_total", '{transport="ses",result="sent"}')
        if sent is not None and sent >= sent0 + 1:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("aurora_mail_sends_total{ses,sent} did not grow: %r" % sent0)
    health = '{route="GET /api/v1/health",status="200"}'
    expect((metric(text, "aurora_http_requests_total", health) or 0) >= 3,
           "health requests not counted")
    expect(metric(text, "aurora_http_requests_total", '{route="unmatched",status="404"}'),
           "unmatched 404 not counted")
    # The latency histogram is labelled by route and status class (code).
    hist = "aurora_http_request_duration_seconds"
    health2 = '{route="GET /api/v1/health",code="2xx"}'
    expect((metric(text, hist + "_count", health2) or 0) >= 3,
           "no latency histogram for health with code=\"2xx\"")
    expect(metric(text, hist + "_bucket", '{route="GET /api/v1/health",code="2xx",le="+Inf"}')
           == metric(text, hist + "_count", health2), "+Inf bucket differs from _count")
    expect(metric(text, hist + "_sum", health2) is not None, "no _sum for health 2xx")
    expect(metric(text, hist + "_count", '{route="GET /api/v1/health",code="4xx"}') is None,
           "a 4xx series for health, which answered only 200")
    expect(metric(text, hist + "_count", '{route="unmatched",code="4xx"}'),
           "unmatched 404 not in the 4xx latency histogram")
    events4 = '{route="GET /api/v1/events",code="4xx"}'
    expect((metric(text, hist + "_count", events4) or 0) >= 1,
           "the 401 of GET /api/v1/events is not in its 4xx histogram")
    expect(metric(text, hist + "_count", '{route="GET /api/v1/events",code="2xx"}') is None,
           "GET /api/v1/events has a 2xx series though it only answered 401")
    # Buckets are cumulative within one route and class, and every class
    # series of a route adds up to its requests.
    les = [float(v) for le, v in re.findall(
        r'^%s_bucket\{route="GET /api/v1/health",code="2xx",le="([^"]+)"\} (\S+)$' % hist,
        text, re.M)]
    expect(len(les) == 12 and les == sorted(les), "health 2xx buckets: %r" % les)
    expect(not re.search(r'^%s_\w+\{route="[^"]*"(,le="[^"]*")?\} ' % hist, text, re.M),
           "a latency series without a code label")
    for route in ("GET /api/v1/health", "GET /api/v1/events", "unmatched"):
        by_code = sum(float(v) for v in re.findall(
            r'^%s_count\{route="%s",code="[1-5]xx"\} (\S+)$' % (hist, re.escape(route)), text, re.M))
        by_status = sum(float(v) for v in re.findall(
            r'^aurora_http_requests_total\{route="%s",status="[^"]+"\} (\S+)$' % re.escape(route),
            text, re.M))
        expect(by_code == by_status and by_code > 0,
               "%s: %s requests in the histogram, %s counted" % (route, by_code, by_status))
    for name in ('aurora_outbox_mail{state="pending"}', "aurora_outbox_oldest_due_seconds",
                 "aurora_worker_restarts_total", "aurora_db_errors_total", "aurora_database_up",
                 'aurora_recurrence_cache_total{result="hit"}'):
        expect(re.search(r"^%s \S+$" % re.escape(name), text, re.M), "%s missing" % name)


def test_ses_emulator(stack):
    r = stack.ses_request("GET", "/health-check")
    expect(r.status == 200, "SES /health-check answered %d" % r.status)
    r = stack.ses_request("GET", "/store")
    expect(r.status == 200 and isinstance(r.body, dict) and "emails" in r.body,
           "SES /store: %s" % r.describe())


def test_check_config(stack):
    """aurora-admin check-config reaches the database and the mail provider,
    and names what it cannot reach."""
    import subprocess
    import tempfile
    from stack import BUILD, free_ports

    admin = os.path.join(BUILD, "src", "aurora-admin")
    conf = os.path.join(stack.var, "aurora.conf")
    env = dict(stack.env)
    with tempfile.TemporaryDirectory() as spool:
        env.update(AURORA_MAIL_TRANSPORT="file", AURORA_MAIL_DIR=spool)
        r = subprocess.run([admin, "-c", conf, "check-config"], env=env, timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        expect(r.returncode == 0 and "configuration ok" in r.stdout,
               "check-config with a writable mail_dir: %d %r" % (r.returncode, r.stdout))
    closed = free_ports(1)[0]
    env.update(AURORA_MAIL_TRANSPORT="smtp", AURORA_SMTP_URL="smtp://127.0.0.1:%d" % closed)
    r = subprocess.run([admin, "-c", conf, "check-config"], env=env, timeout=60,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    expect(r.returncode == 1 and "cannot reach the smtp transport" in r.stdout
           and "configuration ok" not in r.stdout,
           "check-config with a closed SMTP port: %d %r" % (r.returncode, r.stdout))
    env["AURORA_DB_CONNINFO"] = "host=/nonexistent dbname=aurora user=aurora_api"
    env.update(AURORA_MAIL_TRANSPORT="file", AURORA_MAIL_DIR="/")
    r = subprocess.run([admin, "-c", conf, "check-config"], env=env, timeout=60,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    expect(r.returncode == 1 and "db_conninfo" in r.stdout,
           "check-config with an unreachable database: %d %r" % (r.returncode, r.stdout))


def test_path_escaping_root(stack):
    """Request lines nginx rejects still answer a JSON 400, not a 500."""
    for path in ("/feeds/..%2f..%2fetc%2fpasswd.ics", "/../../etc/passwd", "/api/../../x"):
        r = stack.request("GET", path)
        where = "GET %s" % path
        expect(r.status == 400, "%s: %s" % (where, r.describe()))
        check_json_error(r, 400, "bad_request")
        check_security_headers(r)


TESTS = [
    ("health", test_health),
    ("api_response_headers", test_api_response_headers),
    ("static_index", test_static_index),
    ("unknown_route", test_unknown_route),
    ("wrong_method", test_wrong_method),
    ("malformed_json", test_malformed_json),
    ("body_over_nginx_cap", test_body_over_nginx_cap),
    ("body_over_api_cap", test_body_over_api_cap),
    ("database_restart_under_load", test_database_restart_under_load),
    ("worker_killed_is_replaced", test_worker_killed_is_replaced),
    ("metrics_loopback_only", test_metrics_loopback_only),
    ("auth_rate_limit", test_auth_rate_limit),
    ("ses_emulator", test_ses_emulator),
    ("check_config", test_check_config),
    ("metrics_content", test_metrics_content),
    ("path_escaping_root", test_path_escaping_root),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=WORKERS))
