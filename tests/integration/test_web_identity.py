#!/usr/bin/python3
"""The Sessions and Email address settings in the web app (issue 16), on a
throwaway stack: builds the frontend, makes a confirmed account and signs it
in once more as Firefox on Linux, then runs tests/e2e/identity.mjs in
headless Chromium (playwright-core + axe-core from npm), whose PASS / FAIL
lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web_identity.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web-identity/screenshots, default var/test-output/...),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import users  # noqa: E402
from stack import Stack, StackError, TOP, one_line  # noqa: E402
from test_web import CHROMIUM, NODE, relay, test_build  # noqa: E402

E2E = os.path.join(TOP, "tests", "e2e", "identity.mjs")
OUT = os.path.join(os.environ.get("AURORA_TEST_OUT") or os.path.join(TOP, "var", "test-output"), "web-identity")
E2E_TIMEOUT = 300

failed = 0


def report(name, err=None):
    global failed
    if err is None:
        print("PASS %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, one_line(err, 500)), flush=True)


def run_e2e(stack, user, new_email):
    global failed
    missing = []
    if not os.access(NODE, os.X_OK):
        missing.append("node (npm ci installs the pinned one)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("%s (apt-get install chromium)" % CHROMIUM)
    for pkg in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(TOP, "node_modules", pkg)):
            missing.append("node_modules/%s (npm ci)" % pkg)
    if missing:
        report("e2e_identity", "cannot run the browser tests, missing: " + ", ".join(missing))
        return
    env = dict(os.environ,
               AURORA_E2E_BASE="http://127.0.0.1:%d" % stack.http_port,
               AURORA_E2E_EMAIL=user["email"],
               AURORA_E2E_PASSWORD=user["password"],
               AURORA_E2E_NEW_EMAIL=new_email,
               AURORA_E2E_SES="http://127.0.0.1:%d" % stack.ses_port,
               AURORA_E2E_OUT=OUT,
               AURORA_E2E_CHROMIUM=CHROMIUM)
    os.makedirs(OUT, exist_ok=True)
    shutil.rmtree(os.path.join(OUT, "screenshots"), ignore_errors=True)
    proc = subprocess.Popen([NODE, E2E], cwd=TOP, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                            start_new_session=True)
    out_lines, err_lines = [], []
    t1 = threading.Thread(target=relay, args=(proc.stdout, out_lines))
    t2 = threading.Thread(target=relay, args=(proc.stderr, err_lines))
    t1.start()
    t2.start()
    try:
        rc = proc.wait(timeout=E2E_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        rc = proc.wait()
        report("e2e_identity", "the browser run took longer than %d s and was killed" % E2E_TIMEOUT)
    t1.join(10)
    t2.join(10)
    fails = sum(1 for line in out_lines if line.startswith("FAIL "))
    passes = sum(1 for line in out_lines if line.startswith("PASS "))
    failed += fails
    if rc != 0 and fails == 0:
        report("e2e_identity", "node exited with status %d after %d checks: %s"
               % (rc, passes, one_line(" | ".join(err_lines[-5:]), 400)))
    if passes == 0 and fails == 0 and rc == 0:
        report("e2e_identity", "the browser run reported no check at all")
    if fails:
        for log in ("aurora-api.log", "nginx-error.log"):
            tail = stack.log_tail(log, 15)
            if tail:
                print("# --- %s\n# %s" % (log, tail.rstrip().replace("\n", "\n# ")), file=sys.stderr)


def main():
    try:
        test_build()
    except Exception as e:  # noqa: BLE001 — every failure is reported
        report("web_build", "%s: %s" % (type(e).__name__, e))
        return 1
    report("web_build")
    stack = Stack(workers=2)
    try:
        try:
            stack.start()
        except (StackError, subprocess.TimeoutExpired) as e:
            report("web_identity_stack", "stack did not start: %s" % one_line(str(e), 300))
            return 1
        try:
            user = users.create_user(stack)
            # The run reads times in UTC, as the account shows them.
            r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": "UTC"}),
                              dict(users.JSON, **users.bearer(user["access_token"])))
            if r.status != 200:
                raise users.UserError("PATCH /api/v1/me: %s" % r.describe())
            # A second device, as the sessions page should name it.
            r = users.post(stack, "/api/v1/auth/login",
                           {"email": user["email"], "password": user["password"]},
                           headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                                                  "Gecko/20100101 Firefox/128.0"})
            if r.status != 200:
                raise users.UserError("login as Firefox: %s" % r.describe())
        except Exception as e:  # noqa: BLE001
            report("web_identity_account", "%s: %s" % (type(e).__name__, e))
            return 1
        started = time.monotonic()
        run_e2e(stack, user, users.unique_email("moved"))
        print("# e2e took %.0f s" % (time.monotonic() - started), file=sys.stderr)
    finally:
        stack.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
