"""What the browser test wrappers (test_web*.py) share: the pinned node and
Chromium, the frontend build, PASS / FAIL reporting, and the run of one
tests/e2e/*.mjs script against a stack with its lines relayed as they come;
run_account_e2e is the whole main() of a wrapper whose script signs in with a
fresh confirmed account. A helper module, not a test (not named test_*.py)."""

import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import users  # noqa: E402
from stack import Stack, StackError, TOP, expect, one_line  # noqa: E402

# The Node.js package.json pins (playwright-core 1.65 needs 20 or later;
# Debian 12's nodejs is 18), else whatever node is on PATH.
NODE = os.path.join(TOP, "node_modules", ".bin", "node")
if not os.access(NODE, os.X_OK):
    NODE = shutil.which("node") or "node"
BUILD_WEB = os.path.join(TOP, "tools", "build-web")
CHROMIUM = os.environ.get("AURORA_E2E_CHROMIUM", "/usr/bin/chromium")


def out_dir(name):
    """Where a run's screenshots and axe reports go: $AURORA_TEST_OUT/name."""
    return os.path.join(os.environ.get("AURORA_TEST_OUT") or os.path.join(TOP, "var", "test-output"), name)


class Report:
    """PASS / FAIL lines on stdout, counting the failures."""

    def __init__(self):
        self.failed = 0

    def __call__(self, name, err=None):
        if err is None:
            print("PASS %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, one_line(err, 500)), flush=True)


def build_web(_stack=None):
    r = subprocess.run([BUILD_WEB], cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=120)
    expect(r.returncode == 0, "tools/build-web failed: " + r.stdout)
    expect(os.path.isfile(os.path.join(TOP, "web", "index.html")), "web/index.html was not written")


def relay(stream, sink):
    for raw in iter(stream.readline, ""):
        line = raw.rstrip("\n")
        sink.append(line)
        if line.startswith(("PASS ", "FAIL ", "SKIP ")):
            print(line, flush=True)
        else:
            print(line if line.startswith("#") else "# " + line, file=sys.stderr, flush=True)


def run_e2e(stack, report, name, script, out, timeout, env_extra,
            logs=("aurora-api.log", "nginx-error.log"), need_checks=True):
    """Runs tests/e2e/<script> against stack, reporting its checks (and, as
    name, what kept it from running or finishing). env_extra: the AURORA_E2E_*
    settings beyond the stack's address, the output directory and Chromium.
    need_checks: a run that reports no check at all fails."""
    missing = []
    if not os.access(NODE, os.X_OK):
        missing.append("node (npm ci installs the pinned one)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("%s (apt-get install chromium)" % CHROMIUM)
    for pkg in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(TOP, "node_modules", pkg)):
            missing.append("node_modules/%s (npm ci)" % pkg)
    if missing:
        report(name, "cannot run the browser tests, missing: " + ", ".join(missing))
        return
    env = dict(os.environ,
               AURORA_E2E_BASE="http://127.0.0.1:%d" % stack.http_port,
               AURORA_E2E_OUT=out,
               AURORA_E2E_CHROMIUM=CHROMIUM, **env_extra)
    os.makedirs(out, exist_ok=True)
    shots = os.path.join(out, "screenshots")
    shutil.rmtree(shots, ignore_errors=True)
    proc = subprocess.Popen([NODE, os.path.join(TOP, "tests", "e2e", script)], cwd=TOP, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, start_new_session=True)
    out_lines, err_lines = [], []
    t1 = threading.Thread(target=relay, args=(proc.stdout, out_lines))
    t2 = threading.Thread(target=relay, args=(proc.stderr, err_lines))
    t1.start()
    t2.start()
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        rc = proc.wait()
        report(name, "the browser run took longer than %d s and was killed" % timeout)
    t1.join(10)
    t2.join(10)
    fails = sum(1 for line in out_lines if line.startswith("FAIL "))
    passes = sum(1 for line in out_lines if line.startswith("PASS "))
    report.failed += fails
    if rc != 0 and fails == 0:
        report(name, "node exited with status %d after %d checks: %s"
               % (rc, passes, one_line(" | ".join(err_lines[-5:]), 400)))
    if need_checks and passes == 0 and fails == 0 and rc == 0:
        report(name, "the browser run reported no check at all")
    if fails:
        for log in logs:
            tail = stack.log_tail(log, 15)
            if tail:
                print("# --- %s\n# %s" % (log, tail.rstrip().replace("\n", "\n# ")), file=sys.stderr)
    if os.path.isdir(shots):
        print("# screenshots: %s (%d files)" % (shots, len(os.listdir(shots))), file=sys.stderr)


def run_account_e2e(what, script, timeout, prepare=None):
    """A wrapper's main(): builds the frontend, starts a stack, makes a
    confirmed account, lets prepare(stack, user) set it up further (it returns
    the extra AURORA_E2E_* settings, or raises), then runs script as it, with
    output in var/test-output/web-<what>. Returns the exit status."""
    report = Report()
    try:
        build_web()
    except Exception as e:  # noqa: BLE001 — every failure is reported
        report("web_build", "%s: %s" % (type(e).__name__, e))
        return 1
    report("web_build")
    stack = Stack(workers=2)
    try:
        try:
            stack.start()
        except (StackError, subprocess.TimeoutExpired) as e:
            report("web_%s_stack" % what, "stack did not start: %s" % one_line(str(e), 300))
            return 1
        try:
            user = users.create_user(stack)
            extra = prepare(stack, user) if prepare else {}
        except Exception as e:  # noqa: BLE001
            report("web_%s_account" % what, "%s: %s" % (type(e).__name__, e))
            return 1
        env = dict(extra or {}, AURORA_E2E_EMAIL=user["email"], AURORA_E2E_PASSWORD=user["password"])
        started = time.monotonic()
        run_e2e(stack, report, "e2e_" + what, script, out_dir("web-" + what), timeout, env)
        print("# e2e took %.0f s" % (time.monotonic() - started), file=sys.stderr)
    finally:
        stack.stop()
    return 1 if report.failed else 0
