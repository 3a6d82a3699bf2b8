"""Throwaway Aurora Time stack for the integration tests (Python 3 stdlib only).

A Stack starts PostgreSQL, aurora-api, nginx and the SES emulator through
tools/stack in a temporary directory, on free ports, and destroys it at the
end even when a test fails. run_tests() runs test functions against one stack
and prints one line per test:

    PASS name
    FAIL name: reason
    SKIP name: reason

Helpers on a Stack: request() (through nginx), ses_request(), ses_emails(),
ses_clear(), psql(), pg_stop(), pg_start(), api_master_pid(), worker_pids(),
conf(), log_tail(). /api/v1/auth/ is rate-limited per client address (10 r/s,
burst 20): a test making many auth calls can spread them over loopback
addresses with request(..., source="127.0.0.N").

Environment: AURORA_BUILD (build directory, default var/build),
AURORA_KEEP_STACK=1 keeps the stack directory for inspection,
AURORA_TEST_TIMEOUT (seconds per test, default 120).
"""

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("AURORA_BUILD") or os.path.join(TOP, "var", "build"))
STACK_TOOL = os.path.join(TOP, "tools", "stack")

JSON_TYPE = "application/json; charset=utf-8"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class Skip(Exception):
    """Raised by a test that cannot run yet (for example a missing route)."""


class StackError(Exception):
    pass


