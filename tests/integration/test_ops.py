#!/usr/bin/python3
"""Operations tests (issue 7) on a throwaway stack: two aurora-api hosts on
TCP behind one nginx upstream with one killed under load; a graceful reload
(SIGHUP) under load; a rolling upgrade of two instances through nginx
`down` + reload; per-host metrics locations; the TCP listener's address
allow-list (FCGI_WEB_SERVER_ADDRS); a pg_dump/pg_restore round trip into a
fresh cluster served by its own aurora-api; two aurora-remind senders on one
outbox; the API through PgBouncer in transaction mode. The extra
aurora-api, nginx, PostgreSQL and PgBouncer processes run beside the stack
and are stopped by each test, failed or not. docs/deploy.md and
docs/scaling.md describe what these exercise.
Run: /usr/bin/python3 tests/integration/test_ops.py [NAME...]"""

import datetime
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, TOP, Skip, StackError, expect, free_ports, run_tests  # noqa: E402
from remind_util import (  # noqa: E402
    REMIND, add_account_mails, start_remind, stop_watcher, write_conf)
import users  # noqa: E402

PGBIN = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
API = os.path.join(BUILD, "src", "aurora-api")
ADMIN = os.path.join(BUILD, "src", "aurora-admin")
IS_ROOT = os.geteuid() == 0
EVENTS = "/api/v1/events"
JSON_HDR = {"Content-Type": "application/json"}


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def note(text):
    """A measurement line in the test output (ignored by tests/run-all)."""
    print("# ops: " + text, flush=True)


