#!/usr/bin/python3
"""The web frontend on a throwaway stack: how nginx serves it (CSP, caching,
no inline code), then the end-to-end run in headless Chromium
(tests/e2e/web.mjs, playwright-core + axe-core from npm), whose PASS / FAIL /
SKIP lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web/screenshots, default var/test-output/web),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import SECURITY_HEADERS, Stack, StackError, TOP, check_security_headers, expect, one_line  # noqa: E402

E2E = os.path.join(TOP, "tests", "e2e", "web.mjs")
# The Node.js package.json pins (playwright-core 1.65 needs 20 or later;
# Debian 12's nodejs is 18), else whatever node is on PATH.
NODE = os.path.join(TOP, "node_modules", ".bin", "node")
if not os.access(NODE, os.X_OK):
    NODE = shutil.which("node") or "node"
BUILD_WEB = os.path.join(TOP, "tools", "build-web")
CHROMIUM = os.environ.get("AURORA_E2E_CHROMIUM", "/usr/bin/chromium")
OUT = os.path.join(os.environ.get("AURORA_TEST_OUT") or os.path.join(TOP, "var", "test-output"), "web")
E2E_TIMEOUT = 420

failed = 0


def report(name, err=None):
    global failed
    if err is None:
        print("PASS %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, one_line(err, 500)), flush=True)


def run_check(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 — every failure is reported
        report(name, "%s: %s" % (type(e).__name__, e))
        return False
    report(name)
    return True


# ------------------------------------------------------------ static checks
def test_build(_stack=None):
    r = subprocess.run([BUILD_WEB], cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=120)
    expect(r.returncode == 0, "tools/build-web failed: " + r.stdout)
    expect(os.path.isfile(os.path.join(TOP, "web", "index.html")), "web/index.html was not written")


def index_html(stack):
    r = stack.request("GET", "/")
    expect(r.status == 200, "GET / answered %d" % r.status)
    return r, r.raw.decode("utf-8")


def test_index_served(stack):
    r, html = index_html(stack)
    expect((r.headers.get("Content-Type") or "").startswith("text/html"), "Content-Type %r" % r.headers.get("Content-Type"))
    expect(r.headers.get("Cache-Control") == "no-cache", "index.html Cache-Control %r, want no-cache" % r.headers.get("Cache-Control"))
    check_security_headers(r)
    expect(SECURITY_HEADERS["Content-Security-Policy"] in (r.headers.get("Content-Security-Policy") or ""), "no strict CSP")


def test_no_inline_code(stack):
    _, html = index_html(stack)
    inline_scripts = [m.group(0) for m in re.finditer(r"<script\b(?![^>]*\bsrc=)[^>]*>", html, re.I)]
    expect(not inline_scripts, "inline <script>: %r" % inline_scripts)
    expect(not re.search(r"<style\b", html, re.I), "inline <style> element in index.html")
    expect(not re.search(r"\sstyle\s*=", html, re.I), "style attribute in index.html")
    expect(not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler attribute in index.html")
    # The app's own code never builds HTML from strings nor sets style attributes.
    src = os.path.join(TOP, "web", "src", "js")
    for name in sorted(os.listdir(src)):
        text = open(os.path.join(src, name), encoding="utf-8").read()
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "setAttribute('style'",
                    'setAttribute("style"', "eval(", "new Function("):
            expect(bad not in text, "web/src/js/%s uses %s" % (name, bad))


def test_assets_hashed_and_cached(stack):
    _, html = index_html(stack)
    refs = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    expect(len(refs) >= 6, "index.html refers to %d assets" % len(refs))
    for ref in refs:
        expect(re.fullmatch(r"/assets/[A-Za-z0-9_-]+\.[0-9a-f]{12}\.(js|css|svg)", ref), "asset name not content-hashed: %s" % ref)
        r = stack.request("GET", ref)
        expect(r.status == 200, "%s answered %d" % (ref, r.status))
        cc = r.headers.get("Cache-Control") or ""
        expect("immutable" in cc and "max-age=31536000" in cc, "%s Cache-Control %r" % (ref, cc))
        ctype = r.headers.get("Content-Type") or ""
        want = {"js": "application/javascript", "css": "text/css", "svg": "image/svg+xml"}[ref.rsplit(".", 1)[1]]
        expect(ctype.startswith(want), "%s Content-Type %r" % (ref, ctype))
    # Module imports resolve to hashed siblings that exist.
    for ref in refs:
        if ref.endswith(".js") and "fullcalendar" not in ref:
            body = stack.request("GET", ref).raw.decode("utf-8")
            for imp in re.findall(r"""from\s*['"](\./[^'"]+)['"]""", body):
                r = stack.request("GET", "/assets/" + imp[2:])
                expect(r.status == 200, "%s imports %s, which answers %d" % (ref, imp, r.status))


# ------------------------------------------------------------ e2e
def relay(stream, sink):
    for raw in iter(stream.readline, ""):
        line = raw.rstrip("\n")
        sink.append(line)
        if line.startswith(("PASS ", "FAIL ", "SKIP ")):
            print(line, flush=True)
        else:
            print(line if line.startswith("#") else "# " + line, file=sys.stderr, flush=True)


def run_e2e(stack):
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
        report("e2e", "cannot run the browser tests, missing: " + ", ".join(missing))
        return
    env = dict(os.environ,
               AURORA_E2E_BASE="http://127.0.0.1:%d" % stack.http_port,
               AURORA_E2E_SES="http://127.0.0.1:%d" % stack.ses_port,
               AURORA_E2E_OUT=OUT,
               AURORA_E2E_CHROMIUM=CHROMIUM)
    os.makedirs(OUT, exist_ok=True)
    shots = os.path.join(OUT, "screenshots")
    shutil.rmtree(shots, ignore_errors=True)
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
        report("e2e", "the browser run took longer than %d s and was killed" % E2E_TIMEOUT)
    t1.join(10)
    t2.join(10)
    fails = sum(1 for line in out_lines if line.startswith("FAIL "))
    passes = sum(1 for line in out_lines if line.startswith("PASS "))
    failed += fails
    if rc != 0 and fails == 0:
        report("e2e", "node exited with status %d after %d checks: %s" % (rc, passes, one_line(" | ".join(err_lines[-5:]), 400)))
    if fails:
        for log in ("aurora-api.log", "aurora-remind.log", "nginx-error.log"):
            tail = stack.log_tail(log, 15)
            if tail:
                print("# --- %s\n# %s" % (log, tail.rstrip().replace("\n", "\n# ")), file=sys.stderr)
    if os.path.isdir(shots):
        print("# screenshots: %s (%d files)" % (shots, len(os.listdir(shots))), file=sys.stderr)


def main():
    names = sys.argv[1:]
    if not run_check("web_build", test_build):
        return 1
    stack = Stack(workers=4)
    try:
        try:
            stack.start()
        except (StackError, subprocess.TimeoutExpired) as e:
            report("web_stack", "stack did not start: %s" % one_line(str(e), 300))
            return 1
        for name, fn in (("web_index_served", test_index_served), ("web_no_inline_code", test_no_inline_code),
                         ("web_assets_hashed_and_cached", test_assets_hashed_and_cached)):
            if not names or name in names:
                run_check(name, fn, stack)
        if not names or "e2e" in names:
            started = time.monotonic()
            run_e2e(stack)
            print("# e2e took %.0f s" % (time.monotonic() - started), file=sys.stderr)
    finally:
        stack.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