class TestTimeout(Exception):
    pass


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bound to port 0, then released)."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def one_line(text, limit=600):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Response:
    """status, headers (case-insensitive, get_all for repeats), body (parsed
    JSON when the Content-Type says JSON and it parses, else bytes), raw."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.body = raw
        ctype = headers.get("Content-Type", "") or ""
        if ctype.startswith("application/json"):
            try:
                self.body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                pass

    def __iter__(self):  # status, headers, body = stack.request(...)
        return iter((self.status, self.headers, self.body))

    def error_code(self):
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None

    def describe(self):
        body = self.body if not isinstance(self.body, bytes) else self.body[:200]
        return "HTTP %d %s" % (self.status, one_line(body, 200))


class Stack:
    def __init__(self, workers=4, fetch=False, env=None):
        """fetch: run aurora-fetch --watch too (AURORA_FETCH=1); env: more
        AURORA_<KEY> settings for every program of the stack."""
        self.workers = workers
        self.fetch = fetch
        self.extra_env = dict(env or {})
        self.var = None
        self.http_port = self.ses_port = self.pg_port = None
        self.env = None
        self.reports = []  # sanitizer report lines from stopped stacks

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=240):
        for binary in ("aurora-api", "aurora-admin"):
            if not os.access(os.path.join(BUILD, "src", binary), os.X_OK):
                raise StackError("%s/src/%s is not built" % (BUILD, binary))
        self.var = tempfile.mkdtemp(prefix="aurora-it-")
        # The postgres OS user (when run as root) must reach the directory.
        os.chmod(self.var, 0o755)
        self.http_port, self.ses_port, self.pg_port = free_ports(3)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
        env.update(
            AURORA_VAR=self.var,
            AURORA_HTTP_PORT=str(self.http_port),
            AURORA_SES_PORT=str(self.ses_port),
            AURORA_PG_PORT=str(self.pg_port),
            AURORA_BUILD=BUILD,
            AURORA_WORKERS=str(self.workers),
            AURORA_FETCH="1" if self.fetch else "0",
        )
        env.update({k: str(v) for k, v in self.extra_env.items()})
        self.env = env
        atexit.register(self.stop)
        r = self._tool("start", timeout=timeout)
        if r.returncode != 0:
            out = r.stdout
            self.stop()
            raise StackError("tools/stack start failed:\n" + out)
        return self

    def stop(self):
        """Stops the stack, collects sanitizer reports (leaks are reported at
        exit), keeps its logs under var/log/integration/, removes it."""
        if self.var is None:
            return
        var = self.var
        env = dict(self.env, AURORA_VAR=var)
        r = subprocess.run([STACK_TOOL, "stop"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=120)
        if r.returncode != 0:
            print("# tools/stack stop failed:\n# " + r.stdout.replace("\n", "\n# "), file=sys.stderr)
        self.reports += self.sanitizer_reports()
        self.save_logs()
        self.var = None
        if os.environ.get("AURORA_KEEP_STACK") == "1":
            print("# stack kept in %s" % var, file=sys.stderr)
            return
        r = subprocess.run([STACK_TOOL, "destroy"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=120)
        if r.returncode != 0:
            print("# tools/stack destroy failed:\n" + r.stdout, file=sys.stderr)
            shutil.rmtree(var, ignore_errors=True)

    def restart(self):
        self.stop()
        self.start()

    def _tool(self, *args, timeout=120):
        return subprocess.run([STACK_TOOL] + list(args), env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=timeout)

    def _tool_ok(self, *args, timeout=120):
        r = self._tool(*args, timeout=timeout)
        if r.returncode != 0:
            raise StackError("tools/stack %s failed: %s" % (" ".join(args), one_line(r.stdout)))
        return r.stdout

    # -- helpers for tests -------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=10.0, port=None,
                source=None):
        """One HTTP request on a fresh connection; returns a Response
        (iterable as status, headers, body). Raises on network errors and
        timeouts, which tests report as failures. source: a loopback address
        to send from (127.0.0.2 looks like another client to nginx)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = dict(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", port or self.http_port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        try:
            try:
                conn.request(method, path, body=body, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                # The server may answer (413) and close before the whole body
                # is sent; its answer is still there to read.
                pass
            resp = conn.getresponse()
            raw = resp.read()
            return Response(resp.status, resp.headers, raw)
        finally:
            conn.close()

    def ses_request(self, method, path, body=None, headers=None, timeout=10.0):
        return self.request(method, path, body, headers, timeout, port=self.ses_port)

    def pg_stop(self):
        self._tool_ok("pg-stop")

    def pg_start(self):
        self._tool_ok("pg-start")

    def api_master_pid(self):
        return int(self._tool_ok("api-pid").strip().splitlines()[-1])

    def restart_api(self, env=None, timeout=60):
        """Stops aurora-api and starts it again through tools/stack start
        (the other services keep running). env is merged into the stack's
        environment for this and later starts (a None value removes a
        variable): AURORA_<KEY> variables override aurora.conf settings."""
        for k, v in (env or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        pid = self.api_master_pid()
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
            except OSError:
                break
            time.sleep(0.1)
        self._tool_ok("start", timeout=timeout + 120)

    def restart_fetch(self, env=None):
        """Stops aurora-fetch and starts it again (--watch) with env merged
        into the stack's environment (a None value removes a variable), e.g.
        {"AURORA_SUBSCRIPTION_ALLOW_LOOPBACK": "off"}."""
        for k, v in (env or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        self._tool_ok("fetch-stop")
        self._tool_ok("fetch-start")

    def worker_pids(self, master=None):
        """Pids of the live children of the aurora-api master."""
        master = master or self.api_master_pid()
        pids = set()
        try:
            out = subprocess.run(["pgrep", "-P", str(master)], stdout=subprocess.PIPE,
                                 universal_newlines=True, timeout=10).stdout
            pids = {int(p) for p in out.split()}
        except FileNotFoundError:  # no procps: read /proc
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open("/proc/%s/stat" % d) as f:
                            fields = f.read().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    if int(fields[1]) == master:
                        pids.add(int(d))
        # Leave out zombies (killed, not yet reaped).
        live = set()
        for p in pids:
            try:
                with open("/proc/%d/stat" % p) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                live.add(p)
        return live

    def psql(self, sql, db="aurora", user="postgres", timeout=30):
        """Runs SQL through psql on the stack's socket (default: as the
        superuser) and returns its unaligned, tuples-only output; raises
        StackError when psql fails."""
        fields = dict(kv.split("=", 1) for kv in self.conf()["db_conninfo"].split())
        pgbin = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
        r = subprocess.run([os.path.join(pgbin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", fields["host"], "-p", fields["port"], "-U", user, "-d", db, "-c", sql],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=timeout)
        if r.returncode != 0:
            raise StackError("psql failed: %s" % one_line(r.stderr))
        return r.stdout

    def ses_emails(self):
        """Mail the SES emulator has received: its /store "emails" list."""
        r = self.ses_request("GET", "/store")
        if r.status != 200 or not isinstance(r.body, dict):
            raise StackError("SES /store: %s" % r.describe())
        return r.body.get("emails", [])

    def ses_clear(self):
        r = self.ses_request("POST", "/clear-store")
        if r.status >= 300:
            raise StackError("SES /clear-store: %s" % r.describe())

    def conf(self):
        """The generated aurora.conf as a dict."""
        out = {}
        with open(os.path.join(self.var, "aurora.conf")) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if "=" in line:
                    k, v = line.split("=", 1)
                    out[k.strip()] = v.strip()
        return out

    def log_tail(self, name, lines=20):
        if not self.var:
            return ""
        try:
            with open(os.path.join(self.var, "log", name), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def save_logs(self):
        """Copies the stack's logs to var/log/integration/<test file>/ so that
        they outlive the throwaway stack."""
        if not self.var:
            return
        name = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "stack"
        dest = os.path.join(TOP, "var", "log", "integration", name)
        try:
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest, exist_ok=True)
            logdir = os.path.join(self.var, "log")
            for f in os.listdir(logdir):
                src = os.path.join(logdir, f)
                if os.path.isfile(src):
                    shutil.copyfile(src, os.path.join(dest, f))
        except OSError as e:
            print("# could not save logs: %s" % e, file=sys.stderr)

    def sanitizer_reports(self):
        """Lines of AddressSanitizer/UBSan/LeakSanitizer reports in the logs
        of the programs under test."""
        found = []
        pattern = re.compile(r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")
        for name in ("aurora-api.log", "aurora-remind.log", "aurora-fetch.log", "migrate.log"):
            try:
                with open(os.path.join(self.var, "log", name), errors="replace") as f:
                    found += ["%s: %s" % (name, line.strip()) for line in f if pattern.search(line)]
            except OSError:
                pass
        return found

    def healthy(self, timeout=2.0):
        try:
            return self.request("GET", "/api/v1/health", timeout=timeout).status == 200
        except (OSError, http.client.HTTPException):
            return False

    def wait_healthy(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.healthy():
                return True
            time.sleep(0.2)
        return False

    def ensure_healthy(self):
        """Before each test: bring a stack a previous test left broken back,
        so that tests stay independent of each other's outcome."""
        if self.var and self.wait_healthy(5):
            return
        if self.var:
            self._tool("pg-start")
            if self.wait_healthy(10):
                return
        print("# stack unhealthy, starting a new one", file=sys.stderr)
        self.restart()


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def check_json_error(resp, status, code=None):
    """The answer has the status, Content-Type and {"error":{"code":...}}."""
    expect(resp.status == status, "expected %d, got %s" % (status, resp.describe()))
    ctype = resp.headers.get("Content-Type")
    expect(ctype == JSON_TYPE, "Content-Type %r, expected %r" % (ctype, JSON_TYPE))
    got = resp.error_code()
    expect(isinstance(got, str) and got, "no error.code in %s" % resp.describe())
    if code is not None:
        expect(got == code, "error.code %r, expected %r" % (got, code))


def check_security_headers(resp):
    for name, value in SECURITY_HEADERS.items():
        got = resp.headers.get_all(name) or []
        expect(got == [value], "header %s: %r, expected once %r" % (name, got, value))


def _alarm(signum, frame):
    raise TestTimeout("test took longer than its time limit")


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def run_tests(tests, workers=4, fetch=False, env=None):
    """Runs [(name, function(stack)), ...] on one stack; names given on the
    command line select a subset. fetch and env as for Stack. Returns the
    process exit status."""
    selected = sys.argv[1:]
    if selected:
        tests = [t for t in tests if t[0] in selected]
    limit = int(os.environ.get("AURORA_TEST_TIMEOUT", "120"))
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGALRM, _alarm)
    failed = 0
    stack = Stack(workers=workers, fetch=fetch, env=env)
    try:
        try:
            stack.start()
        except (StackError, subprocess.TimeoutExpired) as e:
            reason = str(e)
            print("# " + reason.replace("\n", "\n# "), file=sys.stderr)
            for name, _ in tests:
                print("FAIL %s: stack did not start: %s" % (name, one_line(reason, 300)), flush=True)
            return 1
        for name, fn in tests:
            signal.alarm(limit)
            try:
                stack.ensure_healthy()
                fn(stack)
            except Skip as e:
                print("SKIP %s: %s" % (name, one_line(e)), flush=True)
            except Exception as e:  # noqa: BLE001 — every failure is reported
                failed += 1
                tb = traceback.format_exc()
                print("FAIL %s: %s" % (name, one_line("%s: %s" % (type(e).__name__, e))), flush=True)
                print("# " + tb.rstrip().replace("\n", "\n# "), file=sys.stderr)
                for log in ("aurora-api.log", "nginx-error.log"):
                    tail = stack.log_tail(log, 15)
                    if tail:
                        print("# --- %s\n# %s" % (log, tail.rstrip().replace("\n", "\n# ")),
                              file=sys.stderr)
            else:
                print("PASS %s" % name, flush=True)
            finally:
                signal.alarm(0)
    finally:
        signal.alarm(0)
        stack.stop()
    # Sanitizer builds (AURORA_SANITIZE=1) report into the logs, which the
    # HTTP answers would not show; leaks only when the programs exit.
    if stack.reports:
        failed += 1
        print("FAIL no_sanitizer_reports: %d lines, first: %s"
              % (len(stack.reports), one_line(stack.reports[0], 300)), flush=True)
        print("# " + "\n# ".join(stack.reports[:40]), file=sys.stderr)
    else:
        print("PASS no_sanitizer_reports", flush=True)
    return 1 if failed else 0