def proc_live(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def group_live(pgid):
    """True while a process of group pgid lives (zombies do not count)."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def wait_listen(where, proc, seconds=20):
    """Waits until a TCP port on 127.0.0.1 (int) or a Unix socket path
    (str) accepts connections; False if proc exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if isinstance(where, int):
                socket.create_connection(("127.0.0.1", where), timeout=0.5).close()
            else:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect(where)
            return True
        except OSError:
            time.sleep(0.1)
    return False


# -- an extra aurora-api on TCP --------------------------------------------

class Api:
    """aurora-api with the stack's aurora.conf, listening on 127.0.0.1:port
    (AURORA_LISTEN), in a session of its own so that the master and its
    workers can be signalled together."""

    def __init__(self, stack, name, workers=2, env=None, unix=False):
        self.stack, self.name = stack, name
        self.port = free_ports(1)[0]
        # A Unix socket instead (the single-host layout of docs/deploy.md).
        self.sock = os.path.join(stack.var, "run", "ops-%s.sock" % name) if unix else None
        self.upstream = "unix:" + self.sock if unix else "127.0.0.1:%d" % self.port
        self.log = os.path.join(stack.var, "log", "ops-api-%s.log" % name)
        e = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
        e.update(AURORA_LISTEN="unix:" + self.sock if unix else "tcp:127.0.0.1:%d" % self.port,
                 AURORA_WORKERS=str(workers),
                 FCGI_WEB_SERVER_ADDRS="127.0.0.1")
        e.update(env or {})
        self.env = e
        self.proc = None

    def start(self):
        """Starts it and waits until it listens; stops it when that fails
        (a time limit included), so a caller never holds a half-started one."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([API, "-c", os.path.join(self.stack.var, "aurora.conf")],
                                         env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, start_new_session=True)
        try:
            listening = wait_listen(self.sock or self.port, self.proc)
        except BaseException:
            self.stop()
            raise
        if not listening:
            self.stop()
            raise AssertionError("aurora-api %s did not listen on %s: %s"
                                 % (self.name, self.upstream, self.log_text()[-600:]))
        return self

    def kill(self):
        """SIGKILL to the master and every worker (one process group), and
        waits until none of them lives: a worker still tearing down (slow
        under ASan) holds the listening socket, whose backlog keeps taking
        connections that are reset when it goes."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while group_live(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass
        # Workers left behind by a master that died first.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def request_ids(self):
        """request_id of every request this instance logged."""
        ids = set()
        for line in self.log_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("event") == "request" and rec.get("request_id"):
                ids.add(rec["request_id"])
        return ids


# -- an extra nginx in front of TCP upstreams ------------------------------

UPSTREAM_RE = re.compile(r"^upstream aurora_api \{.*?^\}\n", re.S | re.M)


class Nginx:
    """nginx running the production site file nginx/aurora.conf.in, with
    its one-socket upstream replaced by the upstream template
    tests/integration/ops-upstream.conf.in (the servers given)."""

    def __init__(self, stack, name, servers, fail_timeout=5, extra=""):
        self.stack, self.fail_timeout, self.extra = stack, fail_timeout, extra
        self.dir = os.path.join(stack.var, "ops-nginx-" + name)
        self.port = free_ports(1)[0]
        self.servers = servers
        self.pidfile = os.path.join(self.dir, "nginx.pid")

    def _cmd(self, *args):
        return ["nginx", "-p", self.dir + "/", "-c", os.path.join(self.dir, "nginx.conf"),
                "-e", os.path.join(self.dir, "error.log")] + list(args)

    def _write_site(self, down=()):
        with open(os.path.join(TOP, "nginx", "aurora.conf.in")) as f:
            site = f.read()
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops-upstream.conf.in")) as f:
            upstream = f.read()
        lines = "".join("    server %s max_fails=1 fail_timeout=%ds%s;\n"
                        % (s, self.fail_timeout, " down" if s in down else "") for s in self.servers)
        upstream = upstream.replace("@SERVERS@\n", lines)
        site, n = UPSTREAM_RE.subn(lambda m: upstream, site)
        expect(n == 1, "nginx/aurora.conf.in: %d 'upstream aurora_api' blocks" % n)
        if self.extra:
            at = "    location = /metrics {\n"
            expect(site.count(at) == 1, "no single /metrics location in the site file")
            site = site.replace(at, self.extra + at)
        site = (site.replace("@HTTP_PORT@", "127.0.0.1:%d" % self.port)
                .replace("@WEB_ROOT@", os.path.join(TOP, "web")))
        expect(not re.search(r"@[A-Z_]+@", site), "placeholder left in the site file")
        with open(os.path.join(self.dir, "site.conf"), "w") as f:
            f.write(site)

    def start(self):
        """Starts nginx and waits for a 200 from /api/v1/health through it;
        stops whatever it started when that fails."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self._write_site()
        v = subprocess.run(["nginx", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True).stdout
        temp = ""
        for t in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"):
            if t == "client_body" or "--without-http_%s_module" % t not in v:
                temp += "    %s_temp_path %s/tmp/%s;\n" % (t, self.dir, t)
        with open(os.path.join(TOP, "nginx", "dev-main.conf.in")) as f:
            main = f.read()
        for k, val in (("USER_DIRECTIVE", "user root;" if IS_ROOT else ""),
                       ("PID_FILE", self.pidfile), ("LOG_DIR", self.dir),
                       ("TEMP_PATHS", temp), ("SERVER_CONF", os.path.join(self.dir, "site.conf"))):
            main = main.replace("@%s@" % k, val)
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(main)
        r = subprocess.run(self._cmd(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=30)
        expect(r.returncode == 0, "nginx did not start: %s" % r.stdout[-600:])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = self.request("GET", "/api/v1/health", timeout=2, quiet=True)
            if r is not None and r.status == 200:
                return self
            time.sleep(0.1)
        raise AssertionError("nginx on %d: no 200 from /api/v1/health" % self.port)

    def workers(self):
        with open(self.pidfile) as f:
            master = int(f.read().strip())
        out = subprocess.run(["pgrep", "-P", str(master)], stdout=subprocess.PIPE,
                             universal_newlines=True, timeout=10).stdout
        return {int(p) for p in out.split() if proc_live(int(p))}

    def reload(self, down=()):
        """New configuration with the servers in down marked `down`; waits
        until the old workers have finished their requests and exited."""
        old = self.workers()
        self._write_site(down)
        r = subprocess.run(self._cmd("-s", "reload"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=30)
        expect(r.returncode == 0, "nginx -s reload: %s" % r.stdout[-600:])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = self.workers()
            if now and not (now & old):
                return
            time.sleep(0.05)
        raise AssertionError("nginx workers %r did not exit after the reload" % sorted(old & self.workers()))

    def request(self, method, path, body=None, headers=None, timeout=10, quiet=False, source=None):
        try:
            return self.stack.request(method, path, body, headers, timeout=timeout, port=self.port,
                                      source=source)
        except OSError:
            if quiet:
                return None
            raise

    def stop(self):
        try:
            with open(self.pidfile) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while proc_live(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if proc_live(pid):
            os.kill(pid, signal.SIGKILL)


# -- load ------------------------------------------------------------------

class Load:
    """Threads sending, in turn, GET /api/v1/health, an authenticated GET
    /api/v1/me, with login_user POST /api/v1/auth/login (whose argon2
    check keeps a worker busy for tens of milliseconds) and with events a
    POST /api/v1/events (one transaction: event, rules, planned mail) read
    back by GET, until stopped.
    Sign-ins (login_user) come from a pool of loopback addresses (nginx limits each
    address on /api/v1/auth/). Every answer is recorded as (start, end,
    "METHOD path", status or None, request id, error text)."""

    def __init__(self, send, user, threads=4, login_user=None, events=False):
        self.send, self.user, self.login_user = send, user, login_user
        self.kinds = ["health", "me"] + (["login"] if login_user else []) + (["event"] if events else [])
        self.created = []
        self.results = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(threads)]

    def _one(self, kind):
        u = self.user
        if kind == "health":
            r = self.send("GET", "/api/v1/health", timeout=10)
            return r, r.status == 200 and isinstance(r.body, dict) and r.body.get("database") == "ok"
        if kind == "me":
            r = self.send("GET", "/api/v1/me", headers=users.bearer(u["access_token"]), timeout=10)
            # The signed-in user, not just any 200.
            return r, r.status == 200 and isinstance(r.body, dict) and r.body.get("email") == u["email"]
        if kind == "event":
            start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) \
                + datetime.timedelta(days=1)
            body = {"title": "Load %s" % uuid.uuid4().hex[:8], "start": iso(start),
                    "end": iso(start + datetime.timedelta(hours=1)), "time_zone": "UTC",
                    "reminders": [{"method": "email", "minutes_before": 15}]}
            auth = users.bearer(u["access_token"])
            r = self.send("POST", EVENTS, json.dumps(body), dict(JSON_HDR, **auth), timeout=10)
            if r.status != 201 or not isinstance(r.body, dict):
                return r, False
            ev = r.body
            r = self.send("GET", "%s/%s" % (EVENTS, ev["id"]), headers=auth, timeout=10)
            good = r.status == 200 and r.body == ev
            if good:
                with self.lock:
                    self.created.append(ev["id"])
            return r, good
        # Another user: each sign-in is a session, and past 100 live ones
        # the oldest end, taking the token /me uses with them.
        lu = self.login_user
        r = self.send("POST", "/api/v1/auth/login",
                      json.dumps({"email": lu["email"], "password": lu["password"]}),
                      JSON_HDR, timeout=10, source=users.spread_source())
        return r, r.status == 200 and isinstance(r.body, dict) and "access_token" in r.body

    def _run(self, n):
        i = n
        while not self.halt.is_set():
            kind = self.kinds[i % len(self.kinds)]
            i += 1
            t0 = time.monotonic()
            try:
                r, good = self._one(kind)
                item = (t0, time.monotonic(), kind, r.status if good else -r.status,
                        r.headers.get("X-Request-Id"), "" if good else r.describe())
            except Exception as e:  # noqa: BLE001 — resets and timeouts are findings
                item = (t0, time.monotonic(), kind, None, None, "%s: %s" % (type(e).__name__, e))
            with self.lock:
                self.results.append(item)
            time.sleep(0.005)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        for t in self.threads:
            t.join(timeout=15)
        expect(not any(t.is_alive() for t in self.threads), "a load thread hung")

    def failures(self, since=None):
        return [r for r in self.results if r[3] != 200 and (since is None or r[0] >= since)]

    def count(self, kind):
        return sum(1 for r in self.results if r[2] == kind)


def describe_failures(bad, limit=5, t0=None):
    return "; ".join("%s%s -> %s %s" % ("" if t0 is None else "%+.2fs " % (r[0] - t0), r[2], r[3], r[5])
                     for r in bad[:limit])


# -- tests -----------------------------------------------------------------

def test_two_api_instances_failover(stack):
    """Two aurora-api hosts on TCP behind one nginx upstream; one is
    SIGKILLed (master and workers) under load. Reads (GET) never fail:
    nginx retries them on the other host. A sign-in (POST) that had
    already reached the killed host fails with 502, because nginx does not
    resend a non-idempotent request; only those may fail, and the count is
    reported. Afterwards everything goes through the other host."""
    u = users.create_user(stack)
    a = Api(stack, "a")
    b = Api(stack, "b")
    ngx = None
    try:
        a.start()
        b.start()
        ngx = Nginx(stack, "lb", [a.upstream, b.upstream]).start()
        with Load(ngx.request, u, threads=4, login_user=users.create_user(stack)) as load:
            time.sleep(2.5)
            kill_from = time.monotonic()
            a.kill()
            kill_done = time.monotonic()
            expect(not proc_live(a.proc.pid), "instance a still alive after SIGKILL")
            time.sleep(3.5)
        res = load.results
        total = len(res)
        bad = load.failures()
        after = [r for r in res if r[0] >= kill_done]
        ok_ratio = (total - len(bad)) / total if total else 0.0
        note("failover: %d requests (%d sign-ins), %d failed (%.2f%% ok), %d started after the kill%s"
             % (total, load.count("login"), len(bad), 100 * ok_ratio, len(after),
                ": " + describe_failures(bad, 10, kill_from) if bad else ""))
        expect(total >= 100, "only %d requests in 6 s" % total)
        expect(len(after) >= 50, "only %d requests after the kill" % len(after))
        bad_reads = [r for r in bad if r[2] != "login"]
        expect(not bad_reads, "%d GET requests failed: %s"
               % (len(bad_reads), describe_failures(bad_reads, 5, kill_from)))
        # A failed sign-in was in flight when the host died, and answered 502.
        stray = [r for r in bad if not (r[3] == -502 and r[0] <= kill_done and r[1] >= kill_from)]
        expect(not stray, "sign-ins that failed other than in flight at the kill: %s"
               % describe_failures(stray, 5, kill_from))
        expect(len(bad) <= len(load.threads), "%d failures with %d clients" % (len(bad), len(load.threads)))
        expect(ok_ratio >= 0.99, "%d of %d requests failed" % (len(bad), total))
        # Who served what: each instance logs the request id nginx passed.
        ids_a, ids_b = a.request_ids(), b.request_ids()
        before = [r[4] for r in res if r[1] < kill_from and r[3] == 200]
        served_after = [r[4] for r in res if r[0] > kill_done and r[3] == 200]
        by_a = sum(1 for i in before if i in ids_a)
        by_b = sum(1 for i in before if i in ids_b)
        expect(by_a > 0 and by_b > 0 and by_a + by_b == len(before),
               "before the kill: a served %d, b %d of %d" % (by_a, by_b, len(before)))
        not_b = [i for i in served_after if i not in ids_b]
        expect(not not_b, "%d answers after the kill were not logged by instance b" % len(not_b))
        note("failover: before the kill a served %d, b %d; after it b served %d"
             % (by_a, by_b, len(served_after)))
    finally:
        if ngx:
            ngx.stop()
        a.stop()
        b.stop()


def test_two_senders_no_duplicates(stack):
    """300 due account mails, two aurora-remind --once at the same time,
    the SES emulator as transport: each row sent once, 300 mails, 300
    distinct recipients, and both senders took a share."""
    if not os.access(REMIND, os.X_OK):
        raise AssertionError("%s is not built" % REMIND)
    n = 300
    tag = uuid.uuid4().hex[:10]
    stop_watcher(stack)
    try:
        stack.ses_clear()
        ids = add_account_mails(stack, n, to_fmt="ops-%s-{i}@example.org" % tag,
                                subject_fmt="Ops %s {i}" % tag)
        expect(len(ids) == n, "inserted %d rows" % len(ids))
        # 200/s: a lone sender needs 1.5 s for all of them, so the two overlap.
        conf = write_conf(stack, "ops-senders.conf", mail_transport="ses",
                          ses_endpoint="http://127.0.0.1:%d" % stack.ses_port,
                          ses_region="us-east-1", send_batch=20, send_concurrency=4,
                          max_send_rate=200)
        procs = [start_remind(conf, "--once"), start_remind(conf, "--once")]
        outs = []
        for p in procs:
            try:
                outs.append(p.communicate(timeout=90))
            except subprocess.TimeoutExpired:
                for q in procs:
                    q.kill()
                raise AssertionError("aurora-remind --once did not finish in 90 s")
        for p, (_, err) in zip(procs, outs):
            expect(p.returncode == 0, "aurora-remind exited %d: %s" % (p.returncode, err[-600:]))
        idlist = ",".join(str(i) for i in ids)
        rows = stack.psql("SELECT status, attempts, count(*), count(DISTINCT provider_id) "
                          "FROM mail_outbox WHERE id IN (%s) GROUP BY 1, 2" % idlist).split()
        expect(rows == ["sent|1|%d|%d" % (n, n)],
               "outbox rows by status|attempts|count|distinct provider ids: %r" % rows)
        mails = [m for m in stack.ses_emails() if tag in m.get("subject", "")]
        to = []
        for m in mails:
            d = m["destination"]["to"]
            to += d if isinstance(d, list) else [d]
        expect(len(mails) == n, "the SES emulator holds %d mails, expected %d" % (len(mails), n))
        want = {"ops-%s-%d@example.org" % (tag, i) for i in range(1, n + 1)}
        expect(len(to) == n and set(to) == want,
               "%d recipients, %d distinct, %d expected ones missing"
               % (len(to), len(set(to)), len(want - set(to))))
        msgids = {m.get("messageId") for m in mails}
        prov = set(stack.psql("SELECT provider_id FROM mail_outbox WHERE id IN (%s)" % idlist).split())
        expect(msgids == prov, "provider ids in the outbox differ from the emulator's message ids")

        def sent_by(err):
            return sum(int(x) for x in re.findall(r'"msg":"sent (\d+),', err))
        sa, sb = sent_by(outs[0][1]), sent_by(outs[1][1])
        note("two senders: %d + %d mails" % (sa, sb))
        expect(sa + sb == n and sa > 0 and sb > 0, "the senders report %d + %d (both must send)" % (sa, sb))
    finally:
        restart_watcher(stack)


def restart_watcher(stack):
    """tools/stack start is idempotent: it brings back the aurora-remind
    --watch that stop_watcher ended (and touches nothing running)."""
    try:
        stack._tool_ok("start", timeout=120)
    except StackError as e:
        print("# could not restart the watcher: %s" % e, file=sys.stderr)


# -- backup and restore ------------------------------------------------------

def pg_run(args, **kw):
    """A PostgreSQL server program, as the postgres OS user when root."""
    if IS_ROOT:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, **kw)


def client(args, timeout=120):
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)
    expect(r.returncode == 0, "%s failed: %s" % (os.path.basename(args[0]), r.stderr[-800:]))
    return r.stdout


class Cluster:
    """A fresh PostgreSQL cluster in a temporary directory, socket only."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="aurora-restore-", dir="/var/tmp")
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        self.port = free_ports(1)[0]
        self.started = False

    def start(self):
        try:
            return self._start()
        except BaseException:
            self.destroy()
            raise

    def _start(self):
        os.makedirs(self.sock)
        os.makedirs(self.data, mode=0o700)
        if IS_ROOT:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        r = pg_run([os.path.join(PGBIN, "initdb"), "-D", self.data, "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], timeout=120)
        expect(r.returncode == 0, "initdb: %s" % r.stdout[-600:])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nlisten_addresses = ''\nport = %d\nunix_socket_directories = '%s'\n"
                    "fsync = off\nsynchronous_commit = off\ntimezone = 'UTC'\n" % (self.port, self.sock))
        r = pg_run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l",
                    os.path.join(self.data, "postgres.log"), "-w", "-t", "60", "start"], timeout=90)
        self.started = r.returncode == 0
        expect(self.started, "pg_ctl start: %s" % r.stdout[-600:])
        return self

    def conninfo(self, user, db="aurora"):
        return "host=%s port=%d dbname=%s user=%s" % (self.sock, self.port, db, user)

    def psql(self, sql, db="aurora"):
        return client([os.path.join(PGBIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                       "-d", self.conninfo("postgres", db), "-c", sql])

    def destroy(self):
        if self.started:
            pg_run([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w",
                    "stop"], timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def stack_pg(stack):
    return dict(kv.split("=", 1) for kv in stack.conf()["db_conninfo"].split())


def table_counts(psql):
    tables = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
    expect(len(tables) >= 5, "tables %r" % tables)
    sql = " UNION ALL ".join("SELECT '%s', count(*) FROM %s" % (t, t) for t in tables)
    return dict(line.split("|") for line in psql(sql).split())


SNAPSHOTS = {
    "users": "SELECT id, email, email_verified, disabled, password_hash FROM users ORDER BY id",
    "events": "SELECT id, user_id, uid, title, starts_at, ends_at, time_zone, recurrence, version, "
              "reminders_scheduled_until FROM events ORDER BY id",
    "reminder rules": "SELECT event_id, position, minutes_before FROM event_reminders ORDER BY 1, 2",
    "pending reminders": "SELECT id, user_id, event_id, occurrence_start, minutes_before, due_at "
                         "FROM mail_outbox WHERE kind = 'reminder' AND status = 'pending' ORDER BY id",
    "migrations": "SELECT * FROM schema_migrations ORDER BY 1",
    "grants": "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants "
              "WHERE grantee IN ('aurora_api', 'aurora_remind', 'aurora_fetch') ORDER BY 1, 2, 3",
}


def test_backup_restore_roundtrip(stack):
    """Users, events with reminders, pending reminder mail: pg_dump -Fc,
    restore into a fresh cluster (roles created as docs/deploy.md says),
    every row there; aurora-admin migrate has nothing to do on it, and an
    aurora-api on the restored database serves the user's events."""
    stop_watcher(stack)  # a consistent picture: nothing sends or plans meanwhile
    cluster = api = ngx = None
    dump_dir = tempfile.mkdtemp(prefix="aurora-dump-")
    try:
        start = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0) \
            + datetime.timedelta(hours=3)
        people, made = [], []
        for i in range(2):
            u = users.create_user(stack)
            people.append(u)
            for j in range(2):
                s = start + datetime.timedelta(hours=i * 2 + j)
                body = {"title": "Backup %d.%d" % (i, j), "start": iso(s),
                        "end": iso(s + datetime.timedelta(hours=1)), "time_zone": "Europe/Berlin",
                        "reminders": [{"method": "email", "minutes_before": 30},
                                      {"method": "email", "minutes_before": 90}]}
                if j == 1:
                    body["recurrence"] = ["RRULE:FREQ=DAILY;COUNT=3"]
                r = stack.request("POST", EVENTS, json.dumps(body),
                                  dict(JSON_HDR, **users.bearer(u["access_token"])))
                expect(r.status == 201, "create event: %s" % r.describe())
                made.append((u, r.body))
        eids = [ev["id"] for _, ev in made]
        pending = stack.psql("SELECT count(*) FROM mail_outbox WHERE kind = 'reminder' AND status = "
                             "'pending' AND event_id IN (%s)" % ",".join("'%s'" % e for e in eids)).strip()
        expect(int(pending) >= 8, "only %s pending reminders for the new events" % pending)

        pg = stack_pg(stack)
        dump = os.path.join(dump_dir, "aurora.dump")
        # The counts must be those the dump saw: anything still settling on
        # the live stack (a late sign-in of an earlier test) would differ,
        # so dump again until the database held still around the dump.
        for _ in range(5):
            counts_pre = table_counts(stack.psql)
            client([os.path.join(PGBIN, "pg_dump"), "-h", pg["host"], "-p", pg["port"], "-U",
                    "postgres", "-Fc", "-f", dump, "aurora"])
            before = {k: stack.psql(q) for k, q in SNAPSHOTS.items()}
            counts_before = table_counts(stack.psql)
            if counts_before == counts_pre:
                break
            time.sleep(1)
        expect(counts_before == counts_pre, "the database kept changing around the dump: %r"
               % {k: (counts_pre.get(k), v) for k, v in counts_before.items()
                  if counts_pre.get(k) != v})

        cluster = Cluster().start()
        # docs/deploy.md, "Restore": the roles are cluster-wide, not in the dump.
        cluster.psql("CREATE ROLE aurora_owner LOGIN; CREATE ROLE aurora_api LOGIN; "
                     "CREATE ROLE aurora_remind LOGIN; CREATE ROLE aurora_fetch LOGIN;",
                     db="postgres")
        cluster.psql("CREATE DATABASE aurora OWNER aurora_owner ENCODING 'UTF8' TEMPLATE template0",
                     db="postgres")
        client([os.path.join(PGBIN, "pg_restore"), "--exit-on-error", "--single-transaction",
                "-d", cluster.conninfo("postgres"), dump])
        after = {k: cluster.psql(q) for k, q in SNAPSHOTS.items()}
        for k in SNAPSHOTS:
            expect(before[k].strip(), "nothing to compare in %s" % k)
            expect(after[k] == before[k], "%s differ after the restore (%d vs %d lines)"
                   % (k, len(after[k].splitlines()), len(before[k].splitlines())))
        counts_after = table_counts(cluster.psql)
        expect(counts_after == counts_before, "row counts differ: %r vs %r" % (counts_after, counts_before))
        for u in people:
            expect(u["user_id"] in after["users"], "user %s missing" % u["user_id"])
        for e in eids:
            expect(e in after["events"] and e in after["pending reminders"], "event %s or its mail missing" % e)
        note("restore: %s rows in %d tables; %d pending reminders"
             % (sum(int(v) for v in counts_after.values()), len(counts_after),
                len(after["pending reminders"].splitlines())))

        # The restored schema is complete: migrate finds nothing to apply.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
        env["AURORA_DB_ADMIN_CONNINFO"] = cluster.conninfo("aurora_owner")
        r = subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf"), "migrate"], env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=60)
        expect(r.returncode == 0 and r.stdout.strip().endswith("0 migrations applied"),
               "migrate on the restored database: %d %s %s" % (r.returncode, r.stdout[-300:], r.stderr[-300:]))

        # An aurora-api on the restored database, with the same signing
        # keys (backed up beside the dump), serves the same event.
        api = Api(stack, "restored", env={"AURORA_DB_CONNINFO": cluster.conninfo("aurora_api")}).start()
        ngx = Nginx(stack, "restored", [api.upstream]).start()
        u, ev = made[-1]
        r = ngx.request("GET", "%s/%s" % (EVENTS, ev["id"]), headers=users.bearer(u["access_token"]))
        expect(r.status == 200 and r.body == ev, "event through the restored API: %s" % r.describe())
        r = ngx.request("GET", "/api/v1/me", headers=users.bearer(u["access_token"]))
        expect(r.status == 200 and r.body.get("email") == u["email"], "me: %s" % r.describe())
        rid = r.headers.get("X-Request-Id")
        expect(rid in api.request_ids(), "the answer did not come from the restored instance")
    finally:
        if ngx:
            ngx.stop()
        if api:
            api.stop()
        if cluster:
            cluster.destroy()
        shutil.rmtree(dump_dir, ignore_errors=True)
        restart_watcher(stack)


def test_graceful_reload_no_failed_requests(stack):
    """SIGHUP to the aurora-api master under load, three times: every
    worker is replaced, one at a time, and no request fails, sign-ins
    (tens of milliseconds of argon2 each) included."""
    u = users.create_user(stack)
    master = stack.api_master_pid()
    first = stack.worker_pids(master)
    expect(len(first) >= 2, "workers %r" % first)
    restarts = metric(stack, "aurora_worker_restarts_total")
    windows = []
    with Load(stack.request, u, threads=4, login_user=users.create_user(stack)) as load:
        time.sleep(1.0)
        for _ in range(3):
            before = stack.worker_pids(master)
            hup_at = time.monotonic()
            os.kill(master, signal.SIGHUP)
            deadline = hup_at + 30
            after = set()
            while time.monotonic() < deadline:
                after = stack.worker_pids(master)
                if len(after) == len(before) and not (after & before):
                    break
                time.sleep(0.02)
            windows.append((hup_at, time.monotonic()))
            expect(not (after & before), "old workers still running: %r" % sorted(after & before))
            expect(len(after) == len(before), "workers after the reload: %r (before %r)" % (after, before))
            time.sleep(0.5)
    res = load.results
    bad = load.failures()
    during = [r for r in res if any(w0 <= r[1] and r[0] <= w1 for w0, w1 in windows)]
    note("reload: %d requests (%d sign-ins), %d failed; %d overlapped the 3 replacements (%s s)"
         % (len(res), load.count("login"), len(bad), len(during),
            ", ".join("%.2f" % (w1 - w0) for w0, w1 in windows)))
    expect(not bad, "%d of %d requests failed: %s" % (len(bad), len(res), describe_failures(bad)))
    expect(len(during) >= 10, "only %d requests while workers were replaced" % len(during))
    expect(load.count("login") >= 10, "only %d sign-ins" % load.count("login"))
    expect(stack.api_master_pid() == master, "the master changed")
    if restarts is not None:
        expect(metric(stack, "aurora_worker_restarts_total") == restarts,
               "a reload counted as worker restarts")


def metric(stack, name):
    r = stack.request("GET", "/metrics")
    if r.status != 200:
        return None
    m = re.search(r"^%s (\d+)$" % re.escape(name), r.raw.decode("utf-8", "replace"), re.M)
    return int(m.group(1)) if m else None


def test_rolling_upgrade_no_failed_requests(stack):
    """Replacing the binary without a failed request (docs/deploy.md,
    "Upgrading"): two aurora-api instances on Unix sockets in one nginx
    upstream; each in turn is marked down (nginx reload, whose old workers
    finish their requests), stopped, started again and put back, under
    load with sign-ins. Afterwards both instances serve."""
    u = users.create_user(stack)
    a = Api(stack, "ua", unix=True)
    b = Api(stack, "ub", unix=True)
    ngx = None
    try:
        a.start()
        b.start()
        ngx = Nginx(stack, "rolling", [a.upstream, b.upstream]).start()
        marks = []
        with Load(ngx.request, u, threads=4, login_user=users.create_user(stack)) as load:
            time.sleep(1.0)
            for inst in (a, b):
                marks.append(time.monotonic())
                ngx.reload(down=[inst.upstream])
                inst.stop()
                inst.start()
                ngx.reload()
                time.sleep(0.5)
            back = time.monotonic()
            time.sleep(1.0)
        res = load.results
        bad = load.failures()
        note("rolling upgrade: %d requests (%d sign-ins), %d failed; each instance out for %s s"
             % (len(res), load.count("login"), len(bad),
                ", ".join("%.2f" % (y - x) for x, y in zip(marks, marks[1:] + [back - 0.5]))))
        expect(not bad, "%d of %d requests failed: %s" % (len(bad), len(res), describe_failures(bad)))
        ids_a, ids_b = a.request_ids(), b.request_ids()
        last = [r[4] for r in res if r[0] > back and r[3] == 200]
        expect(any(i in ids_a for i in last) and any(i in ids_b for i in last),
               "after the upgrade not both instances serve (%d requests)" % len(last))
    finally:
        if ngx:
            ngx.stop()
        a.stop()
        b.stop()


# Per-host metrics through the front nginx (docs/scaling.md): the
# counters live in each instance, so each API host gets a location of its
# own that rewrites the path to /metrics. A location with fastcgi_param
# lines inherits none of the server's, so it names the few the API needs.
HOST_METRICS = """    location = /metrics/%(name)s {
        allow 127.0.0.1;
        deny all;
        fastcgi_param REQUEST_METHOD GET;
        fastcgi_param REQUEST_URI    /metrics;
        fastcgi_param QUERY_STRING   "";
        fastcgi_param REMOTE_ADDR    $remote_addr;
        fastcgi_param REQUEST_ID     $request_id;
        fastcgi_param HTTP_PROXY     "";
        fastcgi_pass %(server)s;
    }
"""


def health_count(text):
    m = re.search(r'^aurora_http_requests_total\{route="GET /api/v1/health",status="200"\} (\d+)$', text, re.M)
    return int(m.group(1)) if m else 0


def test_per_host_metrics(stack):
    """Two instances behind one nginx, each with its own metrics location:
    requests sent to one instance show in its counters only, and nginx
    refuses the locations to other addresses."""
    a = Api(stack, "ma")
    b = Api(stack, "mb")
    ngx = None
    try:
        a.start()
        b.start()
        extra = "".join(HOST_METRICS % {"name": x.name, "server": x.upstream} for x in (a, b))
        ngx = Nginx(stack, "metrics", [a.upstream, b.upstream], extra=extra).start()

        def scrape(inst):
            r = ngx.request("GET", "/metrics/" + inst.name)
            expect(r.status == 200 and (r.headers.get("Content-Type") or "").startswith("text/plain"),
                   "/metrics/%s: %s" % (inst.name, r.describe()))
            text = r.raw.decode("utf-8", "replace")
            expect("aurora_outbox_mail{state=\"pending\"}" in text, "/metrics/%s lacks the outbox gauges" % inst.name)
            return health_count(text)
        before_a, before_b = scrape(a), scrape(b)
        for _ in range(7):
            expect(b'"database":"ok"' in fcgi_get(a.port, "127.0.0.1").replace(b" ", b""), "direct request to a")
        after_a, after_b = scrape(a), scrape(b)
        expect(after_a - before_a == 7 and after_b == before_b,
               "health counts: a %d -> %d, b %d -> %d (7 requests went to a)" % (before_a, after_a, before_b, after_b))
        r = stack.request("GET", "/metrics/" + a.name, port=ngx.port, source="127.0.0.2")
        expect(r.status == 403, "/metrics/%s from 127.0.0.2: %s" % (a.name, r.describe()))
    finally:
        if ngx:
            ngx.stop()
        a.stop()
        b.stop()


# -- the TCP listener's allow-list -------------------------------------------

def fcgi_get(port, source, path="/api/v1/health", timeout=5):
    """One FastCGI GET from a chosen loopback address; returns the raw
    STDOUT the application wrote (b"" when the connection was closed)."""
    def record(rtype, content):
        return struct.pack("!BBHHBx", 1, rtype, 1, len(content), 0) + content

    def pair(k, v):
        return bytes([len(k), len(v)]) + k + v
    params = b"".join(pair(k.encode(), v.encode()) for k, v in (
        ("REQUEST_METHOD", "GET"), ("REQUEST_URI", path), ("SCRIPT_NAME", path),
        ("QUERY_STRING", ""), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", source),
        ("REQUEST_ID", "ops" + uuid.uuid4().hex)))
    msg = (record(1, struct.pack("!HB5x", 1, 0)) + record(4, params) + record(4, b"")
           + record(5, b""))
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        try:
            s.sendall(msg)
        except OSError:
            return b""
        buf = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
    while len(buf) >= 8:
        _, rtype, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
        if len(buf) < 8 + clen + plen:
            break
        if rtype == 6:
            out += buf[8:8 + clen]
        buf = buf[8 + clen + plen:]
    return out


def test_tcp_listener_allow_list(stack):
    """With FCGI_WEB_SERVER_ADDRS (libfcgi), a TCP listener answers only
    the listed web servers: a FastCGI client from another address is
    dropped without an answer (docs/scaling.md)."""
    api = Api(stack, "allow", workers=1).start()
    try:
        out = fcgi_get(api.port, "127.0.0.1")
        expect(out.startswith(b"Status: 200 ") and b'"database":"ok"' in out.replace(b" ", b""),
               "allowed address got %r" % out[:300])
        out = fcgi_get(api.port, "127.0.0.2")
        expect(out == b"", "a client from 127.0.0.2 got an answer: %r" % out[:200])
        # The worker that dropped it still serves.
        expect(b'"database":"ok"' in fcgi_get(api.port, "127.0.0.1").replace(b" ", b""),
               "no answer after the refused connection")
    finally:
        api.stop()


# -- PgBouncer in transaction mode ------------------------------------------

class Bouncer:
    """PgBouncer in front of the stack's PostgreSQL, transaction pooling,
    a pool of `pool` server connections, on 127.0.0.1 (docs/scaling.md)."""

    def __init__(self, stack, pool=2):
        self.dir = tempfile.mkdtemp(prefix="aurora-pgbouncer-", dir="/var/tmp")
        self.port = free_ports(1)[0]
        pg = stack_pg(stack)
        ini = os.path.join(self.dir, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write("[databases]\naurora = host=%s port=%s dbname=aurora\n\n[pgbouncer]\n"
                    "listen_addr = 127.0.0.1\nlisten_port = %d\nunix_socket_dir =\n"
                    "auth_type = trust\nauth_file = %s/userlist.txt\n"
                    "pool_mode = transaction\ndefault_pool_size = %d\nmax_client_conn = 100\n"
                    # aurora-api sends statement_timeout as the startup
                    # parameter "options", which 1.18 refuses unless told to
                    # ignore it; the role's own setting takes its place.
                    "ignore_startup_parameters = options\n"
                    "logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n"
                    % (pg["host"], pg["port"], self.port, self.dir, pool, self.dir, self.dir))
        with open(os.path.join(self.dir, "userlist.txt"), "w") as f:
            f.write('"aurora_api" ""\n')
        if IS_ROOT:  # pgbouncer refuses to run as root
            for name in os.listdir(self.dir) + [""]:
                shutil.chown(os.path.join(self.dir, name), "postgres", "postgres")
        self.ini = ini

    def start(self):
        try:
            r = pg_run(["pgbouncer", "-d", self.ini], timeout=30)
            expect(r.returncode == 0, "pgbouncer: %s" % r.stdout[-600:])
            expect(wait_listen(self.port, None, 10), "pgbouncer does not listen: %s" % self.log()[-600:])
        except BaseException:
            self.stop()
            raise
        return self

    def conninfo(self):
        return "host=127.0.0.1 port=%d dbname=aurora user=aurora_api" % self.port

    def log(self):
        try:
            with open(os.path.join(self.dir, "pgbouncer.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        try:
            with open(os.path.join(self.dir, "pgbouncer.pid")) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while proc_live(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def test_pgbouncer_transaction_mode(stack):
    """aurora-api with 4 workers through PgBouncer 1.18 in transaction mode
    with 2 server connections: with db_prepared = off every request works,
    event-creating transactions included, and statement_timeout comes from
    the role; with db_prepared = on the same set-up fails (which shows the
    workers really share server connections)."""
    if shutil.which("pgbouncer") is None:
        raise Skip("pgbouncer is not installed (apt-get install pgbouncer)")
    u = users.create_user(stack)
    stack.psql("ALTER ROLE aurora_api SET statement_timeout = '10s'")
    bouncer = api = ngx = api_on = ngx_on = None
    try:
        bouncer = Bouncer(stack, pool=2).start()
        out = client([os.path.join(PGBIN, "psql"), "-X", "-A", "-t", "-d", bouncer.conninfo(),
                      "-c", "SHOW statement_timeout"]).strip()
        expect(out == "10s", "statement_timeout through PgBouncer: %r" % out)
        env = {"AURORA_DB_CONNINFO": bouncer.conninfo(), "AURORA_DB_PREPARED": "off"}
        api = Api(stack, "bouncer", workers=4, env=env).start()
        ngx = Nginx(stack, "bouncer", [api.upstream]).start()
        with Load(ngx.request, u, threads=6, events=True) as load:
            time.sleep(3.0)
        bad = load.failures()
        note("pgbouncer, db_prepared = off: %d requests (%d events created), %d failed"
             % (len(load.results), len(load.created), len(bad)))
        expect(len(load.results) >= 100, "only %d requests" % len(load.results))
        expect(not bad, "%d of %d requests failed: %s" % (len(bad), len(load.results), describe_failures(bad)))
        expect(len(load.created) >= 20, "only %d events created" % len(load.created))
        ids = ",".join("'%s'" % e for e in load.created)
        n = stack.psql("SELECT count(*) FROM events WHERE id IN (%s)" % ids).strip()
        expect(n == str(len(load.created)), "%s of %d events in the database" % (n, len(load.created)))
        n = stack.psql("SELECT count(*) FROM mail_outbox WHERE kind = 'reminder' AND event_id IN (%s)" % ids)
        expect(n.strip() == str(len(load.created)), "%s reminder rows for %d events" % (n.strip(), len(load.created)))

        # The contrast: server-side prepared statements meet another
        # worker's connection (42P05 already exists / 26000 does not exist).
        env["AURORA_DB_PREPARED"] = "on"
        api_on = Api(stack, "bouncer-prepared", workers=4, env=env).start()
        ngx_on = Nginx(stack, "bouncer-prepared", [api_on.upstream]).start()
        with Load(ngx_on.request, u, threads=6) as load_on:
            time.sleep(1.5)
        bad_on = load_on.failures()
        note("pgbouncer, db_prepared = on: %d requests, %d failed" % (len(load_on.results), len(bad_on)))
        expect(bad_on, "db_prepared = on worked through transaction pooling: the workers did not share "
               "server connections, so the test above proved nothing")
    finally:
        for x in (ngx_on, api_on, ngx, api, bouncer):
            if x:
                x.stop()
        stack.psql("ALTER ROLE aurora_api RESET statement_timeout")


TESTS = [
    ("two_api_instances_failover", test_two_api_instances_failover),
    ("graceful_reload_no_failed_requests", test_graceful_reload_no_failed_requests),
    ("rolling_upgrade_no_failed_requests", test_rolling_upgrade_no_failed_requests),
    ("per_host_metrics", test_per_host_metrics),
    ("tcp_listener_allow_list", test_tcp_listener_allow_list),
    ("backup_restore_roundtrip", test_backup_restore_roundtrip),
    ("two_senders_no_duplicates", test_two_senders_no_duplicates),
    ("pgbouncer_transaction_mode", test_pgbouncer_transaction_mode),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
